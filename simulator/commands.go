package simulator

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// forceArmMagic is param2 of MAV_CMD_COMPONENT_ARM_DISARM that skips the checks.
const forceArmMagic = 21196

type cmdArgs struct {
	cmd   common.MAV_CMD
	p     [7]float64 // p[4], p[5] are degrees for COMMAND_INT (converted from degE7)
	isInt bool
	frame common.MAV_FRAME // of a COMMAND_INT
	from  [2]uint8
}

func (v *vehicle) ackCommand(c cmdArgs, res common.MAV_RESULT, progress uint8) {
	v.send(&common.MessageCommandAck{Command: c.cmd, Result: res, Progress: progress, TargetSystem: c.from[0], TargetComponent: c.from[1]})
}

// command executes a COMMAND_LONG or COMMAND_INT and answers it with the
// result the real autopilot would give.
// IN_PROGRESS (a calibration) is followed by the final ACK from step.
func (v *vehicle) command(now time.Duration, c cmdArgs) {
	if c.cmd == common.MAV_CMD_DO_SET_MODE && v.flavor == PX4Copter {
		v.px4SetMode(now, c)
		return
	}
	v.ackCommand(c, v.execute(now, c), 0)
}

// px4SetMode answers DO_SET_MODE as PX4 v1.17 does (observed through
// Borderwatch, BRIEF): an immediate ACCEPTED, and, when the mode cannot run,
// a second COMMAND_ACK with the real result after the commander's
// "Switching to … is currently not available" text (src/modules/commander/
// Commander.cpp; PX4 ends texts that are also events with a tab).
func (v *vehicle) px4SetMode(now time.Duration, c cmdArgs) {
	v.ackCommand(c, common.MAV_RESULT_ACCEPTED, 0)
	res := v.execute(now, c)
	if res == common.MAV_RESULT_ACCEPTED {
		return
	}
	name := px4ModeTitle[uint32(c.p[1])<<16|uint32(c.p[2])<<24]
	if name == "" {
		name = "the requested mode"
	}
	v.statusText(common.MAV_SEVERITY_CRITICAL, "Switching to %s is currently not available\t", name)
	v.ackCommand(c, res, 0)
}

// px4ModeTitle is how PX4's commander names modes in its texts
// (src/modules/commander/ModeUtil/mode_requirements.cpp, mode names).
var px4ModeTitle = map[uint32]string{
	px4Manual: "Manual", px4Altctl: "Altitude", px4Posctl: "Position", px4AutoMission: "Mission",
	px4AutoLoiter: "Hold", px4AutoRTL: "Return", px4AutoLand: "Land", px4AutoTakeoff: "Takeoff",
}

func (v *vehicle) refuseArm(reason string) common.MAV_RESULT {
	if v.flavor.ardupilot() {
		v.statusText(common.MAV_SEVERITY_CRITICAL, "Arm: %s", reason)
		return common.MAV_RESULT_FAILED
	}
	v.statusText(common.MAV_SEVERITY_CRITICAL, "Arming denied: %s", reason)
	return common.MAV_RESULT_TEMPORARILY_REJECTED
}

