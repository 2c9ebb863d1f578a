package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

// BenchmarkLiveTracker_Frame is the recorder's sortie tracker on a fleet of
// armed vehicles (10, and 2000 over 8 networks as in the load test), one
// HEARTBEAT (decoded through mavlink/decode) in every 10 frames, the others
// GLOBAL_POSITION_INT (decoded too while a sortie is open): the cost the
// shared decoder adds to every recorded frame, and whether a heartbeat's
// cost grows with the fleet. (BenchmarkRecorder's frames hold no heartbeat.)
func BenchmarkLiveTracker_Frame(b *testing.B) {
	for _, n := range []int{10, 2000} {
		b.Run(fmt.Sprintf("vehicles=%d", n), func(b *testing.B) { benchLiveTracker(b, n) })
	}
}

func benchLiveTracker(b *testing.B, n int) {
	frames := make([]telemetry.Frame, 2*n)
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for v := range n {
		sys, network := uint8(v%250+1), uint32(v/250)
		e := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: sys, ComponentID: 1}
		hb, err := e.Encode(nil, &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
			BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | common.MAV_MODE_FLAG_SAFETY_ARMED, CustomMode: 3})
		if err != nil {
			b.Fatal(err)
		}
		pos, err := e.Encode(nil, &common.MessageGlobalPositionInt{TimeBootMs: 1000, Lat: 313500000, Lon: -1109500000, Alt: 1250000})
		if err != nil {
			b.Fatal(err)
		}
		frames[2*v] = telemetry.Frame{Time: at, Network: network, SystemID: sys, ComponentID: 1, MessageID: 0, Raw: hb}
		frames[2*v+1] = telemetry.Frame{Time: at, Network: network, SystemID: sys, ComponentID: 1, MessageID: 33, Raw: pos}
	}
	t := &liveTracker{}
	t.reset()
	for i := range frames {
		t.frame(&frames[i])
	}
	if len(t.open) != n {
		b.Fatalf("%d sorties open, want %d", len(t.open), n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// One heartbeat in 10 frames, the vehicles in turn; positions otherwise.
		var f *telemetry.Frame
		if i%10 == 0 {
			f = &frames[2*((i/10)%n)]
		} else {
			f = &frames[2*(i%n)+1]
		}
		f.Time = f.Time.Add(time.Millisecond)
		t.frame(f)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}
