package gcs

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

func armCommand() Command { return cmdLong(common.MAV_CMD_COMPONENT_ARM_DISARM, 1) }

func TestCommandSession_Run_LostAcksRetryWithConfirmation(t *testing.T) {
	veh := newFakeAutopilot(FlavourArduPilot)
	h := newHarness(t, 1, veh)
	// Drop everything from the vehicle for the first two attempts.
	h.veh = vehFunc{veh, func(h *harness) {
		if len(veh.cmdSeen) <= 2 {
			h.queue = h.queue[:0]
		}
	}}
	c := newCommand(h.gcsSend, 1, 1, armCommand(), defaultTiming(0))
	h.run(c, time.Minute)
	if err := c.result(); err != nil {
		t.Fatal(err)
	}
	if len(veh.cmdSeen) != 3 || c.res.Attempts != 3 {
		t.Fatalf("vehicle saw %d attempts, result says %d; want 3", len(veh.cmdSeen), c.res.Attempts)
	}
	for i, m := range veh.cmdSeen {
		if int(m.Confirmation) != i {
			t.Fatalf("attempt %d has confirmation %d; resends must increment it", i, m.Confirmation)
		}
	}
}

func TestCommandSession_Run_DeniedCarriesStatusText(t *testing.T) {
	veh := newFakeAutopilot(FlavourArduPilot)
	veh.cmdResults = []common.MAV_RESULT{common.MAV_RESULT_FAILED}
	veh.cmdTexts = []string{"Arm: Throttle too high"}
	h := newHarness(t, 1, veh)
	c := newCommand(h.gcsSend, 1, 1, armCommand(), defaultTiming(0))
	h.run(c, time.Minute)
	err := c.result()
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Result != common.MAV_RESULT_FAILED || !errors.Is(err, ErrRejected) {
		t.Fatalf("want a CommandError FAILED, got %v", err)
	}
	if !strings.Contains(err.Error(), "Arm: Throttle too high") || !strings.Contains(err.Error(), "COMPONENT_ARM_DISARM") {
		t.Fatalf("error does not tell the operator why: %q", err)
	}
	if len(veh.cmdSeen) != 1 {
		t.Fatalf("a refused command was resent %d times", len(veh.cmdSeen)-1)
	}
}

func TestCommandSession_Run_StatusTextAfterAckStillReported(t *testing.T) {
	// The ACK may overtake the STATUSTEXT on the link: the session waits a moment for it.
	now := time.Unix(0, 0)
	c := newCommand(func(message.Message) {}, 1, 1, armCommand(), defaultTiming(0))
	c.start(now)
	c.handle(&common.MessageCommandAck{Command: common.MAV_CMD_COMPONENT_ARM_DISARM, Result: common.MAV_RESULT_DENIED}, now.Add(50*time.Millisecond))
	if c.finished() {
		t.Fatal("finished before the grace period for the explanation")
	}
	c.handle(&common.MessageStatustext{Severity: common.MAV_SEVERITY_CRITICAL, Text: "PreArm: GPS not healthy"}, now.Add(60*time.Millisecond))
	c.timeout(c.deadline())
	if !c.finished() || !strings.Contains(c.result().Error(), "PreArm: GPS not healthy") {
		t.Fatalf("finished %v, err %v", c.finished(), c.result())
	}
}

func TestCommandSession_Run_InProgressWaitsWithoutResending(t *testing.T) {
	veh := newFakeAutopilot(FlavourPX4)
	veh.cmdResults = []common.MAV_RESULT{common.MAV_RESULT_IN_PROGRESS}
	h := newHarness(t, 1, veh)
	c := newCommand(h.gcsSend, 1, 1, cmdLong(common.MAV_CMD_PREFLIGHT_CALIBRATION, 1), defaultTiming(0))
	took := h.run(c, time.Minute)
	if err := c.result(); err != nil || c.res.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("result %v err %v", c.res.Status, err)
	}
	if len(veh.cmdSeen) != 1 || took < 3*time.Second {
		t.Fatalf("sent %d times, finished after %s; IN_PROGRESS must not be resent and the final ACK awaited", len(veh.cmdSeen), took)
	}
}

func TestCommandSession_Run_NoAnswerTimesOut(t *testing.T) {
	veh := newFakeAutopilot(FlavourPX4)
	veh.silent = true
	h := newHarness(t, 1, veh)
	c := newCommand(h.gcsSend, 1, 1, armCommand(), defaultTiming(0))
	h.run(c, time.Minute)
	if !errors.Is(c.result(), ErrTimeout) || len(h.toVehicle) != 1+commandRetries {
		t.Fatalf("err %v after %d sends; want a timeout after 1+%d", c.result(), len(h.toVehicle), commandRetries)
	}
}

