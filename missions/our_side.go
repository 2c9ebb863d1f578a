package missions

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// borderSearchM is how far from a point the border is looked for when
// judging which side of it the point is on.
const borderSearchM = 500_000.0

// SideOf names the side of the border q is on: the country when the layer
// names it (adm0_left/adm0_right), else "left of the line" or "right of the
// line" of the nearest segment. ok is false when no border is within reach.
func (b *BorderIndex) SideOf(q orb.Point) (side string, ok bool) {
	seg, ok := b.Nearest(q, borderSearchM)
	if !ok {
		return "", false
	}
	if seg.Country != "" {
		return seg.Country, true
	}
	return seg.Side.String() + " of the line", true
}

// OurSide is the side of the border the own-territory layers lie on, named
// as SideOf names it, or "" when they do not say (no such layer, or none of
// its polygons within reach of the border). A server that holds both layers
// then judges every plan by the territory, never by where the plan's own
// home happens to be: a home placed across the line must be flagged as
// across, not make the rest of the plan look across.
func (b *BorderIndex) OurSide(territory []*Layer) string {
	for _, l := range territory {
		if l == nil || l.Features == nil {
			continue
		}
		for _, f := range l.Features.Features {
			var polys []orb.Polygon
			switch g := f.Geometry.(type) {
			case orb.Polygon:
				polys = append(polys, g)
			case orb.MultiPolygon:
				polys = append(polys, g...)
			}
			for _, p := range polys {
				if q, ok := interiorPoint(p); ok {
					if side, ok := b.SideOf(q); ok {
						return side
					}
				}
			}
		}
	}
	return ""
}

// interiorPoint finds a point inside polygon p (outside its holes): the
// centroid when it is inside, else the centroid of one of the triangles of
// the outer ring's fan, which for any simple ring includes one inside.
func interiorPoint(p orb.Polygon) (orb.Point, bool) {
	if len(p) == 0 || len(p[0]) < 3 {
		return orb.Point{}, false
	}
	if c, area := planar.CentroidArea(p); area != 0 && planar.PolygonContains(p, c) {
		return c, true
	}
	ring := p[0]
	for i := 1; i+1 < len(ring); i++ {
		a, b, c := ring[0], ring[i], ring[i+1]
		q := orb.Point{(a[0] + b[0] + c[0]) / 3, (a[1] + b[1] + c[1]) / 3}
		if planar.PolygonContains(p, q) {
			return q, true
		}
	}
	return orb.Point{}, false
}
