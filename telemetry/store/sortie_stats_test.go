package store_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
	"github.com/borderwatch/borderwatch/telemetry/tlog"
)

// A sortie's statistics are the shared decoder's reading of the vehicle's
// messages (issue 12: they were read at fixed byte offsets): MAVLink 1 as
// well as 2, no position while the vehicle reports 0,0, the battery of the
// first battery only, and "unknown" (-1) never a minimum.
func TestStore_Sorties_StatsFromDecodedState(t *testing.T) {
	s := storetest.MustOpen(t)
	v1 := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 4, ComponentID: 1, V1: true}
	at := func(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }
	frame := func(sec float64, msg message.Message) telemetry.Frame {
		raw, err := v1.Encode(nil, msg)
		if err != nil {
			t.Fatal(err)
		}
		return telemetry.Frame{Time: at(sec), SystemID: 4, ComponentID: 1, MessageID: msg.GetID(), Raw: raw}
	}
	frames := []telemetry.Frame{
		frame(0, heartbeat(true)),
		frame(1, position(31.30, -110.90, 1250)),
		frame(2, position(0, 0, 9000)),                                      // no fix: ArduPilot's 0,0 is not a position
		frame(3, &common.MessageBatteryStatus{Id: 1, BatteryRemaining: 5}),  // a second battery does not speak for the vehicle
		frame(4, &common.MessageBatteryStatus{Id: 0, BatteryRemaining: -1}), // unknown
		frame(5, &common.MessageSysStatus{BatteryRemaining: -1, VoltageBattery: 65535}),
		frame(6, &common.MessageBatteryStatus{Id: 0, BatteryRemaining: 64}),
		frame(7, &common.MessageAttitude{Roll: 0.1}), // counted, not decoded
		frame(8, position(31.31, -110.90, 1262)),     // ~1112 m north
		frame(9, battery(71)),
		frame(10, heartbeat(false)),
	}
	if err := s.AppendFrames(frames); err != nil {
		t.Fatal(err)
	}
	got, err := s.Sorties(store.SortieFilter{Vehicle: 4})
	if err != nil || len(got) != 1 {
		t.Fatalf("sorties %+v, %v; want one", got, err)
	}
	so := got[0]
	if so.Open || so.Closed != "disarmed" || so.Frames != 11 || so.DurationS != 10 {
		t.Errorf("sortie %+v: want closed by the disarm, 11 frames over 10 s", so)
	}
	if so.MaxAltM != 1262 || so.MaxRelAltM != 1162 || so.MinBatteryPct != 64 {
		t.Errorf("max alt %g, max rel alt %g, min battery %d; want 1262, 1162, 64", so.MaxAltM, so.MaxRelAltM, so.MinBatteryPct)
	}
	if so.DistanceM < 1105 || so.DistanceM > 1120 {
		t.Errorf("distance %.1f m, want ≈ 1112 (0,0 must not count as a position)", so.DistanceM)
	}
}

// An armed vehicle silent past the link-loss limit and heard again, armed,
// with nothing else heard in between: its first sortie ends as "link lost"
// at its last frame, and the heartbeat that brings it back opens a new one
// (the decoder reports the vehicle up again). Before, the old sortie
// stretched over the silence.
func TestStore_Sorties_BackArmedAfterLinkLoss_NewSortie(t *testing.T) {
	s := storetest.MustOpen(t)
	m := newMaker(t)
	back := t0.Add(store.SortieLinkLossLimit + 30*time.Second)
	if err := s.AppendFrames([]telemetry.Frame{
		m.frame(1, t0, heartbeat(true)),
		m.frame(1, t0.Add(time.Second), position(31.3, -110.9, 1200)),
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendFrames([]telemetry.Frame{
		m.frame(1, back, heartbeat(true)),
		m.frame(1, back.Add(time.Second), position(31.3, -110.9, 1300)),
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Sorties(store.SortieFilter{Vehicle: 1})
	if err != nil || len(got) != 2 {
		t.Fatalf("sorties %+v, %v; want two", got, err)
	}
	second, first := got[0], got[1]
	if first.Open || first.Closed != "link lost" || !first.End.Equal(t0.Add(time.Second)) || first.MaxAltM != 1200 {
		t.Errorf("first sortie %+v: want closed as link lost at its last frame, max alt 1200", first)
	}
	if !second.Open || !second.Start.Equal(back) || second.MaxAltM != 1300 || second.Frames != 2 {
		t.Errorf("second sortie %+v: want open from the heartbeat that brought it back, max alt 1300, 2 frames", second)
	}
}

// A tlog fragment without any autopilot heartbeat still makes sorties: of
// every system with a verified frame that is not a ground station, by the
// shared decoder's admission rule (decode.Census, issue 12), with the
// statistics from decoded state.
func TestStore_ImportTlog_FragmentWithoutHeartbeat_SortiesByDecoderRule(t *testing.T) {
	s := storetest.MustOpen(t)
	m := newMaker(t)
	gcsHB := &common.MessageHeartbeat{Type: common.MAV_TYPE_GCS, Autopilot: common.MAV_AUTOPILOT_INVALID}
	var buf bytes.Buffer
	w := tlog.NewWriter(&buf)
	for _, f := range []telemetry.Frame{
		m.frame(255, t0, gcsHB),
		m.frame(1, t0.Add(time.Second), position(31.30, -110.90, 1250)),
		m.frame(2, t0.Add(2*time.Second), battery(50)),
		m.frame(1, t0.Add(3*time.Second), battery(80)),
		m.frame(1, t0.Add(4*time.Second), position(31.31, -110.90, 1240)),
		m.frame(255, t0.Add(5*time.Second), &common.MessageCommandLong{TargetSystem: 1, Command: common.MAV_CMD_NAV_RETURN_TO_LAUNCH}),
	} {
		if err := w.Write(f.Time, f.Raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	res, err := store.ImportTlogAt(s, bytes.NewReader(buf.Bytes()), "import:fragment", nil, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sorties) != 2 {
		t.Fatalf("%d sorties %+v; want one each for systems 1 and 2, none for the ground station", len(res.Sorties), res.Sorties)
	}
	one, two := res.Sorties[0], res.Sorties[1]
	if one.SystemID != 1 || two.SystemID != 2 || !slices.Equal(one.Companions, store.VehicleIDs{255}) {
		t.Fatalf("sorties of %d and %d, companions %v; want 1 and 2 with [255]", one.SystemID, two.SystemID, one.Companions)
	}
	if one.MaxAltM != 1250 || one.MinBatteryPct != 80 || one.DistanceM < 1105 || one.DistanceM > 1120 {
		t.Errorf("system 1's stats %+v: want max alt 1250, min battery 80, ≈ 1112 m", one)
	}
	if two.MinBatteryPct != 50 || two.HasFix {
		t.Errorf("system 2's stats %+v: want min battery 50, no fix", two)
	}
}
