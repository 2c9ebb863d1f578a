package simulator

import (
	"fmt"
	"strings"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/autopilot"
)

// Flavor is the autopilot a simulated vehicle imitates.
type Flavor int

// The flavours the simulator imitates.
const (
	ArduCopter Flavor = iota
	ArduPlane
	PX4Copter
)

// ParseFlavor accepts the names used on the command line and in scenarios.
func ParseFlavor(s string) (Flavor, error) {
	switch strings.ToLower(s) {
	case "", "ardupilot", "arducopter", "copter", "ardupilot-copter":
		return ArduCopter, nil
	case "arduplane", "plane", "ardupilot-plane":
		return ArduPlane, nil
	case "px4", "px4-copter", "px4copter", "px4-multicopter":
		return PX4Copter, nil
	}
	return 0, fmt.Errorf("unknown flavour %q: want arducopter, arduplane or px4", s)
}

func (f Flavor) String() string {
	switch f {
	case ArduPlane:
		return "arduplane"
	case PX4Copter:
		return "px4"
	}
	return "arducopter"
}

func (f Flavor) ardupilot() bool { return f != PX4Copter }

// kind is the flavour's row in mavlink/autopilot's storage table.
func (f Flavor) kind() autopilot.Kind {
	switch f {
	case ArduPlane:
		return autopilot.ArduPlane
	case PX4Copter:
		return autopilot.PX4
	}
	return autopilot.ArduCopter
}
func (f Flavor) plane() bool { return f == ArduPlane }

func (f Flavor) mavType() common.MAV_TYPE {
	if f.plane() {
		return common.MAV_TYPE_FIXED_WING
	}
	return common.MAV_TYPE_QUADROTOR
}

func (f Flavor) autopilot() common.MAV_AUTOPILOT {
	if f.ardupilot() {
		return common.MAV_AUTOPILOT_ARDUPILOTMEGA
	}
	return common.MAV_AUTOPILOT_PX4
}

// behaviour is what the flight code does; each flavour maps its custom modes onto these.
type behaviour int

const (
	bHold    behaviour = iota // hold position (LOITER, POSHOLD, PX4 HOLD; plane circles)
	bAuto                     // fly the mission
	bGuided                   // fly to the guided target
	bRTL                      // return to the nearest rally point or home
	bLand                     // land where it is
	bTakeoff                  // climb out (plane TAKEOFF, PX4 AUTO.TAKEOFF)
	bManual                   // pilot modes: the simulator holds attitude, i.e. position
)

// PX4 custom mode: main mode in bits 16-23, sub mode in bits 24-31.
const (
	px4MainManual   = 1
	px4MainAltctl   = 2
	px4MainPosctl   = 3
	px4MainAuto     = 4
	px4SubTakeoff   = 2
	px4SubLoiter    = 3
	px4SubMission   = 4
	px4SubRTL       = 5
	px4SubLand      = 6
	px4AutoMission  = px4MainAuto<<16 | px4SubMission<<24
	px4AutoLoiter   = px4MainAuto<<16 | px4SubLoiter<<24
	px4AutoRTL      = px4MainAuto<<16 | px4SubRTL<<24
	px4AutoLand     = px4MainAuto<<16 | px4SubLand<<24
	px4AutoTakeoff  = px4MainAuto<<16 | px4SubTakeoff<<24
	px4Posctl       = px4MainPosctl << 16
	px4Manual       = px4MainManual << 16
	px4Altctl       = px4MainAltctl << 16
	copterStabilize = 0
	copterAltHold   = 2
	copterAuto      = 3
	copterGuided    = 4
	copterLoiter    = 5
	copterRTL       = 6
	copterLand      = 9
	copterPosHold   = 16
	copterBrake     = 17
	planeManual     = 0
	planeFBWA       = 5
	planeAuto       = 10
	planeRTL        = 11
	planeLoiter     = 12
	planeTakeoff    = 13
	planeGuided     = 15
)

