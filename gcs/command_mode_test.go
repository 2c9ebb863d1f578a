package gcs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// modeVehicle is a scripted PX4 for DO_SET_MODE: it sends a HEARTBEAT every
// second with its current mode and answers DO_SET_MODE as PX4 v1.17 does
// (observed): ACCEPTED at once, then, when the mode cannot run, a second ACK
// TEMPORARILY_REJECTED with a STATUSTEXT ending in PX4's tab.
type modeVehicle struct {
	custom   uint32
	refuse   bool // the mode is "currently not available"
	ignore   bool // accepts, and then never changes mode (a lying ACK)
	nextHB   time.Time
	pending  *common.MessageCommandLong
	refuseAt time.Time
}

func (v *modeVehicle) heartbeat(h *harness) {
	h.vehSend(&common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_PX4,
		BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: v.custom, SystemStatus: common.MAV_STATE_STANDBY})
}

func (v *modeVehicle) handle(h *harness, m message.Message) {
	c, ok := m.(*common.MessageCommandLong)
	if !ok || c.Command != common.MAV_CMD_DO_SET_MODE {
		return
	}
	h.vehSend(&common.MessageCommandAck{Command: c.Command, Result: common.MAV_RESULT_ACCEPTED, TargetSystem: 255, TargetComponent: 190})
	switch {
	case v.refuse:
		v.pending, v.refuseAt = c, h.now.Add(40*time.Millisecond)
	case !v.ignore:
		v.custom = uint32(c.Param2)<<16 | uint32(c.Param3)<<24
	}
}

func (v *modeVehicle) deadline() time.Time {
	if v.pending != nil && v.refuseAt.Before(v.nextHB) {
		return v.refuseAt
	}
	return v.nextHB
}

func (v *modeVehicle) timeout(h *harness) {
	if v.pending != nil && !h.now.Before(v.refuseAt) {
		h.vehSend(&common.MessageStatustext{Severity: common.MAV_SEVERITY_CRITICAL, Text: "Switching to Mission is currently not available\t"})
		h.vehSend(&common.MessageCommandAck{Command: v.pending.Command, Result: common.MAV_RESULT_TEMPORARILY_REJECTED, TargetSystem: 255, TargetComponent: 190})
		v.pending = nil
		return
	}
	v.heartbeat(h)
	v.nextHB = h.now.Add(time.Second)
}

func runMode(t *testing.T, v *modeVehicle, want string) (*modeSession, time.Duration) {
	t.Helper()
	h := newHarness(t, 3, v)
	v.nextHB = h.now.Add(300 * time.Millisecond)
	p2, p3, err := modeNumbers(FlavourPX4, "multirotor", want)
	if err != nil {
		t.Fatal(err)
	}
	c := newCommand(h.gcsSend, 1, 1, cmdLong(common.MAV_CMD_DO_SET_MODE, 1, p2, p3), defaultTiming(0))
	s := newModeSession(c, want)
	took := h.run(s, time.Minute)
	return s, took
}

func TestModeSession_Run_PX4LateRejectionWins(t *testing.T) {
	v := &modeVehicle{custom: px4Mode(4, 3), refuse: true}
	s, _ := runMode(t, v, "AUTO_MISSION")
	err := s.result()
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Result != common.MAV_RESULT_TEMPORARILY_REJECTED {
		t.Fatalf("PX4's second answer (TEMPORARILY_REJECTED) must win over its first ACCEPTED: got %v", err)
	}
	if !strings.Contains(err.Error(), "Switching to Mission is currently not available") || strings.Contains(err.Error(), "\t") {
		t.Fatalf("the refusal must carry PX4's text without its trailing tab: %q", err)
	}
	if s.cmd.res.Status != "temporarily_rejected" {
		t.Fatalf("result status %q, want temporarily_rejected", s.cmd.res.Status)
	}
}

