package planner

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"
)

// Vehicle is what the planner needs to know of a drone's performance.
type Vehicle struct {
	CruiseMS   float64 // cruise ground speed, m/s
	EnduranceS float64 // flight time on one battery, s
	// ReserveFrac is the share of the endurance kept in reserve (optional).
	// Defaults to 0.2.
	ReserveFrac float64
	// TurnaroundS is the time on the ground between sorties (battery swap or
	// charge) (optional). Defaults to 600 s.
	TurnaroundS float64
}

// LaunchSite is where drones take off and land.
type LaunchSite struct {
	Name string    `json:"name"`
	Pos  orb.Point `json:"pos"` // [lon, lat]
}

// CorridorRequest asks for a border corridor patrol.
type CorridorRequest struct {
	// Border is the border as [lon, lat] polylines (a layer's lines; parts
	// that continue one another are joined).
	Border [][]orb.Point
	// From and To cut a section out of the border (optional): the stretch
	// between the border points nearest to them. Default: the whole border.
	From, To *orb.Point
	// Side is the side of the border, relative to the direction its lines
	// are drawn in, that the patrol stays on.
	Side      geo.Side
	StandoffM float64 // nearest a patrol lane comes to the border, m
	// Lanes is the number of parallel patrol lanes (optional). Defaults to 1.
	Lanes int
	// LaneSpacingM is the distance between lanes (optional). Defaults to 500 m.
	LaneSpacingM float64
	AltM         float64 // patrol altitude above home, m
	Vehicle      Vehicle
	Drones       int
	// Sites are the launch sites (optional). Defaults to one per drone,
	// spread evenly along the first lane.
	Sites []LaunchSite
	// FenceMarginM is how much nearer the border than the standoff a
	// sortie's inclusion fence may reach (optional). Defaults to 0.8 ×
	// standoff; it must stay below the standoff so the fence never reaches
	// the border. The room between fence and lane is what lets a long,
	// winding leg's fence fit the vertex limit.
	FenceMarginM float64
	// MaxFenceVertices is the autopilot's polygon vertex limit (optional).
	// Defaults to 64, PX4's limit (ArduPilot takes more).
	MaxFenceVertices int
	// SimplifyM is the Douglas–Peucker tolerance for lane paths (optional).
	// Defaults to 10 m; lanes are offset that much further out first, so the
	// standoff still holds after simplification.
	SimplifyM float64
	// SkipFences leaves the per-sortie fences out (optional), for callers that
	// generate fences themselves.
	SkipFences bool
	// NoFly are zones no flight may enter ([lon, lat] polygons) (optional):
	// lanes are cut where they would cross them, transits keep clear of
	// them, and each sortie's fence carries the ones near it as exclusion
	// polygons.
	NoFly []orb.Polygon
	// NoFlyMarginM is how far lanes and transits keep from no-fly zones
	// (optional). Defaults to 100 m; the fences' exclusion polygons sit
	// inside that margin so a route never touches one.
	NoFlyMarginM float64
}

// Leg is one sortie: take off from a site, reach the lane, patrol a stretch
// of it, come back.
type Leg struct {
	Lane  int `json:"lane"`
	Site  int `json:"site"`
	Drone int `json:"drone"`
	// Patrol is the patrolled stretch and Route the whole flight, site to
	// site ([lon, lat]).
	Patrol  []orb.Point `json:"patrol"`
	Route   []orb.Point `json:"route"`
	PatrolM float64     `json:"patrol_m"`
	FlightM float64     `json:"flight_m"` // geodesic length of Route
	FlightS float64     `json:"flight_s"`
	// MinBorderDistM is a lower bound of the nearest the route comes to the
	// border: measured in the projection and divided by its scale bound, so
	// under 1 % below the true distance across a 2 600 km border.
	MinBorderDistM float64         `json:"min_border_dist_m"`
	Plan           *missions.Plan  `json:"-"`
	cover          []coverInterval // border stretches this leg watches

	// Projected working state: the lane path, the leg's span and access
	// position on it, its transits, and its fence.
	p          *path
	s, e, a    float64
	out, back  transit
	fence      orb.Ring
	exclusions []orb.Ring
}

