package decode

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/telemetry"
)

func stateOf(t *testing.T, ap common.MAV_AUTOPILOT, msgs ...message.Message) (VehicleState, []telemetry.Event) {
	t.Helper()
	s := NewVehicleState(1)
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	var events []telemetry.Event
	emit := func(e telemetry.Event) { events = append(events, e) }
	s.Update(&common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: ap, BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED}, 1, now, emit)
	for i, m := range msgs {
		s.Update(m, 1, now.Add(time.Duration(i+1)*time.Millisecond), emit)
	}
	return s, events
}

const apm, px4 = common.MAV_AUTOPILOT_ARDUPILOTMEGA, common.MAV_AUTOPILOT_PX4

func TestVehicleState_Update_OneMissionNumberingForBothAutopilots(t *testing.T) {
	// A 4-item plan flying its last item: ArduPilot says seq 4 (home = 0), total 4.
	s, ev := stateOf(t, apm, &common.MessageMissionCurrent{Seq: 4, Total: 4, MissionState: common.MISSION_STATE_ACTIVE},
		&common.MessageMissionItemReached{Seq: 3})
	if s.MissionSeq != 3 || s.MissionTotal != 4 || s.MissionSeqAutopilot != 4 || s.MissionReached != 2 || s.MissionState != "active" {
		t.Fatalf("ArduPilot: seq %d (autopilot %d) of %d, reached %d, %s; want 3 (4) of 4, reached 2, active",
			s.MissionSeq, s.MissionSeqAutopilot, s.MissionTotal, s.MissionReached, s.MissionState)
	}
	for _, e := range ev {
		if p, ok := e.(telemetry.MissionProgress); ok && p.Seq > 3 {
			t.Fatalf("progress event in the autopilot's numbering: %+v", p)
		}
	}
	// PX4 counts from the first item.
	s, _ = stateOf(t, px4, &common.MessageMissionCurrent{Seq: 3, Total: 4}, &common.MessageMissionItemReached{Seq: 2})
	if s.MissionSeq != 3 || s.MissionTotal != 4 || s.MissionReached != 2 {
		t.Fatalf("PX4: seq %d of %d, reached %d; want 3 of 4, reached 2", s.MissionSeq, s.MissionTotal, s.MissionReached)
	}
	// PX4's total 65535 is "no mission"; ArduPilot's seq 0 is its home, not an item.
	s, _ = stateOf(t, px4, &common.MessageMissionCurrent{Seq: 0, Total: math.MaxUint16})
	if s.MissionTotal != 0 || s.MissionSeq != -1 || s.MissionState != "no_mission" {
		t.Fatalf("PX4 without a mission: seq %d of %d (%s)", s.MissionSeq, s.MissionTotal, s.MissionState)
	}
	s, _ = stateOf(t, apm, &common.MessageMissionCurrent{Seq: 0, Total: 0})
	if s.MissionTotal != 0 || s.MissionSeq != -1 {
		t.Fatalf("ArduPilot without a mission: seq %d of %d", s.MissionSeq, s.MissionTotal)
	}
}

