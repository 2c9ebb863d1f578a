package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// The load test is a measuring tool; this checks that it measures (every
// part reports non-zero, consistent counts), not how fast anything is.
func TestLoadtest_SmallRun_ReportsConsistentCounts(t *testing.T) {
	var out, errOut bytes.Buffer
	e := &env{stdout: &out, stderr: &errOut}
	code := run(context.Background(), e, []string{"loadtest", "--drones", "5", "--rate", "20", "--clients", "3", "--duration", "1s", "--json"})
	if code != 0 {
		t.Fatalf("loadtest exited %d: %s", code, errOut.String())
	}
	var r loadResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("loadtest --json output: %v\n%s", err, out.String())
	}
	if r.FramesSent == 0 || r.FramesReceived == 0 || r.FramesReceived+r.FramesUnadmitted > r.FramesSent {
		t.Fatalf("frames sent %d, received %d", r.FramesSent, r.FramesReceived)
	}
	// Every frame of an admitted vehicle is recorded; frames that came
	// before a drone's first heartbeat are counted apart, never recorded.
	if r.FramesRecorded != r.FramesReceived {
		t.Fatalf("recorded %d of %d received frames (%d before admission)", r.FramesRecorded, r.FramesReceived, r.FramesUnadmitted)
	}
	if r.StatesDelivered == 0 || r.ClientsFailed != 0 || r.LatencyP50Ms <= 0 {
		t.Fatalf("live clients: %+v", r)
	}
}

func TestLoadtest_TooManyDrones_ExplainsTheLimit(t *testing.T) {
	var out, errOut bytes.Buffer
	e := &env{stdout: &out, stderr: &errOut}
	if code := run(context.Background(), e, []string{"loadtest", "--drones", "1000"}); code != 1 {
		t.Fatalf("exit code %d", code)
	}
	if !bytes.Contains(errOut.Bytes(), []byte("254")) {
		t.Fatalf("error does not explain the system id limit: %s", errOut.String())
	}
}
