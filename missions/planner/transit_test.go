package planner

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Hand-checked cases are built in metres around a point and converted to
// [lon, lat] through the same kind of projection, so the expected lengths
// can be worked out on paper.
var transitOrigin = orb.Point{-110.0, 31.5}

func metres(pts ...orb.Point) []orb.Point {
	p := geo.NewProj(transitOrigin)
	return p.InverseAll(pts)
}

func square(cx, cy, half float64) orb.Polygon {
	r := metres(orb.Point{cx - half, cy - half}, orb.Point{cx + half, cy - half}, orb.Point{cx + half, cy + half}, orb.Point{cx - half, cy + half}, orb.Point{cx - half, cy - half})
	return orb.Polygon{r}
}

func TestTransit_Route_StraightWhenClear(t *testing.T) {
	tr, err := NewTransit(TransitConfig{Exclusions: []orb.Polygon{square(0, 5000, 500)}, MarginM: 50})
	if err != nil {
		t.Fatal(err)
	}
	ab := metres(orb.Point{-3000, 0}, orb.Point{3000, 0})
	r, err := tr.Route(ab[0], ab[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Path) != 2 || math.Abs(r.LengthM-6000) > 1 {
		t.Fatalf("clear straight line became %d points, %.1f m", len(r.Path), r.LengthM)
	}
}

// A 1 km square (grown by a 100 m margin with mitred corners: 1.2 km) sits
// on the straight line from (-3000, 0) to (3000, 0). The shortest way round
// touches two corners of the grown square at (±600, 600):
// 2·√(2400² + 600²) + 1200 = 6147.8 m.
func TestTransit_Route_AroundOneSquareIsOptimal(t *testing.T) {
	tr, err := NewTransit(TransitConfig{Exclusions: []orb.Polygon{square(0, 0, 500)}, MarginM: 100})
	if err != nil {
		t.Fatal(err)
	}
	ab := metres(orb.Point{-3000, 0}, orb.Point{3000, 0})
	r, err := tr.Route(ab[0], ab[1])
	if err != nil {
		t.Fatal(err)
	}
	want := 2*math.Hypot(2400, 600) + 1200
	// The grown square's corners are a little beyond (±600, ±600) (Clipper's
	// rounding and the conservative widening); allow a few metres.
	if r.LengthM < want-1 || r.LengthM > want+10 {
		t.Fatalf("route %.1f m, want %.1f m: %v", r.LengthM, want, r.Path)
	}
	if len(r.Path) != 4 {
		t.Fatalf("route has %d points, want start, two corners, goal", len(r.Path))
	}
	checkClear(t, r, []orb.Polygon{square(0, 0, 500)}, nil)
}

// Two squares side by side leave a corridor 200 m wide; with a 50 m margin
// the route takes it (shorter), with a 150 m margin it must go round.
func TestTransit_Route_GapWidthAndMargin(t *testing.T) {
	zones := []orb.Polygon{square(0, 700, 600), square(0, -700, 600)}
	ab := metres(orb.Point{-3000, 0}, orb.Point{3000, 0})
	narrow, err := NewTransit(TransitConfig{Exclusions: zones, MarginM: 50})
	if err != nil {
		t.Fatal(err)
	}
	r, err := narrow.Route(ab[0], ab[1])
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.LengthM-6000) > 1 {
		t.Fatalf("through the 200 m gap with a 50 m margin: %.1f m, want 6000", r.LengthM)
	}
	wide, err := NewTransit(TransitConfig{Exclusions: zones, MarginM: 150})
	if err != nil {
		t.Fatal(err)
	}
	r, err = wide.Route(ab[0], ab[1])
	if err != nil {
		t.Fatal(err)
	}
	// Round the pair: corners at (±750, ±1450) → 2·√(2250² + 1450²) + 1500.
	want := 2*math.Hypot(2250, 1450) + 1500
	if r.LengthM < want-1 || r.LengthM > want+15 {
		t.Fatalf("round the pair with a 150 m margin: %.1f m, want %.1f", r.LengthM, want)
	}
	checkClear(t, r, zones, nil)
}

