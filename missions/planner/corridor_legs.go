package planner

import (
	"fmt"
	"math"
	"slices"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// transit is how a site reaches one point of a lane: straight when that
// line keeps the standoff from the border and clear of no-fly zones, else
// round the zones (via, from the transit router), else straight to the
// site's nearest lane point and along the lane.
type transit struct {
	dist     float64
	straight bool
	via      []orb.Point // projected waypoints between the site and the lane, for a routed transit
}

// routed is a transit from site to q found by the transit router around
// the no-fly zones, kept when every leg of it also keeps the standoff from
// the border and it is shorter than limit.
func (c *corridor) routed(site, q orb.Point, limit float64) (transit, bool) {
	if c.router == nil {
		return transit{}, false
	}
	r, err := c.router.Route(c.proj.Inverse(site), c.proj.Inverse(q))
	if err != nil {
		return transit{}, false
	}
	path := c.proj.ForwardAll(r.Path)
	path[0], path[len(path)-1] = site, q
	safe := c.req.StandoffM * c.k
	for k := 1; k < len(path); k++ {
		if !c.wix.Clear(path[k-1], path[k], safe) {
			return transit{}, false
		}
	}
	d := geo.PolylineLength(path)
	if d >= limit {
		return transit{}, false
	}
	return transit{dist: d, via: path[1 : len(path)-1]}, true
}

// minPieceM is the shortest stretch of lane kept between no-fly zones.
const minPieceM = 200.0

// densifyM is the longest border segment the planner projects as straight.
// Over 2 km a lon/lat-straight segment and a projected-straight one part by
// under a centimetre.
const densifyM = 2000.0

// sampleStepM is the spacing of the lane positions legs may start and end at.
const sampleStepM = 1000.0

// splitPath cuts one lane path into legs. Each lane position belongs to the
// site that reaches it with the shortest transit; each site's stretches are
// cut greedily into the longest legs one battery flies: transit out, patrol,
// transit back.
func (c *corridor) splitPath(lane int, p *path) ([]Leg, [][2]float64) {
	L := p.length()
	n := max(1, int(math.Ceil(L/sampleStepM)))
	xs := make([]float64, n+1)
	for i := range xs {
		xs[i] = L * float64(i) / float64(n)
	}

	half := c.budget / 2
	type siteInfo struct {
		a, r     float64
		approach bool // the straight line to the nearest lane point is safe
		t        []transit
	}
	infos := make([]siteInfo, len(c.sites))
	for j, site := range c.sites {
		si := &infos[j]
		si.a, si.r = p.closest(site)
		si.approach = si.r == 0 || c.clear(site, p.at(si.a))
		si.t = make([]transit, len(xs))
		for i, x := range xs {
			si.t[i] = transit{dist: math.Inf(1)}
			q := p.at(x)
			d := geo.Dist(site, q)
			if d >= half {
				continue
			}
			if c.clear(site, q) {
				si.t[i] = transit{dist: d, straight: true}
				continue
			}
			if si.approach {
				if d := si.r + math.Abs(x-si.a); d < half {
					si.t[i] = transit{dist: d}
				}
			}
			if rt, ok := c.routed(site, q, min(half, si.t[i].dist)); ok {
				si.t[i] = rt
			}
		}
	}
	owner := make([]int, len(xs))
	for i := range xs {
		owner[i] = -1
		best := math.Inf(1)
		for j := range infos {
			if d := infos[j].t[i].dist; d < best {
				best, owner[i] = d, j
			}
		}
	}
	var legs []Leg
	var gaps [][2]float64
	for i := 0; i < len(xs)-1; {
		j := owner[i]
		if j < 0 {
			k := i + 1
			for k < len(xs)-1 && owner[k] < 0 {
				k++
			}
			gaps = append(gaps, [2]float64{xs[i], xs[k]})
			i = k
			continue
		}
		// Greedy: the farthest end one battery reaches from start i. The
		// site that owns i stays within its own stretch (that keeps each
		// site's work near it); where it cannot fly even one step (two long
		// transits round a zone), any other site that can takes the leg.
		reach := func(j int, own bool) int {
			t := infos[j].t
			if math.IsInf(t[i].dist, 1) {
				return -1
			}
			best := -1
			for k := i + 1; k < len(xs) && xs[k]-xs[i] <= c.budget; k++ {
				if own && owner[k] != j && owner[k-1] != j {
					break
				}
				if t[i].dist+(xs[k]-xs[i])+t[k].dist <= c.budget {
					best = k
				}
			}
			return best
		}
		best := reach(j, true)
		if best < 0 {
			for jj := range infos {
				if k := reach(jj, false); k > best {
					best, j = k, jj
				}
			}
		}
		if best < 0 {
			gaps = append(gaps, [2]float64{xs[i], xs[i+1]})
			i++
			continue
		}
		t := infos[j].t
		legs = append(legs, c.makeLeg(lane, p, j, infos[j].a, xs[i], xs[best], t[i], t[best]))
		i = best
	}
	return legs, gaps
}

// shortcut straightens a transit along the lane: from each kept point it
// skips ahead as far as a straight line keeps the standoff. The transit gets
// shorter (so it still fits the battery) and needs far fewer waypoints and
// fence vertices.
func (c *corridor) shortcut(pts []orb.Point) []orb.Point {
	if len(pts) <= 2 {
		return pts
	}

	out := []orb.Point{pts[0]}
	i := 0
	for i < len(pts)-1 {
		j := i + 1
		for j+1 < len(pts) && c.clear(pts[i], pts[j+1]) {
			j++
		}
		out = append(out, pts[j])
		i = j
	}
	return out
}

func reversed(pts []orb.Point) []orb.Point {
	out := slices.Clone(pts)
	slices.Reverse(out)
	return out
}

// makeLeg builds the projected route of a leg [s, e] flown from site j.
func (c *corridor) makeLeg(lane int, p *path, j int, a, s, e float64, out, back transit) Leg {
	site := c.sites[j]
	route := []orb.Point{site}
	switch {
	case out.via != nil:
		route = append(route, out.via...)
	case !out.straight:
		route = append(route, c.shortcut(p.sub(a, s))...)
	}
	route = append(route, p.sub(s, e)...)
	switch {
	case back.via != nil:
		route = append(route, reversed(back.via)...)
	case !back.straight:
		route = append(route, c.shortcut(p.sub(e, a))...)
	}
	route = append(route, site)
	// Points a metre apart are one waypoint; closer ones only make
	// degenerate segments for the fence buffer.
	route = slices.CompactFunc(route, func(x, y orb.Point) bool { return geo.Dist(x, y) < 1 })
	return Leg{Lane: lane, Site: j, Patrol: p.sub(s, e), Route: route, PatrolM: e - s,
		p: p, s: s, e: e, a: a, out: out, back: back}
}

// transitTo is how site j reaches position x of path p; ok is false when
// neither a straight line nor the approach to the lane is safe.
func (c *corridor) transitTo(j int, p *path, a, x float64) (transit, bool) {
	q := p.at(x)
	if c.clear(c.sites[j], q) {
		return transit{dist: geo.Dist(c.sites[j], q), straight: true}, true
	}
	along := transit{dist: math.Inf(1)}
	if _, r := p.closest(c.sites[j]); r == 0 || c.clear(c.sites[j], p.at(a)) {
		along = transit{dist: r + math.Abs(x-a)}
	}
	if rt, ok := c.routed(c.sites[j], q, along.dist); ok {
		return rt, true
	}
	return along, !math.IsInf(along.dist, 1)
}

// prepareNoFly projects the no-fly zones, grows them by the margin (what
// lanes and straight transits keep out of; 10 % more, so a lane cut at a
// zone ends where the transit router, which keeps the margin itself, can
// still reach it) and by half of it (what fences exclude), and checks that
// no launch site is inside one.
func (c *corridor) prepareNoFly() error {
	if len(c.req.NoFly) == 0 {
		return nil
	}
	var zones []orb.Polygon
	for _, z := range c.req.NoFly {
		pz := make(orb.Polygon, len(z))
		for i, r := range z {
			pz[i] = c.proj.ForwardAll(geo.DensifyLonLat(r, 1000)) // edges are straight in lon/lat
		}
		zones = append(zones, pz)
	}
	var err error
	if c.zones, err = geo.Grow(zones, c.req.NoFlyMarginM*c.k*1.1); err != nil {
		return err
	}
	if c.zonesHalf, err = geo.Grow(zones, c.req.NoFlyMarginM*c.k/2); err != nil {
		return err
	}
	var rings [][]orb.Point
	for _, z := range c.zones {
		c.zoneIdx = append(c.zoneIdx, geo.NewPolygonIndex(z))
		for _, r := range z {
			rings = append(rings, r)
		}
	}
	c.zoneEdges = geo.NewSegmentIndex(rings)
	// The router must not take a transit round a zone through the other
	// side of the border: the border near the zones, with its standoff, is
	// an obstacle too.
	var reach orb.Bound
	for i, z := range c.zones {
		if i == 0 {
			reach = z.Bound()
		} else {
			reach = reach.Union(z.Bound())
		}
	}
	reach = reach.Pad(c.budget / 2)
	var local [][]orb.Point
	c.wix.Search(reach, func(line, i int) bool {
		a, b := c.wix.Segment(line, i)
		local = append(local, []orb.Point{a, b})
		return true
	})
	obstacles := slices.Clone(c.req.NoFly)
	// The router grows every obstacle by the no-fly margin: a tube that
	// wide less than the standoff ends up at the standoff, where the lanes
	// are. (With a margin near the standoff there is no room for a tube;
	// routed transits are then still checked against the border.)
	if tubeW := (c.req.StandoffM - 1.2*c.req.NoFlyMarginM) * c.k; len(local) > 0 && tubeW >= 1 {
		tube, err := geo.Tube(geo.MergeLines(local), tubeW)
		if err != nil {
			return err
		}
		for _, p := range tube {
			obstacles = append(obstacles, orb.Polygon{orb.Ring(c.proj.InverseAll(p[0]))})
		}
	}
	if c.router, err = NewTransit(TransitConfig{Exclusions: obstacles, MarginM: c.req.NoFlyMarginM}); err != nil {
		return err
	}
	for i, s := range c.req.Sites {
		if c.inZone(c.proj.Forward(s.Pos)) {
			return fmt.Errorf("%w: launch site %d %q %v is within %g m of a no-fly zone", ErrBadRequest, i+1, s.Name, s.Pos, c.req.NoFlyMarginM)
		}
	}
	return nil
}

func (c *corridor) inZone(p orb.Point) bool {
	for _, ix := range c.zoneIdx {
		if ix.Contains(p) {
			return true
		}
	}
	return false
}

// clear reports whether a straight flight a-b keeps the standoff from the
// border and stays out of every no-fly zone (with its margin).
func (c *corridor) clear(a, b orb.Point) bool {
	if !c.wix.Clear(a, b, c.req.StandoffM*c.k) {
		return false
	}
	if c.zoneEdges == nil {
		return true
	}
	return !c.zoneEdges.Crosses(a, b) && !c.inZone(a) && !c.inZone(b)
}
