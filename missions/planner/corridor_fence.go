package planner

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"
)

// fenceReach sets how far from the border sortie fences may reach: beyond
// the farthest lane and launch site.
func (c *corridor) fenceReach() {
	far := (c.req.StandoffM+float64(c.req.Lanes-1)*c.req.LaneSpacingM)*c.k + c.req.SimplifyM
	for _, s := range c.sites {
		if loc, ok := c.wix.Locate(s, math.Inf(1)); ok {
			far = max(far, loc.Dist)
		}
	}
	c.far = far + 2_000
	// Walls: each border line carried on straight past its ends, as far as
	// a fence could reach round them. What lies beyond the end of the known
	// line is nobody's side; without a wall a fence near the end could wrap
	// round it into the neighbour's territory.
	wall := c.far + 2*fenceBandM*c.k
	var walled [][]orb.Point
	for _, l := range c.wix.Lines() {
		ext := func(a, b orb.Point) orb.Point { // b pushed wall further from a
			d := geo.Dist(a, b)
			if d == 0 {
				return b
			}
			f := wall / d
			return orb.Point{b[0] + (b[0]-a[0])*f, b[1] + (b[1]-a[1])*f}
		}
		w := append([]orb.Point{ext(l[1], l[0])}, l...)
		w = append(w, ext(l[len(l)-2], l[len(l)-1]))
		walled = append(walled, geo.DensifyPlanar(w, densifyM))
	}
	c.fix = geo.NewSegmentIndex(walled)
}

// fenceAll fences every leg, one worker per CPU: legs are independent and
// the corridor's state is read-only by now. Results keep the legs' order.
func (c *corridor) fenceAll(legs []Leg) ([]Leg, error) {
	res := make([][]Leg, len(legs))
	errs := make([]error, len(legs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(legs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res[i], errs[i] = c.fenceLeg(legs[i], 0)
			}
		}()
	}
	for i := range legs {
		next <- i
	}
	close(next)
	wg.Wait()
	var out []Leg
	for i := range legs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out = append(out, res[i]...)
	}
	return out, nil
}

// fenceBandM is how far beyond the route a sortie fence reaches where the
// border does not limit it.
const fenceBandM = 1500.0

// maxFenceSplits bounds how often a leg is halved to make its fence fit.
const maxFenceSplits = 5

// fenceLeg gives a leg its inclusion fence, splitting the leg (each piece
// still fits the battery: a shorter patrol with transits no longer than the
// straight lines the triangle inequality allows, and checked) while the
// fence needs more vertices than the autopilot takes.
func (c *corridor) fenceLeg(l Leg, depth int) ([]Leg, error) {
	ring, err := c.routeFence(l.Route)
	if err == nil {
		l.fence = ring
		if l.exclusions, err = c.fenceExclusions(l.Route, ring.Bound()); err != nil {
			return nil, err
		}
		return []Leg{l}, nil
	}
	if !errors.Is(err, geo.ErrTooManyVertices) || depth >= maxFenceSplits || l.e-l.s < 2*sampleStepM {
		return nil, fmt.Errorf("lane %d leg at %v: %w", l.Lane+1, c.proj.Inverse(l.Patrol[0]), err)
	}
	// Split into as many pieces as the vertex count says (a fence's vertex
	// count grows about linearly with the stretch it follows), at least two.
	parts := 2
	var tm *geo.TooManyVerticesError
	if errors.As(err, &tm) && tm.Limit > 0 {
		parts = max(2, int(math.Ceil(float64(tm.Best)/float64(tm.Limit)*1.2)))
	}
	parts = min(parts, int((l.e-l.s)/sampleStepM))
	cuts := []float64{l.s}
	for i := 1; i < parts; i++ {
		cuts = append(cuts, l.s+(l.e-l.s)*float64(i)/float64(parts))
	}
	cuts = append(cuts, l.e)
	trans := []transit{l.out}
	for _, m := range cuts[1 : len(cuts)-1] {
		mid, ok := c.transitTo(l.Site, l.p, l.a, m)
		if !ok {
			return nil, fmt.Errorf("lane %d leg at %v: %w (and it cannot be split: no safe transit to its middle)", l.Lane+1, c.proj.Inverse(l.Patrol[0]), err)
		}
		trans = append(trans, mid)
	}
	trans = append(trans, l.back)
	var out []Leg
	for i := 0; i+1 < len(cuts); i++ {
		piece := c.makeLeg(l.Lane, l.p, l.Site, l.a, cuts[i], cuts[i+1], trans[i], trans[i+1])
		if geo.PolylineLength(piece.Route) > c.budget {
			return nil, fmt.Errorf("%w: lane %d leg at %v needs a shorter fence than one battery's leg allows; raise the vertex limit", ErrFence, l.Lane+1, c.proj.Inverse(l.Patrol[0]))
		}
		ls, err := c.fenceLeg(piece, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, ls...)
	}
	return out, nil
}