func (v *vehicle) execute(now time.Duration, c cmdArgs) common.MAV_RESULT {
	p := c.p
	switch c.cmd {
	case common.MAV_CMD_COMPONENT_ARM_DISARM:
		force := p[1] == forceArmMagic
		if p[0] == 1 {
			if v.armed {
				return common.MAV_RESULT_ACCEPTED
			}
			if !force {
				switch {
				case now < v.readyAt:
					return v.refuseArm("Need Position Estimate")
				case !v.flavor.armable(v.beh):
					return v.refuseArm("Mode not armable")
				case v.batt.remainingFrac() < 0.2:
					return v.refuseArm("Battery 1 below minimum arming capacity")
				case v.fence.enabled(v) && v.fence.outside(v, v.lat, v.lon, v.alt) != common.FENCE_BREACH_NONE:
					return v.refuseArm("vehicle outside fence")
				case v.activeUpload() != nil:
					// Arming while the mission is being replaced would fly a half-written plan.
					return common.MAV_RESULT_TEMPORARILY_REJECTED
				}
			}
			v.armed, v.armedAt = true, now
			v.batt.lowDone, v.batt.critDone = false, false
			if v.landed {
				v.guided = v.here()
			}
			return common.MAV_RESULT_ACCEPTED
		}
		if !v.armed {
			return common.MAV_RESULT_ACCEPTED
		}
		if v.flying() && !force {
			if v.flavor.ardupilot() {
				v.statusText(common.MAV_SEVERITY_CRITICAL, "Disarm: vehicle is flying")
				return common.MAV_RESULT_FAILED
			}
			return common.MAV_RESULT_TEMPORARILY_REJECTED
		}
		v.disarm(now)
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_DO_SET_MODE:
		custom := uint32(p[1])
		if !v.flavor.ardupilot() {
			custom = uint32(p[1])<<16 | uint32(p[2])<<24
		}
		if int(p[0])&int(common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED) == 0 {
			return common.MAV_RESULT_DENIED
		}
		return v.changeMode(now, custom)

	case common.MAV_CMD_NAV_TAKEOFF:
		alt := p[6]
		if !v.armed {
			if v.flavor.ardupilot() {
				return common.MAV_RESULT_FAILED
			}
			return common.MAV_RESULT_TEMPORARILY_REJECTED
		}
		if !v.landed {
			return common.MAV_RESULT_FAILED
		}
		if v.flavor == ArduCopter && v.beh != bGuided {
			return common.MAV_RESULT_FAILED // ArduCopter takes off only in GUIDED
		}
		if alt <= 0 {
			alt = v.params.get("MIS_TAKEOFF_ALT")
			if alt <= 0 {
				return common.MAV_RESULT_DENIED
			}
		}
		v.guided, v.guidedSet = pos{v.lat, v.lon, v.groundAlt + alt}, true
		if v.flavor != ArduCopter {
			v.setMode(bTakeoff, now)
			v.guided = pos{v.lat, v.lon, v.groundAlt + alt}
		}
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_NAV_RETURN_TO_LAUNCH:
		if now < v.readyAt {
			return common.MAV_RESULT_FAILED
		}
		v.setMode(bRTL, now)
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_NAV_LAND:
		if now < v.readyAt {
			return common.MAV_RESULT_FAILED
		}
		v.guided = v.here()
		v.setMode(bLand, now)
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_MISSION_START:
		if !v.flavor.ardupilot() {
			return v.px4MissionStart(now, c)
		}
		if v.ups[missionTypeMission] != nil {
			return common.MAV_RESULT_TEMPORARILY_REJECTED // the mission is being replaced
		}
		if len(v.missionNav()) == 0 {
			v.statusText(common.MAV_SEVERITY_WARNING, "Mission: no mission loaded")
			return common.MAV_RESULT_FAILED
		}
		if v.armed && v.landed && v.flavor == ArduCopter && v.missionNav()[0].Command != uint16(common.MAV_CMD_NAV_TAKEOFF) {
			v.statusText(common.MAV_SEVERITY_CRITICAL, "Auto: Missing Takeoff Cmd")
			return common.MAV_RESULT_FAILED
		}
		if first := int(p[0]); first > 0 && first < len(v.lists[0]) {
			v.nav.jump(v, first)
		}
		if v.nav.complete {
			v.nav.reset()
		}
		v.setMode(bAuto, now)
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_DO_REPOSITION:
		if now < v.readyAt {
			return common.MAV_RESULT_FAILED
		}
		if !v.flying() {
			return common.MAV_RESULT_DENIED
		}
		changeMode := int(p[1])&int(common.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE) != 0
		if v.flavor.ardupilot() && v.beh != bGuided && !changeMode {
			return common.MAV_RESULT_DENIED
		}
		target := v.here()
		if !math.IsNaN(p[4]) && !math.IsNaN(p[5]) && (p[4] != 0 || p[5] != 0) {
			target.lat, target.lon = p[4], p[5]
		}
		if !validLatLon(target.lat, target.lon) {
			return common.MAV_RESULT_DENIED
		}
		if !math.IsNaN(p[6]) {
			target.alt = v.repositionAlt(c, p[6])
		}
		if !v.destinationInFence(target) {
			return common.MAV_RESULT_FAILED
		}
		if p[0] > 0 && p[0] < 100 {
			v.cruise = p[0]
		}
		v.guided, v.guidedSet = target, true
		if v.flavor.ardupilot() {
			v.setMode(bGuided, now)
		} else {
			v.setMode(bHold, now)
			v.guided = target // PX4 repositions in HOLD (AUTO.LOITER)
		}
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_DO_CHANGE_SPEED:
		if !(p[1] > 0 && p[1] < 100) {
			return common.MAV_RESULT_DENIED
		}
		v.cruise = p[1]
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_SET_MESSAGE_INTERVAL:
		return v.setMessageInterval(uint32(p[0]), p[1])

	case common.MAV_CMD_GET_MESSAGE_INTERVAL:
		id := uint32(p[0])
		iv, ok := v.messageInterval(id)
		if !ok {
			return common.MAV_RESULT_FAILED
		}
		v.send(&common.MessageMessageInterval{MessageId: uint16(id), IntervalUs: iv})
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_REQUEST_MESSAGE:
		if !v.sendOnce(now, uint32(p[0])) {
			return common.MAV_RESULT_FAILED
		}
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_GET_HOME_POSITION:
		if !v.homeKnown(now) {
			return common.MAV_RESULT_FAILED
		}
		v.sendOnce(now, 242)
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES:
		v.sendAutopilotVersion()
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_DO_SET_HOME:
		if p[0] == 1 {
			if now < v.readyAt {
				return common.MAV_RESULT_FAILED
			}
			v.home = v.here()
		} else {
			if p[4] == 0 && p[5] == 0 || !validLatLon(p[4], p[5]) || math.IsNaN(p[6]) {
				return common.MAV_RESULT_DENIED
			}
			v.home = pos{p[4], p[5], p[6]}
		}
		v.sendOnce(now, 242)
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_DO_SET_MISSION_CURRENT:
		if !v.setCurrent(now, int(p[0])) {
			return common.MAV_RESULT_DENIED
		}
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN:
		if p[0] != 1 {
			return common.MAV_RESULT_UNSUPPORTED // only "reboot the autopilot" is simulated
		}
		if v.armed {
			// ArduPilot refuses to reboot armed (GCS_Common.cpp
			// handle_preflight_reboot: FAILED); PX4's Commander answers DENIED.
			if v.flavor.ardupilot() {
				return common.MAV_RESULT_FAILED
			}
			return common.MAV_RESULT_DENIED
		}
		v.reboot(now)
		return common.MAV_RESULT_ACCEPTED

	case common.MAV_CMD_DO_FENCE_ENABLE:
		// ArduPilot enables or disables the fence at run time without
		// changing FENCE_ENABLE (GCS_Common.cpp handle_command_do_fence_enable
		// → AC_Fence::enable). PX4 does not implement the command: UNSUPPORTED
		// (observed on v1.17), below.
		if !v.flavor.ardupilot() {
			return common.MAV_RESULT_UNSUPPORTED
		}
		switch p[0] {
		case 0, 1:
			on := p[0] == 1
			v.fenceOverride = &on
			if !on {
				v.fence.breached = false
			}
			return common.MAV_RESULT_ACCEPTED
		}
		return common.MAV_RESULT_DENIED

	case common.MAV_CMD_DO_PAUSE_CONTINUE:
		if !v.flavor.ardupilot() {
			// PX4 does not implement DO_PAUSE_CONTINUE (observed on v1.17):
			// pausing is switching to AUTO_LOITER.
			return common.MAV_RESULT_UNSUPPORTED
		}
		return v.pauseContinue(p[0])

	case common.MAV_CMD_PREFLIGHT_CALIBRATION:
		if v.armed {
			return common.MAV_RESULT_TEMPORARILY_REJECTED
		}
		if v.calibUntil > 0 {
			return common.MAV_RESULT_TEMPORARILY_REJECTED
		}
		// A ground-pressure calibration takes a few seconds: IN_PROGRESS now, ACCEPTED when done.
		v.calibUntil = now + 3*time.Second
		v.calibFrom = c.from
		return common.MAV_RESULT_IN_PROGRESS
	}
	return common.MAV_RESULT_UNSUPPORTED
}