func TestModeSession_Run_ConfirmedByHeartbeat(t *testing.T) {
	v := &modeVehicle{custom: px4Mode(4, 3)}
	s, took := runMode(t, v, "AUTO_MISSION")
	if err := s.result(); err != nil {
		t.Fatal(err)
	}
	if s.seen != "AUTO_MISSION" {
		t.Fatalf("finished without seeing the mode in a heartbeat (saw %q)", s.seen)
	}
	if took > 1500*time.Millisecond {
		t.Fatalf("confirmation took %s: it must end with the first heartbeat that shows the mode", took)
	}
}

func TestModeSession_Run_AckWithoutModeChangeFails(t *testing.T) {
	v := &modeVehicle{custom: px4Mode(4, 3), ignore: true}
	s, _ := runMode(t, v, "AUTO_MISSION")
	err := s.result()
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "still shows AUTO_LOITER") {
		t.Fatalf("an ACCEPTED that the heartbeat never confirms must fail and say the mode it shows: %v", err)
	}
}

func TestModeNumbers_StableOrderAndGrammar(t *testing.T) {
	_, _, err := modeNumbers(FlavourArduPilot, "multirotor", "NOPE")
	if err == nil || !strings.Contains(err.Error(), "an ArduPilot multirotor") {
		t.Fatalf("error must read \"an ArduPilot multirotor\": %v", err)
	}
	for range 20 {
		_, _, again := modeNumbers(FlavourArduPilot, "multirotor", "NOPE")
		if again.Error() != err.Error() {
			t.Fatalf("mode list not in a stable order:\n%s\n%s", err, again)
		}
	}
	if !strings.Contains(err.Error(), "STABILIZE, ACRO, ALT_HOLD, AUTO, GUIDED") || !strings.Contains(err.Error(), "TURTLE") {
		t.Fatalf("list not in ArduCopter's order or incomplete: %v", err)
	}
	if p2, _, err := modeNumbers(FlavourArduPilot, "multirotor", "turtle"); err != nil || p2 != 28 {
		t.Fatalf("TURTLE: %v %v", p2, err)
	}
	if _, _, err := modeNumbers(FlavourPX4, "multirotor", "RATTITUDE"); !errors.Is(err, ErrBadInput) {
		t.Fatalf("RATTITUDE must not be offered on PX4: %v", err)
	}
	for name, want := range map[string][2]float64{"ORBIT": {3, 1}, "TERMINATION": {10, 0}, "ALTITUDE_CRUISE": {11, 0},
		"AUTO_VTOL_TAKEOFF": {4, 10}, "EXTERNAL1": {4, 11}, "EXTERNAL8": {4, 18}} {
		p2, p3, err := modeNumbers(FlavourPX4, "multirotor", name)
		if err != nil || p2 != want[0] || p3 != want[1] {
			t.Fatalf("PX4 %s: main %v sub %v (%v), want %v", name, p2, p3, err, want)
		}
	}
}

func TestModeName_FromHeartbeat(t *testing.T) {
	on := common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
	for _, c := range []struct {
		ap     common.MAV_AUTOPILOT
		typ    common.MAV_TYPE
		custom uint32
		want   string
	}{
		{common.MAV_AUTOPILOT_ARDUPILOTMEGA, common.MAV_TYPE_QUADROTOR, 28, "TURTLE"},
		{common.MAV_AUTOPILOT_ARDUPILOTMEGA, common.MAV_TYPE_FIXED_WING, 26, "AUTOLAND"},
		{common.MAV_AUTOPILOT_PX4, common.MAV_TYPE_QUADROTOR, px4Mode(3, 1), "ORBIT"},
		{common.MAV_AUTOPILOT_PX4, common.MAV_TYPE_QUADROTOR, px4Mode(3, 0), "POSCTL"},
		{common.MAV_AUTOPILOT_PX4, common.MAV_TYPE_QUADROTOR, px4Mode(10, 0), "TERMINATION"},
		{common.MAV_AUTOPILOT_PX4, common.MAV_TYPE_QUADROTOR, px4Mode(4, 12), "EXTERNAL2"},
	} {
		if got := ModeName(c.ap, c.typ, on, c.custom); got != c.want {
			t.Fatalf("custom mode %#x: %q, want %q", c.custom, got, c.want)
		}
	}
}
