package planner

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// borderLines loads a Natural Earth extract as a border layer and returns its
// lines and the side a country is on.
func borderLines(t testing.TB, file, country string) ([][]orb.Point, geo.Side) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.SharedData(t), "borders", "extracts", file))
	if err != nil {
		t.Fatal(err)
	}
	l, err := missions.ParseGeoJSONLayer(data, "b", file, missions.LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	lines, side, err := missions.BorderLines(l, country)
	if err != nil {
		t.Fatal(err)
	}
	return lines, side
}

// checkCorridor asserts what every corridor plan must hold: each leg on the
// chosen side at no less than the standoff (geodesic, on the result, against
// the real line), within the battery, and the legs together covering the
// section.
func checkCorridor(t *testing.T, req CorridorRequest, plan *CorridorPlan, lines [][]orb.Point) {
	t.Helper()
	// Reference: an independent index in [lon, lat], distances measured in a
	// projection centred on each checked point (exact from the centre).
	// Parts that continue one another are joined, so a vertex where two
	// parts meet has both its segments for the side test.
	// Segments are straight in lon/lat (GeoJSON's meaning): densified to
	// 200 m they are straight in the projection each check uses too.
	var dense [][]orb.Point
	for _, l := range geo.MergeLines(lines) {
		dense = append(dense, geo.DensifyLonLat(l, 200))
	}
	ref := geo.NewSegmentIndex(dense)
	budget := req.Vehicle.CruiseMS * req.Vehicle.EnduranceS * (1 - req.Vehicle.ReserveFrac)
	checked := 0
	for i, leg := range plan.Legs {
		if leg.FlightM > budget+1e-6 {
			t.Errorf("leg %d flies %.1f km, the battery allows %.1f km", i+1, leg.FlightM/1000, budget/1000)
		}
		// Densify every route segment to 200 m steps: the standoff must hold
		// between vertices too.
		for k := 1; k < len(leg.Route); k++ {
			a, b := leg.Route[k-1], leg.Route[k]
			n := int(geo.Distance(a, b)/200) + 1
			for s := 0; s <= n; s++ {
				f := float64(s) / float64(n)
				q := orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
				d, side := refDistance(ref, q)
				checked++
				if side != req.Side || d < req.StandoffM-0.5 {
					t.Fatalf("leg %d point %v is %.1f m from the border on the %v side; want ≥ %.0f m on the %v side",
						i+1, q, d, side, req.StandoffM, req.Side)
				}
			}
		}
		if leg.Plan == nil || len(leg.Plan.Mission) < 3 || leg.Plan.Mission[0].Command != missions.CmdNavTakeoff ||
			leg.Plan.Mission[len(leg.Plan.Mission)-1].Command != missions.CmdNavLand {
			t.Fatalf("leg %d has no takeoff…land plan", i+1)
		}
	}
	if plan.Coverage.SectionM == 0 || plan.Coverage.CoveredM < 0.97*plan.Coverage.SectionM {
		t.Errorf("legs cover %.1f of %.1f km", plan.Coverage.CoveredM/1000, plan.Coverage.SectionM/1000)
	}
	for _, b := range plan.Coverage.Bins {
		if !b.Covered && b.ToM-b.FromM > 0 && b.FromM > 1000 && b.ToM < plan.Coverage.SectionM-1000 {
			t.Errorf("border line %d km %.0f-%.0f is not covered", b.Line, b.FromM/1000, b.ToM/1000)
		}
	}
	t.Logf("%d legs, %d drones, %d points checked, section %.0f km, covered %.0f km, revisit max %.0f min",
		len(plan.Legs), len(plan.Drones), checked, plan.Coverage.SectionM/1000, plan.Coverage.CoveredM/1000, plan.Coverage.MaxRevisitS/60)
}

func refDistance(ix *geo.SegmentIndex, q orb.Point) (float64, geo.Side) {
	// Candidate segments near q, then exact distances in a projection centred
	// on q; each line's candidates become one contiguous window with a
	// segment of context either side, so the side at a vertex is judged from
	// both segments that meet there.
	proj := geo.NewProj(q)
	for r := 0.05; r <= 2; r *= 4 {
		span := map[int][2]int{}
		ix.Search(orb.Bound{Min: orb.Point{q[0] - r, q[1] - r}, Max: orb.Point{q[0] + r, q[1] + r}}, func(line, i int) bool {
			if s, ok := span[line]; ok {
				span[line] = [2]int{min(s[0], i), max(s[1], i)}
			} else {
				span[line] = [2]int{i, i}
			}
			return true
		})
		if len(span) == 0 {
			continue
		}
		var lines [][]orb.Point
		for line, s := range span {
			l := ix.Lines()[line]
			lo, hi := max(s[0]-1, 0), min(s[1]+2, len(l)-1)
			lines = append(lines, proj.ForwardAll(l[lo:hi+1]))
		}
		loc := geo.LineSide(lines, orb.Point{})
		return loc.Dist, loc.Side
	}
	return math.Inf(1), geo.OnLine
}

func TestPlanCorridor_USMexico(t *testing.T) {
	lines, side := borderLines(t, "us_mexico_border_lines_ne10m.geojson", "United States of America")
	req := CorridorRequest{
		Border: lines, Side: side, StandoffM: 500, Lanes: 2, LaneSpacingM: 1000, AltM: 120,
		Vehicle: Vehicle{CruiseMS: 25, EnduranceS: 3 * 3600}, Drones: 20,
	}
	plan, err := PlanCorridor(req)
	if err != nil {
		t.Fatal(err)
	}
	checkCorridor(t, req, plan, lines)
}

func TestPlanCorridor_FinlandRussia(t *testing.T) {
	lines, side := borderLines(t, "finland_russia_border_lines_ne10m.geojson", "Finland")
	req := CorridorRequest{
		Border: lines, Side: side, StandoffM: 1000, AltM: 100,
		Vehicle: Vehicle{CruiseMS: 18, EnduranceS: 9000, ReserveFrac: 0.25},
		Drones:  12,
	}
	plan, err := PlanCorridor(req)
	if err != nil {
		t.Fatal(err)
	}
	checkCorridor(t, req, plan, lines)
}
