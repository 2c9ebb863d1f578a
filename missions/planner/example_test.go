package planner_test

import (
	"fmt"
	"math"
	"time"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/demodata"

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

// The request API HTTP and the CLI share: layers by reference (here the
// demo's embedded Nogales border, looked up by name), defaults from the
// vehicle type, one QGC .plan per drone and leg, and a summary to show or
// marshal as JSON.
func ExampleCorridor() {
	layers := func(ref string, kind missions.LayerKind) (*missions.Layer, error) {
		return missions.ParseLayer(demodata.NogalesBorder, ref, "Nogales border", kind)
	}
	alt := 1190.0
	res, err := planner.Corridor(planner.CorridorRequest{
		BorderLayer: "nogales", Side: "left", StandoffM: 300,
		From: &planner.LatLon{Lat: 31.33, Lon: -111.0}, To: &planner.LatLon{Lat: 31.33, Lon: -110.9},
		Sites: []planner.Site{{Name: "Nogales", Lat: 31.345, Lon: -110.95, AltAMSLM: &alt}},
	}, layers, time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	s := res.Summary
	fmt.Printf("%s at %g m/s for %g min; fences at least %g m from the border\n", s.VehicleType, s.SpeedMS, s.EnduranceS/60, s.FenceMarginM)
	for _, p := range res.Plans {
		l := s.Legs[p.Leg-1]
		fmt.Printf("%s: %.1f km patrolled, route ≥ %.0f m and fence ≥ %.0f m from the border, %d rally point(s), home at %g m\n",
			p.Name, l.PatrolM/1000, math.Floor(l.MinBorderDistM), math.Floor(l.FenceMinBorderDistM), l.RallyPoints, p.Plan.Home.AltM)
	}
	// Output:
	// copter at 10 m/s for 20 min; fences at least 150 m from the border
	// d1: 1.8 km patrolled, route ≥ 311 m and fence ≥ 150 m from the border, 1 rally point(s), home at 1190 m
	// d1-leg2: 3.7 km patrolled, route ≥ 312 m and fence ≥ 150 m from the border, 1 rally point(s), home at 1190 m
	// d1-leg3: 2.8 km patrolled, route ≥ 311 m and fence ≥ 150 m from the border, 1 rally point(s), home at 1190 m
	// d1-leg4: 0.9 km patrolled, route ≥ 311 m and fence ≥ 150 m from the border, 1 rally point(s), home at 1190 m
}
