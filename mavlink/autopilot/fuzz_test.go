package autopilot

import (
	"math"
	"testing"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// sameItem compares two stored items; zTol allows for ArduPilot's
// centimetre altitudes, which can lose a centimetre per round trip (z*100.0f
// truncated to an int32, sent back as alt*0.01f).
func sameItem(a, b common.MessageMissionItemInt, zTol float64, angles uint8) bool {
	eq := func(x, y float32) bool { return x == y || x != x && y != y }
	pa := [4]float32{a.Param1, a.Param2, a.Param3, a.Param4}
	pb := [4]float32{b.Param1, b.Param2, b.Param3, b.Param4}
	for i := range pa {
		same := eq(pa[i], pb[i]) || angles&(1<<i) != 0 && SameAngle(float64(pa[i]), float64(pb[i]), 1e-3)
		if !same {
			return false
		}
	}
	return a.Command == b.Command && a.Frame == b.Frame && a.X == b.X && a.Y == b.Y && (eq(a.Z, b.Z) || math.Abs(float64(a.Z-b.Z)) <= zTol) &&
		a.Autocontinue == b.Autocontinue && a.Current == 0 && b.Current == 0
}

// FuzzStore feeds the table any item a GCS (or a corrupt link) could send.
// Properties: it never panics; what an autopilot stores, stored again, is
// the same (a downloaded plan re-uploads unchanged); what it sends back is
// in a frame it answers in.
func FuzzStore(f *testing.F) {
	f.Add(uint8(1), uint8(0), uint16(21), uint8(6), float32(0), float32(0), float32(0), float32(-1), int32(313450000), int32(-1109500000), float32(60))
	f.Add(uint8(3), uint8(1), uint16(5001), uint8(3), float32(4), float32(0), float32(0), float32(0), int32(313450000), int32(-1109500000), float32(0))
	f.Add(uint8(2), uint8(2), uint16(5100), uint8(6), float32(0), float32(0), float32(0), float32(0), int32(1), int32(2), float32(45.7))
	f.Add(uint8(1), uint8(0), uint16(18), uint8(3), float32(300), float32(0), float32(-900), float32(1), int32(0), int32(0), float32(10))
	f.Fuzz(func(t *testing.T, kind, list uint8, cmd uint16, frame uint8, p1, p2, p3, p4 float32, x, y int32, z float32) {
		k := Kind(kind % 4)
		lt := common.MAV_MISSION_TYPE(list % 3)
		in := common.MessageMissionItemInt{Command: common.MAV_CMD(cmd), Frame: common.MAV_FRAME(frame), Param1: p1, Param2: p2,
			Param3: p3, Param4: p4, X: x, Y: y, Z: z, Autocontinue: 1, Current: 1, MissionType: lt}
		r := Store(k, lt, in)
		if !r.Accepted() {
			return
		}
		if r.Item.Current != 0 {
			t.Fatalf("%v stores current %d", k, r.Item.Current)
		}
		again := Store(k, lt, r.Item)
		zTol := 0.0
		if k.ArduPilot() {
			zTol = 0.0101
		}
		if !again.Accepted() || !sameItem(again.Item, r.Item, zTol, r.Angles) {
			t.Fatalf("%v list %d: stored %+v, stored again %+v (%v)", k, lt, r.Item, again.Item, again.Refusal)
		}
		switch {
		case k.ArduPilot():
			switch r.Item.Frame {
			case common.MAV_FRAME_GLOBAL, common.MAV_FRAME_GLOBAL_RELATIVE_ALT, common.MAV_FRAME_GLOBAL_TERRAIN_ALT:
			default:
				t.Fatalf("ArduPilot answers in frame %v", r.Item.Frame)
			}
			if lt == ListFence && (r.Item.Frame != 0 || r.Item.Z != 0) {
				t.Fatalf("ArduPilot fence item back in frame %v at z %g", r.Item.Frame, r.Item.Z)
			}
			if lt == ListRally && r.Item.Z != float32(math.Trunc(float64(r.Item.Z))) {
				t.Fatalf("ArduPilot rally altitude %g is not whole metres", r.Item.Z)
			}
		case k == PX4:
			if lt == ListFence && r.Item.Frame != common.MAV_FRAME_GLOBAL_INT {
				t.Fatalf("PX4 fence item back in frame %v", r.Item.Frame)
			}
		}
	})
}