func TestTransit_Route_NoPath(t *testing.T) {
	// A wall across the whole inclusion area.
	incl := orb.Polygon{metres(orb.Point{-5000, -5000}, orb.Point{5000, -5000}, orb.Point{5000, 5000}, orb.Point{-5000, 5000}, orb.Point{-5000, -5000})}
	wall := orb.Polygon{metres(orb.Point{-200, -6000}, orb.Point{200, -6000}, orb.Point{200, 6000}, orb.Point{-200, 6000}, orb.Point{-200, -6000})}
	tr, err := NewTransit(TransitConfig{Inclusion: []orb.Polygon{incl}, Exclusions: []orb.Polygon{wall}, MarginM: 50})
	if err != nil {
		t.Fatal(err)
	}
	ab := metres(orb.Point{-3000, 0}, orb.Point{3000, 0})
	if _, err := tr.Route(ab[0], ab[1]); !errors.Is(err, ErrNoPath) || !strings.Contains(err.Error(), "no route from") {
		t.Fatalf("across a wall: %v", err)
	}
	in := metres(orb.Point{0, 0})
	if _, err := tr.Route(ab[0], in[0]); !errors.Is(err, ErrNoPath) || !strings.Contains(err.Error(), "the goal") {
		t.Fatalf("goal inside the wall: %v", err)
	}
	out := metres(orb.Point{9000, 0})
	if _, err := tr.Route(out[0], ab[1]); !errors.Is(err, ErrNoPath) || !strings.Contains(err.Error(), "the start") {
		t.Fatalf("start outside the inclusion area: %v", err)
	}
}

// Inside a U-shaped inclusion area the route must go round the inner wall
// (the inclusion boundary's reflex corners are graph nodes too).
func TestTransit_Route_StaysInsideConcaveInclusion(t *testing.T) {
	u := orb.Polygon{metres(orb.Point{-3000, -3000}, orb.Point{3000, -3000}, orb.Point{3000, 3000}, orb.Point{1000, 3000},
		orb.Point{1000, -1000}, orb.Point{-1000, -1000}, orb.Point{-1000, 3000}, orb.Point{-3000, 3000}, orb.Point{-3000, -3000})}
	tr, err := NewTransit(TransitConfig{Inclusion: []orb.Polygon{u}, MarginM: 100})
	if err != nil {
		t.Fatal(err)
	}
	ab := metres(orb.Point{-2000, 2000}, orb.Point{2000, 2000})
	r, err := tr.Route(ab[0], ab[1])
	if err != nil {
		t.Fatal(err)
	}
	// Down to (-1100, -1100), across to (1100, -1100), up: by hand.
	want := 2*math.Hypot(900, 3100) + 2200
	if r.LengthM < want-1 || r.LengthM > want+5 {
		t.Fatalf("round the U: %.1f m, want %.1f", r.LengthM, want)
	}
	checkClear(t, r, nil, &u)
}

// 500 random zones: every route found is clear of every zone, never
// shorter than the straight line, and matches a brute-force shortest path
// over the full visibility graph on a smaller set.
func TestTransit_Route_RandomZonesClearAndOptimal(t *testing.T) {
	zones := randomZones(500, 11)
	tr, err := NewTransit(TransitConfig{Exclusions: zones, MarginM: 30})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	found := 0
	for range 30 {
		ab := metres(orb.Point{-50_000 + rng.Float64()*10_000, (rng.Float64() - 0.5) * 90_000},
			orb.Point{40_000 + rng.Float64()*10_000, (rng.Float64() - 0.5) * 90_000})
		r, err := tr.Route(ab[0], ab[1])
		if errors.Is(err, ErrNoPath) {
			continue // a random point fell in a zone
		}
		if err != nil {
			t.Fatal(err)
		}
		found++
		if r.LengthM < geo.Distance(ab[0], ab[1])-1e-6 {
			t.Fatalf("route shorter than the straight line")
		}
		checkClear(t, r, zones, nil)
	}
	if found < 20 {
		t.Fatalf("only %d of 30 routes found", found)
	}
	small := randomZones(25, 12)
	st, err := NewTransit(TransitConfig{Exclusions: small, MarginM: 30})
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for range 10 {
		ab := metres(orb.Point{-50_000, (rng.Float64() - 0.5) * 80_000}, orb.Point{50_000, (rng.Float64() - 0.5) * 80_000})
		r, err := st.Route(ab[0], ab[1])
		if err != nil {
			continue
		}
		got := geo.PolylineLength(st.proj.ForwardAll(r.Path))
		want := bruteForce(st, st.proj.Forward(ab[0]), st.proj.Forward(ab[1]))
		if math.Abs(got-want) > 0.5 {
			t.Fatalf("A* found %.2f m, the full visibility graph %.2f m", got, want)
		}
		compared++
	}
	if compared < 5 {
		t.Fatalf("only %d routes compared with brute force", compared)
	}
}