// DroneAssignment is one drone's share: its base and its legs, flown in turn.
type DroneAssignment struct {
	Drone  int   `json:"drone"`
	Site   int   `json:"site"`
	Legs   []int `json:"legs"`
	CycleS int   `json:"cycle_s"` // one round of all its legs, turnarounds included
}

// CoverageBin is the revisit time for one kilometre of border.
type CoverageBin struct {
	Line     int     `json:"line"`
	FromM    float64 `json:"from_m"`
	ToM      float64 `json:"to_m"`
	Covered  bool    `json:"covered"`
	RevisitS float64 `json:"revisit_s"`
}

// Coverage is what the plan achieves along the border section.
type Coverage struct {
	SectionM     float64       `json:"section_m"`
	CoveredM     float64       `json:"covered_m"`
	MaxRevisitS  float64       `json:"max_revisit_s"`
	MeanRevisitS float64       `json:"mean_revisit_s"`
	Bins         []CoverageBin `json:"bins"`
}

// CorridorPlan is the planner's answer.
type CorridorPlan struct {
	Sites    []LaunchSite      `json:"sites"`
	Lanes    [][][]orb.Point   `json:"lanes"` // per lane, its paths ([lon, lat])
	Legs     []Leg             `json:"legs"`
	Drones   []DroneAssignment `json:"drones"`
	Coverage Coverage          `json:"coverage"`
}

type coverInterval struct {
	line     int
	from, to float64
}

func (r *CorridorRequest) defaults() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadRequest}, a...)...)
	}
	if len(r.Border) == 0 {
		return bad("no border line")
	}
	if r.Side != geo.Left && r.Side != geo.Right {
		return bad("side must be left or right of the border's direction")
	}
	if !(r.StandoffM > 0) {
		return bad("standoff %g m must be positive", r.StandoffM)
	}
	if r.Lanes == 0 {
		r.Lanes = 1
	}
	if r.Lanes < 0 || r.Lanes > 20 {
		return bad("%d lanes (1-20)", r.Lanes)
	}
	if r.LaneSpacingM == 0 {
		r.LaneSpacingM = 500
	}
	if !(r.LaneSpacingM > 0) {
		return bad("lane spacing %g m must be positive", r.LaneSpacingM)
	}
	v := &r.Vehicle
	if !(v.CruiseMS > 0) || !(v.EnduranceS > 0) {
		return bad("vehicle cruise speed (%g m/s) and endurance (%g s) must be positive", v.CruiseMS, v.EnduranceS)
	}
	if v.ReserveFrac == 0 {
		v.ReserveFrac = 0.2
	}
	if v.ReserveFrac < 0 || v.ReserveFrac >= 1 {
		return bad("reserve %g must be in [0, 1)", v.ReserveFrac)
	}
	if v.TurnaroundS == 0 {
		v.TurnaroundS = 600
	}
	if r.Drones < 1 {
		return bad("%d drones", r.Drones)
	}
	if r.FenceMarginM == 0 {
		r.FenceMarginM = 0.8 * r.StandoffM
	}
	if !(r.FenceMarginM > 0) || r.FenceMarginM >= r.StandoffM {
		return bad("fence margin %g m must be positive and below the standoff %g m", r.FenceMarginM, r.StandoffM)
	}
	if r.MaxFenceVertices == 0 {
		r.MaxFenceVertices = 64
	}
	if r.SimplifyM == 0 {
		r.SimplifyM = 10
	}
	if r.NoFlyMarginM == 0 {
		r.NoFlyMarginM = 100
	}
	if r.NoFlyMarginM < 0 {
		return bad("no-fly margin %g m is negative", r.NoFlyMarginM)
	}
	return nil
}

// corridor holds one planning run's working state.
type corridor struct {
	req    CorridorRequest
	proj   *geo.Proj
	k      float64       // projection scale bound: projected ≥ true ≥ projected/k
	border [][]orb.Point // projected section lines
	bix    *geo.SegmentIndex
	sites  []orb.Point // projected
	budget float64     // flight distance one battery allows, m (projected)
	far    float64     // how far from the border sortie fences may reach
	// No-fly zones, projected: grown by the full margin (what lanes and
	// transits avoid) and by half of it (what fences exclude).
	zones     []orb.Polygon
	zoneIdx   []*geo.PolygonIndex
	zoneEdges *geo.SegmentIndex
	zonesHalf []orb.Polygon
}

