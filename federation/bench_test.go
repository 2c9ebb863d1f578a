package federation

import (
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
)

// BenchmarkStationToHQ_Detections is the rate at which detections go from a
// station's hub through its outbox (bbolt, fsync per batch written) and
// JetStream (file storage) to a headquarters' view, on loopback: a view in
// memory only, and one kept in its file (each batch written, with an
// fsync, before it is acknowledged).
func BenchmarkStationToHQ_Detections(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchStationToHQ(b, "") })
	b.Run("stored", func(b *testing.B) { benchStationToHQ(b, b.TempDir()+"/hq.hqview") })
}

func benchStationToHQ(b *testing.B, storePath string) {
	ns := startNATS(b)
	clk := newFakeClock()
	hub := &telemetry.Hub{}
	s := &Station{Name: "bench", Conn: connect(b, ns.ClientURL(), "bench"), Hub: hub, OutboxPath: b.TempDir() + "/outbox", RetryInterval: 20 * time.Millisecond, Clock: clk.Now}
	if err := s.Initialize(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	hq := &HQ{Name: "hq", Conn: connect(b, ns.ClientURL(), "hq"), DiscoverInterval: 20 * time.Millisecond, Clock: clk.Now, MaxEvents: 1 << 30, StorePath: storePath}
	if err := hq.Initialize(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(hq.Close)
	hub.Publish(telemetry.Detection{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 1}})
	testenv.Eventually(b, 10*time.Second, "the station followed", func() bool { return len(hq.Detections()) == 1 })
	b.ResetTimer()
	for i := range b.N {
		hub.Publish(telemetry.Detection{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 1}, TrackID: uint32(i)})
		if i%1000 == 999 { // stay within the station's hub queue (4096)
			testenv.Eventually(b, 30*time.Second, "the HQ caught up", func() bool { return len(hq.Detections()) >= i+2 })
		}
	}
	testenv.Eventually(b, 60*time.Second, "every detection at the HQ", func() bool { return len(hq.Detections()) == b.N+1 })
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if d := s.Stats().EventsDropped; d > 0 {
		b.Fatalf("%d events dropped", d)
	}
}
