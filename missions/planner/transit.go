package planner

import (
	"container/heap"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// TransitConfig describes the space transits fly in. Build a Transit once
// with it and ask it for any number of routes.
type TransitConfig struct {
	// Inclusion is the area to stay in, [lon, lat] polygons (optional).
	// Defaults to everywhere (a box well around the zones and query points).
	Inclusion []orb.Polygon
	// Exclusions are the zones to keep out of, [lon, lat] polygons.
	Exclusions []orb.Polygon
	// ExclusionCircles are round zones to keep out of (optional).
	ExclusionCircles []geo.Circle
	// MarginM is how far to keep from every zone and inside the inclusion
	// area (optional). Defaults to 50 m.
	MarginM float64
}

// Transit finds shortest routes inside an inclusion area around exclusion
// zones grown by a margin: an A* search over the reduced visibility graph
// (the convex corners of the free space's boundary, joined where they see
// each other), which gives the exact shortest path among polygons. Edges are
// checked lazily, only when the search would use them. It is read-only
// after NewTransit and safe for concurrent Route calls.
type Transit struct {
	cfg    TransitConfig
	proj   *geo.Proj
	k      float64
	rings  [][]orb.Point     // free-space boundary rings, free space on their left
	edges  *geo.SegmentIndex // over rings
	free   []*geo.PolygonIndex
	verts  []orb.Point // candidate corners
	vprev  []orb.Point // each corner's ring neighbours, for the tangent test
	vnext  []orb.Point
	bounds orb.Bound // of the free space, projected
}

// NewTransit prepares the free space: the inclusion area shrunk by the
// margin minus every zone grown by it.
func NewTransit(cfg TransitConfig) (*Transit, error) {
	if cfg.MarginM == 0 {
		cfg.MarginM = 50
	}
	if cfg.MarginM < 0 {
		return nil, fmt.Errorf("%w: margin %g m is negative", ErrBadRequest, cfg.MarginM)
	}
	var b orb.Bound
	first := true
	extend := func(p orb.Point) {
		if first {
			b, first = orb.Bound{Min: p, Max: p}, false
		} else {
			b = b.Extend(p)
		}
	}
	for _, set := range [][]orb.Polygon{cfg.Inclusion, cfg.Exclusions} {
		for _, p := range set {
			for _, r := range p {
				for _, q := range r {
					extend(q)
				}
			}
		}
	}
	for _, c := range cfg.ExclusionCircles {
		extend(c.Center)
	}
	if first {
		return nil, fmt.Errorf("%w: no inclusion area and no exclusion zone", ErrBadRequest)
	}
	t := &Transit{cfg: cfg, proj: geo.NewProj(geo.CenterOf(b))}
	t.k = geo.ScaleBound(geo.RadiusFrom(t.proj.Center(), b) + 200_000)
	margin := cfg.MarginM * t.k

	var zones []orb.Polygon
	for _, p := range cfg.Exclusions {
		zones = append(zones, t.projPoly(p))
	}
	for _, c := range cfg.ExclusionCircles {
		zones = append(zones, t.circlePoly(c))
	}
	var incl []orb.Polygon
	if len(cfg.Inclusion) == 0 {
		// Everywhere: a box 200 km around everything.
		pb := orb.Bound{Min: t.proj.Forward(b.Min), Max: t.proj.Forward(b.Min)}
		for _, q := range []orb.Point{b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}} {
			pb = pb.Extend(t.proj.Forward(q))
		}
		pb = pb.Pad(200_000)
		incl = []orb.Polygon{{orb.Ring{pb.Min, {pb.Max[0], pb.Min[1]}, pb.Max, {pb.Min[0], pb.Max[1]}, pb.Min}}}
	} else {
		for _, p := range cfg.Inclusion {
			incl = append(incl, t.projPoly(p))
		}
		var err error
		// Miter joins shrink at least as much as round ones at reflex
		// corners (the free space only gets smaller) and keep corners sharp:
		// a route then touches a corner instead of many short arc chords.
		if incl, err = geo.BufferPolygons(incl, -margin, geo.JoinMiter); err != nil {
			return nil, err
		}
		if len(incl) == 0 {
			return nil, fmt.Errorf("%w: the inclusion area is narrower than twice the %g m margin", ErrNoPath, cfg.MarginM)
		}
	}
	free := incl
	if len(zones) > 0 {
		// geo.Grow: mitred corners (few vertices, as the visibility graph
		// grows with them), round ones only where a needle-sharp corner needs them.
		grown, err := geo.Grow(zones, margin)
		if err != nil {
			return nil, err
		}
		if free, err = geo.Boolean(geo.OpDifference, incl, grown); err != nil {
			return nil, err
		}
	}
	if len(free) == 0 {
		return nil, fmt.Errorf("%w: the exclusion zones cover the whole inclusion area", ErrNoPath)
	}
	first = true
	for _, p := range free {
		t.free = append(t.free, geo.NewPolygonIndex(p))
		for _, r := range p {
			ring := r[:len(r)-1] // open
			t.rings = append(t.rings, r)
			n := len(ring)
			for i, v := range ring {
				if first {
					t.bounds, first = orb.Bound{Min: v, Max: v}, false
				}
				t.bounds = t.bounds.Extend(v)
				prev, next := ring[(i+n-1)%n], ring[(i+1)%n]
				// Free space is on the left: a right turn is a corner of
				// an obstacle that shortest paths bend around.
				if geo.Orient(prev, v, next) < 0 {
					t.verts = append(t.verts, v)
					t.vprev = append(t.vprev, prev)
					t.vnext = append(t.vnext, next)
				}
			}
		}
	}
	t.edges = geo.NewSegmentIndex(t.rings)
	return t, nil
}