// px4MissionStart is PX4's MISSION_START (Commander.cpp,
// VEHICLE_CMD_MISSION_START): with a valid mission it switches to
// AUTO_MISSION and arms, so on the ground the vehicle takes off and flies the
// mission from item 0; when it cannot arm, TEMPORARILY_REJECTED and
// "Mission start denied".
func (v *vehicle) px4MissionStart(now time.Duration, c cmdArgs) common.MAV_RESULT {
	if len(v.missionNav()) == 0 || v.ups[missionTypeMission] != nil {
		v.statusText(common.MAV_SEVERITY_CRITICAL, "Mission start denied! No valid mission\t")
		return common.MAV_RESULT_DENIED
	}
	if !v.armed {
		if arm := v.execute(now, cmdArgs{cmd: common.MAV_CMD_COMPONENT_ARM_DISARM, p: [7]float64{1}, from: c.from}); arm != common.MAV_RESULT_ACCEPTED {
			v.statusText(common.MAV_SEVERITY_CRITICAL, "Mission start denied\t")
			return common.MAV_RESULT_TEMPORARILY_REJECTED
		}
	}
	v.nav.reset()
	v.setMode(bAuto, now)
	return common.MAV_RESULT_ACCEPTED
}

// pauseContinue is ArduPilot's DO_PAUSE_CONTINUE (param1 0 pause, 1 continue).
func (v *vehicle) pauseContinue(p1 float64) common.MAV_RESULT {
	if v.beh != bAuto && v.beh != bGuided {
		return common.MAV_RESULT_FAILED
	}
	if p1 == 0 {
		if !v.paused {
			v.paused, v.pauseAt = true, v.here()
		}
	} else {
		v.paused = false
	}
	return common.MAV_RESULT_ACCEPTED
}

