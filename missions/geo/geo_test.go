package geo

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions/geo/internal/fencedata"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// usMexico loads the real line (merged into its continuous stretches) and
// projects it.
func usMexico(t testing.TB) ([][]orb.Point, *Proj) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.SharedData(t), "borders", "extracts", "us_mexico_border_lines_ne10m.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]orb.Point
	for _, l := range fc.Features[0].Geometry.(orb.MultiLineString) {
		lines = append(lines, l)
	}
	merged := MergeLines(lines)
	if len(merged) != 1 {
		t.Fatalf("the US–Mexico parts merged into %d lines, want 1", len(merged))
	}
	p := NewProj(CenterOf(orb.LineString(merged[0]).Bound()))
	return [][]orb.Point{p.ForwardAll(merged[0])}, p
}

func TestOffsetSide_NeverNearerThanDistance(t *testing.T) {
	lines, _ := usMexico(t)
	ix := NewSegmentIndex(lines)
	for _, side := range []Side{Left, Right} {
		paths, err := OffsetSide(lines, 500, side)
		if err != nil {
			t.Fatal(err)
		}
		var total float64
		for _, p := range paths {
			total += PolylineLength(p)
			for k := 1; k < len(p); k++ {
				if d := ix.SegmentDistance(p[k-1], p[k], 1000); d < 500 {
					t.Fatalf("%v: offset segment %d is %.2f m from the line", side, k, d)
				}
				mid := orb.Point{(p[k-1][0] + p[k][0]) / 2, (p[k-1][1] + p[k][1]) / 2}
				if loc, _ := ix.Locate(mid, math.Inf(1)); loc.Side != side {
					t.Fatalf("%v: offset segment %d is on the %v side", side, k, loc.Side)
				}
			}
		}
		// Bridged meanders shorten it, corners lengthen it; it must be the same order.
		if l := PolylineLength(lines[0]); total < 0.7*l || total > 1.3*l {
			t.Fatalf("%v: offset paths total %.0f km for a %.0f km line", side, total/1000, l/1000)
		}
	}
}

