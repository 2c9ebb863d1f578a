package missions

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/internal/testenv"
)

func TestValidate_GoodPlan_NoProblems(t *testing.T) {
	if ps := Validate(testPlan(), Limits{}); len(ps) != 0 {
		t.Fatalf("unexpected problems: %v", ps)
	}
}

func TestValidate_Problems_PointAtTheItem(t *testing.T) {
	square := []orb.Point{{8.0, 47.0}, {8.1, 47.0}, {8.1, 47.1}, {8.0, 47.1}}
	cases := []struct {
		name   string
		edit   func(p *Plan)
		limits Limits
		sev    Severity
		want   string
	}{
		{"altitude", func(p *Plan) { p.Mission[1].Params[6] = 900 }, Limits{}, SeverityError,
			"mission item 2 (WAYPOINT): altitude 900 m is above the 500 m limit"},
		{"altitude custom limit", func(p *Plan) {}, Limits{MaxAltM: 100}, SeverityError,
			"mission item 2 (WAYPOINT): altitude 120 m is above the 100 m limit"},
		{"absolute altitude above home", func(p *Plan) {
			p.Mission[1].Frame = FrameGlobal
			p.Mission[1].Params[6] = 1800 // home is at 1200 m AMSL
		}, Limits{}, SeverityError, "mission item 2 (WAYPOINT): altitude 600 m is above the 500 m limit"},
		{"below home", func(p *Plan) { p.Mission[2].Params[6] = -5 }, Limits{}, SeverityError,
			"mission item 3 (WAYPOINT): altitude -5 m is below home"},
		{"off earth", func(p *Plan) { p.Mission[1].Params[5] = 181 }, Limits{}, SeverityError,
			"mission item 2 (WAYPOINT): position (lat 31.33, lon 181) is off the Earth"},
		{"no position", func(p *Plan) { p.Mission[1].Params[4] = math.NaN() }, Limits{}, SeverityError,
			"mission item 2 (WAYPOINT): no latitude/longitude"},
		{"jump nowhere", func(p *Plan) { p.Mission[3].Params[0] = 9 }, Limits{}, SeverityError,
			"mission item 4 (DO_JUMP): jumps to item 9, which does not exist (items 1-5)"},
		{"jump itself", func(p *Plan) { p.Mission[3].Params[0] = 4 }, Limits{}, SeverityError,
			"mission item 4 (DO_JUMP): jumps to itself"},
		{"unknown command", func(p *Plan) { p.Mission[4].Command = 4242 }, Limits{}, SeverityWarning,
			"mission item 5 (command 4242): unknown command"},
		{"fence cmd in mission", func(p *Plan) { p.Mission[4].Command = CmdFencePolygonInclude }, Limits{}, SeverityError,
			"mission item 5 (FENCE_POLYGON_VERTEX_INCLUSION): fence and rally commands belong in the fence and rally lists"},
		{"too many items", func(p *Plan) {
			for range 800 {
				p.Mission = append(p.Mission, Waypoint(31.3, -110.9, 50, 0))
			}
		}, Limits{}, SeverityWarning, "mission: 805 items, above the 724 that ArduPilot typically stores"},
		{"px4 fence count", func(p *Plan) {
			p.Vehicle.FirmwareType = FirmwarePX4
			p.Fence.Polygons[0].Vertices = circleRing(orb.Point{-110.93, 31.34}, 0.02, 70)
		}, Limits{}, SeverityWarning, "fence: 75 items (vertices, circles, return point), above the 64 that PX4 typically stores"},
		{"two vertices", func(p *Plan) { p.Fence.Polygons[1].Vertices = p.Fence.Polygons[1].Vertices[:2] }, Limits{}, SeverityError,
			"fence polygon 2 (exclusion): 2 vertices; a polygon needs at least 3"},
		{"bow tie", func(p *Plan) {
			p.Fence.Polygons[0].Vertices = []orb.Point{square[0], square[2], square[1], square[3]}
		}, Limits{}, SeverityError, "fence polygon 1 (inclusion): edges 1-2 and 3-4 cross (the polygon intersects itself)"},
		{"repeated vertex", func(p *Plan) {
			p.Fence.Polygons[0].Vertices = []orb.Point{square[0], square[1], square[1], square[2], square[3]}
		}, Limits{}, SeverityError, "fence polygon 1 (inclusion): vertices 2 and 3 are the same point"},
		{"collinear", func(p *Plan) {
			p.Fence.Polygons[0].Vertices = []orb.Point{{8, 47}, {8.1, 47}, {8.2, 47}}
		}, Limits{}, SeverityError, "fence polygon 1 (inclusion): the vertices are on one line (zero area)"},
		{"vertex off earth", func(p *Plan) { p.Fence.Polygons[1].Vertices[1] = orb.Point{-110.9, 93} }, Limits{}, SeverityError,
			"fence polygon 2 (exclusion): vertex 2: position (lat 93, lon -110.9) is off the Earth"},
		{"circle radius", func(p *Plan) { p.Fence.Circles[0].RadiusM = 0 }, Limits{}, SeverityError,
			"fence circle 1 (exclusion): radius 0 m; it must be above 0"},
		{"rally count", func(p *Plan) {
			for range 12 {
				p.Rally = append(p.Rally, Position{Lat: 31.3, Lon: -110.9, AltM: 30})
			}
		}, Limits{}, SeverityWarning, "rally: 13 points, above the 10 that ArduPilot typically stores"},
		{"rally off earth", func(p *Plan) { p.Rally[0].Lat = -91 }, Limits{}, SeverityError,
			"rally point 1: position (lat -91, lon -110.935) is off the Earth"},
		{"home off earth", func(p *Plan) { p.Home.Lon = 190 }, Limits{}, SeverityError, "home: position (lat 31.33, lon 190) is off the Earth"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testPlan()
			c.edit(p)
			ps := Validate(p, c.limits)
			found := false
			for _, pr := range ps {
				if pr.Severity == c.sev && strings.Contains(pr.Message, c.want) {
					found = true
				}
			}
			if !found {
				t.Fatalf("want a %s containing %q, got %v", c.sev, c.want, ps)
			}
			if err := ps.Err(); (err != nil) != (c.sev == SeverityError) || (err != nil && !errors.Is(err, ErrInvalidPlan)) {
				t.Fatalf("Err() = %v for a %s", err, c.sev)
			}
		})
	}
}