// PlanCorridor plans a border corridor patrol.
func PlanCorridor(req CorridorRequest) (*CorridorPlan, error) {
	if err := req.defaults(); err != nil {
		return nil, err
	}
	c := &corridor{req: req}
	lines := geo.MergeLines(req.Border)
	if len(lines) == 0 {
		return nil, fmt.Errorf("%w: the border has no line of two or more points", ErrBadRequest)
	}
	// One projection for the whole section, centred on it; distances that
	// must hold (standoff, fence margin) are inflated by its scale bound so
	// that they hold on the ellipsoid, and lengths are measured geodesically
	// on the result.
	var b orb.Bound
	for i, l := range lines {
		lb := orb.LineString(l).Bound()
		if i == 0 {
			b = lb
		} else {
			b = b.Union(lb)
		}
	}
	c.proj = geo.NewProj(geo.CenterOf(b))
	reach := req.StandoffM + float64(req.Lanes)*req.LaneSpacingM + req.Vehicle.CruiseMS*req.Vehicle.EnduranceS/2
	c.k = geo.ScaleBound(geo.RadiusFrom(c.proj.Center(), b) + reach)
	for _, l := range lines {
		c.border = append(c.border, c.proj.ForwardAll(geo.DensifyLonLat(l, densifyM)))
	}
	if req.From != nil || req.To != nil {
		if err := c.cutSection(); err != nil {
			return nil, err
		}
	}
	c.bix = geo.NewSegmentIndex(c.border)
	if err := c.prepareNoFly(); err != nil {
		return nil, err
	}
	// Batteries are measured in projected metres, which are never shorter
	// than true ones: a leg that fits here fits in the air.
	c.budget = req.Vehicle.CruiseMS * req.Vehicle.EnduranceS * (1 - req.Vehicle.ReserveFrac)

	out := &CorridorPlan{}
	lanes := make([][]*path, req.Lanes)
	for li := range req.Lanes {
		d := (req.StandoffM+float64(li)*req.LaneSpacingM)*c.k + req.SimplifyM
		paths, err := geo.OffsetSide(c.border, d, req.Side)
		if err != nil {
			return nil, fmt.Errorf("lane %d at %.0f m: %w", li+1, d, err)
		}
		var lonlat [][]orb.Point
		for _, p := range paths {
			s := simplify.DouglasPeucker(req.SimplifyM).LineString(orb.LineString(p))
			if len(s) < 2 {
				continue
			}
			// Lanes end where the section does, on the perpendicular at its
			// end; trimming them by the fence margin leaves a sortie fence
			// room around the lane's end without reaching past the section.
			if trim := req.FenceMarginM * c.k; !req.SkipFences {
				pp := newPath(s)
				if pp.length() <= 3*trim {
					continue
				}
				s = pp.sub(trim, pp.length()-trim)
			}
			for _, piece := range geo.ClipOutside(s, c.zones) {
				if geo.PolylineLength(piece) < minPieceM {
					continue
				}
				lanes[li] = append(lanes[li], newPath(piece))
				lonlat = append(lonlat, c.proj.InverseAll(piece))
			}
		}
		out.Lanes = append(out.Lanes, lonlat)
	}
	if err := c.placeSites(req, lanes[0]); err != nil {
		return nil, err
	}
	for i, s := range c.sites {
		name := fmt.Sprintf("site %d", i+1)
		if i < len(req.Sites) && req.Sites[i].Name != "" {
			name = req.Sites[i].Name
		}
		out.Sites = append(out.Sites, LaunchSite{Name: name, Pos: c.proj.Inverse(s)})
	}
	var uncovered []string
	for li, paths := range lanes {
		for _, p := range paths {
			legs, gaps := c.splitPath(li, p)
			out.Legs = append(out.Legs, legs...)
			for _, g := range gaps {
				uncovered = append(uncovered, fmt.Sprintf("lane %d: %.1f km from %v", li+1, (g[1]-g[0])/1000, c.proj.Inverse(p.at(g[0]))))
			}
		}
	}
	if len(uncovered) > 0 {
		return nil, fmt.Errorf("%w: %d stretch(es) no launch site can reach with %.0f km of flight per battery (%s); add launch sites near them or drones with more endurance",
			ErrUncovered, len(uncovered), c.budget/1000, joinMax(uncovered, 3))
	}
	if !req.SkipFences {
		c.fenceReach()
		legs, err := c.fenceAll(out.Legs)
		if err != nil {
			return nil, err
		}
		out.Legs = legs
	}
	if err := c.assign(out); err != nil {
		return nil, err
	}
	for i := range out.Legs {
		c.finishLeg(out, i)
	}
	out.Coverage = c.coverage(out)
	return out, nil
}