func TestCommandSession_Handle_IntOnlySwitchesForm(t *testing.T) {
	var sent []message.Message
	c := newCommand(func(m message.Message) { sent = append(sent, m) }, 1, 1, cmdLong(common.MAV_CMD_DO_REPOSITION, -1, 0, 0, 0, 31.5, -110.9, 40), defaultTiming(0))
	now := time.Unix(0, 0)
	c.start(now)
	c.handle(&common.MessageCommandAck{Command: common.MAV_CMD_DO_REPOSITION, Result: common.MAV_RESULT_COMMAND_INT_ONLY}, now)
	ci, ok := sent[len(sent)-1].(*common.MessageCommandInt)
	if !ok || ci.X != 315000000 || ci.Y != -1109000000 {
		t.Fatalf("after COMMAND_INT_ONLY sent %#v", sent[len(sent)-1])
	}
	c.handle(&common.MessageCommandAck{Command: common.MAV_CMD_DO_REPOSITION, Result: common.MAV_RESULT_ACCEPTED}, now)
	if c.result() != nil || !c.finished() {
		t.Fatal(c.result())
	}
}

func TestCommandSession_Handle_OtherCommandsAckIgnored(t *testing.T) {
	c := newCommand(func(message.Message) {}, 1, 1, armCommand(), defaultTiming(0))
	c.start(time.Unix(0, 0))
	c.handle(&common.MessageCommandAck{Command: common.MAV_CMD_NAV_TAKEOFF, Result: common.MAV_RESULT_ACCEPTED}, time.Unix(0, 0))
	if c.finished() {
		t.Fatal("an ACK for another command finished the session")
	}
}

func testParams(n int) *fakeAutopilot {
	v := newFakeAutopilot(FlavourArduPilot)
	v.params = map[string]float32{}
	for i := range n {
		name := "P_" + string(rune('A'+i/26)) + string(rune('A'+i%26))
		v.names = append(v.names, name)
		v.params[name] = float32(i)
	}
	return v
}

func TestParamListSession_Run_LossyFetchesMissing(t *testing.T) {
	veh := testParams(300)
	h := newHarness(t, 2, veh)
	h.loss = 0.3
	var last [2]int
	s := newParamList(h.gcsSend, 1, 1, FlavourArduPilot, defaultTiming(0), func(d, n int) { last = [2]int{d, n} })
	h.run(s, 5*time.Minute)
	if err := s.result(); err != nil {
		t.Fatal(err)
	}
	ps := s.params()
	if len(ps) != 300 || ps[299].Value != 299 || last != [2]int{300, 300} {
		t.Fatalf("%d params, last progress %v", len(ps), last)
	}
}

func TestParamSession_Run_SetConfirmsOrReportsRefusal(t *testing.T) {
	veh := testParams(3)
	h := newHarness(t, 1, veh)
	h.loss = 0.3
	s := newParamSet(h.gcsSend, 1, 1, FlavourArduPilot, "P_AB", 42, common.MAV_PARAM_TYPE_REAL32, math.NaN(), defaultTiming(0))
	h.run(s, time.Minute)
	if s.result() != nil || veh.params["P_AB"] != 42 || s.last.Value != 42 {
		t.Fatalf("set: %v, vehicle holds %g", s.result(), veh.params["P_AB"])
	}
	veh.readOnly = map[string]bool{"P_AC": true}
	h2 := newHarness(t, 1, veh)
	s2 := newParamSet(h2.gcsSend, 1, 1, FlavourArduPilot, "P_AC", 7, common.MAV_PARAM_TYPE_REAL32, math.NaN(), defaultTiming(0))
	h2.run(s2, time.Minute)
	if !errors.Is(s2.result(), ErrRejected) || !strings.Contains(s2.result().Error(), "keeps P_AC = 2") {
		t.Fatalf("want a refusal naming the kept value, got %v", s2.result())
	}
}

func TestEncodeParam_PX4Bytewise(t *testing.T) {
	f := encodeParam(FlavourPX4, 1234, common.MAV_PARAM_TYPE_INT32)
	if got := decodeParam(FlavourPX4, f, common.MAV_PARAM_TYPE_INT32); got != 1234 {
		t.Fatalf("PX4 int32 round trip gave %g", got)
	}
	if encodeParam(FlavourArduPilot, 1234, common.MAV_PARAM_TYPE_INT32) != 1234 {
		t.Fatal("ArduPilot sends integers as float values")
	}
	if got := decodeParam(FlavourPX4, encodeParam(FlavourPX4, -5, common.MAV_PARAM_TYPE_INT8), common.MAV_PARAM_TYPE_INT8); got != -5 {
		t.Fatalf("PX4 int8 -5 round trip gave %g", got)
	}
}
