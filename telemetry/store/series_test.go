package store_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// Two vehicles for 1000 s. Vehicle 1 holds 50 m above home but for one
// half-second spike to 400 m, flies at 3 m/s, loses its battery from 100 to
// 90 %, is silent from 600 s to 620 s, and 5 of its frames around 800 s are
// lost (sequence numbers skipped). Downsampled to 100 points (50 buckets of
// 20 s): the spike survives, the silence is 100 % loss, the skipped frames
// are a loss between 0 and 100 %, and nothing is later than the window.
func TestStore_Series_MinMaxKeptLinkLossFromGapsAndSilence(t *testing.T) {
	st := storetest.MustOpen(t)
	m := newMaker(t)
	var frames []telemetry.Frame
	for ms := 0; ms < 1000000; ms += 500 {
		at := t0.Add(time.Duration(ms) * time.Millisecond)
		if ms >= 600000 && ms < 620000 {
			continue
		}
		rel := int32(50000)
		if ms == 333500 {
			rel = 400000
		}
		f := m.frame(1, at, &common.MessageGlobalPositionInt{Lat: 313000000, Lon: -1110000000, RelativeAlt: rel, Vx: 300, Hdg: 65535})
		if ms >= 800000 && ms < 802500 {
			continue // encoded (its sequence number used) but never received
		}
		frames = append(frames, f)
		frames = append(frames, m.frame(2, at, &common.MessageGlobalPositionInt{Lat: 313100000, Lon: -1110000000, RelativeAlt: 30000, Hdg: 65535}))
		if ms%1000 == 0 {
			frames = append(frames, m.frame(1, at, battery(int8(100-ms/100000))))
		}
	}
	if err := st.Append(frames, nil); err != nil {
		t.Fatal(err)
	}
	q := store.SeriesQuery{Query: store.Query{From: t0, To: t0.Add(1000 * time.Second)}, Points: 100}
	res, err := st.Series(q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Vehicles) != 2 || res.Vehicles[0].SysID != 1 || res.Vehicles[1].SysID != 2 || res.BucketS != 20 {
		t.Fatalf("series of %d vehicles, bucket %v s", len(res.Vehicles), res.BucketS)
	}
	v := res.Vehicles[0]
	if len(v.T) > 100 || len(v.RelAltM) != len(v.T) || len(v.LinkLossPct) != len(v.T) || len(v.BatteryPct) != len(v.T) {
		t.Fatalf("%d times, %d altitudes: more than the 100 points asked, or lists of different lengths", len(v.T), len(v.RelAltM))
	}
	minMax := func(vals []store.NullFloat) (lo, hi float64) {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, x := range vals {
			if !math.IsNaN(float64(x)) {
				lo, hi = math.Min(lo, float64(x)), math.Max(hi, float64(x))
			}
		}
		return
	}
	if lo, hi := minMax(v.RelAltM); lo != 50 || hi != 400 {
		t.Errorf("altitude %v–%v m, want 50–400 (the half-second spike kept)", lo, hi)
	}
	if lo, hi := minMax(v.GroundspeedMS); lo != 3 || hi != 3 {
		t.Errorf("speed %v–%v m/s, want 3", lo, hi)
	}
	if lo, hi := minMax(v.BatteryPct); lo != 91 || hi != 100 {
		t.Errorf("battery %v–%v %%, want 91–100", lo, hi)
	}
	at := func(sec float64) float64 {
		i := slices.IndexFunc(v.T, func(x float64) bool { return x >= float64(t0.Unix())+sec })
		return float64(v.LinkLossPct[i])
	}
	if at(10) != 0 || at(590) != 0 || at(610) != 100 || at(790) != 0 || at(990) != 0 {
		t.Errorf("link loss at 10, 590, 610, 790, 990 s: %v %v %v %v %v; want 0 0 100 0 0", at(10), at(590), at(610), at(790), at(990))
	}
	if l := at(805); l <= 0 || l >= 100 {
		t.Errorf("link loss around the 5 lost frames: %v %%", l)
	}
	last := float64(t0.Add(1000 * time.Second).Unix())
	if v.T[len(v.T)-1] >= last || v.T[0] < float64(t0.Unix()) {
		t.Errorf("times %v … %v outside the window", v.T[0], v.T[len(v.T)-1])
	}

	q.Systems = []telemetry.VehicleID{2}
	if res, err := st.Series(q); err != nil || len(res.Vehicles) != 1 || res.Vehicles[0].SysID != 2 {
		t.Fatalf("series of vehicle 2: %v %+v", err, res.Vehicles)
	}
	for _, bad := range []store.SeriesQuery{{Query: q.Query, Points: 5}, {Query: q.Query, Points: store.MaxSeriesPoints + 1}, {Query: store.Query{From: t0, To: t0}}} {
		if _, err := st.Series(bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("series %+v: %v, want ErrInvalid", bad, err)
		}
	}
}

// The plots show the vehicle state as the shared decoder has it, the state
// live and replay show: ArduPilot's 0,0 "no position" is no point (it is not
// an altitude of 0 m), and only the first battery speaks for the vehicle (a
// second pack at 10 % is not the vehicle's charge). Reading the payload at
// fixed offsets, as the series did before, plotted both.
func TestStore_Series_ValuesAsTheDecoderHasThem(t *testing.T) {
	st := storetest.MustOpen(t)
	m := newMaker(t)
	var frames []telemetry.Frame
	hb := &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
		BaseMode: common.MAV_MODE_FLAG_SAFETY_ARMED | common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED}
	for ms := 0; ms < 100000; ms += 500 {
		at := t0.Add(time.Duration(ms) * time.Millisecond)
		if ms%1000 == 0 {
			frames = append(frames, m.frame(1, at, hb), m.frame(1, at, battery(80)),
				m.frame(1, at, &common.MessageBatteryStatus{Id: 1, BatteryRemaining: 10, CurrentBattery: -1}))
		}
		pos := &common.MessageGlobalPositionInt{Lat: 313000000, Lon: -1110000000, RelativeAlt: 50000, Vx: 300, Hdg: 65535}
		if ms >= 40000 && ms < 60000 {
			pos = &common.MessageGlobalPositionInt{Hdg: 65535} // no fix: ArduPilot sends 0,0
		}
		frames = append(frames, m.frame(1, at, pos))
	}
	if err := st.Append(frames, nil); err != nil {
		t.Fatal(err)
	}
	res, err := st.Series(store.SeriesQuery{Query: store.Query{From: t0, To: t0.Add(100 * time.Second)}, Points: 20})
	if err != nil || len(res.Vehicles) != 1 {
		t.Fatalf("series: %v, %d vehicles", err, len(res.Vehicles))
	}
	v := res.Vehicles[0]
	for i, tt := range v.T {
		sec := tt - float64(t0.Unix())
		alt, spd, bat := float64(v.RelAltM[i]), float64(v.GroundspeedMS[i]), float64(v.BatteryPct[i])
		if inGap := sec >= 40 && sec < 60; inGap != math.IsNaN(alt) || inGap != math.IsNaN(spd) {
			t.Errorf("at %.1f s altitude %v m, speed %v m/s; want none only while the vehicle reports 0,0", sec, alt, spd)
		}
		if !math.IsNaN(alt) && (alt != 50 || spd != 3) {
			t.Errorf("at %.1f s altitude %v m, speed %v m/s; want 50 and 3", sec, alt, spd)
		}
		if bat != 80 {
			t.Errorf("at %.1f s battery %v %%, want 80 (the first battery's; the second pack's 10 %% is not the vehicle's)", sec, bat)
		}
	}
}
