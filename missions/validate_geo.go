package missions

import (
	"fmt"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// GeoRules are the spatial rules ValidateGeo checks beyond the plan's own
// fence.
type GeoRules struct {
	// Border is the border to keep away from (optional). With it, every
	// position the plan holds (mission items, home, rally points, the fence
	// return point, every inclusion fence vertex) must be on our side, and
	// no mission leg nor inclusion fence edge may cross it.
	Border *BorderIndex
	// MinBorderDistM is the nearest a mission leg, a rally point or the
	// fence return point may come to the border (optional).
	MinBorderDistM float64
	// MinFenceBorderDistM is the nearest an inclusion fence (polygon edge
	// or circle) may come to the border (optional). Defaults to half
	// MinBorderDistM, at least 50 m, as the corridor planner's fence margin
	// (never more than MinBorderDistM).
	MinFenceBorderDistM float64
	// OurSide is the country (as the layer names it in adm0_left/
	// adm0_right) whose side the plan must stay on (optional). Defaults to
	// the side home is on, or else the first rally point or positional
	// mission item.
	OurSide string
}

// minFenceDist is the fence's border distance rule with its default.
func (r GeoRules) minFenceDist() float64 {
	if r.MinFenceBorderDistM > 0 || r.MinBorderDistM <= 0 {
		return r.MinFenceBorderDistM
	}
	return min(max(r.MinBorderDistM/2, 50), r.MinBorderDistM)
}

// ValidateGeo checks where a plan flies: every mission leg (the straight
// line between consecutive positional items, home first when known) inside
// the plan's inclusion fence (inside at least one inclusion polygon or
// circle, as PX4 reads several) and clear of every exclusion polygon and
// circle, home inside the inclusion fence, and every leg at least
// MinBorderDistM from the border. Problems name the mission item the way
// Validate does.
func ValidateGeo(p *Plan, r GeoRules) Problems {
	var ps Problems
	add := func(list MissionType, idx int, format string, args ...any) {
		ps = append(ps, Problem{Severity: SeverityError, List: list, Index: idx, Message: fmt.Sprintf(format, args...)})
	}
	var incl, excl []orb.Polygon
	for _, fp := range p.Fence.Polygons {
		if len(fp.Vertices) < 3 {
			continue // Validate reports it
		}
		ring := append(orb.Ring(fp.Vertices[:len(fp.Vertices):len(fp.Vertices)]), fp.Vertices[0])
		if fp.Inclusion {
			incl = append(incl, orb.Polygon{ring})
		} else {
			excl = append(excl, orb.Polygon{ring})
		}
	}
	var inclC, exclC []geo.Circle
	for _, c := range p.Fence.Circles {
		if c.Inclusion {
			inclC = append(inclC, geo.Circle{Center: c.Center, RadiusM: c.RadiusM})
		} else {
			exclC = append(exclC, geo.Circle{Center: c.Center, RadiusM: c.RadiusM})
		}
	}
	fx := geo.NewFenceIndex(incl, excl, inclC, exclC)
	hasIncl := len(incl)+len(inclC) > 0
	if p.Home != nil && hasIncl && !fx.Included(orb.Point{p.Home.Lon, p.Home.Lat}) {
		add(TypeMission, 0, "home (%.6f, %.6f) is outside the inclusion fence", p.Home.Lat, p.Home.Lon)
	}
	type stop struct {
		idx int // 1-based mission item, 0 for home
		pt  orb.Point
	}
	var stops []stop
	if p.Home != nil {
		stops = append(stops, stop{0, orb.Point{p.Home.Lon, p.Home.Lat}})
	}
	for i, it := range p.Mission {
		if it.HasPosition() {
			stops = append(stops, stop{i + 1, orb.Point{it.Params[5], it.Params[4]}})
		}
	}
	name := func(s stop) string {
		if s.idx == 0 {
			return "home"
		}
		return fmt.Sprintf("mission item %d (%s)", s.idx, CommandName(p.Mission[s.idx-1].Command))
	}
	for k, s := range stops {
		if s.idx > 0 {
			if hasIncl && !fx.Included(s.pt) {
				add(TypeMission, s.idx, "%s is outside the inclusion fence", name(s))
			}
			if z := fx.ExcludedBy(s.pt); z >= 0 {
				add(TypeMission, s.idx, "%s is inside %s", name(s), zoneName(z, len(excl)))
			}
		}
		if k == 0 {
			continue
		}
		a, b := stops[k-1].pt, s.pt
		leg := fmt.Sprintf("the leg from %s to %s", name(stops[k-1]), name(s))
		if hasIncl && !legInside(a, b, incl, inclC) {
			add(TypeMission, s.idx, "%s leaves the inclusion fence", leg)
		}
		for zi, z := range excl {
			if segmentMeetsRing(a, b, z[0]) {
				add(TypeMission, s.idx, "%s crosses %s", leg, zoneName(zi, len(excl)))
			}
		}
		for ci, c := range exclC {
			if segmentCircleDistance(a, b, c) < c.RadiusM {
				add(TypeMission, s.idx, "%s passes through %s", leg, zoneName(len(excl)+ci, len(excl)))
			}
		}
		if r.Border != nil {
			if d := r.Border.SegmentDistance(a, b, max(r.MinBorderDistM, 1)); d == 0 {
				add(TypeMission, s.idx, "%s crosses the border", leg)
			} else if d < r.MinBorderDistM {
				add(TypeMission, s.idx, "%s comes within %.0f m of the border (minimum %.0f m)", leg, d, r.MinBorderDistM)
			}
		}
	}
	if r.Border != nil {
		// Our side by default: home's, else the first rally point's, else
		// the first positional mission item's.
		var first []orb.Point
		if p.Home != nil {
			first = append(first, orb.Point{p.Home.Lon, p.Home.Lat})
		}
		for _, rp := range p.Rally {
			first = append(first, orb.Point{rp.Lon, rp.Lat})
		}
		for _, st := range stops {
			first = append(first, st.pt)
		}
		ps = append(ps, borderSides(p, r, first)...)
	}
	return ps
}

// borderSides checks every position and every inclusion fence edge against
// the border: on our side, and as far from it as the rules say. A fence
// that crosses the border is an error like a mission that does: an enabled
// fence across the line lets the autopilot fly there without a breach.
// Our side is r.OurSide or else the side of the first of candidates.
func borderSides(p *Plan, r GeoRules, candidates []orb.Point) Problems {
	var ps Problems
	add := func(list MissionType, idx int, format string, args ...any) {
		ps = append(ps, Problem{Severity: SeverityError, List: list, Index: idx, Message: fmt.Sprintf(format, args...)})
	}
	sideOf := r.Border.SideOf
	ours := r.OurSide
	if ours == "" {
		for _, q := range candidates {
			if s, ok := sideOf(q); ok {
				ours = s
				break
			}
		}
	}
	if ours == "" {
		return nil // nothing to judge sides by, or no border within reach
	}
	across := func(q orb.Point) (string, bool) {
		s, ok := sideOf(q)
		return s, ok && s != ours
	}
	if h := p.Home; h != nil {
		if s, bad := across(orb.Point{h.Lon, h.Lat}); bad {
			add(TypeMission, 0, "home (%.6f, %.6f) is across the border (%s, not %s)", h.Lat, h.Lon, s, ours)
		}
	}
	for i, it := range p.Mission {
		if !it.HasPosition() {
			continue
		}
		if s, bad := across(orb.Point{it.Params[5], it.Params[4]}); bad {
			add(TypeMission, i+1, "mission item %d (%s) is across the border (%s, not %s)", i+1, CommandName(it.Command), s, ours)
		}
	}
	point := func(list MissionType, idx int, what string, q orb.Point, minM float64) {
		if s, bad := across(q); bad {
			add(list, idx, "%s (%.6f, %.6f) is across the border (%s, not %s)", what, q[1], q[0], s, ours)
			return
		}
		if minM > 0 {
			if seg, ok := r.Border.Nearest(q, minM); ok && seg.DistM < minM {
				add(list, idx, "%s (%.6f, %.6f) is %.0f m from the border (minimum %.0f m)", what, q[1], q[0], seg.DistM, minM)
			}
		}
	}
	for i, rp := range p.Rally {
		point(TypeRally, i+1, fmt.Sprintf("rally point %d", i+1), orb.Point{rp.Lon, rp.Lat}, r.MinBorderDistM)
	}
	if rp := p.Fence.Return; rp != nil {
		point(TypeFence, 0, "the fence return point", orb.Point{rp.Lon, rp.Lat}, r.MinBorderDistM)
	}
	minF := r.minFenceDist()
	for pi, fp := range p.Fence.Polygons {
		if !fp.Inclusion || len(fp.Vertices) < 3 {
			continue // exclusions may lie anywhere: keeping out is always safe
		}
		what := fmt.Sprintf("inclusion polygon %d", pi+1)
		n := len(fp.Vertices)
		for k, q := range fp.Vertices {
			if s, bad := across(q); bad {
				add(TypeFence, pi+1, "%s: vertex %d (%.6f, %.6f) is across the border (%s, not %s)", what, k+1, q[1], q[0], s, ours)
			}
			a, b := q, fp.Vertices[(k+1)%n]
			if d := r.Border.SegmentDistance(a, b, max(minF, 1)); d == 0 {
				add(TypeFence, pi+1, "%s: edge %d-%d crosses the border", what, k+1, (k+1)%n+1)
			} else if d < minF {
				add(TypeFence, pi+1, "%s: edge %d-%d comes within %.0f m of the border (minimum %.0f m)", what, k+1, (k+1)%n+1, d, minF)
			}
		}
	}
	for ci, c := range p.Fence.Circles {
		if !c.Inclusion {
			continue
		}
		what := fmt.Sprintf("inclusion circle %d", ci+1)
		if s, bad := across(c.Center); bad {
			add(TypeFence, ci+1, "%s: its centre is across the border (%s, not %s)", what, s, ours)
			continue
		}
		seg, ok := r.Border.Nearest(c.Center, c.RadiusM+max(minF, 1))
		if ok && seg.DistM-c.RadiusM < max(minF, 1e-9) {
			if seg.DistM <= c.RadiusM {
				add(TypeFence, ci+1, "%s reaches across the border", what)
			} else {
				add(TypeFence, ci+1, "%s comes within %.0f m of the border (minimum %.0f m)", what, seg.DistM-c.RadiusM, minF)
			}
		}
	}
	return ps
}

func zoneName(i, polygons int) string {
	if i < polygons {
		return fmt.Sprintf("exclusion polygon %d", i+1)
	}
	return fmt.Sprintf("exclusion circle %d", i-polygons+1)
}

// legInside reports whether the segment a-b lies inside one inclusion
// polygon (both ends inside and no edge crossed) or one inclusion circle.
func legInside(a, b orb.Point, polys []orb.Polygon, circles []geo.Circle) bool {
	for _, p := range polys {
		ix := geo.NewPolygonIndex(p)
		if ix.Contains(a) && ix.Contains(b) && !segmentCrossesRing(a, b, p[0]) {
			return true
		}
	}
	for _, c := range circles {
		// A disc is convex: both ends inside means the leg is.
		if geo.Distance(c.Center, a) <= c.RadiusM && geo.Distance(c.Center, b) <= c.RadiusM {
			return true
		}
	}
	return false
}

// segmentCrossesRing reports whether segment a-b touches the ring's boundary.
func segmentCrossesRing(a, b orb.Point, ring orb.Ring) bool {
	for k := 1; k < len(ring); k++ {
		if geo.SegmentsIntersect(a, b, ring[k-1], ring[k]) {
			return true
		}
	}
	return false
}

// segmentMeetsRing reports whether segment a-b touches the ring's boundary
// or has an end inside it.
func segmentMeetsRing(a, b orb.Point, ring orb.Ring) bool {
	if segmentCrossesRing(a, b, ring) {
		return true
	}
	ix := geo.NewPolygonIndex(orb.Polygon{ring})
	return ix.Contains(a) || ix.Contains(b)
}

// segmentCircleDistance is the distance in metres from a circle's centre to
// the segment a-b, in a projection centred on the circle.
func segmentCircleDistance(a, b orb.Point, c geo.Circle) float64 {
	proj := geo.NewProj(c.Center)
	return geo.PointSegmentDistance(orb.Point{}, proj.Forward(a), proj.Forward(b))
}
