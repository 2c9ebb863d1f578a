package planner

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

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
		minD = min(minD, c.wix.SegmentDistance(projRoute[k-1], projRoute[k], math.Inf(1)))
	}
	l.MinBorderDistM = minD / c.k
	if l.fence != nil {
		minF := math.Inf(1)
		for k := 1; k < len(l.fence); k++ {
			minF = min(minF, c.wix.SegmentDistance(l.fence[k-1], l.fence[k], math.Inf(1)))
		}
		l.FenceMinBorderDistM = minF / c.k
	}

	site := out.Sites[l.Site].Pos
	// Home altitude AMSL: the site's when known; NaN (null in a .plan)
	// otherwise, never a made-up 0 m.
	homeAlt := math.NaN()
	if a := out.Sites[l.Site].AltAMSLM; a != nil {
		homeAlt = *a
	}
	plan := &missions.Plan{
		Home:    &missions.Position{Lat: site[1], Lon: site[0], AltM: homeAlt},
		Vehicle: missions.Vehicle{CruiseSpeedMS: c.req.Vehicle.CruiseMS},
		Meta: missions.Meta{Name: fmt.Sprintf("corridor patrol, drone %d, leg %d", l.Drone, i+1),
			Comment: fmt.Sprintf("lane %d, %.1f km patrolled, %.1f km flown, %.0f min", l.Lane+1, l.PatrolM/1000, l.FlightM/1000, l.FlightS/60)},
	}
	plan.Mission = append(plan.Mission, missions.Takeoff(site[1], site[0], c.req.AltM))
	for _, q := range l.Route[1 : len(l.Route)-1] {
		plan.Mission = append(plan.Mission, missions.Waypoint(q[1], q[0], c.req.AltM, 0))
	}
	plan.Mission = append(plan.Mission, missions.Land(site[1], site[0]))
	// Rally points are where an RTL lands: the launch site, and the
	// operator's rally points (all at least the rally depth from the
	// border) inside this leg's fence; never the lane ends by the border.
	plan.Rally = append(plan.Rally, missions.Position{Lat: site[1], Lon: site[0], AltM: c.req.AltM})
	var fx *geo.PolygonIndex
	if l.fence != nil {
		fx = geo.NewPolygonIndex(orb.Polygon{l.fence})
	}
	for k, q := range c.rally {
		if fx == nil || fx.Contains(q) {
			r := c.req.Rally[k].Pos
			plan.Rally = append(plan.Rally, missions.Position{Lat: r[1], Lon: r[0], AltM: c.req.AltM})
		}
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
			bin := CoverageBin{Line: li, FromM: from / c.k, ToM: to / c.k, RevisitS: math.Inf(1)} // true metres, as SectionM
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