// routeFence is an inclusion polygon around a projected route: the route's
// neighbourhood (fenceBandM) minus a tube of (standoff − fence margin) around
// the border, keeping the piece that holds the route (the tube cuts off
// anything across the border), simplified (only ever shrinking) to the
// vertex limit, then checked to hold the whole route and never to reach the
// border.
func (c *corridor) routeFence(route []orb.Point) (orb.Ring, error) {
	band := fenceBandM * c.k
	near := c.req.FenceMarginM * c.k
	// One capsule per segment: Clipper's offset of a path that turns back
	// on itself can leave a notch reaching the turning point. The
	// neighbourhood only has to hold the route with room to spare, so the
	// capsules follow the route simplified by band/8 (and reach that much
	// further).
	coarse := simplify.DouglasPeucker(band / 8).LineString(slices.Clone(orb.LineString(route)))
	segs := make([][]orb.Point, 0, len(coarse)-1)
	for k := 1; k < len(coarse); k++ {
		segs = append(segs, []orb.Point{coarse[k-1], coarse[k]})
	}
	hood, err := geo.BufferLinesTol(segs, band*9/8, geo.JoinRound, geo.EndRound, band/8)
	if err != nil {
		return nil, err
	}
	// The whole border within reach of the neighbourhood (not only the
	// section: past its ends the neighbourhood reaches the border too),
	// with its true ends walled off (fenceReach), as whole pieces that run
	// out past the neighbourhood, so the tube separates the two sides
	// everywhere inside it: a piece of the neighbourhood across the border
	// is cut off from the route's and dropped below.
	rb := orb.LineString(route).Bound().Pad(band*9/8 + near + 2_000)
	area := hood
	var local [][]orb.Point
	c.fix.Search(rb, func(line, i int) bool {
		a, b := c.fix.Segment(line, i)
		local = append(local, []orb.Point{a, b})
		return true
	})
	if len(local) > 0 {
		tube, err := geo.Tube(geo.MergeLines(local), near)
		if err != nil {
			return nil, err
		}
		if area, err = geo.Boolean(geo.OpDifference, hood, tube); err != nil {
			return nil, err
		}
	}
	mid := route[len(route)/2]
	var piece []orb.Polygon
	for _, p := range area {
		if geo.NewPolygonIndex(p).Contains(mid) {
			piece = []orb.Polygon{p}
			break
		}
	}
	if piece == nil {
		return nil, fmt.Errorf("%w: the route leaves the fence strip near %v", ErrFence, c.proj.Inverse(mid))
	}
	// Simplification only shrinks the fence, towards the lanes: by up to
	// 60 % of the room between fence and lane, and where that cannot meet
	// the vertex limit (a lane bridging a tight meander leaves pockets the
	// fence would follow), by up to 90 % of it. The route is checked to be
	// inside afterwards either way.
	gap := (c.req.StandoffM - c.req.FenceMarginM) * c.k
	var ring orb.Ring
	var firstErr error
	for _, f := range []float64{0.6, 0.9} {
		ring, err = c.shrinkFence(piece, route, mid, gap*f)
		if err == nil {
			break
		}
		if firstErr == nil {
			firstErr = err
		}
		if !errors.Is(err, geo.ErrTooManyVertices) && f == 0.6 {
			return nil, err
		}
	}
	if err != nil {
		// The first failure says best what to do (too many vertices: split
		// the leg).
		return nil, firstErr
	}
	if err := c.checkFenceRing(ring); err != nil {
		return nil, err
	}
	return ring, nil
}

