package missions

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func testPlan() *Plan {
	return &Plan{
		Mission: []Item{
			Takeoff(0, 0, 30),
			Waypoint(31.33, -110.94, 120, 0),
			{Command: CmdNavWaypoint, Frame: FrameGlobalRelativeAlt, Params: [7]float64{0, 0, 0, math.NaN(), 31.34, -110.95, 120}, Autocontinue: true},
			DoJump(2, 3),
			ReturnToLaunch(),
		},
		Home: &Position{Lat: 31.33, Lon: -110.93, AltM: 1200},
		Fence: Fence{
			Polygons: []FencePolygon{
				{Inclusion: true, Vertices: []orb.Point{{-110.96, 31.32}, {-110.90, 31.32}, {-110.90, 31.36}, {-110.96, 31.36}}},
				{Inclusion: false, Vertices: []orb.Point{{-110.93, 31.34}, {-110.92, 31.34}, {-110.92, 31.35}}},
			},
			Circles: []FenceCircle{{Inclusion: false, Center: orb.Point{-110.91, 31.33}, RadiusM: 150}},
			Return:  &Position{Lat: 31.331, Lon: -110.931, AltM: 50},
		},
		Rally:   []Position{{Lat: 31.335, Lon: -110.935, AltM: 60}},
		Vehicle: Vehicle{FirmwareType: FirmwareArduPilot, VehicleType: 2, CruiseSpeedMS: 15, HoverSpeedMS: 5},
	}
}

func TestPlan_Items_PlanFromItemsRoundTrip(t *testing.T) {
	p := testPlan()
	fence := p.Items(TypeFence)
	// return point, 4 + 3 vertices, 1 circle
	if len(fence) != 9 {
		t.Fatalf("fence has %d items, want 9", len(fence))
	}
	if fence[1].Command != CmdFencePolygonInclude || fence[1].Params[0] != 4 || fence[5].Command != CmdFencePolygonExclude || fence[5].Params[0] != 3 {
		t.Fatalf("fence vertex items wrong: %+v %+v", fence[1], fence[5])
	}
	if fence[8].Command != CmdFenceCircleExclusion || fence[8].Params[0] != 150 {
		t.Fatalf("circle item wrong: %+v", fence[8])
	}
	q, err := PlanFromItems(p.Items(TypeMission), fence, p.Items(TypeRally))
	if err != nil {
		t.Fatal(err)
	}
	q.Home = p.Home
	if d := p.Diff(q); d != "" {
		t.Fatalf("round trip through items differs: %s", d)
	}
}

func TestPlanFromItems_InconsistentFence_Refused(t *testing.T) {
	v := func(cmd uint16, n float64) Item {
		return Item{Command: cmd, Frame: FrameGlobalRelativeAlt, Params: [7]float64{n, 0, 0, 0, 31, -110, 0}}
	}
	cases := []struct {
		name  string
		fence []Item
		rally []Item
		want  string
	}{
		{"short run", []Item{v(5001, 4), v(5001, 4), v(5001, 4)}, nil, "polygon of 4 vertices, but only 3 fence items follow"},
		{"mixed run", []Item{v(5001, 3), v(5002, 3), v(5001, 3)}, nil, "ends early: item 2 is FENCE_POLYGON_VERTEX_EXCLUSION"},
		{"two vertices", []Item{v(5001, 2), v(5001, 2)}, nil, "needs a whole number of at least 3 vertices"},
		{"zero radius", []Item{v(5003, 0)}, nil, "radius (param1) is 0 m"},
		{"two returns", []Item{v(5000, 0), v(5000, 0)}, nil, "a second return point"},
		{"not fence", []Item{v(16, 0)}, nil, "command 16 (WAYPOINT) is not a fence command"},
		{"unknown 5005", []Item{v(5005, 50)}, nil, "fence item 1: command 5005 is not a fence command (5000-5004)"},
		{"rally wrong", nil, []Item{v(5001, 3)}, "rally item 1: command 5001"},
		{"off earth", []Item{{Command: 5003, Params: [7]float64{10, 0, 0, 0, 95, 0, 0}}}, nil, "off the Earth"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := PlanFromItems(nil, c.fence, c.rally)
			if err == nil || !errors.Is(err, ErrBadItems) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an ErrBadItems containing %q", err, c.want)
			}
		})
	}
}

func TestItem_MarshalJSON_NaNIsNull(t *testing.T) {
	it := Item{Command: 16, Params: [7]float64{math.NaN(), 1, 2, 3, 4, 5, 6}}
	b, err := it.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"params":[null,1,2,3,4,5,6]`) {
		t.Fatalf("got %s", b)
	}
	var back Item
	if err := back.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if itemDiff(it, back) != "" {
		t.Fatalf("round trip: %s", itemDiff(it, back))
	}
}

func TestPlan_Diff_ByMeaning(t *testing.T) {
	p := testPlan()
	q := p.Clone()
	q.Mission[1].Frame = FrameGlobalRelAltInt                  // frame 6 means frame 3
	q.Mission[1].Params[4] += 4e-7                             // 4 cm
	q.Mission[1].Params[6] += 0.004                            // 4 mm
	q.Fence.Circles[0].RadiusM = float64(float32(150.0000001)) // float32 on the wire
	q.Meta = Meta{Author: "someone else"}
	if d := p.Diff(q); d != "" {
		t.Fatalf("same meaning, got %s", d)
	}
	q.Mission[2].Params[3] = 0 // NaN (unused yaw) is not 0
	if d := p.Diff(q); !strings.Contains(d, "mission item 3 (WAYPOINT): param4 NaN vs 0") {
		t.Fatalf("got %q", d)
	}
	q = p.Clone()
	q.Fence.Polygons[1].Inclusion = true
	if d := p.Diff(q); !strings.Contains(d, "fence item 6 (FENCE_POLYGON_VERTEX_EXCLUSION): command 5002 vs 5001") {
		t.Fatalf("got %q", d)
	}
	q = p.Clone()
	q.Home.AltM += 1
	if d := p.Diff(q); !strings.Contains(d, "home is") {
		t.Fatalf("got %q", d)
	}
}
