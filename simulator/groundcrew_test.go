package simulator

import (
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// A battery change is refused at an armed drone; at a disarmed one the
// autopilot goes down, comes back with a fresh boot clock and a full
// battery, and its low-battery failsafe can fire again.
func TestFleet_SwapBattery_RefusedArmedThenRebootsFull(t *testing.T) {
	sc := groundScenario("arducopter")
	sc.Vehicles[0].BatteryPct = 30
	f, g := startFleet(t, sc, nil)
	v := vehicleBy(f, 1)
	stepUntil(t, f, 500*time.Millisecond, time.Minute, "position estimate", func() bool { return f.now > v.readyAt+time.Second })
	g.send(command(1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1))
	if a := g.ack(1, common.MAV_CMD_COMPONENT_ARM_DISARM); a.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("arm: %v", a.Result)
	}
	if err := f.SwapBattery(1); err == nil || !strings.Contains(err.Error(), "land and disarm") {
		t.Fatalf("battery change at an armed drone: %v", err)
	}
	g.send(command(1, common.MAV_CMD_COMPONENT_ARM_DISARM, 0))
	g.ack(1, common.MAV_CMD_COMPONENT_ARM_DISARM)
	if err := f.SwapBattery(9); err == nil {
		t.Fatal("battery change at a vehicle that does not exist: no error")
	}
	boot := v.bootAt
	if err := f.SwapBattery(1); err != nil {
		t.Fatal(err)
	}
	stepUntil(t, f, 100*time.Millisecond, 10*time.Second, "the autopilot goes down", func() bool { return v.down })
	g.drain()
	stepUntil(t, f, 100*time.Millisecond, 10*time.Second, "the autopilot comes back", func() bool { return !v.down && v.bootAt > boot })
	g.expect(1, wait, "SYS_STATUS with a full battery", isMsg(func(m *common.MessageSysStatus) bool { return m.BatteryRemaining >= 99 }))
}