// projPoly projects a [lon, lat] polygon, its edges first split to 1 km: a
// zone's edge is straight in lon/lat, and a long one bows metres away from
// the straight line between its projected ends.
func (t *Transit) projPoly(p orb.Polygon) orb.Polygon {
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		out[i] = t.proj.ForwardAll(geo.DensifyLonLat(r, 1000))
	}
	return out
}

// circlePoly is a polygon around a circle (its sides touch the circle from
// outside, so it holds it all).
func (t *Transit) circlePoly(c geo.Circle) orb.Polygon {
	const n = 16
	ctr := t.proj.Forward(c.Center)
	r := c.RadiusM * t.k / math.Cos(math.Pi/n)
	ring := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / n
		ring = append(ring, orb.Point{ctr[0] + r*math.Cos(a), ctr[1] + r*math.Sin(a)})
	}
	return orb.Polygon{append(ring, ring[0])}
}

// Corners is the number of obstacle corners in the visibility graph.
func (t *Transit) Corners() int { return len(t.verts) }

// inFree reports whether a projected point is in the free space.
func (t *Transit) inFree(p orb.Point) bool {
	for _, f := range t.free {
		if f.Contains(p) {
			return true
		}
	}
	return false
}

// visible reports whether the straight segment a-b stays in the free space:
// it crosses no boundary edge, and every stretch between the boundary points
// it touches has its middle in the free space (that catches a diagonal
// through an obstacle from one of its corners to another).
func (t *Transit) visible(a, b orb.Point) bool {
	ts := []float64{0, 1}
	bad := false
	box := orb.Bound{Min: orb.Point{min(a[0], b[0]), min(a[1], b[1])}, Max: orb.Point{max(a[0], b[0]), max(a[1], b[1])}}
	d := orb.Point{b[0] - a[0], b[1] - a[1]}
	l2 := d[0]*d[0] + d[1]*d[1]
	t.edges.Search(box, func(line, i int) bool {
		p, q := t.edges.Segment(line, i)
		if geo.SegmentsCrossProperly(a, b, p, q) {
			bad = true
			return false
		}
		for _, v := range []orb.Point{p, q} {
			if geo.Orient(a, b, v) == 0 && l2 > 0 {
				if s := ((v[0]-a[0])*d[0] + (v[1]-a[1])*d[1]) / l2; s > 0 && s < 1 {
					ts = append(ts, s)
				}
			}
		}
		return true
	})
	if bad {
		return false
	}
	sort.Float64s(ts)
	for i := 1; i < len(ts); i++ {
		if ts[i]-ts[i-1] < 1e-12 {
			continue
		}
		m := (ts[i-1] + ts[i]) / 2
		mp := orb.Point{a[0] + m*d[0], a[1] + m*d[1]}
		// A stretch along a boundary edge (round a squared corner) is on
		// the free space's edge, at exactly the margin: allowed.
		if !t.inFree(mp) && !t.onBoundary(mp) {
			return false
		}
	}
	return true
}

// onBoundary reports whether p lies on the free space's boundary (within a
// millimetre, the integer grid of the geometry).
func (t *Transit) onBoundary(p orb.Point) bool {
	_, _, _, ok := t.edges.Nearest(p, 0.001)
	return ok
}

// tangent reports whether the line from p touches corner i without
// entering its obstacle: both of the corner's neighbours lie on one side of
// it. Shortest paths only ever bend at such corners.
func (t *Transit) tangent(p orb.Point, i int) bool {
	v := t.verts[i]
	o1 := geo.Orient(p, v, t.vprev[i])
	o2 := geo.Orient(p, v, t.vnext[i])
	return !(o1 > 0 && o2 < 0) && !(o1 < 0 && o2 > 0)
}

// TransitRoute is a route: its waypoints from start to goal ([lon, lat])
// and its length.
type TransitRoute struct {
	Path    []orb.Point `json:"path"`
	LengthM float64     `json:"length_m"`
}

