package planner

import (
	"fmt"
	"math"
	"slices"

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
	// AltAMSLM is the ground's altitude above mean sea level, nil if
	// unknown: the plans' home altitude.
	AltAMSLM *float64 `json:"alt_amsl_m,omitempty"`
}

// CorridorParams asks for a border corridor patrol.
type CorridorParams struct {
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
	// FenceMarginM is the nearest a sortie's inclusion fence comes to the
	// border, everywhere along the fence, past the section's ends too
	// (optional). Defaults to half the standoff, at least MinFenceMarginM;
	// it must be at least MinFenceMarginM and below the standoff. The room
	// between fence and lane (standoff − margin) is what lets a long,
	// winding leg's fence fit the vertex limit.
	FenceMarginM float64
	// Rally are extra rally points (optional): on our side, at least
	// RallyDepthM from the border. Each leg gets its launch site as a rally
	// point and those of these inside its fence.
	Rally []LaunchSite
	// RallyDepthM is the nearest a rally point may be to the border
	// (optional). Defaults to the standoff.
	RallyDepthM float64
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
	MinBorderDistM float64 `json:"min_border_dist_m"`
	// FenceMinBorderDistM is a lower bound of the nearest the leg's
	// inclusion fence comes to the border (0 without a fence).
	FenceMinBorderDistM float64         `json:"fence_min_border_dist_m"`
	Plan                *missions.Plan  `json:"-"`
	cover               []coverInterval // border stretches this leg watches

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

func (r *CorridorParams) defaults() error {
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
		r.FenceMarginM = DefaultFenceMargin(r.StandoffM)
	}
	if !(r.FenceMarginM >= MinFenceMarginM) || r.FenceMarginM >= r.StandoffM {
		return bad("fence margin %g m must be at least %g m and below the standoff %g m (lanes fly inside the fence)", r.FenceMarginM, MinFenceMarginM, r.StandoffM)
	}
	if r.RallyDepthM == 0 {
		r.RallyDepthM = r.StandoffM
	}
	if !(r.RallyDepthM >= r.FenceMarginM) {
		return bad("rally depth %g m must be at least the fence margin %g m", r.RallyDepthM, r.FenceMarginM)
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
	req    CorridorParams
	proj   *geo.Proj
	k      float64       // projection scale bound: projected ≥ true ≥ projected/k
	border [][]orb.Point // projected section lines
	bix    *geo.SegmentIndex
	// wix indexes the whole border, projected, not only the section: what
	// must keep its distance from the border (lanes, transits, fences,
	// sites) keeps it from all of it, past the section's ends too.
	wix    *geo.SegmentIndex
	beyond [][]orb.Point     // the whole border less the section, projected
	fix    *geo.SegmentIndex // the whole border walled past its ends (fenceReach)
	sites  []orb.Point       // projected
	rally  []orb.Point       // operator rally points, projected
	budget float64           // flight distance one battery allows, m (projected)
	far    float64           // how far from the border sortie fences may reach
	// No-fly zones, projected: grown by the full margin (what lanes and
	// transits avoid) and by half of it (what fences exclude).
	zones     []orb.Polygon
	zoneIdx   []*geo.PolygonIndex
	zoneEdges *geo.SegmentIndex
	zonesHalf []orb.Polygon
	router    *Transit // round the no-fly zones, for transits a zone blocks
}

// PlanCorridor plans a border corridor patrol.
func PlanCorridor(req CorridorParams) (*CorridorPlan, error) {
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
	c.wix = geo.NewSegmentIndex(c.border)
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
			if trim := (req.StandoffM - req.FenceMarginM) * c.k; !req.SkipFences {
				pp := newPath(s)
				if pp.length() <= 3*trim {
					continue
				}
				s = pp.sub(trim, pp.length()-trim)
			}
			// Past the section's ends the border may turn back towards
			// the lane: cut the lane where it comes nearer the whole
			// border than the standoff.
			near, err := c.beyondTube(orb.LineString(s).Bound(), req.StandoffM*c.k)
			if err != nil {
				return nil, fmt.Errorf("lane %d: %w", li+1, err)
			}
			for _, piece := range geo.ClipOutside(s, append(near, c.zones...)) {
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
	if err := c.placeRally(); err != nil {
		return nil, err
	}
	for i, s := range c.sites {
		name := fmt.Sprintf("site %d", i+1)
		if i < len(req.Sites) && req.Sites[i].Name != "" {
			name = req.Sites[i].Name
		}
		site := LaunchSite{Name: name, Pos: c.proj.Inverse(s)}
		if i < len(req.Sites) {
			site.Pos, site.AltAMSLM = req.Sites[i].Pos, req.Sites[i].AltAMSLM
		}
		out.Sites = append(out.Sites, site)
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
	// What lies beyond the section's ends, and the other lines.
	for i, other := range c.border {
		if i != a.Line {
			c.beyond = append(c.beyond, other)
		}
	}
	if before := append(slices.Clone(l[:a.Seg+1]), a.Closest); len(before) >= 2 {
		c.beyond = append(c.beyond, before)
	}
	if after := append([]orb.Point{b.Closest}, l[b.Seg+1:]...); len(after) >= 2 {
		c.beyond = append(c.beyond, after)
	}
	c.border = [][]orb.Point{sec}
	return nil
}

// placeSites projects the given sites and checks them, or spreads one per
// drone along the first lane.
func (c *corridor) placeSites(req CorridorParams, lane []*path) error {
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
		loc, ok := c.wix.Locate(p, math.Inf(1))
		if !ok || loc.Side != req.Side {
			return fmt.Errorf("%w: launch site %d %q %v is on the other side of the border", ErrBadRequest, i+1, s.Name, s.Pos)
		}
		if loc.Dist < req.FenceMarginM*c.k {
			return fmt.Errorf("%w: launch site %d %q %v is %.0f m from the border, nearer than the fence margin %.0f m: its fence could not hold it",
				ErrBadRequest, i+1, s.Name, s.Pos, loc.Dist, req.FenceMarginM)
		}
		c.sites = append(c.sites, p)
	}
	return nil
}

// placeRally projects the operator's rally points and checks that each is
// on our side, at least the rally depth from the border.
func (c *corridor) placeRally() error {
	for i, r := range c.req.Rally {
		p := c.proj.Forward(r.Pos)
		loc, ok := c.wix.Locate(p, math.Inf(1))
		if !ok || loc.Side != c.req.Side {
			return fmt.Errorf("%w: rally point %d %q %v is on the other side of the border", ErrBadRequest, i+1, r.Name, r.Pos)
		}
		if d := loc.Dist / c.k; d < c.req.RallyDepthM {
			return fmt.Errorf("%w: rally point %d %q %v is %.0f m from the border, nearer than the rally depth %.0f m", ErrBadRequest, i+1, r.Name, r.Pos, d, c.req.RallyDepthM)
		}
		c.rally = append(c.rally, p)
	}
	return nil
}

// beyondTube is the band of radius d round the border outside the section
// near b (projected), or nothing when none is within reach: lanes are
// offset from the section, so only the rest can come too near them.
func (c *corridor) beyondTube(b orb.Bound, d float64) ([]orb.Polygon, error) {
	b = b.Pad(d + 2_000)
	var local [][]orb.Point
	for _, l := range c.beyond {
		for k := 1; k < len(l); k++ {
			if seg := (orb.LineString{l[k-1], l[k]}).Bound(); seg.Intersects(b) {
				local = append(local, []orb.Point{l[k-1], l[k]})
			}
		}
	}
	if len(local) == 0 {
		return nil, nil
	}
	return geo.Tube(geo.MergeLines(local), d)
}
