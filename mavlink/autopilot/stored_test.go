package autopilot

import (
	"testing"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

func wp(cmd common.MAV_CMD, frame common.MAV_FRAME, p [4]float32, z float32) common.MessageMissionItemInt {
	return common.MessageMissionItemInt{Command: cmd, Frame: frame, Param1: p[0], Param2: p[1], Param3: p[2], Param4: p[3],
		X: 313450000, Y: -1109500000, Z: z, Autocontinue: 1, Current: 1}
}

// The facts observed on a real ArduCopter 4.7 and PX4 1.17 (BRIEF.md) follow
// from the table.
func TestStore_ObservedOnRealAutopilots(t *testing.T) {
	cases := []struct {
		name string
		k    Kind
		list common.MAV_MISSION_TYPE
		in   common.MessageMissionItemInt
		want func(common.MessageMissionItemInt) bool
	}{
		{"ArduPilot LAND keeps only param4's sign", ArduCopter, ListMission,
			wp(common.MAV_CMD_NAV_LAND, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, [4]float32{0, 0, 0, 0}, 0),
			func(m common.MessageMissionItemInt) bool { return m.Param4 == 1 }},
		{"ArduPilot LAND negative param4 is -1", ArduCopter, ListMission,
			wp(common.MAV_CMD_NAV_LAND, common.MAV_FRAME_GLOBAL_RELATIVE_ALT, [4]float32{0, 0, 0, -37}, 0),
			func(m common.MessageMissionItemInt) bool { return m.Param4 == -1 }},
		{"ArduPilot frame 6 comes back as 3", ArduCopter, ListMission,
			wp(common.MAV_CMD_NAV_WAYPOINT, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, [4]float32{5.7}, 60),
			func(m common.MessageMissionItemInt) bool {
				return m.Frame == common.MAV_FRAME_GLOBAL_RELATIVE_ALT && m.Param1 == 5 && m.Z > 59.99 && m.Z < 60.01 && m.Current == 0
			}},
		{"ArduPilot RTL comes back in frame 0", ArduCopter, ListMission,
			wp(common.MAV_CMD_NAV_RETURN_TO_LAUNCH, common.MAV_FRAME_MISSION, [4]float32{}, 0),
			func(m common.MessageMissionItemInt) bool {
				return m.Frame == 0 && m.X == 0 && m.Y == 0 && m.Autocontinue == 1
			}},
		{"ArduPilot fence vertex in frame 0, z 0", ArduCopter, ListFence,
			wp(common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, common.MAV_FRAME_GLOBAL_RELATIVE_ALT, [4]float32{4}, 30),
			func(m common.MessageMissionItemInt) bool {
				return m.Frame == 0 && m.Z == 0 && m.Param1 == 4 && m.Autocontinue == 0 && m.X == 313450000
			}},
		{"ArduPilot fence return point altitude 0", ArduCopter, ListFence,
			wp(common.MAV_CMD_NAV_FENCE_RETURN_POINT, common.MAV_FRAME_GLOBAL_RELATIVE_ALT, [4]float32{}, 60),
			func(m common.MessageMissionItemInt) bool { return m.Frame == 0 && m.Z == 0 }},
		{"ArduPilot rally altitude in whole metres", ArduCopter, ListRally,
			wp(common.MAV_CMD_NAV_RALLY_POINT, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, [4]float32{}, 45.7),
			func(m common.MessageMissionItemInt) bool {
				return m.Frame == common.MAV_FRAME_GLOBAL_RELATIVE_ALT && m.Z == 45
			}},
		{"ArduPlane waypoint keeps radius bytes, not hold time", ArduPlane, ListMission,
			wp(common.MAV_CMD_NAV_WAYPOINT, common.MAV_FRAME_GLOBAL_RELATIVE_ALT, [4]float32{10, 300, 20.5}, 100),
			func(m common.MessageMissionItemInt) bool { return m.Param1 == 0 && m.Param2 == 255 && m.Param3 == 20 }},
		{"ArduPilot LOITER_TIME keeps radius's sign only", ArduCopter, ListMission,
			wp(common.MAV_CMD_NAV_LOITER_TIME, common.MAV_FRAME_GLOBAL_RELATIVE_ALT, [4]float32{30, 0, 80}, 50),
			func(m common.MessageMissionItemInt) bool { return m.Param1 == 30 && m.Param3 == 1 }},
		{"PX4 fence in frame 5 whatever was sent", PX4, ListFence,
			wp(common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, [4]float32{4}, 30),
			func(m common.MessageMissionItemInt) bool {
				return m.Frame == common.MAV_FRAME_GLOBAL_INT && m.Param1 == 4 && m.Z == 30
			}},
		{"PX4 waypoint keeps relative frame, drops param3, wraps yaw", PX4, ListMission,
			wp(common.MAV_CMD_NAV_WAYPOINT, common.MAV_FRAME_GLOBAL_RELATIVE_ALT, [4]float32{2, 3, 4, -90}, 30),
			func(m common.MessageMissionItemInt) bool {
				return m.Frame == common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT && m.Param1 == 2 && m.Param2 == 3 && m.Param3 == 0 &&
					m.Param4 > 269.99 && m.Param4 < 270.01
			}},
		{"PX4 DO_JUMP keeps whole numbers", PX4, ListMission,
			wp(common.MAV_CMD_DO_JUMP, common.MAV_FRAME_MISSION, [4]float32{3.7, 2}, 0),
			func(m common.MessageMissionItemInt) bool { return m.Param1 == 3 && m.Param2 == 2 }},
	}
	for _, c := range cases {
		r := Store(c.k, c.list, c.in)
		if !r.Accepted() || !r.Exact {
			t.Errorf("%s: refused %v (exact %v)", c.name, r.Refusal, r.Exact)
			continue
		}
		if !c.want(r.Item) {
			t.Errorf("%s: stored %+v", c.name, r.Item)
		}
	}
}

func TestStore_Refusals(t *testing.T) {
	cases := []struct {
		name string
		k    Kind
		list common.MAV_MISSION_TYPE
		in   common.MessageMissionItemInt
		want common.MAV_MISSION_RESULT
	}{
		{"ArduPlane has no spline", ArduPlane, ListMission, wp(common.MAV_CMD_NAV_SPLINE_WAYPOINT, common.MAV_FRAME_GLOBAL_RELATIVE_ALT, [4]float32{}, 50), common.MAV_MISSION_UNSUPPORTED},
		{"ArduPilot fence item in the mission", ArduCopter, ListMission, wp(common.MAV_CMD_NAV_FENCE_RETURN_POINT, common.MAV_FRAME_GLOBAL, [4]float32{}, 0), common.MAV_MISSION_UNSUPPORTED},
		{"ArduPilot rally in frame 2", ArduCopter, ListRally, wp(common.MAV_CMD_NAV_RALLY_POINT, common.MAV_FRAME_MISSION, [4]float32{}, 50), common.MAV_MISSION_UNSUPPORTED_FRAME},
		{"ArduPilot NaN hold time", ArduCopter, ListMission, wp(common.MAV_CMD_NAV_WAYPOINT, common.MAV_FRAME_GLOBAL, [4]float32{float32NaN()}, 50), common.MAV_MISSION_INVALID_PARAM1},
		{"ArduPilot latitude out of range", ArduCopter, ListMission, common.MessageMissionItemInt{Command: common.MAV_CMD_NAV_WAYPOINT, X: 950000000}, common.MAV_MISSION_INVALID_PARAM5_X},
		{"PX4 has no terrain frame", PX4, ListMission, wp(common.MAV_CMD_NAV_WAYPOINT, common.MAV_FRAME_GLOBAL_TERRAIN_ALT, [4]float32{}, 50), common.MAV_MISSION_UNSUPPORTED_FRAME},
		{"PX4 RTL in a global frame", PX4, ListMission, wp(common.MAV_CMD_NAV_RETURN_TO_LAUNCH, common.MAV_FRAME_GLOBAL_RELATIVE_ALT, [4]float32{}, 0), common.MAV_MISSION_UNSUPPORTED},
	}
	for _, c := range cases {
		if r := Store(c.k, c.list, c.in); r.Refusal != c.want {
			t.Errorf("%s: got %v, want %v", c.name, r.Refusal, c.want)
		}
	}
}

func float32NaN() float32 { var z float32; return z / z }

// Storing what an autopilot sends back stores the same again: a read-back
// uploaded unchanged verifies (a re-upload of a downloaded plan).
func TestStore_Idempotent(t *testing.T) {
	for _, k := range []Kind{ArduCopter, ArduPlane, PX4} {
		for cmd := range apCommands {
			for _, fr := range []common.MAV_FRAME{common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, common.MAV_FRAME_MISSION} {
				in := wp(cmd, fr, [4]float32{12.6, 3.2, -40.5, 7}, 61.37)
				a := Store(k, ListMission, in)
				if !a.Accepted() {
					continue
				}
				b := Store(k, ListMission, a.Item)
				if !b.Accepted() || !sameItem(b.Item, a.Item, 0.0101, a.Angles) {
					t.Errorf("%v %v frame %v: stored %+v, then %+v (%v)", k, cmd, fr, a.Item, b.Item, b.Refusal)
				}
			}
		}
	}
}