// modeBehaviour maps a custom mode to a behaviour; ok is false for a mode the
// flavour does not have.
func (f Flavor) modeBehaviour(custom uint32) (behaviour, bool) {
	switch f {
	case ArduCopter:
		switch custom {
		case copterStabilize, copterAltHold:
			return bManual, true
		case copterAuto:
			return bAuto, true
		case copterGuided:
			return bGuided, true
		case copterLoiter, copterPosHold:
			return bHold, true
		case copterBrake:
			// ArduCopter/mode_brake.cpp: ModeBrake::init always succeeds (the
			// mode requires GPS, checked like any position mode) and stops
			// the copter where it is, holding there until the mode changes.
			return bHold, true
		case copterRTL:
			return bRTL, true
		case copterLand:
			return bLand, true
		}
	case ArduPlane:
		switch custom {
		case planeManual, planeFBWA:
			return bManual, true
		case planeAuto:
			return bAuto, true
		case planeRTL:
			return bRTL, true
		case planeLoiter:
			return bHold, true
		case planeTakeoff:
			return bTakeoff, true
		case planeGuided:
			return bGuided, true
		}
	case PX4Copter:
		switch custom {
		case px4Manual, px4Altctl:
			return bManual, true
		case px4Posctl:
			return bHold, true
		case px4AutoMission:
			return bAuto, true
		case px4AutoLoiter:
			return bHold, true
		case px4AutoRTL:
			return bRTL, true
		case px4AutoLand:
			return bLand, true
		case px4AutoTakeoff:
			return bTakeoff, true
		}
	}
	return 0, false
}

// customMode is the flavour's custom mode for a behaviour (the inverse of modeBehaviour).
func (f Flavor) customMode(b behaviour) uint32 {
	switch f {
	case ArduCopter:
		return map[behaviour]uint32{bHold: copterLoiter, bAuto: copterAuto, bGuided: copterGuided, bRTL: copterRTL,
			bLand: copterLand, bTakeoff: copterGuided, bManual: copterStabilize}[b]
	case ArduPlane:
		return map[behaviour]uint32{bHold: planeLoiter, bAuto: planeAuto, bGuided: planeGuided, bRTL: planeRTL,
			bLand: planeAuto, bTakeoff: planeTakeoff, bManual: planeManual}[b]
	}
	return map[behaviour]uint32{bHold: px4AutoLoiter, bAuto: px4AutoMission, bGuided: px4AutoLoiter, bRTL: px4AutoRTL,
		bLand: px4AutoLand, bTakeoff: px4AutoTakeoff, bManual: px4Manual}[b]
}

// ModeName names a flavour's custom mode for STATUSTEXT and logs.
func (f Flavor) ModeName(custom uint32) string {
	var names map[uint32]string
	switch f {
	case ArduCopter:
		names = map[uint32]string{0: "STABILIZE", 2: "ALT_HOLD", 3: "AUTO", 4: "GUIDED", 5: "LOITER", 6: "RTL", 9: "LAND", 16: "POSHOLD"}
	case ArduPlane:
		names = map[uint32]string{0: "MANUAL", 5: "FBWA", 10: "AUTO", 11: "RTL", 12: "LOITER", 13: "TAKEOFF", 15: "GUIDED"}
	default:
		names = map[uint32]string{px4Manual: "MANUAL", px4Altctl: "ALTCTL", px4Posctl: "POSCTL", px4AutoMission: "AUTO.MISSION",
			px4AutoLoiter: "AUTO.LOITER", px4AutoRTL: "AUTO.RTL", px4AutoLand: "AUTO.LAND", px4AutoTakeoff: "AUTO.TAKEOFF"}
	}
	if n, ok := names[custom]; ok {
		return n
	}
	return fmt.Sprintf("MODE(%d)", custom)
}

// armable says whether the flavour lets a GCS arm in a mode, as the real
// autopilots do: ArduCopter refuses AUTO/RTL/LAND, ArduPlane everything but
// RTL, PX4 needs a position mode or a mission.
func (f Flavor) armable(b behaviour) bool {
	switch f {
	case ArduCopter:
		return b == bGuided || b == bHold || b == bManual
	case ArduPlane:
		return b != bRTL
	}
	return b != bRTL && b != bLand
}
