package simulator

import (
	"math"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// A rebooted ArduCopter is silent for a few seconds, then starts over: time
// since boot from zero, 0,0 for a position until its estimate is ready,
// and a pre-arm check that fails again (issue 11 §3, observed on 4.7 SITL).
func TestArduCopter_Reboot_SilentThenNoPositionThenReady(t *testing.T) {
	sc := groundScenario("arducopter")
	sc.Vehicles[0].ReadyAfter = Duration(5 * time.Second)
	f, g := startFleet(t, sc, nil)
	v := vehicleBy(f, 1)
	stepUntil(t, f, 500*time.Millisecond, time.Minute, "position estimate", func() bool { return f.now > 6*time.Second })
	g.send(command(1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1))
	g.ack(1, common.MAV_CMD_COMPONENT_ARM_DISARM)
	g.send(command(1, common.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN, 1))
	if a := g.ack(1, common.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN); a.Result != common.MAV_RESULT_FAILED {
		t.Fatalf("reboot while armed: %v, want FAILED", a.Result)
	}
	g.send(command(1, common.MAV_CMD_COMPONENT_ARM_DISARM, 0))
	g.ack(1, common.MAV_CMD_COMPONENT_ARM_DISARM)
	g.send(command(1, common.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN, 1))
	if a := g.ack(1, common.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN); a.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("reboot: %v", a.Result)
	}
	stepUntil(t, f, 100*time.Millisecond, 10*time.Second, "the autopilot goes down", func() bool { return v.down })
	g.drain()
	stepUntil(t, f, 100*time.Millisecond, 10*time.Second, "the autopilot comes back", func() bool { return !v.down })
	stepUntil(t, f, 500*time.Millisecond, 10*time.Second, "a second after boot", func() bool { return f.now > v.bootAt+time.Second })
	g.expect(1, wait, "GLOBAL_POSITION_INT at 0,0 with a fresh boot time", isMsg(func(m *common.MessageGlobalPositionInt) bool {
		return m.Lat == 0 && m.Lon == 0 && m.TimeBootMs < 3000
	}))
	g.expect(1, wait, "SYS_STATUS with the pre-arm check failing", isMsg(func(m *common.MessageSysStatus) bool {
		return m.OnboardControlSensorsPresent&common.MAV_SYS_STATUS_PREARM_CHECK != 0 &&
			m.OnboardControlSensorsHealth&common.MAV_SYS_STATUS_PREARM_CHECK == 0
	}))
	g.send(command(1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1))
	if a := g.ack(1, common.MAV_CMD_COMPONENT_ARM_DISARM); a.Result != common.MAV_RESULT_FAILED {
		t.Fatalf("arm right after the reboot: %v, want FAILED (no position estimate)", a.Result)
	}
	stepUntil(t, f, 500*time.Millisecond, time.Minute, "estimate after the reboot", func() bool { return f.now > v.readyAt+time.Second })
	g.expect(1, wait, "GLOBAL_POSITION_INT with a position again", isMsg(func(m *common.MessageGlobalPositionInt) bool { return m.Lat != 0 }))
}

