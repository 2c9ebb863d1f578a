package gcs

import (
	"context"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
)

// A server that starts with a fleet in the air hears every vehicle within a
// second. It asks them for their telemetry a few at a time (streamWorkers
// vehicles with a command in flight), each for each rate once, rather than
// all at once: the burst of thousands of exchanges was what delayed every
// state in the first second of a 2000-drone load test.
func TestFleet_RequestStreams_FleetHeardAtOnce_AskedAFewAtATimeEachOnce(t *testing.T) {
	rates := map[uint32]float64{33: 5, 30: 5, 1: 1}
	f := newTestFleet(t, &telemetry.Hub{}, func(f *Fleet) {
		f.NoStreamRequests, f.StreamRates = false, rates
		f.RequestTimeout = time.Minute // no resends: every command seen is a first ask
	}, "udp://127.0.0.1:0")
	p := dialPeer(t, "udp", f.LinkAddrs()[0].String())
	const n = 3*streamWorkers + 5
	for sys := 1; sys <= n; sys++ {
		p.send(uint8(sys), 1, copterHB())
	}
	ctx := context.Background()
	testenv.Eventually(t, 10*time.Second, "every vehicle heard", func() bool {
		vs, err := f.Vehicles(ctx)
		return err == nil && len(vs) == n
	})

	asked := map[[2]uint32]int{} // (system id, message id) → times asked
	seen, most := 0, 0
	testenv.Eventually(t, 30*time.Second, "every vehicle asked for every rate", func() bool {
		got := p.received()
		inFlight := map[uint8]bool{}
		for _, m := range got[seen:] {
			c, ok := m.(*common.MessageCommandLong)
			if !ok || c.Command != common.MAV_CMD_SET_MESSAGE_INTERVAL {
				continue
			}
			asked[[2]uint32{uint32(c.TargetSystem), uint32(c.Param1)}]++
			inFlight[c.TargetSystem] = true
			p.send(c.TargetSystem, 1, &common.MessageCommandAck{Command: c.Command, Result: common.MAV_RESULT_ACCEPTED, TargetSystem: 255})
		}
		seen = len(got)
		// Nothing was answered since the last look: every vehicle with a
		// command here is one being asked at the same time.
		if len(inFlight) > streamWorkers {
			t.Fatalf("%d vehicles asked at once; want at most %d", len(inFlight), streamWorkers)
		}
		most = max(most, len(inFlight))
		return len(asked) == n*len(rates)
	})
	for k, times := range asked {
		if times != 1 {
			t.Errorf("vehicle %d asked for message %d %d times; want once", k[0], k[1], times)
		}
	}
	if most != streamWorkers {
		t.Errorf("at most %d vehicles asked at once; want the %d workers busy while %d vehicles wait", most, streamWorkers, n)
	}
	testenv.Eventually(t, 5*time.Second, "no vehicle left waiting", func() bool { return f.StreamRequestsWaiting() == 0 })
}
