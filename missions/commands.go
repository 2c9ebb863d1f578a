package missions

import (
	"math"
	"strconv"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
)

// Common MAV_CMDs used in missions (common.xml; 36 and 600/601 from
// ardupilotmega.xml).
const (
	CmdNavWaypoint             uint16 = 16
	CmdNavLoiterUnlim          uint16 = 17
	CmdNavLoiterTurns          uint16 = 18
	CmdNavLoiterTime           uint16 = 19
	CmdNavReturnToLaunch       uint16 = 20
	CmdNavLand                 uint16 = 21
	CmdNavTakeoff              uint16 = 22
	CmdNavLoiterToAlt          uint16 = 31
	CmdNavArcWaypoint          uint16 = 36
	CmdNavSplineWaypoint       uint16 = 82
	CmdNavVTOLTakeoff          uint16 = 84
	CmdNavVTOLLand             uint16 = 85
	CmdNavDelay                uint16 = 93
	CmdConditionDelay          uint16 = 112
	CmdConditionDistance       uint16 = 114
	CmdConditionYaw            uint16 = 115
	CmdDoJump                  uint16 = 177
	CmdDoChangeSpeed           uint16 = 178
	CmdDoSetHome               uint16 = 179
	CmdDoSetRelay              uint16 = 181
	CmdDoSetServo              uint16 = 183
	CmdDoLandStart             uint16 = 189
	CmdDoSetROILocation        uint16 = 195
	CmdDoSetROINone            uint16 = 197
	CmdDoSetROI                uint16 = 201
	CmdDoDigicamControl        uint16 = 203
	CmdDoMountControl          uint16 = 205
	CmdDoSetCamTriggDist       uint16 = 206
	CmdDoFenceEnable           uint16 = 207
	CmdDoGimbalManagerPitchYaw uint16 = 1000
	CmdImageStartCapture       uint16 = 2000
	CmdImageStopCapture        uint16 = 2001
	CmdVideoStartCapture       uint16 = 2500
	CmdVideoStopCapture        uint16 = 2501
	CmdDoVTOLTransition        uint16 = 3000
	CmdJumpTag                 uint16 = 600
	CmdDoJumpTag               uint16 = 601
)

// CommandName is the MAV_CMD's name without the MAV_CMD_ / NAV_ prefixes
// ("WAYPOINT", "DO_JUMP"), or "command N" for one the dialect does not define.
// Names come from the MAVLink definitions (common and ardupilotmega), so every
// standard command is named, not only those a patrol plan uses.
func CommandName(cmd uint16) string {
	if n, ok := dialect.CommandShortName(cmd); ok {
		return n
	}
	return "command " + strconv.Itoa(int(cmd))
}

// KnownCommand reports whether cmd is a MAV_CMD the MAVLink definitions
// (common and ardupilotmega) define.
func KnownCommand(cmd uint16) bool {
	_, ok := dialect.CommandLabel(cmd)
	return ok
}

// navPositional lists the commands whose params 5-7 are a position the
// vehicle flies to or acts at, so validation checks their coordinates.
var navPositional = map[uint16]bool{
	CmdNavWaypoint: true, CmdNavLoiterUnlim: true, CmdNavLoiterTurns: true, CmdNavLoiterTime: true,
	CmdNavLand: true, CmdNavTakeoff: true, CmdNavLoiterToAlt: true, CmdNavArcWaypoint: true,
	CmdNavSplineWaypoint: true, CmdNavVTOLTakeoff: true, CmdNavVTOLLand: true,
	CmdDoSetROILocation: true, CmdDoSetROI: true, CmdDoSetHome: true,
}

// HasPosition reports whether the item's params 5-7 are a position (a
// navigation command in a global frame with a latitude and longitude that
// are numbers and not both 0; a takeoff or land at 0,0 means "here").
func (it Item) HasPosition() bool {
	if !navPositional[it.Command] || !globalFrame(it.Frame) {
		return false
	}
	lat, lon := it.Params[4], it.Params[5]
	if math.IsNaN(lat) || math.IsNaN(lon) {
		return false // "unused": Validate reports a navigation item without one
	}
	return lat != 0 || lon != 0
}

func globalFrame(f uint8) bool {
	switch f {
	case FrameGlobal, FrameGlobalRelativeAlt, FrameGlobalInt, FrameGlobalRelAltInt, FrameGlobalTerrainAlt, 11 /* GLOBAL_TERRAIN_ALT_INT */ :
		return true
	}
	return false
}

// Typed helpers for the items a patrol plan is made of. Altitudes are
// relative to home (MAV_FRAME_GLOBAL_RELATIVE_ALT), as operators plan them;
// unused params are 0 as ArduPilot and Mission Planner write them.

// Waypoint flies to a position, holding there for holdS seconds.
func Waypoint(lat, lon, altM, holdS float64) Item {
	return Item{Command: CmdNavWaypoint, Frame: FrameGlobalRelativeAlt, Params: [7]float64{holdS, 0, 0, 0, lat, lon, altM}, Autocontinue: true}
}

// Takeoff climbs to altM above home; lat/lon 0 means "where the vehicle is".
func Takeoff(lat, lon, altM float64) Item {
	return Item{Command: CmdNavTakeoff, Frame: FrameGlobalRelativeAlt, Params: [7]float64{0, 0, 0, 0, lat, lon, altM}, Autocontinue: true}
}

// Land lands at a position; lat/lon 0 means "where the vehicle is".
func Land(lat, lon float64) Item {
	return Item{Command: CmdNavLand, Frame: FrameGlobalRelativeAlt, Params: [7]float64{0, 0, 0, 0, lat, lon, 0}, Autocontinue: true}
}

// ReturnToLaunch returns home (or, on ArduPilot, to the nearest rally point).
func ReturnToLaunch() Item {
	return Item{Command: CmdNavReturnToLaunch, Frame: FrameMission, Autocontinue: true}
}

// LoiterTime circles a position for timeS seconds at radiusM (positive
// clockwise).
func LoiterTime(lat, lon, altM, timeS, radiusM float64) Item {
	return Item{Command: CmdNavLoiterTime, Frame: FrameGlobalRelativeAlt, Params: [7]float64{timeS, 0, radiusM, 0, lat, lon, altM}, Autocontinue: true}
}

// ChangeSpeed sets the ground speed (speed type 1) in m/s from here on.
func ChangeSpeed(speedMS float64) Item {
	return Item{Command: CmdDoChangeSpeed, Frame: FrameMission, Params: [7]float64{1, speedMS, -1, 0, 0, 0, 0}, Autocontinue: true}
}

// DoJump jumps to mission item target (1-based, QGC doJumpId numbering; see
// Plan) repeat times (-1 forever).
func DoJump(target, repeat int) Item {
	return Item{Command: CmdDoJump, Frame: FrameMission, Params: [7]float64{float64(target), float64(repeat), 0, 0, 0, 0, 0}, Autocontinue: true}
}

// SetCamTriggerDistance takes a photo every distM metres (0 stops).
func SetCamTriggerDistance(distM float64) Item {
	return Item{Command: CmdDoSetCamTriggDist, Frame: FrameMission, Params: [7]float64{distM, 0, 0, 0, 0, 0, 0}, Autocontinue: true}
}