func TestSimplify_ConservativeBothWays(t *testing.T) {
	set := fencedata.Make(3, 3000, 0, 0)
	p := NewProj(orb.Point{-106.5, 31.5})
	poly := orb.Polygon{p.ForwardAll(set.Fence[0])}
	in, holes, err := SimplifyInclusion([]orb.Polygon{poly}, 60, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(in, false) + count(holes, false); n > 60 {
		t.Fatalf("inclusion has %d vertices, limit 60", n)
	}
	if extra, _ := Boolean(OpDifference, in, []orb.Polygon{poly}); Area(extra) > 0.01 {
		t.Fatalf("the simplified inclusion fence reaches %.0f m² outside the original", Area(extra))
	}
	if lost := 1 - Area(in)/Area([]orb.Polygon{poly}); lost > 0.2 {
		t.Fatalf("the simplified inclusion fence lost %.0f %% of the area", lost*100)
	}
	out, err := SimplifyExclusion([]orb.Polygon{poly}, 60, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(out, false); n > 60 {
		t.Fatalf("exclusion has %d vertices, limit 60", n)
	}
	if missed, _ := Boolean(OpDifference, []orb.Polygon{poly}, out); Area(missed) > 0.01 {
		t.Fatalf("the simplified exclusion zone leaves %.0f m² of the original uncovered", Area(missed))
	}
	if _, _, err := SimplifyInclusion([]orb.Polygon{poly}, 10, 5); err == nil {
		t.Fatal("10 vertices within 5 m of a 3000-vertex ring accepted")
	}
}

func TestSegmentIndex_NearestAgreesWithBruteForce(t *testing.T) {
	lines, _ := usMexico(t)
	ix := NewSegmentIndex(lines)
	b := ix.Bound()
	rng := rand.New(rand.NewPCG(9, 9))
	for range 300 {
		q := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		want := LineSide(lines, q)
		got, ok := ix.Locate(q, math.Inf(1))
		if !ok || math.Abs(got.Dist-want.Dist) > 1e-6 || got.Side != want.Side {
			t.Fatalf("%v: index %+v, brute force %+v", q, got, want)
		}
	}
}

func TestMergeLines_JoinsContinuingParts(t *testing.T) {
	a := []orb.Point{{0, 0}, {1, 0}}
	b := []orb.Point{{1, 0}, {2, 0}}
	c := []orb.Point{{2, 0}, {3, 1}}
	d := []orb.Point{{5, 5}, {6, 6}}
	got := MergeLines([][]orb.Point{c, d, a, b})
	if len(got) != 2 || len(got[0])+len(got[1]) != 6 {
		t.Fatalf("merged into %v", got)
	}
}

func TestSideStrip_OnOneSideOnly(t *testing.T) {
	lines, _ := usMexico(t)
	strip, err := SideStrip(lines, 100, 3000, Right)
	if err != nil {
		t.Fatal(err)
	}
	ix := NewSegmentIndex(lines)
	for _, p := range strip {
		for _, r := range p {
			for _, q := range r {
				loc, _ := ix.Locate(q, math.Inf(1))
				if loc.Side != Right || loc.Dist < 99.99 {
					t.Fatalf("strip vertex %v is %.2f m away on the %v side", q, loc.Dist, loc.Side)
				}
			}
		}
	}
}

// A clockwise outer ring (KML and many tools write them) is still grown,
// not read as a hole and shrunk — also next to a counter-clockwise one.
func TestBufferPolygons_AnyOrientationGrows(t *testing.T) {
	ccw := orb.Polygon{{{0, 0}, {1000, 0}, {1000, 1000}, {0, 1000}, {0, 0}}}
	cw := orb.Polygon{{{5000, 5000}, {5000, 6000}, {6000, 6000}, {6000, 5000}, {5000, 5000}}}
	grown, err := BufferPolygons([]orb.Polygon{ccw, cw}, 100, JoinMiter)
	if err != nil {
		t.Fatal(err)
	}
	if len(grown) != 2 {
		t.Fatalf("%d polygons", len(grown))
	}
	for _, g := range grown {
		if a := Area([]orb.Polygon{g}); a < 1.4e6 {
			t.Fatalf("a 1 km square grown by 100 m has area %.0f m²", a)
		}
	}
	diff, err := Boolean(OpDifference, []orb.Polygon{cw}, []orb.Polygon{ccw})
	if err != nil || math.Abs(Area(diff)-1e6) > 1 {
		t.Fatalf("clockwise square minus a disjoint one: %.0f m², %v", Area(diff), err)
	}
}

// A 0.07° sliver (found by FuzzTransitRoute) grown by 1 m: mitred and even
// round joins leave its tip on the outline (Clipper's join at a
// near-reversal on its centimetre grid); Grow must not.
func TestGrow_NeedleSharpCornerGetsItsMargin(t *testing.T) {
	ll := orb.Ring{{-110 + 255.0/2400, 31 + 49.0/2400}, {-110 + 233.0/2400, 31 + 49.0/2400}, {-110 + 32.0/2400, 31 + 48.0/2400}}
	ll = append(ll, ll[0])
	p := NewProj(CenterOf(ll.Bound()))
	sliver := orb.Polygon{p.ForwardAll(DensifyLonLat(ll, 1000))}
	miter, err := BufferPolygons([]orb.Polygon{sliver}, 1, JoinMiter)
	if err != nil {
		t.Fatal(err)
	}
	if holdsWithMargin(miter, sliver, 1) {
		t.Log("Clipper's mitred growth held this sliver: the fallback below is not exercised")
	}
	g, err := Grow([]orb.Polygon{sliver}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !holdsWithMargin(g, sliver, 1) {
		t.Fatalf("grown sliver does not hold every vertex 1 m inside")
	}
}
