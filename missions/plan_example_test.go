package missions_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/missions"
)

// A plan's fence goes to the vehicle as one run of vertex items per polygon
// (param1 = vertex count) and one item per circle (param1 = radius).
func ExamplePlan_Items() {
	p := &missions.Plan{
		Mission: []missions.Item{missions.Takeoff(0, 0, 30), missions.Waypoint(31.34, -110.94, 120, 0), missions.ReturnToLaunch()},
		Fence: missions.Fence{
			Polygons: []missions.FencePolygon{{Inclusion: true, Vertices: []orb.Point{{-110.96, 31.32}, {-110.90, 31.32}, {-110.93, 31.36}}}},
			Circles:  []missions.FenceCircle{{Inclusion: false, Center: orb.Point{-110.93, 31.33}, RadiusM: 150}},
		},
	}
	for _, it := range p.Items(missions.TypeFence) {
		fmt.Printf("%s param1=%g lat=%g lon=%g\n", missions.CommandName(it.Command), it.Params[0], it.Params[4], it.Params[5])
	}
	// Output:
	// FENCE_POLYGON_VERTEX_INCLUSION param1=3 lat=31.32 lon=-110.96
	// FENCE_POLYGON_VERTEX_INCLUSION param1=3 lat=31.32 lon=-110.9
	// FENCE_POLYGON_VERTEX_INCLUSION param1=3 lat=31.36 lon=-110.93
	// FENCE_CIRCLE_EXCLUSION param1=150 lat=31.33 lon=-110.93
}

// Validation names the item the way QGroundControl numbers it.
func ExampleValidate() {
	p := &missions.Plan{Mission: []missions.Item{
		missions.Takeoff(0, 0, 30),
		missions.Waypoint(31.34, -110.94, 900, 0),
	}}
	for _, pr := range missions.Validate(p, missions.Limits{MaxAltM: 500}) {
		fmt.Println(pr)
	}
	// Output:
	// error: mission item 2 (WAYPOINT): altitude 900 m is above the 500 m limit
}

// A QGC WPL file converts to a .plan; item 0 of a Mission Planner file is home.
func ExampleReadWPL() {
	wpl := "QGC WPL 110\r\n" +
		"0\t1\t0\t16\t0\t0\t0\t0\t31.330000\t-110.930000\t1200.000000\t1\r\n" +
		"1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t30.000000\t1\r\n" +
		"2\t0\t3\t16\t0\t0\t0\t0\t31.340000\t-110.940000\t120.000000\t1\r\n"
	p, err := missions.ReadWPL([]byte(wpl), missions.WPLHomeAuto)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("home %.2f,%.2f at %g m; %d mission items\n", p.Home.Lat, p.Home.Lon, p.Home.AltM, len(p.Mission))
	// Output:
	// home 31.33,-110.93 at 1200 m; 2 mission items
}
