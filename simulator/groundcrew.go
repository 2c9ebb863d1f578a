package simulator

import (
	"fmt"
)

// SwapBattery is the ground crew's battery change at a drone that landed
// and disarmed: power off, a full pack in, power on. The autopilot boots
// again as after MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN (silent for a few
// seconds, no position at first, parameters and stored plans kept), and
// its battery monitor counts the charge drawn from zero, as ArduPilot's
// does from start-up (libraries/AP_BattMonitor/AP_BattMonitor_Analog.cpp,
// read: "update total current drawn since startup"), with its low and
// critical failsafes cleared. PX4's battery estimate likewise starts anew
// at boot. A drone that is armed or in the air is refused: no crew walks
// up to a running drone.
func (f *Fleet) SwapBattery(sysid uint8) error {
	var err error
	if derr := f.do(func() {
		var v *vehicle
		for _, c := range f.vehicles {
			if c.id == sysid {
				v = c
				break
			}
		}
		switch {
		case v == nil:
			err = fmt.Errorf("simulator: no vehicle %d to change the battery of", sysid)
		case v.armed || !v.landed:
			err = fmt.Errorf("simulator: vehicle %d is armed or in the air: land and disarm it before changing its battery", sysid)
		default:
			v.batt.consumedMAh, v.batt.lowDone, v.batt.critDone = 0, false, false
			v.Stats.BatteryWarning = false
			v.reboot(f.now)
		}
	}); derr != nil {
		return derr
	}
	return err
}
