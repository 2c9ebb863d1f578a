package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/loadtest"
	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// runLoadtest runs `borderwatch loadtest … --json` and decodes its result.
func runLoadtest(t *testing.T, args ...string) (loadtest.Result, int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{stdout: &out, stderr: &errOut}
	code := run(context.Background(), e, append(append([]string{"loadtest"}, args...), "--json"))
	var r loadtest.Result
	if code == 0 || out.Len() > 0 {
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("loadtest --json output: %v\n%s\n%s", err, out.String(), errOut.String())
		}
	}
	return r, code, errOut.String()
}

// checkSmallRun asserts what the load test itself measured: nothing the
// server accepted is missing from its store, and every client got every
// position of every drone in its view (the rest at about 1 Hz). Latency is
// not asserted: this is a 2-core machine shared with other work, and
// speed figures belong to docs/performance.md.
func checkSmallRun(t *testing.T, r loadtest.Result, drones, clients int) {
	t.Helper()
	if r.Drones != drones || r.Clients != clients || r.FramesSent == 0 || r.FramesReceived == 0 {
		t.Fatalf("run: %+v", r)
	}
	if r.StoredLost != 0 || r.FramesStored < r.FramesReceived {
		t.Fatalf("stored %d of %d frames the server accepted (%d lost)", r.FramesStored, r.FramesReceived, r.StoredLost)
	}
	if r.InViewExpected == 0 || !r.InViewAllDelivered || r.InViewDelivered != r.InViewExpected {
		t.Fatalf("in view: %d of %d positions delivered, %d clients failed, %d frames lost before the server",
			r.InViewDelivered, r.InViewExpected, r.ClientsFailed, r.FramesLostUDP)
	}
	if r.InView >= float64(drones) || r.InView < 1 {
		t.Fatalf("each client views %.1f of %d drones: the views do not split the fleet", r.InView, drones)
	}
	// Out of view: about 1 Hz per drone (the low rate), never the full 10 Hz.
	if r.OutOfViewPerDroneS <= 0 || r.OutOfViewPerDroneS > 2 {
		t.Fatalf("out-of-view drones came at %.2f states per second per client, want about 1", r.OutOfViewPerDroneS)
	}
	// One p99 per LatencyWindow of sending, none above the run's maximum.
	if want := int(math.Ceil(r.DurationS / loadtest.LatencyWindow.Seconds())); len(r.LatencyP99ByWindowMs) < 1 || len(r.LatencyP99ByWindowMs) > want {
		t.Fatalf("%d p99 windows for a %.1f s run, want 1–%d", len(r.LatencyP99ByWindowMs), r.DurationS, want)
	}
	for _, p := range r.LatencyP99ByWindowMs {
		if p > r.LatencyMaxMs || p < 0 {
			t.Fatalf("a window's p99 %.1f ms outside [0, max %.1f ms]", p, r.LatencyMaxMs)
		}
	}
	if r.VehiclesOnServer != drones || r.ServerCPUSeconds <= 0 || r.ServerRSSMiB <= 0 || r.LiveEncoded == 0 || r.LiveBytes == 0 {
		t.Fatalf("server figures: %+v", r)
	}
	// Compact clients (the default, as the browser) get most states as
	// motion updates, and every in-view one all the same; clients asking
	// for whole states get no motion update.
	if r.WholeStates != (r.LiveEncodedMotion == 0) {
		t.Fatalf("whole states %v, %d motion updates encoded", r.WholeStates, r.LiveEncodedMotion)
	}
}

