package planner

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// refBorder is an index over the border lines, in the direction the planner
// was given them, built by the missions package (lon/lat, distances in a
// projection centred on each query), independent of the planner's own
// projected geometry: the referee of the fence properties below.
func refBorder(t testing.TB, lines [][]orb.Point) *missions.BorderIndex {
	t.Helper()
	fc := geojson.NewFeatureCollection()
	// Parts that continue one another joined, so a point beyond the corner
	// where two parts meet is judged by both segments there.
	for _, l := range geo.MergeLines(lines) {
		fc.Append(geojson.NewFeature(orb.LineString(l)))
	}
	ix, err := missions.NewBorderIndex(&missions.Layer{ID: "ref", Name: "ref", Kind: missions.LayerBorder, Features: fc})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// fenceViolation says how an inclusion polygon ([lon, lat], open) breaks
// the rule, or "": every vertex on our side, every edge (exactly, segment
// to segment) and points every stepM along it (straight in lon/lat, as
// autopilots draw fence edges) on our side and at least marginM from the
// line. tolM absorbs float noise only.
func fenceViolation(ref *missions.BorderIndex, poly []orb.Point, side geo.Side, marginM, stepM float64) string {
	const tolM = 0.5
	n := len(poly)
	for k := range n {
		a, b := poly[k], poly[(k+1)%n]
		if d := ref.SegmentDistance(a, b, marginM); d < marginM-tolM {
			if d == 0 {
				return fmt.Sprintf("edge %d %v-%v crosses the border", k+1, a, b)
			}
			return fmt.Sprintf("edge %d %v-%v comes %.1f m from the border (margin %.0f m)", k+1, a, b, d, marginM)
		}
		steps := max(1, int(math.Ceil(geo.Distance(a, b)/stepM)))
		for s := range steps {
			f := float64(s) / float64(steps)
			q := orb.Point{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f}
			seg, ok := ref.Nearest(q, 2_000_000)
			if !ok || seg.Side != side {
				return fmt.Sprintf("edge %d point %v is on the %v side", k+1, q, seg.Side)
			}
			if seg.DistM < marginM-tolM {
				return fmt.Sprintf("edge %d point %v is %.1f m from the border (margin %.0f m)", k+1, q, seg.DistM, marginM)
			}
		}
	}
	return ""
}

// randomSection picks a stretch of 3–60 km along one of the lines: its ends
// as section ends for the planners.
func randomSection(r *rand.Rand, lines [][]orb.Point) (from, to orb.Point) {
	var total float64
	for _, l := range lines {
		total += geo.PolylineLength(l) // degrees: only to weight the choice
	}
	pick := r.Float64() * total
	line := lines[0]
	for _, l := range lines {
		line = l
		if pick -= geo.PolylineLength(l); pick <= 0 {
			break
		}
	}
	dense := geo.DensifyLonLat(line, 500)
	i := r.IntN(len(dense))
	want := 3_000 + r.Float64()*57_000
	j, run := i, 0.0
	for dir := 1; ; {
		if j+dir < 0 || j+dir >= len(dense) {
			if dir == -1 || j != i {
				break
			}
			dir = -1
			continue
		}
		run += geo.Distance(dense[j], dense[j+dir])
		j += dir
		if run >= want {
			break
		}
	}
	return dense[i], dense[j]
}

// borderCase is one real border and the countries on its two sides.
var borderCases = []struct{ file, a, b string }{
	{"us_mexico_border_lines_ne10m.geojson", "United States of America", "Mexico"},
	{"finland_russia_border_lines_ne10m.geojson", "Finland", "Russia"},
	{"china_nepal_border_lines_ne10m.geojson", "China", "Nepal"},
	{"switzerland_italy_border_lines_ne10m.geojson", "Switzerland", "Italy"},
}

// randomSections calls fn for random sections of every border case, from
// both sides (5 per side, 2 with -short), drawn from a seeded generator.
func randomSections(t *testing.T, seed uint64, fn func(r *rand.Rand, country string, lines [][]orb.Point, side geo.Side, ref *missions.BorderIndex, from, to orb.Point)) {
	perSide := 5
	if testing.Short() {
		perSide = 2
	}
	r := rand.New(rand.NewPCG(seed, 2026))
	for _, bc := range borderCases {
		for _, country := range []string{bc.a, bc.b} {
			lines, side := borderLines(t, bc.file, country)
			ref := refBorder(t, lines)
			for range perSide {
				from, to := randomSection(r, lines)
				fn(r, country, lines, side, ref, from, to)
			}
		}
	}
}

// Issue 11 §1, as a property: over many random sections of four real
// borders, from either side, with random standoffs and fence margins,
// every corridor fence the planner writes lies on our side, no vertex and
// no edge nearer the line than the fence margin, and every route keeps the
// standoff. Plans the planner refuses (out of reach, a fence it cannot fit)
// are allowed, as long as most succeed: refusing is safe, a fence across
// the line is not.
func TestPlanCorridor_FencesOnOurSide_RandomSections(t *testing.T) {
	tried, planned, fences := 0, 0, 0
	randomSections(t, 11, func(r *rand.Rand, country string, lines [][]orb.Point, side geo.Side, ref *missions.BorderIndex, from, to orb.Point) {
		standoff := 150 + r.Float64()*1350
		req := CorridorParams{Border: lines, Side: side, From: &from, To: &to, StandoffM: standoff,
			AltM: 100, Vehicle: Vehicle{CruiseMS: 20, EnduranceS: 2 * 3600}, Drones: 8,
			Lanes: 1 + r.IntN(2), MaxFenceVertices: []int{64, 40, 100}[r.IntN(3)]}
		if r.IntN(2) == 0 {
			req.FenceMarginM = MinFenceMarginM + r.Float64()*(standoff*0.8-MinFenceMarginM)
		}
		margin := req.FenceMarginM
		if margin == 0 {
			margin = DefaultFenceMargin(standoff)
		}
		name := fmt.Sprintf("%s side, %v→%v, standoff %.0f m, margin %.0f m", country, from, to, standoff, margin)
		tried++
		plan, err := PlanCorridor(req)
		if err != nil {
			if !errors.Is(err, ErrUncovered) && !errors.Is(err, ErrFence) && !errors.Is(err, geo.ErrTooManyVertices) && !errors.Is(err, ErrBadRequest) {
				t.Errorf("%s: unexpected error %v", name, err)
			}
			t.Logf("%s: refused: %v", name, err)
			return
		}
		planned++
		for i, leg := range plan.Legs {
			for _, fp := range leg.Plan.Fence.Polygons {
				if !fp.Inclusion {
					continue
				}
				fences++
				if v := fenceViolation(ref, fp.Vertices, side, margin, 200); v != "" {
					t.Fatalf("%s: leg %d fence: %s", name, i+1, v)
				}
			}
			for k := 1; k < len(leg.Route); k++ {
				if d := ref.SegmentDistance(leg.Route[k-1], leg.Route[k], standoff); d < standoff-0.5 {
					t.Fatalf("%s: leg %d route segment %d comes %.1f m from the border", name, i+1, k, d)
				}
			}
			if ps := missions.ValidateGeo(leg.Plan, missions.GeoRules{Border: ref, MinBorderDistM: standoff - 0.5, MinFenceBorderDistM: margin - 0.5}); len(ps) > 0 {
				t.Fatalf("%s: leg %d: validation: %v", name, i+1, ps)
			}
		}
	})
	t.Logf("%d sections tried, %d planned, %d fences checked", tried, planned, fences)
	if planned < tried*2/3 {
		t.Errorf("only %d of %d random sections planned", planned, tried)
	}
}

// The same property for `plan fence` (GenerateFence): random sections of
// the four borders, random standoffs (the fence's margin) and depths.
func TestGenerateFence_OnOurSide_RandomSections(t *testing.T) {
	tried, made := 0, 0
	randomSections(t, 9, func(r *rand.Rand, country string, lines [][]orb.Point, side geo.Side, ref *missions.BorderIndex, from, to orb.Point) {
		standoff := MinFenceMarginM + r.Float64()*1000
		req := FenceParams{Border: lines, Side: side, From: &from, To: &to, StandoffM: standoff,
			DepthM: standoff + 1000 + r.Float64()*8000, MaxVertices: []int{64, 40, 100}[r.IntN(3)]}
		name := fmt.Sprintf("%s side, %v→%v, standoff %.0f m, depth %.0f m", country, from, to, standoff, req.DepthM)
		tried++
		fence, err := GenerateFence(req)
		if err != nil {
			if !errors.Is(err, ErrFence) && !errors.Is(err, ErrBadRequest) {
				t.Errorf("%s: unexpected error %v", name, err)
			}
			t.Logf("%s: refused: %v", name, err)
			return
		}
		made++
		for pi, fp := range fence.Polygons {
			if fp.Inclusion {
				if v := fenceViolation(ref, fp.Vertices, side, standoff, 200); v != "" {
					t.Fatalf("%s: polygon %d: %s", name, pi+1, v)
				}
			}
		}
	})
	t.Logf("%d sections tried, %d fences made", tried, made)
	if made < tried*2/3 {
		t.Errorf("only %d of %d random sections fenced", made, tried)
	}
}
