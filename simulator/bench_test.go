package simulator

import (
	"net"
	"strings"
	"testing"
	"time"
)

// BenchmarkFleet_Step1000Vehicles10Hz steps 1000 flying vehicles by one
// 100 ms physics step each, including their 10 Hz position and attitude
// telemetry and the lower-rate messages, encoded and written to UDP. The
// vehicles use four GCS addresses (254 system ids each); the sinks are
// bound sockets nobody reads, so the kernel discards what overflows and no
// reader's CPU is counted.
func BenchmarkFleet_Step1000Vehicles10Hz(b *testing.B) {
	var gcs []string
	for i := 0; i < 4; i++ {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		gcs = append(gcs, "udp://"+c.LocalAddr().String())
	}
	f := &Fleet{Drones: 1000, GCS: strings.Join(gcs, ","), Stepped: true}
	if err := f.Initialize(); err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sent := f.Sent()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := f.Step(100 * time.Millisecond); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	perStep := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	// One step is 100 ms of flight for 1000 vehicles: CPU per vehicle in real time at speed-up 1.
	b.ReportMetric(perStep*10/1000/1e9*100, "%core/vehicle")
	b.ReportMetric(float64(f.Sent()-sent)/float64(b.N)/1000, "datagrams/vehicle/step")
}