func TestLoadtest_InProcessSmallRun_NothingLostEveryInViewStateDelivered(t *testing.T) {
	// With a CPU profile and an execution trace of the run (how the tail
	// latency is investigated, docs/performance.md).
	dir := t.TempDir()
	cpu, tr := filepath.Join(dir, "run.cpu"), filepath.Join(dir, "run.trace")
	r, code, errOut := runLoadtest(t, "--drones", "20", "--clients", "5", "--in-view", "4", "--duration", "2s", "--cpuprofile", cpu, "--trace", tr)
	if code != 0 {
		t.Fatalf("loadtest exited %d: %s", code, errOut)
	}
	checkSmallRun(t, r, 20, 5)
	if !r.CPUIncludesLoad || r.Target != "in-process" {
		t.Fatalf("an in-process run must say its CPU includes the load: %+v", r)
	}
	// A CPU profile is gzip-compressed protobuf; a trace starts with its
	// Go version header.
	if b, err := os.ReadFile(cpu); err != nil || len(b) < 100 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("CPU profile: %d bytes, %v", len(b), err)
	}
	if b, err := os.ReadFile(tr); err != nil || len(b) < 1000 || !bytes.HasPrefix(b, []byte("go 1.")) {
		t.Fatalf("trace: %d bytes, %v", len(b), err)
	}
}

func TestLoadtest_ProfileToAFolderThatDoesNotExist_SaysWhichFlag(t *testing.T) {
	_, code, errOut := runLoadtest(t, "--drones", "2", "--clients", "1", "--duration", "1s", "--cpuprofile", filepath.Join(t.TempDir(), "no", "such", "run.cpu"))
	if code == 0 || !strings.Contains(errOut, "--cpuprofile") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// --target: the generator and clients against a server running on its own
// (here in this test's process, reached only over HTTP, WebSocket and UDP).
func TestLoadtest_Target_LoadsARunningServer(t *testing.T) {
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: t.TempDir() + "/target.db"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	token := authtest.Token(t, sys.web.AccountsInUse(), auth.RoleAdmin)
	r, code, errOut := runLoadtest(t, "--target", sys.web.URL(), "--token", token, "--mavlink", sys.fleet.LinkAddrs()[0].String(),
		"--drones", "20", "--clients", "5", "--in-view", "4", "--duration", "2s", "--whole-states")
	if code != 0 {
		t.Fatalf("loadtest exited %d: %s", code, errOut)
	}
	checkSmallRun(t, r, 20, 5)
	if r.CPUIncludesLoad || r.Target != sys.web.URL() || !r.WholeStates {
		t.Fatalf("target run: %+v", r)
	}
	// The load's own CPU over the window the server's covers (here the
	// server runs in this test's process too, so it is in both).
	if r.LoadCPUSeconds <= 0 || r.CPUWindowS < r.DurationS {
		t.Fatalf("load CPU %.2f s over %.2f s, the run took %.2f s", r.LoadCPUSeconds, r.CPUWindowS, r.DurationS)
	}
}

func TestLoadtest_Target_WithoutAdminToken_SaysWhatItNeeds(t *testing.T) {
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: t.TempDir() + "/target.db"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	_, code, errOut := runLoadtest(t, "--target", sys.web.URL(), "--token", authtest.Token(t, sys.web.AccountsInUse(), auth.RoleSupervisor),
		"--mavlink", sys.fleet.LinkAddrs()[0].String(), "--drones", "2", "--clients", "1", "--duration", "1s")
	if code == 0 || !strings.Contains(errOut, "admin") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// More than 254 drones: spread over networks, one UDP link each, the same
// system ids on each (every drone a vehicle of its own on the server).
func TestLoadtest_InProcessNetworks_MoreThan254Drones(t *testing.T) {
	r, code, errOut := runLoadtest(t, "--drones", "300", "--networks", "2", "--clients", "3", "--in-view", "20", "--rate", "2", "--duration", "2s")
	if code != 0 {
		t.Fatalf("loadtest exited %d: %s", code, errOut)
	}
	if r.Networks != 2 {
		t.Fatalf("networks %d", r.Networks)
	}
	checkSmallRun(t, r, 300, 3)
}

func TestLoadtest_TooManyDronesForOneNetwork_ExplainsTheLimit(t *testing.T) {
	_, code, errOut := runLoadtest(t, "--drones", "1000")
	if code != 1 || !strings.Contains(errOut, "254") || !strings.Contains(errOut, "network") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