func TestVehicleState_Update_RebootResetsDerivedState(t *testing.T) {
	prearmOK := &common.MessageSysStatus{OnboardControlSensorsPresent: common.MAV_SYS_STATUS_PREARM_CHECK,
		OnboardControlSensorsHealth: common.MAV_SYS_STATUS_PREARM_CHECK, BatteryRemaining: 8, VoltageBattery: 14000}
	s, ev := stateOf(t, apm,
		&common.MessageGlobalPositionInt{TimeBootMs: 600_000, Lat: 313520000, Lon: -1109500000, Alt: 1_250_000, RelativeAlt: 50_000},
		prearmOK,
		&common.MessageHomePosition{Latitude: 313520000, Longitude: -1109500000, Altitude: 1_200_000},
		&common.MessageMissionCurrent{Seq: 2, Total: 4},
		// The autopilot restarted: its first messages carry no position.
		&common.MessageAttitude{TimeBootMs: 1_200},
		&common.MessageGlobalPositionInt{TimeBootMs: 1_400},
	)
	if s.Reboots != 1 || s.HasPosition || s.BatteryPct != -1 || s.PreArm != "unknown" || s.Home != nil || s.MissionSeq != -1 || s.MissionTotal != 0 {
		t.Fatalf("after a reboot the old state stayed: reboots %d, position %v, battery %d, prearm %s, home %v, mission %d/%d",
			s.Reboots, s.HasPosition, s.BatteryPct, s.PreArm, s.Home, s.MissionSeq, s.MissionTotal)
	}
	alerts := 0
	for _, e := range ev {
		if a, ok := e.(telemetry.Alert); ok && a.Type == telemetry.AlertRebooted {
			alerts++
		}
	}
	if alerts != 1 {
		t.Fatalf("%d reboot alerts, want 1", alerts)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	for _, k := range []string{"lat", "lon", "alt_m", "rel_alt_m"} {
		if v, ok := out[k]; !ok || v != nil {
			t.Fatalf("%s after a reboot without a fix: %v (present %v); want null, never 0", k, v, ok)
		}
	}
	// Time going back a little (reordered datagrams) is not a reboot.
	s, _ = stateOf(t, apm, &common.MessageAttitude{TimeBootMs: 10_000}, &common.MessageAttitude{TimeBootMs: 9_500})
	if s.Reboots != 0 {
		t.Fatalf("a reordered frame counted as a reboot")
	}
}

func TestVehicleState_Update_ZeroPositionIsNotAPosition(t *testing.T) {
	s, _ := stateOf(t, apm, &common.MessageGlobalPositionInt{TimeBootMs: 1000})
	b, _ := json.Marshal(s)
	if s.HasPosition || !strings.Contains(string(b), `"lat":null`) {
		t.Fatalf("0,0 before a fix was shown as a position: %s", b)
	}
	// A fix, then a lost one: the last position stays, marked as not current.
	s, _ = stateOf(t, apm, &common.MessageGlobalPositionInt{TimeBootMs: 1000, Lat: 313520000, Lon: -1109500000},
		&common.MessageGlobalPositionInt{TimeBootMs: 2000})
	b, _ = json.Marshal(s)
	if s.HasPosition || s.Lat == 0 || !strings.Contains(string(b), `"lat":31.352`) {
		t.Fatalf("a lost fix must keep the last position, marked stale: %s", b)
	}
}

func TestVehicleState_Update_NonFiniteValuesCleanedAndCounted(t *testing.T) {
	nan := float32(math.NaN())
	s, ev := stateOf(t, apm, &common.MessageAttitude{TimeBootMs: 1, Roll: nan, Pitch: 0.1},
		&common.MessageCameraTrackingGeoStatus{TrackingStatus: common.CAMERA_TRACKING_STATUS_FLAGS_ACTIVE, Alt: float32(math.Inf(1)), Dist: nan})
	if s.Link.NonFinite != 3 {
		t.Fatalf("non-finite values counted: %d, want 3", s.Link.NonFinite)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Fatalf("a NaN roll broke the state's JSON (and GET /api/v1/vehicles for the whole fleet): %v", err)
	}
	for _, e := range ev {
		if _, err := json.Marshal(e); err != nil {
			t.Fatalf("event %T does not encode: %v", e, err)
		}
	}
}

func TestVehicleState_Update_PreArmFenceAndTexts(t *testing.T) {
	// PX4 sets the healthy bit without the present bit.
	s, _ := stateOf(t, px4, &common.MessageSysStatus{OnboardControlSensorsHealth: common.MAV_SYS_STATUS_PREARM_CHECK})
	if s.PreArm != "ok" {
		t.Fatalf("PX4 pre-arm with only the healthy bit: %s, want ok", s.PreArm)
	}
	s, _ = stateOf(t, px4, &common.MessageSysStatus{})
	if s.PreArm != "failing" {
		t.Fatalf("PX4 pre-arm without the healthy bit: %s, want failing", s.PreArm)
	}
	s, _ = stateOf(t, apm, &common.MessageSysStatus{})
	if s.PreArm != "unknown" || s.FenceEnabled != "disabled" {
		t.Fatalf("ArduPilot without the present bit: prearm %s fence %s", s.PreArm, s.FenceEnabled)
	}
	// ArduPilot: DO_FENCE_ENABLE sets the enabled bit; FENCE_ENABLE=0 is not the truth.
	s, _ = stateOf(t, apm, &common.MessageParamValue{ParamId: "FENCE_ENABLE", ParamValue: 0, ParamType: common.MAV_PARAM_TYPE_INT8},
		&common.MessageSysStatus{OnboardControlSensorsPresent: common.MAV_SYS_STATUS_GEOFENCE, OnboardControlSensorsEnabled: common.MAV_SYS_STATUS_GEOFENCE})
	if s.FenceEnabled != "enabled" {
		t.Fatalf("ArduPilot fence enabled at run time: %s", s.FenceEnabled)
	}
	s, _ = stateOf(t, px4, &common.MessageParamValue{ParamId: "GF_ACTION", ParamValue: math.Float32frombits(0), ParamType: common.MAV_PARAM_TYPE_INT32})
	if s.FenceEnabled != "disabled" {
		t.Fatalf("PX4 GF_ACTION 0: fence %s", s.FenceEnabled)
	}
	s, _ = stateOf(t, px4, &common.MessageStatustext{Severity: common.MAV_SEVERITY_CRITICAL, Text: "Mission start denied\t"})
	if got := s.StatusTexts[0].Text; got != "Mission start denied" {
		t.Fatalf("PX4's trailing tab kept: %q", got)
	}
}
