package simulator

import (
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

// wait bounds how long a test waits for a message it expects (a COMMAND_ACK,
// a mission request). The wait ends as soon as the message arrives; the bound
// only decides when a lost message fails the test. It is wall time because
// the message crosses a real loopback UDP socket to the raw GCS's reader
// goroutine, which synctest cannot hold in virtual time. It was 5 s, and under
// a loaded machine with -race the reader, decoding the backlog of telemetry a
// stepped fleet sends in a burst, took longer than that to reach the ACK
// (TestScenario_Crossings_EveryFlavourTakesOffFliesAndComesBack failed so).
// Checks that something does NOT arrive use their own short windows (none).
const wait = 60 * time.Second

func missionAck(mtype common.MAV_MISSION_TYPE) func(message.Message) bool {
	return isMsg(func(m *common.MessageMissionAck) bool { return m.MissionType == mtype })
}

// request waits for the vehicle's next item request, whichever message it uses.
func (g *rawGCS) request(sys uint8) (seq uint16, isInt bool, mtype common.MAV_MISSION_TYPE) {
	g.t.Helper()
	r := g.expect(sys, wait, "MISSION_REQUEST(_INT)", func(m message.Message) bool {
		switch m.(type) {
		case *common.MessageMissionRequest, *common.MessageMissionRequestInt:
			return true
		}
		return false
	})
	switch m := r.msg.(type) {
	case *common.MessageMissionRequest:
		return m.Seq, false, m.MissionType
	case *common.MessageMissionRequestInt:
		return m.Seq, true, m.MissionType
	}
	return 0, false, 0
}

func wp(seq uint16, frame common.MAV_FRAME, cmd common.MAV_CMD, lat, lon float64, alt float32, mtype common.MAV_MISSION_TYPE) *common.MessageMissionItemInt {
	return &common.MessageMissionItemInt{TargetSystem: 1, TargetComponent: 1, Seq: seq, Frame: frame, Command: cmd, Autocontinue: 1,
		X: int32(math.Round(lat * 1e7)), Y: int32(math.Round(lon * 1e7)), Z: alt, MissionType: mtype}
}

// download reads a whole list back with MISSION_REQUEST_INT.
func (g *rawGCS) download(sys uint8, mtype common.MAV_MISSION_TYPE) []*common.MessageMissionItemInt {
	g.t.Helper()
	g.send(&common.MessageMissionRequestList{TargetSystem: sys, TargetComponent: 1, MissionType: mtype})
	c := g.expect(sys, wait, "MISSION_COUNT", isMsg(func(m *common.MessageMissionCount) bool { return m.MissionType == mtype })).msg.(*common.MessageMissionCount)
	var out []*common.MessageMissionItemInt
	for i := uint16(0); i < c.Count; i++ {
		g.send(&common.MessageMissionRequestInt{TargetSystem: sys, TargetComponent: 1, Seq: i, MissionType: mtype})
		it := g.expect(sys, wait, "MISSION_ITEM_INT", isMsg(func(m *common.MessageMissionItemInt) bool { return m.Seq == i && m.MissionType == mtype })).msg
		out = append(out, it.(*common.MessageMissionItemInt))
	}
	g.send(&common.MessageMissionAck{TargetSystem: sys, TargetComponent: 1, Type: common.MAV_MISSION_ACCEPTED, MissionType: mtype})
	return out
}

func TestArduPilot_MissionUpload_QuirksSeenFromGCS(t *testing.T) {
	f, g := startFleet(t, groundScenario("arducopter"), nil)
	const M = common.MAV_MISSION_TYPE_MISSION
	g.send(&common.MessageMissionCount{TargetSystem: 1, TargetComponent: 1, Count: 4, MissionType: M})
	seq, isInt, _ := g.request(1)
	if seq != 0 || isInt {
		t.Fatalf("first request: seq %d int=%v; ArduPilot asks for home (seq 0) with MISSION_REQUEST (40)", seq, isInt)
	}
	// A wrong item gets a failure ACK that does not end the transfer.
	g.send(wp(1, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, common.MAV_CMD_NAV_WAYPOINT, 31.34, -110.95, 50, M))
	ack := g.expect(1, wait, "MISSION_ACK", missionAck(M)).msg.(*common.MessageMissionAck)
	if ack.Type != common.MAV_MISSION_INVALID_SEQUENCE {
		t.Fatalf("out-of-order item: ACK %v, want INVALID_SEQUENCE", ack.Type)
	}
	// Home at seq 0 is sent but ignored.
	g.send(wp(0, common.MAV_FRAME_GLOBAL, common.MAV_CMD_NAV_WAYPOINT, 10, 10, 5, M))
	if seq, isInt, _ = g.request(1); seq != 1 || isInt {
		t.Fatalf("after home: request %d int=%v", seq, isInt)
	}
	g.send(wp(1, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, common.MAV_CMD_NAV_WAYPOINT, 31.34, -110.95, 50, M))
	g.request(1)
	jump := wp(2, common.MAV_FRAME_MISSION, common.MAV_CMD_DO_JUMP, 0, 0, 0, M)
	jump.Param1, jump.Param2 = 1, 2
	g.send(jump)
	g.request(1)
	g.send(wp(3, common.MAV_FRAME_MISSION, common.MAV_CMD_NAV_RETURN_TO_LAUNCH, 0, 0, 0, M))
	if ack := g.expect(1, wait, "final MISSION_ACK", missionAck(M)).msg.(*common.MessageMissionAck); ack.Type != common.MAV_MISSION_ACCEPTED {
		t.Fatalf("final ACK %v", ack.Type)
	}

	items := g.download(1, M)
	if len(items) != 4 {
		t.Fatalf("downloaded %d items, want 4 (home + 3)", len(items))
	}
	home := vehicleBy(f, 1).home
	if items[0].X != int32(math.Round(home.lat*1e7)) || items[0].Y != int32(math.Round(home.lon*1e7)) {
		t.Fatalf("seq 0 is %d,%d, want the real home %f,%f (the uploaded home is ignored)", items[0].X, items[0].Y, home.lat, home.lon)
	}
	if items[1].Frame != common.MAV_FRAME_GLOBAL_RELATIVE_ALT || items[1].Current != 0 {
		t.Fatalf("waypoint came back with frame %v current %d; ArduPilot returns frame 3 and current 0", items[1].Frame, items[1].Current)
	}
	if items[2].Command != common.MAV_CMD_DO_JUMP || items[2].Param1 != 1 || items[2].Param2 != 2 {
		t.Fatalf("jump came back as %+v", items[2])
	}
	if items[3].Frame != common.MAV_FRAME_GLOBAL || items[3].Command != common.MAV_CMD_NAV_RETURN_TO_LAUNCH {
		t.Fatalf("RTL came back with frame %v, want 0", items[3].Frame)
	}
}

func TestArduPilot_MissionUpload_StallRerequestsThenCancelsLeavingMixedMission(t *testing.T) {
	sc := groundScenario("arducopter")
	for i := 0; i < 4; i++ { // an old mission of four waypoints, 100 m to 400 m north
		lat, lon := offset(DefaultCenterLat, DefaultCenterLon, float64(i+1)*100, 0)
		sc.Vehicles[0].Mission = append(sc.Vehicles[0].Mission, ItemSpec{Cmd: "waypoint", Lat: lat, Lon: lon, AltM: 30})
	}
	f, g := startFleet(t, sc, nil)
	old := g.download(1, common.MAV_MISSION_TYPE_MISSION)
	if len(old) != 5 {
		t.Fatalf("old mission has %d items, want 5", len(old))
	}
	const M = common.MAV_MISSION_TYPE_MISSION
	g.send(&common.MessageMissionCount{TargetSystem: 1, TargetComponent: 1, Count: 4, MissionType: M})
	g.request(1)
	g.send(wp(0, common.MAV_FRAME_GLOBAL, common.MAV_CMD_NAV_WAYPOINT, 0, 0, 0, M))
	g.request(1)
	g.send(wp(1, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, common.MAV_CMD_NAV_WAYPOINT, 31.30, -110.90, 77, M))
	if seq, _, _ := g.request(1); seq != 2 {
		t.Fatalf("requested %d, want 2", seq)
	}
	// Silence: ArduPilot asks again about every second…
	for i := 0; i < 11; i++ {
		if err := f.Step(100 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if seq, isInt, _ := g.request(1); seq != 2 || isInt {
		t.Fatalf("re-request: seq %d int=%v", seq, isInt)
	}
	// …and gives up after 8 s with OPERATION_CANCELLED.
	for i := 0; i < 75; i++ {
		if err := f.Step(100 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	ack := g.expect(1, wait, "MISSION_ACK", missionAck(M)).msg.(*common.MessageMissionAck)
	if ack.Type != common.MAV_MISSION_OPERATION_CANCELLED {
		t.Fatalf("ACK %v, want OPERATION_CANCELLED", ack.Type)
	}
	got := g.download(1, M)
	if len(got) != 4 {
		t.Fatalf("after the cancelled upload the vehicle holds %d items, want 4 (cut at MISSION_COUNT)", len(got))
	}
	if got[1].X != 313000000 || got[1].Z != 77 {
		t.Fatalf("item 1 is %+v, want the new one", got[1])
	}
	if got[2].X != old[2].X || got[3].X != old[3].X {
		t.Fatalf("items 2-3 should be the old mission's: mixed mission expected, got %d,%d want %d,%d", got[2].X, got[3].X, old[2].X, old[3].X)
	}
}

func TestArduPilot_FenceAndRallyUpload_UseMissionRequest(t *testing.T) {
	_, g := startFleet(t, groundScenario("arducopter"), nil)
	for _, tc := range []struct {
		mtype common.MAV_MISSION_TYPE
		items []*common.MessageMissionItemInt
	}{
		{common.MAV_MISSION_TYPE_FENCE, []*common.MessageMissionItemInt{
			wp(0, common.MAV_FRAME_GLOBAL_INT, common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, 31.33, -111.0, 0, 1),
			wp(1, common.MAV_FRAME_GLOBAL_INT, common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, 31.37, -111.0, 0, 1),
			wp(2, common.MAV_FRAME_GLOBAL_INT, common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, 31.37, -110.9, 0, 1),
			wp(3, common.MAV_FRAME_GLOBAL_INT, common.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION, 31.35, -110.92, 0, 1),
		}},
		{common.MAV_MISSION_TYPE_RALLY, []*common.MessageMissionItemInt{
			wp(0, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, common.MAV_CMD_NAV_RALLY_POINT, 31.36, -110.95, 30, 2),
		}},
	} {
		for i, it := range tc.items {
			if it.Command == common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION {
				tc.items[i].Param1 = 3
			} else if it.Command == common.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION {
				tc.items[i].Param1 = 200
			}
		}
		g.send(&common.MessageMissionCount{TargetSystem: 1, TargetComponent: 1, Count: uint16(len(tc.items)), MissionType: tc.mtype})
		for _, it := range tc.items {
			seq, isInt, mt := g.request(1)
			if isInt || seq != it.Seq || mt != tc.mtype {
				t.Fatalf("%v: request seq %d int=%v type %v; ArduPilot uses MISSION_REQUEST for every list", tc.mtype, seq, isInt, mt)
			}
			g.send(it)
		}
		if ack := g.expect(1, wait, "MISSION_ACK", missionAck(tc.mtype)).msg.(*common.MessageMissionAck); ack.Type != common.MAV_MISSION_ACCEPTED {
			t.Fatalf("%v: ACK %v", tc.mtype, ack.Type)
		}
		if got := g.download(1, tc.mtype); len(got) != len(tc.items) || got[0].Command != tc.items[0].Command {
			t.Fatalf("%v: read back %d items", tc.mtype, len(got))
		}
	}
}

func TestPX4_MissionUpload_SeqZeroIsFirstItemAndAtomic(t *testing.T) {
	f, g := startFleet(t, groundScenario("px4"), nil)
	const M = common.MAV_MISSION_TYPE_MISSION
	g.send(&common.MessageMissionCount{TargetSystem: 1, TargetComponent: 1, Count: 2, MissionType: M})
	seq, isInt, _ := g.request(1)
	if seq != 0 || !isInt {
		t.Fatalf("first request seq %d int=%v; PX4 asks for its first item with MISSION_REQUEST_INT", seq, isInt)
	}
	g.send(wp(0, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, common.MAV_CMD_NAV_TAKEOFF, 0, 0, 30, M))
	g.request(1)
	g.send(wp(1, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, common.MAV_CMD_NAV_WAYPOINT, 31.34, -110.95, 30, M))
	if ack := g.expect(1, wait, "MISSION_ACK", missionAck(M)).msg.(*common.MessageMissionAck); ack.Type != common.MAV_MISSION_ACCEPTED {
		t.Fatalf("ACK %v", ack.Type)
	}
	items := g.download(1, M)
	if len(items) != 2 || items[0].Command != common.MAV_CMD_NAV_TAKEOFF {
		t.Fatalf("PX4 holds %d items, first %v; seq 0 must be the first item (no home)", len(items), items[0].Command)
	}
	if items[1].Frame != common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT || items[0].Current != 1 {
		t.Fatalf("frame %v current %d: PX4 keeps the frame and marks the current item", items[1].Frame, items[0].Current)
	}

	// A stalled upload: PX4 retries every 250 ms and gives up after 5 s, keeping the old mission.
	g.send(&common.MessageMissionCount{TargetSystem: 1, TargetComponent: 1, Count: 3, MissionType: M})
	g.request(1)
	g.send(wp(0, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, common.MAV_CMD_NAV_WAYPOINT, 31.30, -110.90, 99, M))
	g.request(1)
	for i := 0; i < 3; i++ {
		if err := f.Step(100 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if seq, _, _ := g.request(1); seq != 1 {
		t.Fatalf("retry asked for %d, want 1", seq)
	}
	for i := 0; i < 55; i++ {
		if err := f.Step(100 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	g.expect(1, wait, "STATUSTEXT Operation timeout", isMsg(func(m *common.MessageStatustext) bool { return m.Text == "Operation timeout" }))
	if got := g.download(1, M); len(got) != 2 || got[0].Command != common.MAV_CMD_NAV_TAKEOFF {
		t.Fatalf("after a timed-out upload PX4 holds %d items; its uploads are atomic", len(got))
	}
}

func command(sys uint8, cmd common.MAV_CMD, p ...float32) *common.MessageCommandLong {
	c := &common.MessageCommandLong{TargetSystem: sys, TargetComponent: 1, Command: cmd}
	ps := []*float32{&c.Param1, &c.Param2, &c.Param3, &c.Param4, &c.Param5, &c.Param6, &c.Param7}
	for i, v := range p {
		*ps[i] = v
	}
	return c
}

func (g *rawGCS) ack(sys uint8, cmd common.MAV_CMD) *common.MessageCommandAck {
	g.t.Helper()
	return g.expect(sys, wait, "COMMAND_ACK", isMsg(func(m *common.MessageCommandAck) bool { return m.Command == cmd })).msg.(*common.MessageCommandAck)
}

func TestArduCopter_Arm_RefusedWithReasonThenTakesOff(t *testing.T) {
	sc := groundScenario("arducopter")
	sc.Vehicles[0].ReadyAfter = Duration(40 * time.Second)
	f, g := startFleet(t, sc, nil)
	g.send(command(1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1))
	// The reason comes as STATUSTEXT just before the ACK.
	g.expect(1, wait, "STATUSTEXT Arm: …", isMsg(func(m *common.MessageStatustext) bool { return m.Text == "Arm: Need Position Estimate" }))
	if a := g.ack(1, common.MAV_CMD_COMPONENT_ARM_DISARM); a.Result != common.MAV_RESULT_FAILED {
		t.Fatalf("arm before the position estimate: %v, want FAILED", a.Result)
	}
	// Home is zeros before the fix.
	if items := g.download(1, common.MAV_MISSION_TYPE_MISSION); items[0].X != 0 || items[0].Y != 0 {
		t.Fatalf("home before the fix is %d,%d, want zeros", items[0].X, items[0].Y)
	}
	stepUntil(t, f, time.Second, time.Minute, "position estimate", func() bool { return f.now >= 40*time.Second })

	g.send(command(1, common.MAV_CMD_DO_SET_MODE, 1, copterAuto))
	if a := g.ack(1, common.MAV_CMD_DO_SET_MODE); a.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("set AUTO: %v", a.Result)
	}
	g.send(command(1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1))
	g.expect(1, wait, "STATUSTEXT", isMsg(func(m *common.MessageStatustext) bool { return m.Text == "Arm: Mode not armable" }))
	if a := g.ack(1, common.MAV_CMD_COMPONENT_ARM_DISARM); a.Result != common.MAV_RESULT_FAILED {
		t.Fatalf("arm in AUTO: %v, want FAILED", a.Result)
	}
	g.send(command(1, common.MAV_CMD_DO_SET_MODE, 1, 77))
	if a := g.ack(1, common.MAV_CMD_DO_SET_MODE); a.Result != common.MAV_RESULT_FAILED {
		t.Fatalf("unknown mode: %v, want FAILED", a.Result)
	}
	g.send(command(1, common.MAV_CMD_DO_SET_MODE, 1, copterGuided))
	g.ack(1, common.MAV_CMD_DO_SET_MODE)
	g.send(command(1, common.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 20))
	if a := g.ack(1, common.MAV_CMD_NAV_TAKEOFF); a.Result != common.MAV_RESULT_FAILED {
		t.Fatalf("takeoff disarmed: %v, want FAILED", a.Result)
	}
	g.send(command(1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1))
	if a := g.ack(1, common.MAV_CMD_COMPONENT_ARM_DISARM); a.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("arm in GUIDED: %v", a.Result)
	}
	g.send(command(1, common.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 20))
	if a := g.ack(1, common.MAV_CMD_NAV_TAKEOFF); a.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("takeoff: %v", a.Result)
	}
	v := vehicleBy(f, 1)
	stepUntil(t, f, 100*time.Millisecond, time.Minute, "climb to 20 m", func() bool { return v.alt-v.home.alt > 19.5 })
	g.send(command(1, common.MAV_CMD_COMPONENT_ARM_DISARM, 0))
	if a := g.ack(1, common.MAV_CMD_COMPONENT_ARM_DISARM); a.Result != common.MAV_RESULT_FAILED {
		t.Fatalf("disarm in flight: %v, want FAILED", a.Result)
	}
	// LAND ends disarmed on the ground.
	g.send(command(1, common.MAV_CMD_NAV_LAND))
	g.ack(1, common.MAV_CMD_NAV_LAND)
	stepUntil(t, f, 100*time.Millisecond, 2*time.Minute, "landed and disarmed", func() bool { return v.landed && !v.armed })
}

func TestVehicle_Arm_OnGroundWithoutTakeoffDisarmsAfterDelay(t *testing.T) {
	f, g := startFleet(t, groundScenario("arducopter", "px4"), nil)
	for _, sys := range []uint8{1, 2} {
		g.send(command(sys, common.MAV_CMD_COMPONENT_ARM_DISARM, 1))
		if a := g.ack(sys, common.MAV_CMD_COMPONENT_ARM_DISARM); a.Result != common.MAV_RESULT_ACCEPTED {
			t.Fatalf("system %d arm: %v", sys, a.Result)
		}
	}
	used := stepUntil(t, f, 500*time.Millisecond, time.Minute, "auto-disarm", func() bool {
		return !vehicleBy(f, 1).armed && !vehicleBy(f, 2).armed
	})
	if used < 9*time.Second || used > 12*time.Second {
		t.Fatalf("disarmed after %v, want about 10 s", used)
	}
}

func TestPX4_Arm_BeforeEstimateTemporarilyRejected(t *testing.T) {
	sc := groundScenario("px4")
	sc.Vehicles[0].ReadyAfter = Duration(20 * time.Second)
	_, g := startFleet(t, sc, nil)
	g.send(command(1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1))
	if a := g.ack(1, common.MAV_CMD_COMPONENT_ARM_DISARM); a.Result != common.MAV_RESULT_TEMPORARILY_REJECTED {
		t.Fatalf("PX4 arm before estimate: %v, want TEMPORARILY_REJECTED", a.Result)
	}
	// PX4 answers DO_SET_MODE twice: ACCEPTED at once, then the real result.
	g.send(command(1, common.MAV_CMD_DO_SET_MODE, 1, px4MainAuto, 99))
	if a := g.ack(1, common.MAV_CMD_DO_SET_MODE); a.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("PX4 DO_SET_MODE first answer: %v, want ACCEPTED", a.Result)
	}
	if a := g.ack(1, common.MAV_CMD_DO_SET_MODE); a.Result != common.MAV_RESULT_DENIED {
		t.Fatalf("PX4 unknown sub mode, second answer: %v, want DENIED", a.Result)
	}
	g.send(command(1, common.MAV_CMD_DO_SET_MODE, 1, px4MainAuto, px4SubMission))
	g.ack(1, common.MAV_CMD_DO_SET_MODE)
	g.expect(1, wait, "STATUSTEXT Switching to Mission …", isMsg(func(m *common.MessageStatustext) bool {
		return m.Text == "Switching to Mission is currently not available\t"
	}))
	if a := g.ack(1, common.MAV_CMD_DO_SET_MODE); a.Result != common.MAV_RESULT_TEMPORARILY_REJECTED {
		t.Fatalf("PX4 AUTO_MISSION before the estimate, second answer: %v, want TEMPORARILY_REJECTED", a.Result)
	}
}

func TestVehicle_Calibration_InProgressThenAccepted(t *testing.T) {
	f, g := startFleet(t, groundScenario("arducopter"), nil)
	g.send(command(1, common.MAV_CMD_PREFLIGHT_CALIBRATION, 0, 0, 1))
	if a := g.ack(1, common.MAV_CMD_PREFLIGHT_CALIBRATION); a.Result != common.MAV_RESULT_IN_PROGRESS {
		t.Fatalf("first ACK %v, want IN_PROGRESS", a.Result)
	}
	g.send(command(1, common.MAV_CMD_PREFLIGHT_CALIBRATION, 0, 0, 1))
	if a := g.ack(1, common.MAV_CMD_PREFLIGHT_CALIBRATION); a.Result != common.MAV_RESULT_TEMPORARILY_REJECTED {
		t.Fatalf("second request while busy: %v, want TEMPORARILY_REJECTED", a.Result)
	}
	for i := 0; i < 4; i++ {
		if err := f.Step(time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if a := g.ack(1, common.MAV_CMD_PREFLIGHT_CALIBRATION); a.Result != common.MAV_RESULT_ACCEPTED || a.Progress != 100 {
		t.Fatalf("final ACK %v progress %d", a.Result, a.Progress)
	}
	g.send(command(1, 31999))
	if a := g.ack(1, 31999); a.Result != common.MAV_RESULT_UNSUPPORTED {
		t.Fatalf("unknown command: %v", a.Result)
	}
}

// countFor steps the fleet for d and counts the messages of one id that arrive.
func countFor(t *testing.T, f *Fleet, g *rawGCS, sys uint8, id uint32, d time.Duration) int {
	t.Helper()
	g.drain()
	for s := time.Duration(0); s < d; s += 100 * time.Millisecond {
		if err := f.Step(100 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	f.Step(0)
	// A barrier instead of a wall-clock window (300 ms undercounted under load).
	n := 0
	g.barrier(sys, func(r rx) {
		if r.sys == sys && r.msg.GetID() == id {
			n++
		}
	})
	return n
}

func TestArduPilot_QuietStreams_HonourIntervalAndDataStreamRequests(t *testing.T) {
	f, g := startFleet(t, groundScenario("arducopter"), func(f *Fleet) { f.QuietStreams = true })
	if n := countFor(t, f, g, 1, 33, 3*time.Second); n != 0 {
		t.Fatalf("%d GLOBAL_POSITION_INT before any request; a real ArduPilot sends none", n)
	}
	if n := countFor(t, f, g, 1, 0, 3*time.Second); n < 2 {
		t.Fatalf("%d heartbeats in 3 s", n)
	}
	g.send(command(1, common.MAV_CMD_SET_MESSAGE_INTERVAL, 33, 200000))
	if a := g.ack(1, common.MAV_CMD_SET_MESSAGE_INTERVAL); a.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("SET_MESSAGE_INTERVAL: %v", a.Result)
	}
	if n := countFor(t, f, g, 1, 33, 4*time.Second); n < 19 || n > 21 {
		t.Fatalf("%d GLOBAL_POSITION_INT in 4 s at 5 Hz, want 20±1", n)
	}
	g.send(&common.MessageRequestDataStream{TargetSystem: 1, TargetComponent: 1, ReqStreamId: dsExtra1, ReqMessageRate: 4, StartStop: 1})
	// REQUEST_DATA_STREAM has no answer; reading SR0_EXTRA1 back (sent after it, on the same ordered socket) shows it was applied.
	g.send(&common.MessageParamRequestRead{TargetSystem: 1, TargetComponent: 1, ParamId: "SR0_EXTRA1", ParamIndex: -1})
	pv := g.expect(1, wait, "PARAM_VALUE", isMsg(func(m *common.MessageParamValue) bool { return m.ParamId == "SR0_EXTRA1" })).msg.(*common.MessageParamValue)
	if pv.ParamValue != 4 {
		t.Fatalf("SR0_EXTRA1 = %v after the request, want 4", pv.ParamValue)
	}
	if n := countFor(t, f, g, 1, 30, 4*time.Second); n < 15 || n > 17 {
		t.Fatalf("%d ATTITUDE in 4 s after REQUEST_DATA_STREAM EXTRA1 at 4 Hz, want 16±1", n)
	}
}

func TestVehicle_Params_ListReadSetPerFlavour(t *testing.T) {
	_, g := startFleet(t, groundScenario("arducopter", "px4"), nil)
	g.send(&common.MessageParamRequestList{TargetSystem: 1, TargetComponent: 1})
	first := g.expect(1, wait, "PARAM_VALUE", isMsg[*common.MessageParamValue](nil)).msg.(*common.MessageParamValue)
	seen := map[uint16]bool{first.ParamIndex: true}
	for len(seen) < int(first.ParamCount) {
		pv := g.expect(1, wait, "PARAM_VALUE", isMsg[*common.MessageParamValue](nil)).msg.(*common.MessageParamValue)
		seen[pv.ParamIndex] = true
	}
	g.send(&common.MessageParamSet{TargetSystem: 1, TargetComponent: 1, ParamId: "FENCE_ENABLE", ParamValue: 1, ParamType: common.MAV_PARAM_TYPE_INT8})
	pv := g.expect(1, wait, "PARAM_VALUE echo", isMsg(func(m *common.MessageParamValue) bool { return m.ParamId == "FENCE_ENABLE" })).msg.(*common.MessageParamValue)
	if pv.ParamValue != 1 || pv.ParamType != common.MAV_PARAM_TYPE_INT8 || pv.ParamIndex != 65535 {
		t.Fatalf("FENCE_ENABLE echo %v type %v index %d; ArduPilot answers with index 65535", pv.ParamValue, pv.ParamType, pv.ParamIndex)
	}
	// PX4 sends integers bit for bit in the float field.
	g.send(&common.MessageParamRequestRead{TargetSystem: 2, TargetComponent: 1, ParamId: "GF_ACTION", ParamIndex: -1})
	pv = g.expect(2, wait, "PARAM_VALUE", isMsg(func(m *common.MessageParamValue) bool { return m.ParamId == "GF_ACTION" })).msg.(*common.MessageParamValue)
	if int32(math.Float32bits(pv.ParamValue)) != 3 || pv.ParamType != common.MAV_PARAM_TYPE_INT32 {
		t.Fatalf("PX4 GF_ACTION raw %v (bits %d), want int32 3 bytewise", pv.ParamValue, math.Float32bits(pv.ParamValue))
	}
	g.send(&common.MessageParamSet{TargetSystem: 2, TargetComponent: 1, ParamId: "GF_ACTION", ParamValue: math.Float32frombits(5), ParamType: common.MAV_PARAM_TYPE_INT32})
	pv = g.expect(2, wait, "PARAM_VALUE echo", isMsg(func(m *common.MessageParamValue) bool { return m.ParamId == "GF_ACTION" })).msg.(*common.MessageParamValue)
	if math.Float32bits(pv.ParamValue) != 5 {
		t.Fatalf("PX4 GF_ACTION after set: bits %d", math.Float32bits(pv.ParamValue))
	}
}

func TestVehicle_Signing_IgnoresUnsignedCommandsAndSignsTelemetry(t *testing.T) {
	key := [32]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}
	sc := groundScenario("arducopter")
	sc.Vehicles[0].SigningKeyHex = "0102030405060708090000000000000000000000000000000000000000000000"
	f, g := startFleet(t, sc, nil)
	if err := f.Step(time.Second); err != nil {
		t.Fatal(err)
	}
	hb := g.expect(1, wait, "HEARTBEAT", isMsg[*common.MessageHeartbeat](nil))
	if !hb.signed {
		t.Fatal("a vehicle with a key must sign what it sends")
	}
	fr, _, _, err := mavwire.Parse(hb.raw, dialectRW)
	if err != nil {
		t.Fatal(err)
	}
	_, _, sig, _ := fr.Signature()
	if mavwire.ComputeSignature(key, fr.Raw[:len(fr.Raw)-6]) != sig {
		t.Fatal("heartbeat signature does not verify with the vehicle's key")
	}
	g.send(command(1, common.MAV_CMD_REQUEST_MESSAGE, 148))
	g.none(1, 300*time.Millisecond, "COMMAND_ACK to an unsigned command", isMsg[*common.MessageCommandAck](nil))
	ts := uint64(time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC).Sub(signingEpoch) / (10 * time.Microsecond))
	signed := mavwire.Encoder{Dialect: dialectRW, SystemID: 255, ComponentID: 190,
		Signer: &mavwire.Signer{Key: key, Timestamp: func() uint64 { ts++; return ts }}}
	g.sendWith(&signed, command(1, common.MAV_CMD_REQUEST_MESSAGE, 148))
	if a := g.ack(1, common.MAV_CMD_REQUEST_MESSAGE); a.Result != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("signed command: %v", a.Result)
	}
	wrong := mavwire.Encoder{Dialect: dialectRW, SystemID: 255, ComponentID: 190,
		Signer: &mavwire.Signer{Key: [32]byte{9}, Timestamp: func() uint64 { ts++; return ts }}}
	g.sendWith(&wrong, command(1, common.MAV_CMD_REQUEST_MESSAGE, 148))
	g.none(1, 300*time.Millisecond, "COMMAND_ACK to a wrongly signed command", isMsg[*common.MessageCommandAck](nil))
	var st VehicleStats
	f.do(func() { st = vehicleBy(f, 1).Stats })
	if st.UnsignedDrops != 1 || st.BadSignatures != 1 {
		t.Fatalf("stats %+v, want one unsigned drop and one bad signature", st)
	}
}

func TestArduPilot_BootBannerAndSetModeAck(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	f := &Fleet{Scenario: groundScenario("arducopter"), GCS: "udp://" + conn.LocalAddr().String(), Stepped: true, BootBanner: true}
	if err := f.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Step(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65536)
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	n, from, err := conn.ReadFromUDP(buf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(buf[:n]), "Init ArduCopter") {
		t.Fatalf("first datagram starts %q, want the boot banner", buf[:min(n, 20)])
	}
	var sc mavwire.Scanner
	sc.Dialect = dialectRW
	var texts []string
	sc.Datagram(buf[:n], func(fr mavwire.Frame) {
		if m, err := fr.Decode(dialectRW); err == nil {
			if st, ok := m.(*common.MessageStatustext); ok {
				texts = append(texts, st.Text)
			}
		}
	})
	if sc.Stats.GarbageBytes == 0 || len(texts) < 2 || !strings.HasPrefix(texts[0], "ArduCopter V") {
		t.Fatalf("garbage %d, texts %q", sc.Stats.GarbageBytes, texts)
	}
	// The old SET_MODE message is answered with COMMAND_ACK command=11.
	enc := mavwire.Encoder{Dialect: dialectRW, SystemID: 255, ComponentID: 190}
	b, _ := enc.Encode(nil, &common.MessageSetMode{TargetSystem: 1, BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: copterGuided})
	if _, err := conn.WriteToUDP(b, from); err != nil {
		t.Fatal(err)
	}
	for {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal("no COMMAND_ACK for SET_MODE")
		}
		found := false
		sc.Datagram(buf[:n], func(fr mavwire.Frame) {
			if m, err := fr.Decode(dialectRW); err == nil {
				if a, ok := m.(*common.MessageCommandAck); ok && a.Command == 11 && a.Result == common.MAV_RESULT_ACCEPTED {
					found = true
				}
			}
		})
		if found {
			break
		}
	}
	if st := f.Status(); st[0].Mode != "GUIDED" {
		t.Fatalf("mode %s after SET_MODE GUIDED", st[0].Mode)
	}
}

func TestArduPilot_Upload_FenceGoesOnWhileMissionUploadStalls(t *testing.T) {
	f, g := startFleet(t, groundScenario("arducopter"), nil)
	const M, F = common.MAV_MISSION_TYPE_MISSION, common.MAV_MISSION_TYPE_FENCE
	g.send(&common.MessageMissionCount{TargetSystem: 1, TargetComponent: 1, Count: 3, MissionType: M})
	if _, _, mt := g.request(1); mt != M {
		t.Fatalf("request for %v", mt)
	}
	// The mission upload is abandoned; a fence upload runs beside it.
	circle := wp(0, common.MAV_FRAME_GLOBAL_INT, common.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, 31.352, -110.95, 0, F)
	circle.Param1 = 500
	g.upload(1, F, []*common.MessageMissionItemInt{circle})
	for i := 0; i < 85; i++ {
		if err := f.Step(100 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if a := g.expect(1, wait, "mission ACK", missionAck(M)).msg.(*common.MessageMissionAck); a.Type != common.MAV_MISSION_OPERATION_CANCELLED {
		t.Fatalf("mission upload ended with %v, want OPERATION_CANCELLED after 8 s", a.Type)
	}
	if got := g.download(1, F); len(got) != 1 || got[0].Param1 != 500 {
		t.Fatalf("fence %+v", got)
	}
}

func TestVehicle_Timesync_AnsweredWithTheRequestMirrored(t *testing.T) {
	f, g := startFleet(t, groundScenario("arducopter", "px4"), nil)
	if err := f.Step(1500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	g.send(&common.MessageTimesync{Ts1: 123456789})
	for _, sys := range []uint8{1, 2} {
		r := g.expect(sys, wait, "TIMESYNC", isMsg(func(m *common.MessageTimesync) bool { return m.Ts1 == 123456789 })).msg.(*common.MessageTimesync)
		if r.Tc1 < int64(1500*time.Millisecond) || r.TargetSystem != 255 {
			t.Fatalf("system %d TIMESYNC %+v", sys, r)
		}
	}
}

func TestArduPilot_DownloadDuringUpload_Denied(t *testing.T) {
	_, g := startFleet(t, groundScenario("arducopter"), nil)
	const M = common.MAV_MISSION_TYPE_MISSION
	g.send(&common.MessageMissionCount{TargetSystem: 1, TargetComponent: 1, Count: 2, MissionType: M})
	g.request(1)
	g.send(&common.MessageMissionRequestList{TargetSystem: 1, TargetComponent: 1, MissionType: M})
	if a := g.expect(1, wait, "MISSION_ACK", missionAck(M)).msg.(*common.MessageMissionAck); a.Type != common.MAV_MISSION_DENIED {
		t.Fatalf("download during upload: %v, want DENIED", a.Type)
	}
	g.send(&common.MessageMissionClearAll{TargetSystem: 1, TargetComponent: 1, MissionType: M})
	if a := g.expect(1, wait, "MISSION_ACK", missionAck(M)).msg.(*common.MessageMissionAck); a.Type != common.MAV_MISSION_ERROR {
		t.Fatalf("clear during upload: %v, want ERROR", a.Type)
	}
	// Another GCS cannot take over the upload.
	other := mavwire.Encoder{Dialect: dialectRW, SystemID: 254, ComponentID: 190}
	g.sendWith(&other, &common.MessageMissionCount{TargetSystem: 1, TargetComponent: 1, Count: 5, MissionType: M})
	if a := g.expect(1, wait, "MISSION_ACK", missionAck(M)).msg.(*common.MessageMissionAck); a.Type != common.MAV_MISSION_DENIED || a.TargetSystem != 254 {
		t.Fatalf("second uploader: %v to %d, want DENIED", a.Type, a.TargetSystem)
	}
}

func TestPX4_Download_UnexpectedRequestAbortsWithError(t *testing.T) {
	sc := groundScenario("px4")
	for i := 0; i < 4; i++ {
		lat, lon := offset(DefaultCenterLat, DefaultCenterLon, float64(i+1)*100, 0)
		sc.Vehicles[0].Mission = append(sc.Vehicles[0].Mission, ItemSpec{Cmd: "waypoint", Lat: lat, Lon: lon, AltM: 30})
	}
	_, g := startFleet(t, sc, nil)
	const M = common.MAV_MISSION_TYPE_MISSION
	g.send(&common.MessageMissionRequestList{TargetSystem: 1, TargetComponent: 1, MissionType: M})
	g.expect(1, wait, "MISSION_COUNT", isMsg[*common.MessageMissionCount](nil))
	g.send(&common.MessageMissionRequestInt{TargetSystem: 1, TargetComponent: 1, Seq: 0, MissionType: M})
	g.expect(1, wait, "item 0", isMsg(func(m *common.MessageMissionItemInt) bool { return m.Seq == 0 }))
	g.send(&common.MessageMissionRequestInt{TargetSystem: 1, TargetComponent: 1, Seq: 0, MissionType: M}) // a repeat is fine
	g.expect(1, wait, "item 0 again", isMsg(func(m *common.MessageMissionItemInt) bool { return m.Seq == 0 }))
	g.send(&common.MessageMissionRequestInt{TargetSystem: 1, TargetComponent: 1, Seq: 3, MissionType: M}) // a jump is not
	if a := g.expect(1, wait, "MISSION_ACK", missionAck(M)).msg.(*common.MessageMissionAck); a.Type != common.MAV_MISSION_ERROR {
		t.Fatalf("unexpected request: %v, want ERROR", a.Type)
	}
	g.expect(1, wait, "STATUSTEXT", isMsg(func(m *common.MessageStatustext) bool { return m.Text == "WPM: REJ. CMD: Req. WP was unexpected" }))
}
