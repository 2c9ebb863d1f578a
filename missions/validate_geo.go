package missions

import (
	"fmt"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// GeoRules are the spatial rules ValidateGeo checks beyond the plan's own
// fence.
type GeoRules struct {
	// Border is the border to keep away from (optional): with it, every leg
	// must stay MinBorderDistM from it.
	Border         *BorderIndex
	MinBorderDistM float64
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
		if r.Border != nil && r.MinBorderDistM > 0 {
			if d := r.Border.SegmentDistance(a, b, r.MinBorderDistM); d < r.MinBorderDistM {
				add(TypeMission, s.idx, "%s comes within %.0f m of the border (minimum %.0f m)", leg, d, r.MinBorderDistM)
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