// fenceExclusions are the no-fly zones (grown by half the margin, then
// simplified only outwards, by at most a quarter of it) near a route, as
// exclusion rings; the route keeps the full margin, so it never touches one.
func (c *corridor) fenceExclusions(route []orb.Point, near orb.Bound) ([]orb.Ring, error) {
	var out []orb.Ring
	for _, z := range c.zonesHalf {
		if !z.Bound().Intersects(near) {
			continue
		}
		simp, err := geo.SimplifyExclusion([]orb.Polygon{z}, c.req.MaxFenceVertices, c.req.NoFlyMarginM*c.k/4)
		if err != nil {
			return nil, fmt.Errorf("%w: no-fly zone near %v: %v", ErrFence, c.proj.Inverse(z[0][0]), err)
		}
		for _, p := range simp {
			ring := p[0]
			edges := geo.NewSegmentIndex([][]orb.Point{ring})
			ix := geo.NewPolygonIndex(orb.Polygon{ring})
			for k, q := range route {
				if ix.Contains(q) || (k > 0 && edges.Crosses(route[k-1], q)) {
					return nil, fmt.Errorf("%w: the route touches the fence's exclusion zone near %v", ErrFence, c.proj.Inverse(q))
				}
			}
			out = append(out, ring)
		}
	}
	return out, nil
}

// checkFenceRing proves a projected inclusion ring safe: no edge crosses
// the whole border or comes nearer it than the fence margin (measured
// exactly, segment to segment, in the projection, whose distances are never
// shorter than true ones divided by the scale bound), and every vertex on
// our side. Tube and simplification already make it so; this check is what
// a bug in either would run into.
func (c *corridor) checkFenceRing(ring orb.Ring) error {
	near := c.req.FenceMarginM * c.k
	for k := 1; k < len(ring); k++ {
		if c.wix.Crosses(ring[k-1], ring[k]) {
			return fmt.Errorf("%w: the fence would reach across the border near %v", ErrFence, c.proj.Inverse(ring[k]))
		}
		// A hair of tolerance for Clipper's integer rounding.
		if d := c.wix.SegmentDistance(ring[k-1], ring[k], near); d < near*(1-1e-6)-0.01 {
			return fmt.Errorf("%w: the fence would come %.0f m from the border near %v, nearer than the fence margin %.0f m",
				ErrFence, d/c.k, c.proj.Inverse(ring[k]), c.req.FenceMarginM)
		}
	}
	for _, q := range ring {
		if loc, ok := c.wix.Locate(q, math.Inf(1)); ok && loc.Side != c.req.Side {
			return fmt.Errorf("%w: the fence would reach across the border at %v", ErrFence, c.proj.Inverse(q))
		}
	}
	return nil
}

// ourSide reports whether a projected ring lies on our side of the whole
// border, judged by its vertex farthest from it (nearer ones may sit by a
// corner where the side is ambiguous).
func (c *corridor) ourSide(ring orb.Ring) bool {
	best := geo.Location{Dist: -1}
	for _, q := range ring {
		if loc, ok := c.wix.Locate(q, math.Inf(1)); ok && loc.Dist > best.Dist {
			best = loc
		}
	}
	return best.Side == c.req.Side
}

// shrinkFence simplifies a fence piece to the vertex limit, moving its
// boundary only inwards and by at most room, and checks that it still holds
// the whole route.
func (c *corridor) shrinkFence(piece []orb.Polygon, route []orb.Point, mid orb.Point, room float64) (orb.Ring, error) {
	outer, _, err := geo.SimplifyInclusion(piece, c.req.MaxFenceVertices, room)
	if err != nil {
		return nil, err
	}
	var ring orb.Ring
	for _, p := range outer {
		if geo.NewPolygonIndex(p).Contains(mid) {
			ring = p[0]
		}
	}
	if ring == nil {
		return nil, fmt.Errorf("%w: the simplified fence lost the route near %v", ErrFence, c.proj.Inverse(mid))
	}
	fx := geo.NewPolygonIndex(orb.Polygon{ring})
	edges := geo.NewSegmentIndex([][]orb.Point{ring})
	for k, q := range route {
		if !fx.Contains(q) || (k > 0 && edges.Crosses(route[k-1], q)) {
			return nil, fmt.Errorf("%w: the simplified fence no longer holds the route near %v", ErrFence, c.proj.Inverse(q))
		}
	}
	return ring, nil
}