// Route returns the shortest route from a to b ([lon, lat]) in the free
// space, or an error wrapping ErrNoPath that says why there is none.
func (t *Transit) Route(a, b orb.Point) (*TransitRoute, error) {
	pa, pb := t.proj.Forward(a), t.proj.Forward(b)
	for _, e := range []struct {
		p    orb.Point
		name string
	}{{pa, "start"}, {pb, "goal"}} {
		if !t.inFree(e.p) {
			return nil, fmt.Errorf("%w: the %s %v is outside the inclusion area or within %g m of an exclusion zone", ErrNoPath, e.name, t.proj.Inverse(e.p), t.cfg.MarginM)
		}
	}
	if t.visible(pa, pb) {
		return t.finish([]orb.Point{pa, pb}), nil
	}
	// Search within growing ellipses around start and goal: a route of
	// length L has all its corners inside the ellipse |a w| + |w b| ≤ L, so
	// a route found within bound ub using only corners inside ellipse(ub)
	// is the shortest there is. Random zones keep the best route within a
	// few per cent of the straight line, so the first ellipse is narrow and
	// holds a fraction of the corners.
	straight := geo.Dist(pa, pb)
	maxSum := 0.0
	sums := make([]float64, len(t.verts))
	for i, v := range t.verts {
		sums[i] = geo.Dist(pa, v) + geo.Dist(v, pb)
		maxSum = max(maxSum, sums[i])
	}
	for ub := straight * 1.03; ; ub = straight + (ub-straight)*3 {
		last := ub >= maxSum
		if last {
			ub = math.Inf(1)
		}
		var cand []int
		for i, s := range sums {
			if s <= ub {
				cand = append(cand, i)
			}
		}
		if path := t.search(pa, pb, cand, ub); path != nil {
			return t.finish(path), nil
		}
		if last {
			break
		}
	}
	return nil, fmt.Errorf("%w: no route from %v to %v stays inside the inclusion area and %g m clear of every exclusion zone", ErrNoPath, a, b, t.cfg.MarginM)
}

// search is a lazy A* over the candidate corners plus start and goal: an
// entry is pushed without checking its edge, and the edge is checked when
// the entry is popped. Entries longer than ub are not pushed. It returns
// the projected path, or nil.
func (t *Transit) search(pa, pb orb.Point, cand []int, ub float64) []orb.Point {
	n := len(cand)
	start, goal := n, n+1
	pos := func(i int) orb.Point {
		switch i {
		case start:
			return pa
		case goal:
			return pb
		}
		return t.verts[cand[i]]
	}
	// No pruning by tentative distances: an entry may fail its lazy edge
	// check later, and a pruned alternative would then be lost.
	parent := make([]int, n+2)
	closed := make([]bool, n+2)
	pq := &queue{}
	heap.Push(pq, item{f: geo.Dist(pa, pb), node: start, parent: -1})
	for pq.Len() > 0 {
		it := heap.Pop(pq).(item)
		if closed[it.node] {
			continue
		}
		u := pos(it.node)
		if it.parent >= 0 {
			if !t.visible(pos(it.parent), u) {
				continue
			}
			parent[it.node] = it.parent
		}
		closed[it.node] = true
		gu := it.g
		if it.node == goal {
			var path []orb.Point
			for v := goal; v != start; v = parent[v] {
				path = append(path, pos(v))
			}
			path = append(path, pa)
			slices.Reverse(path)
			return path
		}
		push := func(w int) {
			q := pos(w)
			ng := gu + geo.Dist(u, q)
			if f := ng + geo.Dist(q, pb); f <= ub {
				heap.Push(pq, item{f: f, g: ng, node: w, parent: it.node})
			}
		}
		push(goal)
		for w := range n {
			if w != it.node && !closed[w] && t.tangent(u, cand[w]) {
				push(w)
			}
		}
	}
	return nil
}

func (t *Transit) finish(path []orb.Point) *TransitRoute {
	// An autopilot flies between waypoints straight in its own local frame,
	// tools draw them straight in lon/lat; both part from the projection's
	// straight line by about L²·tan(lat)/8R over a leg of length L. Extra
	// waypoints keep that under a tenth of the margin.
	lat := math.Abs(t.proj.Center()[1]) * math.Pi / 180
	maxLeg := math.Sqrt(0.8 * 6_335_000 * t.cfg.MarginM / max(math.Tan(min(lat, 1.4)), 0.05))
	var dense []orb.Point
	for i, q := range path {
		if i > 0 {
			a := path[i-1]
			n := int(math.Ceil(geo.Dist(a, q) / maxLeg))
			for k := 1; k < n; k++ {
				f := float64(k) / float64(n)
				dense = append(dense, orb.Point{a[0] + f*(q[0]-a[0]), a[1] + f*(q[1]-a[1])})
			}
		}
		dense = append(dense, q)
	}
	r := &TransitRoute{Path: t.proj.InverseAll(dense)}
	for i := 1; i < len(r.Path); i++ {
		r.LengthM += geo.Distance(r.Path[i-1], r.Path[i])
	}
	return r
}

type item struct {
	f, g         float64
	node, parent int
}

type queue []item

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].f < q[j].f }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
