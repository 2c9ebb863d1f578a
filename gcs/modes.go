package gcs

import (
	"fmt"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Flight mode numbers per autopilot (ArduPilot: the Mode enums of ArduCopter and
// ArduPlane; PX4: custom_mode = main_mode<<16 | sub_mode<<24).
var (
	arduCopterModes = map[uint32]string{
		0: "STABILIZE", 1: "ACRO", 2: "ALT_HOLD", 3: "AUTO", 4: "GUIDED", 5: "LOITER", 6: "RTL",
		7: "CIRCLE", 9: "LAND", 11: "DRIFT", 13: "SPORT", 14: "FLIP", 15: "AUTOTUNE", 16: "POSHOLD",
		17: "BRAKE", 18: "THROW", 19: "AVOID_ADSB", 20: "GUIDED_NOGPS", 21: "SMART_RTL", 22: "FLOWHOLD",
		23: "FOLLOW", 24: "ZIGZAG", 25: "SYSTEMID", 26: "AUTOROTATE", 27: "AUTO_RTL",
	}
	arduPlaneModes = map[uint32]string{
		0: "MANUAL", 1: "CIRCLE", 2: "STABILIZE", 3: "TRAINING", 4: "ACRO", 5: "FBWA", 6: "FBWB",
		7: "CRUISE", 8: "AUTOTUNE", 10: "AUTO", 11: "RTL", 12: "LOITER", 13: "TAKEOFF",
		14: "AVOID_ADSB", 15: "GUIDED", 17: "QSTABILIZE", 18: "QHOVER", 19: "QLOITER", 20: "QLAND",
		21: "QRTL", 22: "QAUTOTUNE", 23: "QACRO", 24: "THERMAL",
	}
	px4MainModes = map[uint32]string{
		1: "MANUAL", 2: "ALTCTL", 3: "POSCTL", 4: "AUTO", 5: "ACRO", 6: "OFFBOARD", 7: "STABILIZED", 8: "RATTITUDE",
	}
	px4AutoSubModes = map[uint32]string{
		1: "AUTO_READY", 2: "AUTO_TAKEOFF", 3: "AUTO_LOITER", 4: "AUTO_MISSION", 5: "AUTO_RTL",
		6: "AUTO_LAND", 8: "AUTO_FOLLOW_TARGET", 9: "AUTO_PRECLAND",
	}
)

// ModeName names a HEARTBEAT's flight mode for its autopilot and vehicle type.
func ModeName(ap common.MAV_AUTOPILOT, typ common.MAV_TYPE, base common.MAV_MODE_FLAG, custom uint32) string {
	if base&common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED == 0 {
		return "unknown"
	}
	var name string
	switch ap {
	case common.MAV_AUTOPILOT_ARDUPILOTMEGA:
		if typ == common.MAV_TYPE_FIXED_WING {
			name = arduPlaneModes[custom]
		} else {
			name = arduCopterModes[custom]
		}
	case common.MAV_AUTOPILOT_PX4:
		main := (custom >> 16) & 0xFF
		sub := (custom >> 24) & 0xFF
		if main == 4 {
			name = px4AutoSubModes[sub]
		} else {
			name = px4MainModes[main]
		}
	}
	if name == "" {
		return fmt.Sprintf("MODE_%d", custom)
	}
	return name
}
