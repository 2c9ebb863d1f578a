package gcs

import (
	"fmt"
	"math"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/missions"
)

// Frame classes for converting plan items to MISSION_ITEM_INT's integers.
func globalFrame(f uint8) bool {
	switch common.MAV_FRAME(f) {
	case common.MAV_FRAME_GLOBAL, common.MAV_FRAME_GLOBAL_RELATIVE_ALT, common.MAV_FRAME_GLOBAL_INT,
		common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, common.MAV_FRAME_GLOBAL_TERRAIN_ALT, common.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT:
		return true
	}
	return false
}

// scaleXY is MISSION_ITEM_INT's factor for x and y: degrees×1e7 in global
// frames, metres×1e4 in local ones, and the value itself in MAV_FRAME_MISSION
// (params 5 and 6 of a non-positional command), as QGroundControl sends them.
func scaleXY(f uint8) float64 {
	switch {
	case globalFrame(f):
		return 1e7
	case common.MAV_FRAME(f) == common.MAV_FRAME_MISSION:
		return 1
	}
	return 1e4
}

func toInt32(v float64) int32 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	v = math.Round(v)
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	if v < math.MinInt32 {
		return math.MinInt32
	}
	return int32(v)
}

// itemToWire is a plan item as MISSION_ITEM_INT (targets filled in by the sender).
func itemToWire(it missions.Item, seq uint16, t common.MAV_MISSION_TYPE) *common.MessageMissionItemInt {
	s := scaleXY(it.Frame)
	m := &common.MessageMissionItemInt{
		Seq:         seq,
		Frame:       common.MAV_FRAME(it.Frame),
		Command:     common.MAV_CMD(it.Command),
		Param1:      float32(it.Params[0]),
		Param2:      float32(it.Params[1]),
		Param3:      float32(it.Params[2]),
		Param4:      float32(it.Params[3]),
		X:           toInt32(it.Params[4] * s),
		Y:           toInt32(it.Params[5] * s),
		Z:           float32(it.Params[6]),
		MissionType: t,
	}
	if it.Autocontinue {
		m.Autocontinue = 1
	}
	return m
}

// wireToItem is the inverse of itemToWire.
func wireToItem(m *common.MessageMissionItemInt) missions.Item {
	s := scaleXY(uint8(m.Frame))
	return missions.Item{
		Command: uint16(m.Command),
		Frame:   uint8(m.Frame),
		Params: [7]float64{float64(m.Param1), float64(m.Param2), float64(m.Param3), float64(m.Param4),
			float64(m.X) / s, float64(m.Y) / s, float64(m.Z)},
		Autocontinue: m.Autocontinue != 0,
	}
}

// itemFromFloat converts a (deprecated) MISSION_ITEM, whose x and y are floats
// in degrees, to MISSION_ITEM_INT.
func itemFromFloat(m *common.MessageMissionItem) *common.MessageMissionItemInt {
	s := scaleXY(uint8(m.Frame))
	return &common.MessageMissionItemInt{
		TargetSystem: m.TargetSystem, TargetComponent: m.TargetComponent, Seq: m.Seq,
		Frame: m.Frame, Command: m.Command, Current: m.Current, Autocontinue: m.Autocontinue,
		Param1: m.Param1, Param2: m.Param2, Param3: m.Param3, Param4: m.Param4,
		X: toInt32(float64(m.X) * s), Y: toInt32(float64(m.Y) * s), Z: m.Z, MissionType: m.MissionType,
	}
}

// locationCommands carry a position in params 5-7 that the autopilots store
// (ArduPilot's copy_location list, fences and rally points).
var locationCommands = map[common.MAV_CMD]bool{
	common.MAV_CMD_NAV_WAYPOINT: true, common.MAV_CMD_NAV_LOITER_UNLIM: true, common.MAV_CMD_NAV_LOITER_TURNS: true,
	common.MAV_CMD_NAV_LOITER_TIME: true, common.MAV_CMD_NAV_LAND: true, common.MAV_CMD_NAV_TAKEOFF: true,
	common.MAV_CMD_NAV_LOITER_TO_ALT: true, common.MAV_CMD_NAV_SPLINE_WAYPOINT: true, common.MAV_CMD_DO_LAND_START: true,
	common.MAV_CMD_DO_SET_ROI_LOCATION: true, common.MAV_CMD_DO_SET_ROI: true, common.MAV_CMD_NAV_FENCE_RETURN_POINT: true,
	common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION: true, common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION: true,
	common.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION: true, common.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION: true,
	common.MAV_CMD_NAV_RALLY_POINT: true,
}

// checkItems refuses, before anything is sent, items a vehicle would refuse
// part-way through an upload (which on ArduPilot leaves a mixed mission): a
// stored position that is not a number. Takeoff and land may leave latitude
// and longitude unset ("here"); land may leave its altitude unset.
func checkItems(t common.MAV_MISSION_TYPE, items []missions.Item) error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	for i, it := range items {
		cmd := common.MAV_CMD(it.Command)
		if !locationCommands[cmd] || !globalFrame(it.Frame) {
			continue
		}
		here := cmd == common.MAV_CMD_NAV_TAKEOFF || cmd == common.MAV_CMD_NAV_LAND
		what := ""
		switch {
		case !here && (bad(it.Params[4]) || bad(it.Params[5])):
			what = "latitude or longitude is not set"
		case cmd != common.MAV_CMD_NAV_LAND && bad(it.Params[6]):
			what = "altitude is not set (a QGroundControl terrain altitude that was never computed?)"
		}
		if what != "" {
			return fmt.Errorf("%w: %s item %d (%s): %s; the vehicle would refuse it mid-upload. Set it in the plan and upload again",
				ErrBadInput, typeName(t), i+1, missions.CommandName(it.Command), what)
		}
	}
	return nil
}