func joinMax(s []string, n int) string {
	if len(s) > n {
		return fmt.Sprintf("%s … and %d more", joinMax(s[:n], n), len(s)-n)
	}
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}

// cutSection keeps only the border between the points nearest From and To.
func (c *corridor) cutSection() error {
	if c.req.From == nil || c.req.To == nil {
		return fmt.Errorf("%w: a section needs both ends", ErrBadRequest)
	}
	ix := geo.NewSegmentIndex(c.border)
	a, okA := ix.Locate(c.proj.Forward(*c.req.From), math.Inf(1))
	b, okB := ix.Locate(c.proj.Forward(*c.req.To), math.Inf(1))
	if !okA || !okB {
		return fmt.Errorf("%w: cannot locate the section ends", ErrBadRequest)
	}
	if a.Line != b.Line {
		return fmt.Errorf("%w: the section ends are on different, unconnected parts of the border", ErrBadRequest)
	}
	if a.Seg > b.Seg || (a.Seg == b.Seg && a.T > b.T) {
		a, b = b, a
	}
	l := c.border[a.Line]
	sec := []orb.Point{a.Closest}
	sec = append(sec, l[a.Seg+1:b.Seg+1]...)
	sec = append(sec, b.Closest)
	sec = slices.CompactFunc(sec, func(p, q orb.Point) bool { return p == q })
	if len(sec) < 2 {
		return fmt.Errorf("%w: the section ends meet the border at the same point", ErrBadRequest)
	}
	c.border = [][]orb.Point{sec}
	return nil
}

// placeSites projects the given sites and checks them, or spreads one per
// drone along the first lane.
func (c *corridor) placeSites(req CorridorRequest, lane []*path) error {
	if len(req.Sites) == 0 {
		total := 0.0
		for _, p := range lane {
			total += p.length()
		}
		for j := range req.Drones {
			s := (float64(j) + 0.5) * total / float64(req.Drones)
			for _, p := range lane {
				if s <= p.length() {
					c.sites = append(c.sites, p.at(s))
					break
				}
				s -= p.length()
			}
		}
		return nil
	}
	for i, s := range req.Sites {
		p := c.proj.Forward(s.Pos)
		loc, ok := c.borderIndex().Locate(p, math.Inf(1))
		if !ok || loc.Side != req.Side {
			return fmt.Errorf("%w: launch site %d %q %v is on the other side of the border", ErrBadRequest, i+1, s.Name, s.Pos)
		}
		c.sites = append(c.sites, p)
	}
	return nil
}

func (c *corridor) borderIndex() *geo.SegmentIndex {
	if c.bix == nil {
		c.bix = geo.NewSegmentIndex(c.border)
	}
	return c.bix
}

