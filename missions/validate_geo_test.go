package missions_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/planner"
	"github.com/paulmach/orb"
)

func nogalesBorder(t *testing.T) (*missions.Layer, *missions.BorderIndex) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.SharedData(t), "borders", "extracts", "us_mexico_border_lines_ne10m.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := missions.ParseGeoJSONLayer(data, "b", "US–Mexico", missions.LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := missions.NewBorderIndex(l)
	if err != nil {
		t.Fatal(err)
	}
	return l, ix
}

// Plans the corridor planner makes pass the spatial validation with the
// border rule at the standoff.
func TestValidateGeo_CorridorPlansPass(t *testing.T) {
	l, ix := nogalesBorder(t)
	lines, side, err := missions.BorderLines(l, "United States of America")
	if err != nil {
		t.Fatal(err)
	}
	from, to := orb.Point{-111.3, 31.4}, orb.Point{-110.4, 31.33}
	plan, err := planner.PlanCorridor(planner.CorridorParams{Border: lines, Side: side, From: &from, To: &to,
		StandoffM: 500, AltM: 120, Vehicle: planner.Vehicle{CruiseMS: 15, EnduranceS: 3600}, Drones: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, leg := range plan.Legs {
		if ps := missions.ValidateGeo(leg.Plan, missions.GeoRules{Border: ix, MinBorderDistM: 499}); len(ps) > 0 {
			t.Fatalf("leg %d: %v", i+1, ps)
		}
		if ps := missions.Validate(leg.Plan, missions.Limits{}); ps.Err() != nil {
			t.Fatalf("leg %d: %v", i+1, ps.Err())
		}
	}
}

func TestValidateGeo_ProblemsPointAtTheItem(t *testing.T) {
	_, ix := nogalesBorder(t)
	// A box north of Nogales with a no-fly square inside it.
	incl := []orb.Point{{-111.00, 31.36}, {-110.90, 31.36}, {-110.90, 31.45}, {-111.00, 31.45}}
	noFly := []orb.Point{{-110.96, 31.40}, {-110.94, 31.40}, {-110.94, 31.42}, {-110.96, 31.42}}
	p := &missions.Plan{
		Home: &missions.Position{Lat: 31.37, Lon: -110.99},
		Fence: missions.Fence{
			Polygons: []missions.FencePolygon{{Inclusion: true, Vertices: incl}, {Vertices: noFly}},
			Circles:  []missions.FenceCircle{{Center: orb.Point{-110.92, 31.38}, RadiusM: 300}},
		},
		Mission: []missions.Item{
			missions.Takeoff(31.37, -110.99, 50),       // 1
			missions.Waypoint(31.41, -110.98, 50, 0),   // 2
			missions.Waypoint(31.41, -110.91, 50, 0),   // 3: leg 2→3 crosses the no-fly square
			missions.Waypoint(31.38, -110.92, 50, 0),   // 4: inside the circle
			missions.Waypoint(31.3300, -110.95, 50, 0), // 5: outside the fence, ~310 m from the border
			missions.ReturnToLaunch(),                  // 6: no position
		},
	}
	ps := missions.ValidateGeo(p, missions.GeoRules{Border: ix, MinBorderDistM: 500})
	want := []string{
		"the leg from mission item 2 (WAYPOINT) to mission item 3 (WAYPOINT) crosses exclusion polygon 1",
		"mission item 4 (WAYPOINT) is inside exclusion circle 1",
		"mission item 5 (WAYPOINT) is outside the inclusion fence",
		"the leg from mission item 4 (WAYPOINT) to mission item 5 (WAYPOINT) leaves the inclusion fence",
		"to mission item 5 (WAYPOINT) comes within",
	}
	all := ""
	for _, p := range ps {
		all += p.Message + "\n"
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("missing %q in:\n%s", w, all)
		}
	}
	for _, p := range ps {
		if p.Index == 1 || p.Index == 6 {
			t.Errorf("item %d flagged: %s", p.Index, p.Message)
		}
	}
	p.Home = &missions.Position{Lat: 31.50, Lon: -110.99}
	ps = missions.ValidateGeo(p, missions.GeoRules{})
	if len(ps) == 0 || !strings.Contains(ps[0].Message, "home (31.500000, -110.990000) is outside the inclusion fence") {
		t.Fatalf("home outside: %v", ps)
	}
}

// Issue 11 §1: validation checks the fence and rally points against the
// border, not only the mission; a fence that crosses the line, a vertex or
// a rally point in the neighbour's territory, and a fence nearer the line
// than the fence rule are errors.
func TestValidateGeo_FenceAndRallyAgainstTheBorder(t *testing.T) {
	_, ix := nogalesBorder(t)
	// Near Nogales the Natural Earth line runs east–west at about 31.327° N.
	good := func() *missions.Plan {
		return &missions.Plan{
			Home: &missions.Position{Lat: 31.36, Lon: -110.95},
			Fence: missions.Fence{Polygons: []missions.FencePolygon{{Inclusion: true,
				Vertices: []orb.Point{{-111.0, 31.34}, {-110.9, 31.34}, {-110.9, 31.40}, {-111.0, 31.40}}}}},
			Rally:   []missions.Position{{Lat: 31.37, Lon: -110.95, AltM: 50}},
			Mission: []missions.Item{missions.Takeoff(31.36, -110.95, 50), missions.Waypoint(31.38, -110.95, 50, 0)},
		}
	}
	rules := missions.GeoRules{Border: ix, MinBorderDistM: 500}
	if ps := missions.ValidateGeo(good(), rules); len(ps) > 0 {
		t.Fatalf("a plan with its fence 1.4 km north of the line: %v", ps)
	}
	for _, tc := range []struct {
		name  string
		spoil func(p *missions.Plan)
		want  string
		list  missions.MissionType
	}{
		{"fence crosses", func(p *missions.Plan) { p.Fence.Polygons[0].Vertices[0] = orb.Point{-111.0, 31.30} },
			"inclusion polygon 1: edge 4-1 crosses the border", missions.TypeFence},
		{"fence vertex in Mexico", func(p *missions.Plan) { p.Fence.Polygons[0].Vertices[1] = orb.Point{-110.9, 31.30} },
			"vertex 2 (31.300000, -110.900000) is across the border (Mexico, not United States of America)", missions.TypeFence},
		{"fence too near", func(p *missions.Plan) {
			p.Fence.Polygons[0].Vertices[0] = orb.Point{-111.0, 31.329}
			p.Fence.Polygons[0].Vertices[1] = orb.Point{-110.9, 31.329}
		}, "comes within", missions.TypeFence},
		{"rally in Mexico", func(p *missions.Plan) { p.Rally[0].Lat = 31.30 }, "rally point 1 (31.300000, -110.950000) is across the border", missions.TypeRally},
		{"rally by the line", func(p *missions.Plan) { p.Rally[0].Lat = 31.329 }, "rally point 1 (31.329000, -110.950000) is", missions.TypeRally},
		{"inclusion circle across", func(p *missions.Plan) {
			p.Fence.Circles = []missions.FenceCircle{{Inclusion: true, Center: orb.Point{-110.95, 31.34}, RadiusM: 2000}}
		}, "inclusion circle 1 reaches across the border", missions.TypeFence},
		{"waypoint in Mexico beyond the min distance", func(p *missions.Plan) {
			p.Fence = missions.Fence{}
			p.Mission = append(p.Mission, missions.Waypoint(31.20, -110.95, 50, 0))
		}, "mission item 3 (WAYPOINT) is across the border", missions.TypeMission},
	} {
		p := good()
		tc.spoil(p)
		ps := missions.ValidateGeo(p, rules)
		found := false
		for _, pr := range ps {
			if strings.Contains(pr.Message, tc.want) {
				found = true
				if pr.Severity != missions.SeverityError || pr.List != tc.list {
					t.Errorf("%s: %+v is not an error of the %v list", tc.name, pr, tc.list)
				}
			}
		}
		if !found {
			t.Errorf("%s: no %q in %v", tc.name, tc.want, ps)
		}
	}
}

// The plan `plan corridor` wrote in issue 11 (commit 838d26e, kept in
// testdata as written): 13 of its 32 fence vertices in Mexico. `plan
// validate --border … --min-border-dist 300m` said 0 errors; the fence is
// now reported vertex by vertex and edge by edge.
func TestValidateGeo_Issue11FenceIntoMexico(t *testing.T) {
	_, ix := nogalesBorder(t)
	data, err := os.ReadFile(filepath.Join("testdata", "issue11_nogales_fence_into_mexico.plan"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := missions.ReadQGCPlan(data)
	if err != nil {
		t.Fatal(err)
	}
	ps := missions.ValidateGeo(p, missions.GeoRules{Border: ix, MinBorderDistM: 300})
	across, crossing := 0, 0
	for _, pr := range ps {
		if pr.Severity != missions.SeverityError {
			t.Errorf("not an error: %v", pr)
		}
		if strings.Contains(pr.Message, "is across the border (Mexico, not United States of America)") {
			across++
		}
		if strings.Contains(pr.Message, "crosses the border") {
			crossing++
		}
	}
	if across != 13 || crossing < 2 {
		t.Fatalf("%d vertices across and %d edges crossing reported, want 13 and at least 2:\n%v", across, crossing, ps)
	}
}