func randomZones(n int, seed uint64) []orb.Polygon {
	rng := rand.New(rand.NewPCG(seed, seed))
	var zones []orb.Polygon
	for range n {
		cx, cy := (rng.Float64()-0.5)*100_000, (rng.Float64()-0.5)*100_000
		k := 5 + rng.IntN(8)
		rad := 300 + rng.Float64()*1500
		var pts []orb.Point
		for i := range k {
			a := 2 * math.Pi * float64(i) / float64(k)
			rr := rad * (0.5 + 0.5*rng.Float64())
			pts = append(pts, orb.Point{cx + rr*math.Cos(a), cy + rr*math.Sin(a)})
		}
		pts = append(pts, pts[0])
		zones = append(zones, orb.Polygon{metres(pts...)})
	}
	return zones
}

// bruteForce is Dijkstra over the complete visibility graph of every
// boundary vertex (no tangent pruning, no laziness), in projected metres.
func bruteForce(t *Transit, a, b orb.Point) float64 {
	nodes := []orb.Point{a, b}
	for _, r := range t.rings {
		nodes = append(nodes, r[:len(r)-1]...)
	}
	dist := make([]float64, len(nodes))
	done := make([]bool, len(nodes))
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	dist[0] = 0
	for {
		u := -1
		for i := range nodes {
			if !done[i] && (u < 0 || dist[i] < dist[u]) {
				u = i
			}
		}
		if u < 0 || math.IsInf(dist[u], 1) {
			return math.Inf(1)
		}
		if u == 1 {
			return dist[1]
		}
		done[u] = true
		for v := range nodes {
			if !done[v] && dist[u]+geo.Dist(nodes[u], nodes[v]) < dist[v] && t.visible(nodes[u], nodes[v]) {
				dist[v] = dist[u] + geo.Dist(nodes[u], nodes[v])
			}
		}
	}
}

// checkClear asserts a route never enters a zone and never leaves the
// inclusion area: no route segment meets a zone's edge or has an end inside
// it, and none meets the inclusion boundary (all exact planar tests in
// [lon, lat], orb for containment).
func checkClear(t *testing.T, r *TransitRoute, zones []orb.Polygon, incl *orb.Polygon) {
	t.Helper()
	for i := 1; i < len(r.Path); i++ {
		a, b := r.Path[i-1], r.Path[i]
		sb := orb.MultiPoint{a, b}.Bound()
		for zi, z := range zones {
			if !z.Bound().Intersects(sb) {
				continue
			}
			if planar.PolygonContains(z, a) || planar.PolygonContains(z, b) {
				t.Fatalf("route point of segment %d is inside zone %d", i, zi)
			}
			for k := 1; k < len(z[0]); k++ {
				if geo.SegmentsIntersect(a, b, z[0][k-1], z[0][k]) {
					t.Fatalf("route segment %d %v-%v crosses zone %d", i, a, b, zi)
				}
			}
		}
		if incl != nil {
			if !planar.PolygonContains(*incl, a) {
				t.Fatalf("route point %v is outside the inclusion area", a)
			}
			for k := 1; k < len((*incl)[0]); k++ {
				if geo.SegmentsIntersect(a, b, (*incl)[0][k-1], (*incl)[0][k]) {
					t.Fatalf("route segment %d leaves the inclusion area", i)
				}
			}
		}
	}
}
