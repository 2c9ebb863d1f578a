package gcs

import (
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
