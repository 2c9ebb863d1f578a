package planner

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
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
func checkCorridor(t *testing.T, req CorridorParams, plan *CorridorPlan, lines [][]orb.Point) {
	t.Helper()
	// Reference: an independent index in [lon, lat], distances measured in a
	// projection centred on each checked point (exact from the centre).
	// Parts that continue one another are joined, so a vertex where two
	// parts meet has both its segments for the side test.
	// Segments are straight in lon/lat (GeoJSON's meaning): densified to
	// 1 km they are straight (to a millimetre) in the projection each check uses.
	var dense [][]orb.Point
	for _, l := range geo.MergeLines(lines) {
		dense = append(dense, geo.DensifyLonLat(l, 1000))
	}
	ref := geo.NewSegmentIndex(dense)
	budget := req.Vehicle.CruiseMS * req.Vehicle.EnduranceS * (1 - req.Vehicle.ReserveFrac)
	checked := 0
	for i, leg := range plan.Legs {
		if leg.FlightM > budget+1e-6 {
			t.Errorf("leg %d flies %.1f km, the battery allows %.1f km", i+1, leg.FlightM/1000, budget/1000)
		}
		// Every route segment, exactly: its distance to the border's
		// segments near it, in a projection centred on it.
		nearest := math.Inf(1)
		defer func(i int, leg Leg) {
			// The plan's own report of its nearest approach is a lower
			// bound within the projection's scale bound (under 1 %).
			if leg.MinBorderDistM < req.StandoffM-0.5 || leg.MinBorderDistM > nearest+0.5 || leg.MinBorderDistM < nearest/1.01 {
				t.Errorf("leg %d reports %.1f m from the border; measured %.1f m", i+1, leg.MinBorderDistM, nearest)
			}
		}(i, leg)
		for k := 1; k < len(leg.Route); k++ {
			d, side := refSegment(ref, leg.Route[k-1], leg.Route[k])
			nearest = min(nearest, d)
			checked++
			if side != req.Side || d < req.StandoffM-0.5 {
				t.Fatalf("leg %d segment %v-%v comes %.1f m from the border, on the %v side; want ≥ %.0f m on the %v side",
					i+1, leg.Route[k-1], leg.Route[k], d, side, req.StandoffM, req.Side)
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
	t.Logf("%d legs, %d drones, %d segments checked, section %.0f km, covered %.0f km, revisit max %.0f min",
		len(plan.Legs), len(plan.Drones), checked, plan.Coverage.SectionM/1000, plan.Coverage.CoveredM/1000, plan.Coverage.MaxRevisitS/60)
}

// refSegment is the distance from segment a-b ([lon, lat]) to the border and
// the side b's midpoint is on, in a projection centred on the segment.
func refSegment(ix *geo.SegmentIndex, a, b orb.Point) (float64, geo.Side) {
	mid := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
	proj := geo.NewProj(mid)
	pa, pb := proj.Forward(a), proj.Forward(b)
	box := orb.Bound{Min: orb.Point{min(a[0], b[0]), min(a[1], b[1])}, Max: orb.Point{max(a[0], b[0]), max(a[1], b[1])}}
	for pad := 0.03; pad <= 3; pad *= 4 {
		span := map[int][2]int{}
		ix.Search(box.Pad(pad), func(line, i int) bool {
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
		// Each line's candidates as one contiguous window with a segment of
		// context either side, so the side at a vertex sees both segments.
		var lines [][]orb.Point
		d := math.Inf(1)
		for line, s := range span {
			l := ix.Lines()[line]
			lo, hi := max(s[0]-1, 0), min(s[1]+2, len(l)-1)
			w := proj.ForwardAll(l[lo : hi+1])
			lines = append(lines, w)
			for k := 1; k < len(w); k++ {
				d = min(d, geo.SegmentSegmentDistance(pa, pb, w[k-1], w[k]))
			}
		}
		return d, geo.LineSide(lines, orb.Point{}).Side
	}
	return math.Inf(1), geo.OnLine
}

func TestPlanCorridor_USMexico(t *testing.T) {
	lines, side := borderLines(t, "us_mexico_border_lines_ne10m.geojson", "United States of America")
	req := CorridorParams{
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
	req := CorridorParams{
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

// A sharp meander: the line runs east, shoots 5.5 km north in a finger
// 100 m wide, comes back, and runs on. Patrols on either side keep the
// standoff and never cross it: north of the line the lane goes round the
// finger; south of it the lane bridges the finger's mouth.
func TestPlanCorridor_SharpMeanderNeverCrosses(t *testing.T) {
	line := []orb.Point{{-106.0, 31.0}, {-105.9, 31.0}, {-105.8995, 31.05}, {-105.899, 31.0}, {-105.8, 31.0}}
	for _, side := range []geo.Side{geo.Left, geo.Right} {
		req := CorridorParams{
			Border: [][]orb.Point{line}, Side: side, StandoffM: 400, AltM: 100,
			Vehicle: Vehicle{CruiseMS: 15, EnduranceS: 3600}, Drones: 2,
		}
		plan, err := PlanCorridor(req)
		if err != nil {
			t.Fatalf("%v: %v", side, err)
		}
		checkCorridor(t, req, plan, [][]orb.Point{line})
		ref := geo.NewSegmentIndex([][]orb.Point{geo.DensifyLonLat(line, 100)})
		for _, lane := range plan.Lanes[0] {
			for k := 1; k < len(lane); k++ {
				if d, s := refSegment(ref, lane[k-1], lane[k]); s != side || d < 399.5 {
					t.Fatalf("%v lane segment %v-%v: %.1f m on the %v side", side, lane[k-1], lane[k], d, s)
				}
			}
		}
	}
}

func TestPlanCorridor_SectionAndSites(t *testing.T) {
	lines, side := borderLines(t, "us_mexico_border_lines_ne10m.geojson", "United States of America")
	from, to := orb.Point{-111.0, 31.33}, orb.Point{-109.0, 31.34}
	req := CorridorParams{
		Border: lines, From: &from, To: &to, Side: side, StandoffM: 500, Lanes: 2, LaneSpacingM: 700, AltM: 120,
		Vehicle: Vehicle{CruiseMS: 20, EnduranceS: 3 * 3600},
		Drones:  4,
		Sites:   []LaunchSite{{Name: "Nogales AZ", Pos: orb.Point{-110.93, 31.37}}, {Name: "Douglas AZ", Pos: orb.Point{-109.55, 31.36}}},
	}
	plan, err := PlanCorridor(req)
	if err != nil {
		t.Fatal(err)
	}
	checkCorridor(t, req, plan, lines)
	if len(plan.Lanes) != 2 || len(plan.Sites) != 2 || plan.Sites[0].Name != "Nogales AZ" {
		t.Fatalf("lanes %d sites %+v", len(plan.Lanes), plan.Sites)
	}
	if s := plan.Coverage.SectionM; s < 180_000 || s > 230_000 {
		t.Fatalf("section is %.0f km, want about 190 km between the two points", s/1000)
	}
	for _, d := range plan.Drones {
		if d.CycleS <= 0 || len(d.Legs) == 0 {
			t.Fatalf("drone %+v idle", d)
		}
	}
	for _, l := range plan.Legs {
		if len(l.Plan.Fence.Polygons) != 1 || len(l.Plan.Fence.Polygons[0].Vertices) > 64 || len(l.Plan.Rally) == 0 {
			t.Fatalf("leg fence %d polygons / rally %d", len(l.Plan.Fence.Polygons), len(l.Plan.Rally))
		}
	}
}

func TestPlanCorridor_RefusesImpossible(t *testing.T) {
	lines, side := borderLines(t, "finland_russia_border_lines_ne10m.geojson", "Finland")
	base := CorridorParams{Border: lines, Side: side, StandoffM: 500, AltM: 100,
		Vehicle: Vehicle{CruiseMS: 15, EnduranceS: 1800}, Drones: 2}
	if _, err := PlanCorridor(base); !errors.Is(err, ErrUncovered) || !strings.Contains(err.Error(), "out of reach") {
		t.Fatalf("1222 km with two 30-minute drones: %v", err)
	}
	wrong := base
	wrong.Vehicle.EnduranceS = 3 * 3600
	wrong.Sites = []LaunchSite{{Name: "Svetogorsk", Pos: orb.Point{28.95, 61.12}}}
	if _, err := PlanCorridor(wrong); !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "other side of the border") {
		t.Fatalf("site in Russia: %v", err)
	}
	few := base
	few.Vehicle.EnduranceS = 3 * 3600
	few.Drones = 1
	few.Sites = []LaunchSite{{Name: "Imatra", Pos: orb.Point{28.76, 61.19}}, {Name: "Kuusamo", Pos: orb.Point{29.18, 65.96}}}
	if _, err := PlanCorridor(few); err == nil {
		t.Fatal("one drone for two far-apart sites and 1222 km accepted")
	}
	bad := base
	bad.StandoffM = -1
	if _, err := PlanCorridor(bad); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("negative standoff: %v", err)
	}
}

// Every border extract in the shared data, planned from the side not used
// above (and Andorra, whose two lines have it on opposite sides), keeps the
// same guarantees.
func TestPlanCorridor_EveryExtractOtherSide(t *testing.T) {
	for _, c := range []struct{ file, country string }{
		{"andorra_france_spain_border_lines_ne10m.geojson", "Andorra"},
		{"switzerland_italy_border_lines_ne10m.geojson", "Switzerland"},
		{"china_nepal_border_lines_ne10m.geojson", "Nepal"},
		{"finland_russia_border_lines_ne10m.geojson", "Russia"},
		{"us_mexico_border_lines_ne10m.geojson", "Mexico"},
	} {
		lines, side := borderLines(t, c.file, c.country)
		req := CorridorParams{Border: lines, Side: side, StandoffM: 300, Lanes: 2, AltM: 100,
			Vehicle: Vehicle{CruiseMS: 20, EnduranceS: 2 * 3600}, Drones: 30}
		plan, err := PlanCorridor(req)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		checkCorridor(t, req, plan, lines)
	}
}

// A no-fly zone across the lane near Nogales: the lane is cut around it,
// no route enters it, and the sorties near it carry it in their fences as
// an exclusion polygon that holds the whole zone.
func TestPlanCorridor_NoFlyZoneAvoidedAndFenced(t *testing.T) {
	lines, side := borderLines(t, "us_mexico_border_lines_ne10m.geojson", "United States of America")
	from, to := orb.Point{-111.2, 31.34}, orb.Point{-110.5, 31.33}
	zone := orb.Polygon{{{-110.91, 31.331}, {-110.89, 31.331}, {-110.89, 31.35}, {-110.91, 31.35}, {-110.91, 31.331}}}
	req := CorridorParams{Border: lines, Side: side, From: &from, To: &to, StandoffM: 500, AltM: 100,
		Vehicle: Vehicle{CruiseMS: 15, EnduranceS: 3600}, Drones: 3, NoFly: []orb.Polygon{zone}}
	plan, err := PlanCorridor(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Lanes[0]) < 2 {
		t.Fatalf("the lane is in %d piece(s): the zone did not cut it", len(plan.Lanes[0]))
	}
	fenced := 0
	for i, leg := range plan.Legs {
		for k := 1; k < len(leg.Route); k++ {
			a, b := leg.Route[k-1], leg.Route[k]
			if planar.PolygonContains(zone, a) || planar.PolygonContains(zone, b) {
				t.Fatalf("leg %d waypoint inside the no-fly zone", i+1)
			}
			for z := 1; z < len(zone[0]); z++ {
				if geo.SegmentsIntersect(a, b, zone[0][z-1], zone[0][z]) {
					t.Fatalf("leg %d segment %v-%v crosses the no-fly zone", i+1, a, b)
				}
			}
		}
		for _, fp := range leg.Plan.Fence.Polygons {
			if fp.Inclusion {
				continue
			}
			ring := append(orb.Ring(fp.Vertices), fp.Vertices[0])
			for _, q := range zone[0] {
				if !planar.PolygonContains(orb.Polygon{ring}, q) {
					t.Fatalf("leg %d's exclusion polygon does not hold the zone's corner %v", i+1, q)
				}
			}
			fenced++
		}
		if ps := missions.ValidateGeo(leg.Plan, missions.GeoRules{}); len(ps) > 0 {
			t.Fatalf("leg %d: %v", i+1, ps)
		}
	}
	if fenced == 0 {
		t.Fatal("no sortie fence carries the no-fly zone")
	}
	if cv := plan.Coverage; cv.CoveredM < cv.SectionM-5_000 {
		t.Fatalf("covered %.1f of %.1f km: more than the zone's width lost", cv.CoveredM/1000, cv.SectionM/1000)
	}
	in := req
	in.Sites = []LaunchSite{{Name: "in the zone", Pos: orb.Point{-110.90, 31.34}}}
	if _, err := PlanCorridor(in); !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "no-fly zone") {
		t.Fatalf("site in the zone: %v", err)
	}
}

// With a zone across the lane and sites on either side of it, the leg
// just beyond the zone is reached by a transit routed round the zone's far
// side (not through the other country), keeping the standoff and the zone
// clear.
func TestPlanCorridor_TransitRoutedRoundNoFlyZone(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "demodata", "nogales_border.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := missions.ParseGeoJSONLayer(data, "b", "demo", missions.LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	lines, _, err := missions.BorderLines(l, "")
	if err != nil {
		t.Fatal(err)
	}
	zone := orb.Polygon{{{-110.91, 31.331}, {-110.89, 31.331}, {-110.89, 31.35}, {-110.91, 31.35}, {-110.91, 31.331}}}
	req := CorridorParams{Border: lines, Side: geo.Left, StandoffM: 500, AltM: 120,
		Vehicle: Vehicle{CruiseMS: 15, EnduranceS: 3600}, Drones: 3, NoFly: []orb.Polygon{zone}}
	plan, err := PlanCorridor(req)
	if err != nil {
		t.Fatal(err)
	}
	ref := geo.NewSegmentIndex([][]orb.Point{geo.DensifyLonLat(lines[0], 200)})
	routedLegs := 0
	for i, leg := range plan.Legs {
		if leg.out.via != nil || leg.back.via != nil {
			routedLegs++
		}
		for k := 1; k < len(leg.Route); k++ {
			a, b := leg.Route[k-1], leg.Route[k]
			if d, s := refSegment(ref, a, b); s != geo.Left || d < 499.5 {
				t.Fatalf("leg %d segment %d: %.1f m on the %v side", i+1, k, d, s)
			}
			for z := 1; z < len(zone[0]); z++ {
				if geo.SegmentsIntersect(a, b, zone[0][z-1], zone[0][z]) || planar.PolygonContains(zone, a) {
					t.Fatalf("leg %d segment %d touches the zone", i+1, k)
				}
			}
		}
	}
	if routedLegs == 0 {
		t.Fatal("no transit was routed round the zone")
	}
}