func circleRing(c orb.Point, r float64, n int) []orb.Point {
	out := make([]orb.Point, n)
	for i := range out {
		a := 2 * math.Pi * float64(i) / float64(n)
		out[i] = orb.Point{c[0] + r*math.Cos(a), c[1] + r*math.Sin(a)}
	}
	return out
}

// A long thin north-south fence (as a planner makes along the
// Finland-Russia border) overlaps itself completely in longitude; it must
// still be checked fully.
func TestValidate_ThinNorthSouthFence_FullyChecked(t *testing.T) {
	const n = 20000
	ring := make([]orb.Point, 0, 2*n)
	for k := range n {
		ring = append(ring, orb.Point{30 + 0.01*math.Sin(float64(k)/50), 60 + 9*float64(k)/n})
	}
	for k := n - 1; k >= 0; k-- {
		ring = append(ring, orb.Point{30.2 + 0.01*math.Sin(float64(k)/50), 60 + 9*float64(k)/n})
	}
	if msgs, unchecked := polygonProblems(ring); len(msgs) != 0 || unchecked {
		t.Fatalf("a thin corridor has no problem: %v (unchecked %v)", msgs, unchecked)
	}
	ring[100], ring[2*n-101] = ring[2*n-101], ring[100]
	if msgs, unchecked := polygonProblems(ring); len(msgs) != 1 || !strings.Contains(msgs[0], "cross") || unchecked {
		t.Fatalf("swapped sides must cross: %v (unchecked %v)", msgs, unchecked)
	}
}

func TestValidate_LargeRing_CrossingFoundQuickly(t *testing.T) {
	ring := circleRing(orb.Point{0, 0}, 1, 20000)
	if msgs, unchecked := polygonProblems(ring); len(msgs) != 0 || unchecked {
		t.Fatalf("a convex ring has no problem: %v (unchecked %v)", msgs, unchecked)
	}
	ring[5000], ring[5001] = ring[5001], ring[5000]
	msgs, _ := polygonProblems(ring)
	if len(msgs) != 1 || !strings.Contains(msgs[0], "cross") {
		t.Fatalf("swapped vertices must cross: %v", msgs)
	}
}

// A comb whose teeth all span the whole width makes every edge share grid
// cells with every other: the check must stop on its budget and say so
// rather than compare all pairs.
func TestValidate_HostileComb_BudgetedNotHung(t *testing.T) {
	const teeth = 10000
	var ring []orb.Point
	for k := range teeth {
		y := float64(k) * 1e-4
		ring = append(ring, orb.Point{0, y}, orb.Point{1, y + 0.5e-4})
	}
	ring = append(ring, orb.Point{1, 2}, orb.Point{-1, 2}, orb.Point{-1, -1})
	p := &Plan{Fence: Fence{Polygons: []FencePolygon{{Inclusion: true, Vertices: ring}}}}
	ps := Validate(p, Limits{})
	found := false
	for _, pr := range ps {
		if pr.Severity == SeverityWarning && strings.Contains(pr.Message, "crossing edges were not fully checked") {
			found = true
		}
	}
	if !found {
		t.Fatalf("want the budget warning, got %v", ps)
	}
}

// Every shared sample imports into a plan that Validate accepts (warnings
// allowed: some autotest missions are large or fly high on purpose).
func TestValidate_SharedSamples_NoErrors(t *testing.T) {
	dir := testenv.SharedData(t)
	var files []string
	for _, pat := range []string{"qgc_plans/*/*.plan", "waypoints/*/*"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		files = append(files, m...)
	}
	for _, f := range files {
		if strings.Contains(f, "single_home_circle") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ReadPlanData(data, "")
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		lim := Limits{MaxAltM: 2000} // KalaupapaCanyonRun climbs to 1120 m AMSL
		if err := Validate(p, lim).Err(); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}

// The grid must find exactly what comparing every pair finds.
func TestValidate_Crossing_AgreesWithBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 3000 {
		n := 3 + rng.IntN(25)
		v := make([]orb.Point, n)
		for k := range v {
			// a coarse lattice makes touching and collinear edges common
			v[k] = orb.Point{float64(rng.IntN(8)), float64(rng.IntN(8))}
		}
		bi, bj, bfound := -1, -1, false
		for i := 0; i < n && !bfound; i++ {
			for j := i + 1; j < n; j++ {
				if j == i+1 || (i == 0 && j == n-1) {
					continue
				}
				if segmentsIntersect(v[i], v[(i+1)%n], v[j], v[(j+1)%n]) {
					bi, bj, bfound = i, j, true
					break
				}
			}
		}
		i, j, found, complete := firstCrossing(v)
		if !complete || found != bfound || (found && (i != bi || j != bj)) {
			t.Fatalf("trial %d %v: grid (%d,%d,%v,%v), brute force (%d,%d,%v)", trial, v, i, j, found, complete, bi, bj, bfound)
		}
	}
}