// repositionAlt is DO_REPOSITION's altitude, AMSL. ArduPilot honours a
// COMMAND_INT's frame (GCS_MAVLINK::handle_command_int_do_reposition builds a
// Location from the frame; the simulator's terrain is flat at home). PX4
// reads param7 as AMSL whatever the frame (src/modules/navigator/
// navigator_main.cpp, VEHICLE_CMD_DO_REPOSITION: rep->current.alt = param7),
// as a real v1.17 did when it flew a "25 m above home" go-to into the ground.
func (v *vehicle) repositionAlt(c cmdArgs, alt float64) float64 {
	if v.flavor.ardupilot() && c.isInt {
		switch c.frame {
		case common.MAV_FRAME_GLOBAL_RELATIVE_ALT, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
			common.MAV_FRAME_GLOBAL_TERRAIN_ALT, common.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT:
			return v.home.alt + alt
		}
	}
	return alt
}

// changeMode is DO_SET_MODE and SET_MODE: unknown modes and modes that need a
// position before the estimate is ready fail, as on the real autopilots.
func (v *vehicle) changeMode(now time.Duration, custom uint32) common.MAV_RESULT {
	b, ok := v.flavor.modeBehaviour(custom)
	if !ok {
		if v.flavor.ardupilot() {
			v.statusText(common.MAV_SEVERITY_WARNING, "Flight mode change failed")
			return common.MAV_RESULT_FAILED
		}
		return common.MAV_RESULT_DENIED
	}
	if b != bManual && now < v.readyAt {
		if v.flavor.ardupilot() {
			v.statusText(common.MAV_SEVERITY_WARNING, "Flight mode change failed")
			return common.MAV_RESULT_FAILED
		}
		return common.MAV_RESULT_TEMPORARILY_REJECTED
	}
	if b == bAuto {
		if len(v.missionNav()) == 0 && !v.flavor.ardupilot() {
			return common.MAV_RESULT_TEMPORARILY_REJECTED
		}
		if v.armed && v.landed && v.flavor == ArduCopter && (len(v.missionNav()) == 0 || v.missionNav()[0].Command != uint16(common.MAV_CMD_NAV_TAKEOFF)) {
			v.statusText(common.MAV_SEVERITY_CRITICAL, "Auto: Missing Takeoff Cmd")
			return common.MAV_RESULT_FAILED
		}
	}
	if b == bLand {
		v.guided = v.here()
	}
	if b == bTakeoff {
		alt := 30.0
		if !v.flavor.ardupilot() {
			alt = math.Max(v.params.get("MIS_TAKEOFF_ALT"), 2.5)
		}
		v.guided = pos{v.lat, v.lon, v.groundAlt + alt}
	}
	v.setMode(b, now)
	v.custom = custom
	if v.flavor == ArduCopter && custom == copterBrake && v.armed && v.landed {
		// ArduCopter/mode_brake.cpp ModeBrake::run: "if landed immediately disarm".
		v.disarm(now)
	}
	return common.MAV_RESULT_ACCEPTED
}

// sendAutopilotVersion reports what the simulated firmware supports.
func (v *vehicle) sendAutopilotVersion() {
	caps := common.MAV_PROTOCOL_CAPABILITY_MISSION_INT | common.MAV_PROTOCOL_CAPABILITY_COMMAND_INT |
		common.MAV_PROTOCOL_CAPABILITY_MAVLINK2 | common.MAV_PROTOCOL_CAPABILITY_MISSION_FENCE |
		common.MAV_PROTOCOL_CAPABILITY_MISSION_RALLY | common.MAV_PROTOCOL_CAPABILITY_SET_POSITION_TARGET_GLOBAL_INT
	sw := uint32(4<<24 | 6<<16 | 0<<8 | 255) // ArduPilot 4.6.0 official
	if v.flavor == PX4Copter {
		caps |= common.MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_BYTEWISE
		sw = uint32(1<<24 | 15<<16 | 0<<8 | 255)
	} else {
		caps |= common.MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_C_CAST
	}
	v.send(&common.MessageAutopilotVersion{Capabilities: caps, FlightSwVersion: sw, Uid: uint64(v.id)})
}