// transit is how a site reaches one point of a lane: straight when that
// line keeps the standoff from the border, else straight to the site's
// nearest lane point and along the lane.
type transit struct {
	dist     float64
	straight bool
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
			if d := geo.Dist(site, q); d < half && c.clear(site, q) {
				si.t[i] = transit{dist: d, straight: true}
			} else if si.approach {
				if d := si.r + math.Abs(x-si.a); d < half {
					si.t[i] = transit{dist: d}
				}
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
		// Greedy: the farthest end this battery reaches from start i.
		t := infos[j].t
		best := -1
		for k := i + 1; k < len(xs) && xs[k]-xs[i] <= c.budget; k++ {
			if owner[k] != j && owner[k-1] != j {
				break
			}
			if t[i].dist+(xs[k]-xs[i])+t[k].dist <= c.budget {
				best = k
			}
		}
		if best < 0 {
			gaps = append(gaps, [2]float64{xs[i], xs[i+1]})
			i++
			continue
		}
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

// makeLeg builds the projected route of a leg [s, e] flown from site j.
func (c *corridor) makeLeg(lane int, p *path, j int, a, s, e float64, out, back transit) Leg {
	site := c.sites[j]
	route := []orb.Point{site}
	if !out.straight {
		route = append(route, c.shortcut(p.sub(a, s))...)
	}
	route = append(route, p.sub(s, e)...)
	if !back.straight {
		route = append(route, c.shortcut(p.sub(e, a))...)
	}
	route = append(route, site)
	// Points a metre apart are one waypoint; closer ones only make
	// degenerate segments for the fence buffer.
	route = slices.CompactFunc(route, func(x, y orb.Point) bool { return geo.Dist(x, y) < 1 })
	return Leg{Lane: lane, Site: j, Patrol: p.sub(s, e), Route: route, PatrolM: e - s,
		p: p, s: s, e: e, a: a, out: out, back: back}
}

// assign gives each used site at least one drone, the extra drones to the
// busiest sites, and each site's legs to its drones longest first.
func (c *corridor) assign(out *CorridorPlan) error {
	bySite := map[int][]int{}
	for i := range out.Legs {
		l := &out.Legs[i]
		l.FlightM = geo.PolylineLength(l.Route) // projected, refined to geodesic in finishLeg
		l.FlightS = l.FlightM / c.req.Vehicle.CruiseMS
		bySite[l.Site] = append(bySite[l.Site], i)
	}
	var used []int
	for s := range bySite {
		used = append(used, s)
	}
	sort.Ints(used)
	if c.req.Drones < len(used) {
		return fmt.Errorf("%w: the legs need %d launch sites but there are %d drones; add drones or give fewer, better placed sites", ErrTooFewDrones, len(used), c.req.Drones)
	}
	turn := c.req.Vehicle.TurnaroundS
	work := map[int]float64{}
	for _, s := range used {
		for _, li := range bySite[s] {
			work[s] += out.Legs[li].FlightS + turn
		}
	}
	drones := map[int]int{}
	for _, s := range used {
		drones[s] = 1
	}
	for range c.req.Drones - len(used) {
		best := -1
		for _, s := range used {
			if drones[s] >= len(bySite[s]) {
				continue // more drones than legs would idle
			}
			if best < 0 || work[s]/float64(drones[s]) > work[best]/float64(drones[best]) {
				best = s
			}
		}
		if best < 0 {
			break
		}
		drones[best]++
	}
	id := 0
	for _, s := range used {
		legs := slices.Clone(bySite[s])
		sort.SliceStable(legs, func(a, b int) bool { return out.Legs[legs[a]].FlightS > out.Legs[legs[b]].FlightS })
		first := len(out.Drones)
		for range drones[s] {
			id++
			out.Drones = append(out.Drones, DroneAssignment{Drone: id, Site: s})
		}
		load := make([]float64, drones[s])
		for _, li := range legs {
			k := 0
			for d := range load {
				if load[d] < load[k] {
					k = d
				}
			}
			load[k] += out.Legs[li].FlightS + turn
			da := &out.Drones[first+k]
			da.Legs = append(da.Legs, li)
			out.Legs[li].Drone = da.Drone
		}
		for d := range load {
			out.Drones[first+d].CycleS = int(math.Ceil(load[d]))
			sort.Ints(out.Drones[first+d].Legs)
		}
	}
	return nil
}

// finishLeg converts a leg to [lon, lat], measures it on the ellipsoid, and
// builds its plan: take off at the site, the route at patrol altitude, land
// at the site; an inclusion fence around the route; rally points on it.
func (c *corridor) finishLeg(out *CorridorPlan, i int) {
	l := &out.Legs[i]
	projRoute := l.Route
	projPatrol := l.Patrol
	for _, q := range projPatrol {
		if loc, ok := c.bix.Locate(q, math.Inf(1)); ok {
			l.cover = appendCover(l.cover, loc.Line, c.borderPos(loc))
		}
	}
	l.Route = c.proj.InverseAll(projRoute)
	l.Patrol = c.proj.InverseAll(projPatrol)
	l.FlightM = 0
	for k := 1; k < len(l.Route); k++ {
		l.FlightM += geo.Distance(l.Route[k-1], l.Route[k])
	}
	l.FlightS = l.FlightM / c.req.Vehicle.CruiseMS
	minD := math.Inf(1)
	for k := 1; k < len(projRoute); k++ {
		minD = min(minD, c.bix.SegmentDistance(projRoute[k-1], projRoute[k], math.Inf(1)))
	}
	l.MinBorderDistM = minD / c.k

	site := out.Sites[l.Site].Pos
	plan := &missions.Plan{
		Home:    &missions.Position{Lat: site[1], Lon: site[0]},
		Vehicle: missions.Vehicle{CruiseSpeedMS: c.req.Vehicle.CruiseMS},
		Meta: missions.Meta{Name: fmt.Sprintf("corridor patrol, drone %d, leg %d", l.Drone, i+1),
			Comment: fmt.Sprintf("lane %d, %.1f km patrolled, %.1f km flown, %.0f min", l.Lane+1, l.PatrolM/1000, l.FlightM/1000, l.FlightS/60)},
	}
	plan.Mission = append(plan.Mission, missions.Takeoff(site[1], site[0], c.req.AltM))
	for _, q := range l.Route[1 : len(l.Route)-1] {
		plan.Mission = append(plan.Mission, missions.Waypoint(q[1], q[0], c.req.AltM, 0))
	}
	plan.Mission = append(plan.Mission, missions.Land(site[1], site[0]))
	for _, q := range []orb.Point{l.Patrol[0], l.Patrol[len(l.Patrol)-1]} {
		plan.Rally = append(plan.Rally, missions.Position{Lat: q[1], Lon: q[0], AltM: c.req.AltM})
	}
	if l.fence != nil {
		plan.Fence = missions.Fence{
			Polygons: []missions.FencePolygon{{Inclusion: true, Vertices: c.proj.InverseAll(l.fence[:len(l.fence)-1])}},
			Return:   &missions.Position{Lat: site[1], Lon: site[0], AltM: c.req.AltM},
		}
		for _, r := range l.exclusions {
			plan.Fence.Polygons = append(plan.Fence.Polygons, missions.FencePolygon{Vertices: c.proj.InverseAll(r[:len(r)-1])})
		}
	}
	l.Plan = plan
}

// fenceReach sets how far from the border sortie fences may reach: beyond
// the farthest lane and launch site.
func (c *corridor) fenceReach() {
	far := (c.req.StandoffM+float64(c.req.Lanes-1)*c.req.LaneSpacingM)*c.k + c.req.SimplifyM
	for _, s := range c.sites {
		if loc, ok := c.bix.Locate(s, math.Inf(1)); ok {
			far = max(far, loc.Dist)
		}
	}
	c.far = far + 2_000
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

// transitTo is how site j reaches position x of path p; ok is false when
// neither a straight line nor the approach to the lane is safe.
func (c *corridor) transitTo(j int, p *path, a, x float64) (transit, bool) {
	q := p.at(x)
	if c.clear(c.sites[j], q) {
		return transit{dist: geo.Dist(c.sites[j], q), straight: true}, true
	}
	_, r := p.closest(c.sites[j])
	if r > 0 && !c.clear(c.sites[j], p.at(a)) {
		return transit{}, false
	}
	return transit{dist: r + math.Abs(x-a)}, true
}

// routeFence is an inclusion polygon around a projected route: the route's
// neighbourhood (fenceBandM) minus a tube of (standoff − fence margin) around
// the border, keeping the piece that holds the route (the tube cuts off
// anything across the border), simplified (only ever shrinking) to the
// vertex limit, then checked to hold the whole route and never to reach the
// border.
func (c *corridor) routeFence(route []orb.Point) (orb.Ring, error) {
	band := fenceBandM * c.k
	near := (c.req.StandoffM - c.req.FenceMarginM) * c.k
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
	// The border within reach of the neighbourhood, as whole pieces that run
	// out past it, so the tube separates the two sides everywhere inside.
	rb := orb.LineString(route).Bound().Pad(band + near + 2_000)
	var local [][]orb.Point
	c.bix.Search(rb, func(line, i int) bool {
		a, b := c.bix.Segment(line, i)
		local = append(local, []orb.Point{a, b})
		return true
	})
	var area []orb.Polygon
	if len(local) == 0 {
		area = hood
	} else {
		tube, err := geo.BufferLines(geo.MergeLines(local), near, geo.JoinSquare, geo.EndSquare)
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
	room := c.req.FenceMarginM * c.k * 0.4
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
	for k := 1; k < len(ring); k++ {
		if c.bix.Crosses(ring[k-1], ring[k]) {
			return nil, fmt.Errorf("%w: the fence would reach across the border near %v", ErrFence, c.proj.Inverse(ring[k]))
		}
	}
	return ring, nil
}

// borderPos is a location's distance along its border line, m (projected).
func (c *corridor) borderPos(loc geo.Location) float64 {
	l := c.border[loc.Line]
	s := 0.0
	for k := 0; k < loc.Seg; k++ {
		s += geo.Dist(l[k], l[k+1])
	}
	return s + loc.T*geo.Dist(l[loc.Seg], l[loc.Seg+1])
}

func appendCover(cv []coverInterval, line int, pos float64) []coverInterval {
	for i := range cv {
		if cv[i].line == line {
			cv[i].from = min(cv[i].from, pos)
			cv[i].to = max(cv[i].to, pos)
			return cv
		}
	}
	return append(cv, coverInterval{line: line, from: pos, to: pos})
}

// coverage is the revisit time per kilometre of border: the shortest cycle
// of the drones whose legs watch it (a drone flies its legs in turn).
func (c *corridor) coverage(out *CorridorPlan) Coverage {
	cycle := map[int]float64{}
	for _, d := range out.Drones {
		cycle[d.Drone] = float64(d.CycleS)
	}
	// Legs that meet on a lane also cover the border between them: where a
	// lane bridges a meander too narrow to follow, the meander lies between
	// the border positions of one leg's end and the next one's start.
	type bridge struct {
		iv    coverInterval
		cycle float64
	}
	var bridges []bridge
	byPath := map[*path][]int{}
	for i, l := range out.Legs {
		byPath[l.p] = append(byPath[l.p], i)
	}
	for _, idx := range byPath {
		sort.Slice(idx, func(a, b int) bool { return out.Legs[idx[a]].s < out.Legs[idx[b]].s })
		for k := 1; k < len(idx); k++ {
			a, b := out.Legs[idx[k-1]], out.Legs[idx[k]]
			if a.e != b.s || len(a.cover) == 0 || len(b.cover) == 0 {
				continue
			}
			ea, sb := a.cover[len(a.cover)-1], b.cover[0]
			if ea.line == sb.line {
				lo, hi := min(ea.from, ea.to, sb.from, sb.to), max(ea.from, ea.to, sb.from, sb.to)
				bridges = append(bridges, bridge{coverInterval{ea.line, lo, hi}, max(cycle[a.Drone], cycle[b.Drone])})
			}
		}
	}
	var cv Coverage
	var sum float64
	var n int
	for li, l := range c.border {
		length := geo.PolylineLength(l)
		cv.SectionM += length / c.k
		for from := 0.0; from < length; from += 1000 {
			to := min(from+1000, length)
			mid := (from + to) / 2
			bin := CoverageBin{Line: li, FromM: from, ToM: to, RevisitS: math.Inf(1)}
			for _, leg := range out.Legs {
				for _, iv := range leg.cover {
					if iv.line == li && iv.from <= mid && mid <= iv.to {
						bin.RevisitS = min(bin.RevisitS, cycle[leg.Drone])
					}
				}
			}
			for _, br := range bridges {
				if br.iv.line == li && br.iv.from <= mid && mid <= br.iv.to {
					bin.RevisitS = min(bin.RevisitS, br.cycle)
				}
			}
			if bin.Covered = !math.IsInf(bin.RevisitS, 1); bin.Covered {
				cv.CoveredM += (to - from) / c.k
				cv.MaxRevisitS = max(cv.MaxRevisitS, bin.RevisitS)
				sum += bin.RevisitS
				n++
			} else {
				bin.RevisitS = 0
			}
			cv.Bins = append(cv.Bins, bin)
		}
	}
	if n > 0 {
		cv.MeanRevisitS = sum / float64(n)
	}
	return cv
}

// prepareNoFly projects the no-fly zones, grows them by the margin (what
// lanes and transits keep out of) and by half of it (what fences exclude),
// and checks that no launch site is inside one.
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
	if c.zones, err = geo.Grow(zones, c.req.NoFlyMarginM*c.k); err != nil {
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
	if !c.bix.Clear(a, b, c.req.StandoffM*c.k) {
		return false
	}
	if c.zoneEdges == nil {
		return true
	}
	return !c.zoneEdges.Crosses(a, b) && !c.inZone(a) && !c.inZone(b)
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
