package web

import (
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/replay"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// tenHourFleet records 10 hours of 10 armed drones: HEARTBEAT and SYS_STATUS
// at 1 Hz, GLOBAL_POSITION_INT and ATTITUDE at 5 Hz (4.3 million frames),
// and a detection per drone every 30 s (12 000 events), in commits of 10 s.
func tenHourFleet(b *testing.B) *store.Store {
	st := &store.Store{Path: filepath.Join(b.TempDir(), "fleet.db"), NoSync: true}
	if err := st.Initialize(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	var frames []telemetry.Frame
	var events []telemetry.Event
	add := frameEncoder(b, &frames)
	hb := &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, CustomMode: 3,
		BaseMode: common.MAV_MODE_FLAG_SAFETY_ARMED | common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED}
	for ms := 0; ms < 10*3600*1000; ms += 200 {
		at := replayT0.Add(time.Duration(ms) * time.Millisecond)
		for id := uint8(1); id <= 10; id++ {
			at := at.Add(time.Duration(id) * time.Millisecond)
			if ms%1000 == 0 {
				add(id, at, hb)
				add(id, at, &common.MessageSysStatus{BatteryRemaining: int8(100 - ms/400000)})
			}
			add(id, at, &common.MessageGlobalPositionInt{Lat: int32((47 + float64(ms)/1e9) * 1e7), Lon: int32(8e7) + int32(id)*1000, Alt: 500000, Hdg: 65535})
			add(id, at, &common.MessageAttitude{TimeBootMs: uint32(ms)})
			if ms%30000 == 0 {
				events = append(events, telemetry.Detection{EventHeader: telemetry.Header(at, telemetry.VehicleID(id)), TrackID: uint32(ms / 30000), Class: "person", ConfidencePct: 80})
			}
		}
		if ms%10000 == 9800 {
			if err := st.Append(frames, events); err != nil {
				b.Fatal(err)
			}
			frames, events = frames[:0], events[:0]
		}
	}
	return st
}

// BenchmarkReplay_OpenAndSeek measures the backend part of opening a
// 10-hour, 10-drone sortie and seeking in it: from the seek to the first
// snapshot (every vehicle's state at that instant and the events up to it),
// through the live decode path.
func BenchmarkReplay_OpenAndSeek(b *testing.B) {
	st := tenHourFleet(b)
	srv := &Server{Fleet: &gcs.Fleet{LinkTimeout: 3500 * time.Millisecond}} // only its decoder is used
	win := replay.Window{From: replayT0, To: replayT0.Add(10 * time.Hour)}
	check := func(u replay.Update[gcs.VehicleState]) (int, int) {
		if u.Err != nil || !u.Reset || len(u.Vehicles) != 10 {
			b.Fatalf("snapshot: reset %v, %d vehicles, %v", u.Reset, len(u.Vehicles), u.Err)
		}
		// The message as /ws/replay writes it.
		data, err := json.Marshal(ReplayMessage{LiveMessage: LiveMessage{Type: "reset", Vehicles: u.Vehicles}, Replay: u.Clock, Events: u.Events})
		if err != nil {
			b.Fatal(err)
		}
		return len(data), len(u.Events)
	}
	b.Run("open", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sess := &replay.Session[gcs.VehicleState]{Store: st, Window: win, NewDecoder: srv.newReplayDecoder}
			if err := sess.Initialize(); err != nil {
				b.Fatal(err)
			}
			// At the window's first instant no frame has arrived yet: the
			// snapshot is empty and the vehicles come with the next poll.
			if u := sess.Poll(); !u.Reset || u.Err != nil {
				b.Fatalf("first snapshot: reset %v, %v", u.Reset, u.Err)
			}
		}
	})
	for _, history := range []time.Duration{0, 10 * time.Minute} {
		name := "seek"
		if history > 0 {
			name += "-history" + history.String()
		}
		b.Run(name, func(b *testing.B) { benchSeek(b, st, srv, win, history, check) })
	}
}

func benchSeek(b *testing.B, st *store.Store, srv *Server, win replay.Window, history time.Duration, check func(replay.Update[gcs.VehicleState]) (int, int)) {
	{
		sess := &replay.Session[gcs.VehicleState]{Store: st, Window: win, NewDecoder: srv.newReplayDecoder, History: history}
		if err := sess.Initialize(); err != nil {
			b.Fatal(err)
		}
		sess.Poll()
		rng := rand.New(rand.NewPCG(1, 2))
		var bytes, events int
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sess.Seek(replayT0.Add(time.Duration(rng.Int64N(int64(10 * time.Hour)))))
			n, e := check(sess.Poll())
			bytes += n
			events += e
		}
		b.ReportMetric(float64(events)/float64(b.N), "events/snapshot")
		b.ReportMetric(float64(bytes)/float64(b.N), "bytes/snapshot")
	}
}

// BenchmarkSortieSeries measures the plots of a whole 10-hour, 10-drone
// sortie (GET /api/v1/sorties/{id}/series: store.Series), one pass over its
// 4.3 million frames. cpu_ms/op is the process's CPU (getrusage): on a
// shared machine it moves less than the wall time.
func BenchmarkSortieSeries(b *testing.B) {
	st := tenHourFleet(b)
	q := store.SeriesQuery{Query: store.Query{From: replayT0, To: replayT0.Add(10 * time.Hour)}}
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := st.Series(q)
		if err != nil || len(res.Vehicles) != 10 {
			b.Fatalf("series: %d vehicles, %v", len(res.Vehicles), err)
		}
		if n := len(res.Vehicles[0].RelAltM); n != store.DefaultSeriesPoints {
			b.Fatalf("series: %d points, want %d", n, store.DefaultSeriesPoints)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu_ms/op")
	b.ReportMetric(4.32e6*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// processCPU is the CPU time this process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
