package planner_test

import (
	"fmt"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/borderwatch/borderwatch/missions/planner"
	"github.com/paulmach/orb"
)

// A 40 km border running east; we patrol its north (left) side 500 m out
// with two drones of 40 minutes at 15 m/s. The fences keep the default
// margin, half the standoff, from the border.
func ExamplePlanCorridor() {
	border := [][]orb.Point{{{-111.0, 31.33}, {-110.8, 31.33}, {-110.58, 31.36}}}
	plan, err := planner.PlanCorridor(planner.CorridorParams{
		Border: border, Side: geo.Left, StandoffM: 500, AltM: 120,
		Vehicle: planner.Vehicle{CruiseMS: 15, EnduranceS: 2400},
		Drones:  2,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("section %.0f km, covered %.0f km\n", plan.Coverage.SectionM/1000, plan.Coverage.CoveredM/1000)
	for _, d := range plan.Drones {
		fmt.Printf("drone %d: %d legs\n", d.Drone, len(d.Legs))
	}
	for i, l := range plan.Legs {
		fmt.Printf("leg %d: %d mission items, route %.0f m and fence (%d vertices) %.0f m from the border at the nearest\n",
			i+1, len(l.Plan.Mission), l.MinBorderDistM, len(l.Plan.Fence.Polygons[0].Vertices), l.FenceMinBorderDistM)
	}
	// Output:
	// section 40 km, covered 40 km
	// drone 1: 2 legs
	// drone 2: 2 legs
	// leg 1: 4 mission items, route 513 m and fence (19 vertices) 251 m from the border at the nearest
	// leg 2: 5 mission items, route 513 m and fence (27 vertices) 251 m from the border at the nearest
	// leg 3: 4 mission items, route 514 m and fence (21 vertices) 251 m from the border at the nearest
	// leg 4: 4 mission items, route 513 m and fence (17 vertices) 251 m from the border at the nearest
}

// Round a 1 km square no-fly zone, kept 100 m clear.
func ExampleTransit_Route() {
	p := geo.NewProj(orb.Point{-110, 31.5})
	sq := orb.Ring(p.InverseAll([]orb.Point{{-500, -500}, {500, -500}, {500, 500}, {-500, 500}, {-500, -500}}))
	tr, err := planner.NewTransit(planner.TransitConfig{Exclusions: []orb.Polygon{{sq}}, MarginM: 100})
	if err != nil {
		fmt.Println(err)
		return
	}
	ab := p.InverseAll([]orb.Point{{-3000, 0}, {3000, 0}})
	r, err := tr.Route(ab[0], ab[1])
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d waypoints, %.0f m (straight: 6000 m)\n", len(r.Path), r.LengthM)
	// Output:
	// 4 waypoints, 6148 m (straight: 6000 m)
}
