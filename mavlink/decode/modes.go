package decode

import (
	"fmt"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Mode is one flight mode an autopilot knows: its name here and the numbers
// that select it. For ArduPilot Number is the custom mode; for PX4 it is the
// HEARTBEAT's custom_mode (main_mode<<16 | sub_mode<<24).
type Mode struct {
	Name   string `json:"name"`
	Number uint32 `json:"number"`
	// Settable is false for modes the autopilot reports but does not let a
	// ground station select (PX4's AUTO_READY, its legacy RATTITUDE …).
	Settable bool `json:"settable"`
}

// The mode tables, in the autopilots' own order (by number), so that lists
// and error messages come out the same every time.
var (
	// ArduCopter/mode.h, enum class Mode::Number (ArduPilot master, 2025).
	arduCopterModes = []Mode{
		{"STABILIZE", 0, true}, {"ACRO", 1, true}, {"ALT_HOLD", 2, true}, {"AUTO", 3, true}, {"GUIDED", 4, true},
		{"LOITER", 5, true}, {"RTL", 6, true}, {"CIRCLE", 7, true}, {"LAND", 9, true}, {"DRIFT", 11, true},
		{"SPORT", 13, true}, {"FLIP", 14, true}, {"AUTOTUNE", 15, true}, {"POSHOLD", 16, true}, {"BRAKE", 17, true},
		{"THROW", 18, true}, {"AVOID_ADSB", 19, true}, {"GUIDED_NOGPS", 20, true}, {"SMART_RTL", 21, true},
		{"FLOWHOLD", 22, true}, {"FOLLOW", 23, true}, {"ZIGZAG", 24, true}, {"SYSTEMID", 25, true},
		{"AUTOROTATE", 26, true},
		// AUTO_RTL is "not a true mode": AUTO reports it while flying a DO_LAND_START sequence.
		{"AUTO_RTL", 27, true},
		{"TURTLE", 28, true},
	}
	// ArduPlane/mode.h, enum Mode::Number. FLY_BY_WIRE_A/B go by their
	// four-letter names (Mode::name4), as every ArduPilot GCS shows them.
	arduPlaneModes = []Mode{
		{"MANUAL", 0, true}, {"CIRCLE", 1, true}, {"STABILIZE", 2, true}, {"TRAINING", 3, true}, {"ACRO", 4, true},
		{"FBWA", 5, true}, {"FBWB", 6, true}, {"CRUISE", 7, true}, {"AUTOTUNE", 8, true}, {"AUTO", 10, true},
		{"RTL", 11, true}, {"LOITER", 12, true}, {"TAKEOFF", 13, true}, {"AVOID_ADSB", 14, true}, {"GUIDED", 15, true},
		// INITIALISING is reported during boot; it cannot be chosen.
		{"INITIALISING", 16, false},
		{"QSTABILIZE", 17, true}, {"QHOVER", 18, true}, {"QLOITER", 19, true}, {"QLAND", 20, true}, {"QRTL", 21, true},
		{"QAUTOTUNE", 22, true}, {"QACRO", 23, true}, {"THERMAL", 24, true}, {"LOITER_ALT_QLAND", 25, true},
		{"AUTOLAND", 26, true},
	}
	// PX4 src/modules/commander/px4_custom_mode.h: PX4_CUSTOM_MAIN_MODE,
	// PX4_CUSTOM_SUB_MODE_AUTO and PX4_CUSTOM_SUB_MODE_POSCTL (v1.15+).
	px4Modes = []Mode{
		{"MANUAL", PX4Mode(1, 0), true},
		{"ALTCTL", PX4Mode(2, 0), true},
		{"POSCTL", PX4Mode(3, 0), true},
		{"ORBIT", PX4Mode(3, 1), true},       // PX4_CUSTOM_SUB_MODE_POSCTL_ORBIT
		{"POSCTL_SLOW", PX4Mode(3, 2), true}, // PX4_CUSTOM_SUB_MODE_POSCTL_SLOW
		{"AUTO_READY", PX4Mode(4, 1), false}, // reported on the ground, not selectable
		{"AUTO_TAKEOFF", PX4Mode(4, 2), true},
		{"AUTO_LOITER", PX4Mode(4, 3), true},
		{"AUTO_MISSION", PX4Mode(4, 4), true},
		{"AUTO_RTL", PX4Mode(4, 5), true},
		{"AUTO_LAND", PX4Mode(4, 6), true},
		{"AUTO_FOLLOW_TARGET", PX4Mode(4, 8), true},
		{"AUTO_PRECLAND", PX4Mode(4, 9), true},
		{"AUTO_VTOL_TAKEOFF", PX4Mode(4, 10), true},
		{"EXTERNAL1", PX4Mode(4, 11), true}, {"EXTERNAL2", PX4Mode(4, 12), true},
		{"EXTERNAL3", PX4Mode(4, 13), true}, {"EXTERNAL4", PX4Mode(4, 14), true},
		{"EXTERNAL5", PX4Mode(4, 15), true}, {"EXTERNAL6", PX4Mode(4, 16), true},
		{"EXTERNAL7", PX4Mode(4, 17), true}, {"EXTERNAL8", PX4Mode(4, 18), true},
		{"ACRO", PX4Mode(5, 0), true},
		{"OFFBOARD", PX4Mode(6, 0), true},
		{"STABILIZED", PX4Mode(7, 0), true},
		// PX4_CUSTOM_MAIN_MODE_RATTITUDE_LEGACY: PX4 accepts it and ignores
		// it (observed on v1.17), so it is named but never offered.
		{"RATTITUDE", PX4Mode(8, 0), false},
		{"TERMINATION", PX4Mode(10, 0), true},
		{"ALTITUDE_CRUISE", PX4Mode(11, 0), true},
	}
)

// PX4Mode is PX4's HEARTBEAT custom_mode of a main and sub mode.
func PX4Mode(main, sub uint32) uint32 { return main<<16 | sub<<24 }

// ModeTable is the list of modes of an autopilot flavour and vehicle type
// ("fixed_wing" selects ArduPlane), in the autopilot's order; nil for an
// autopilot whose modes are unknown. Callers must not modify it.
func ModeTable(f Flavour, vehicleType string) []Mode {
	switch f {
	case FlavourArduPilot:
		if vehicleType == "fixed_wing" {
			return arduPlaneModes
		}
		return arduCopterModes
	case FlavourPX4:
		return px4Modes
	}
	return nil
}

// ModeName names a HEARTBEAT's flight mode for its autopilot and vehicle type.
func ModeName(ap common.MAV_AUTOPILOT, typ common.MAV_TYPE, base common.MAV_MODE_FLAG, custom uint32) string {
	if base&common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED == 0 {
		return "unknown"
	}
	vt := vehicleTypeName(typ)
	f := FlavourOf(ap)
	if f == FlavourPX4 {
		// The low 16 bits are reserved: compare main and sub mode only.
		custom &= 0xFFFF0000
		if (custom>>16)&0xFF != 4 && (custom>>16)&0xFF != 3 {
			custom &= 0x00FF0000 // only AUTO and POSCTL have sub modes
		}
	}
	for _, m := range ModeTable(f, vt) {
		if m.Number == custom {
			return m.Name
		}
	}
	return fmt.Sprintf("MODE_%d", custom)
}