// ArduPilot's DO_FENCE_ENABLE switches the fence at run time without touching
// FENCE_ENABLE; SYS_STATUS's GEOFENCE enabled bit shows the truth. PX4 does
// not implement the command.
func TestVehicle_FenceEnable_RuntimeSwitchAndPX4Unsupported(t *testing.T) {
	f, g := startFleet(t, groundScenario("arducopter", "px4"), nil)
	copter := vehicleBy(f, 1)
	g.send(command(1, common.MAV_CMD_DO_FENCE_ENABLE, 1))
	if a := g.ack(1, common.MAV_CMD_DO_FENCE_ENABLE); a.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("ArduPilot DO_FENCE_ENABLE: %v", a.Result)
	}
	var param float64
	var on bool
	_ = f.do(func() { param, on = copter.params.get("FENCE_ENABLE"), copter.fence.enabled(copter) })
	if param != 0 || !on {
		t.Fatalf("after DO_FENCE_ENABLE 1: FENCE_ENABLE %g, enforced %v; want 0 and true", param, on)
	}
	g.drain()
	if err := f.Step(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	g.expect(1, wait, "SYS_STATUS with the geofence enabled", isMsg(func(m *common.MessageSysStatus) bool {
		return m.OnboardControlSensorsEnabled&common.MAV_SYS_STATUS_GEOFENCE != 0
	}))
	g.send(command(2, common.MAV_CMD_DO_FENCE_ENABLE, 1))
	if a := g.ack(2, common.MAV_CMD_DO_FENCE_ENABLE); a.Result != common.MAV_RESULT_UNSUPPORTED {
		t.Fatalf("PX4 DO_FENCE_ENABLE: %v, want UNSUPPORTED", a.Result)
	}
	// PX4 without a mission: MISSION_CURRENT's total is 65535.
	if err := f.Step(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	g.expect(2, wait, "PX4 MISSION_CURRENT with total 65535", isMsg(func(m *common.MessageMissionCurrent) bool { return m.Total == math.MaxUint16 }))
}

// PX4's MISSION_START on the ground arms and takes off (Commander.cpp).
func TestPX4_MissionStart_OnGroundArmsAndTakesOff(t *testing.T) {
	sc := groundScenario("px4")
	la, lo := at(300, 0)
	sc.Vehicles[0].Mission = []ItemSpec{{Cmd: "takeoff", AltM: 30}, {Cmd: "waypoint", Lat: la, Lon: lo, AltM: 30}}
	f, g := startFleet(t, sc, nil)
	v := vehicleBy(f, 1)
	g.send(command(1, common.MAV_CMD_MISSION_START))
	if a := g.ack(1, common.MAV_CMD_MISSION_START); a.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("PX4 mission start on the ground: %v", a.Result)
	}
	stepUntil(t, f, 500*time.Millisecond, time.Minute, "armed and climbing", func() bool { return v.armed && v.alt > v.home.alt+5 })
}

// ArduPilot stores integer parameters as AP_Param::set_float does (add 0.01,
// constrain, truncate) and answers at once; PX4 ends its list with
// _HASH_CHECK (mavlink_parameters.cpp).
func TestParams_ArduPilotTruncatesAndPX4HashCheck(t *testing.T) {
	_, g := startFleet(t, groundScenario("arducopter", "px4"), nil)
	for req, want := range map[float32]float32{2.7: 2, 300: 127, -3.5: -3} {
		g.send(&common.MessageParamSet{TargetSystem: 1, TargetComponent: 1, ParamId: "FENCE_ACTION", ParamValue: req, ParamType: common.MAV_PARAM_TYPE_INT8})
		r := g.expect(1, wait, "PARAM_VALUE FENCE_ACTION", isMsg(func(m *common.MessageParamValue) bool { return paramName(m.ParamId) == "FENCE_ACTION" }))
		if got := r.msg.(*common.MessageParamValue).ParamValue; got != want {
			t.Fatalf("ArduPilot FENCE_ACTION set to %g holds %g, want %g", req, got, want)
		}
	}
	g.send(&common.MessageParamRequestList{TargetSystem: 2, TargetComponent: 1})
	r := g.expect(2, wait, "PX4 _HASH_CHECK", isMsg(func(m *common.MessageParamValue) bool { return paramName(m.ParamId) == "_HASH_CHECK" }))
	if m := r.msg.(*common.MessageParamValue); m.ParamIndex != 65535 || m.ParamType != common.MAV_PARAM_TYPE_UINT32 {
		t.Fatalf("_HASH_CHECK: %+v", m)
	}
}

// ArduCopter accepts BRAKE (mode 17) like any position mode, and a copter
// landed in BRAKE disarms at once (ArduCopter/mode_brake.cpp).
func TestArduCopter_Brake_AcceptedAndDisarmsWhenLanded(t *testing.T) {
	f, g := startFleet(t, groundScenario("arducopter"), nil)
	v := vehicleBy(f, 1)
	stepUntil(t, f, 500*time.Millisecond, time.Minute, "a position estimate", func() bool { return f.now > v.readyAt })
	g.send(command(1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1))
	if a := g.ack(1, common.MAV_CMD_COMPONENT_ARM_DISARM); a.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("arm: %v", a.Result)
	}
	g.send(command(1, common.MAV_CMD_DO_SET_MODE, float32(common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED), copterBrake))
	if a := g.ack(1, common.MAV_CMD_DO_SET_MODE); a.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("BRAKE: %v, want ACCEPTED", a.Result)
	}
	var armed bool
	var custom uint32
	_ = f.do(func() { armed, custom = v.armed, v.custom })
	if armed || custom != copterBrake {
		t.Fatalf("after BRAKE on the ground: armed %v, mode %d; want disarmed in BRAKE", armed, custom)
	}
}
