package missions

import (
	"fmt"
	"math"
	"sort"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// BorderIndex is a spatial index over the lines of border layers, answering
// "which border segments are within this distance of here" in metres.
// It is read-only once built and safe for concurrent queries.
type BorderIndex struct {
	ix    *geo.SegmentIndex // in [lon, lat]
	owner []lineOwner       // per indexed line
}

type lineOwner struct {
	layer   string
	feature int
	left    string // Natural Earth's adm0_left / adm0_right, when present
	right   string
}

// BorderSegment is one border segment found near a point.
type BorderSegment struct {
	Layer   string    `json:"layer"`
	Feature int       `json:"feature"`
	Line    int       `json:"line"` // index among the index's lines
	Seg     int       `json:"seg"`
	A       orb.Point `json:"a"`
	B       orb.Point `json:"b"`
	Closest orb.Point `json:"closest"`
	DistM   float64   `json:"dist_m"`
	// Side is the point's side of the segment's line, with the country on that
	// side when the layer names them (Natural Earth's adm0_left/adm0_right).
	Side    geo.Side `json:"-"`
	Country string   `json:"country,omitempty"`
}

// NewBorderIndex indexes the line features of the given layers (any kind).
func NewBorderIndex(layers ...*Layer) (*BorderIndex, error) {
	b := &BorderIndex{}
	var lines [][]orb.Point
	for _, l := range layers {
		for fi, f := range l.Features.Features {
			own := lineOwner{layer: l.ID, feature: fi}
			own.left, _ = f.Properties["adm0_left"].(string)
			own.right, _ = f.Properties["adm0_right"].(string)
			var parts []orb.LineString
			switch g := f.Geometry.(type) {
			case orb.LineString:
				parts = []orb.LineString{g}
			case orb.MultiLineString:
				parts = g
			}
			for _, p := range parts {
				if len(p) >= 2 {
					// A segment is straight in lon/lat (GeoJSON's meaning);
					// split long ones so that, projected around a query,
					// each piece is still straight to the centimetre.
					lines = append(lines, geo.DensifyLonLat(p, 2_000))
					b.owner = append(b.owner, own)
				}
			}
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("border index: %w", ErrEmptyLayer)
	}
	b.ix = geo.NewSegmentIndex(lines)
	return b, nil
}

// Segments is the number of indexed segments.
func (b *BorderIndex) Segments() int { return b.ix.Len() }

// degreeBox is a [lon, lat] box that surely holds everything within r metres of p.
func degreeBox(p orb.Point, r float64) orb.Bound {
	dlat := r/110_574*1.01 + 1e-9
	coslat := math.Cos(min(math.Abs(p[1])+dlat, 89.9) * math.Pi / 180)
	dlon := min(r/(111_320*coslat)*1.01+1e-9, 360)
	return orb.Bound{Min: orb.Point{p[0] - dlon, p[1] - dlat}, Max: orb.Point{p[0] + dlon, p[1] + dlat}}
}

// Near returns the border segments within radiusM metres of p, nearest first.
func (b *BorderIndex) Near(p orb.Point, radiusM float64) []BorderSegment {
	proj := geo.NewProj(p)
	var out []BorderSegment
	b.ix.Search(degreeBox(p, radiusM), func(line, i int) bool {
		if s := b.measure(proj, line, i); s.DistM <= radiusM {
			out = append(out, s)
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].DistM < out[j].DistM })
	return out
}

// Nearest returns the border segment nearest to p within maxM metres.
func (b *BorderIndex) Nearest(p orb.Point, maxM float64) (BorderSegment, bool) {
	// Grow the radius: a nearby hit is cheap, and a far one needs a wide box.
	for r := min(2_000.0, maxM); ; r = min(r*4, maxM) {
		if near := b.Near(p, r); len(near) > 0 {
			return near[0], true
		}
		if r >= maxM {
			return BorderSegment{}, false
		}
	}
}

func (b *BorderIndex) measure(proj *geo.Proj, line, i int) BorderSegment {
	a, c := b.ix.Segment(line, i)
	// Distances in a projection centred on the query point: exact to the
	// segment's ends, and within centimetres along a Natural Earth segment.
	pa, pc := proj.Forward(a), proj.Forward(c)
	cl, t := geo.ClosestOnSegment(orb.Point{}, pa, pc)
	own := b.owner[line]
	s := BorderSegment{Layer: own.layer, Feature: own.feature, Line: line, Seg: i, A: a, B: c,
		Closest: proj.Inverse(cl), DistM: math.Hypot(cl[0], cl[1])}
	// Side from the whole line, so a point beyond a corner is judged by both
	// segments that meet there.
	l := b.ix.Lines()[line]
	lp := make([]orb.Point, 0, 3)
	switch {
	case t <= 0 && i > 0:
		lp = append(lp, proj.Forward(l[i-1]), pa, pc)
	case t >= 1 && i+2 < len(l):
		lp = append(lp, pa, pc, proj.Forward(l[i+2]))
	default:
		lp = append(lp, pa, pc)
	}
	s.Side = geo.LineSide([][]orb.Point{lp}, orb.Point{}).Side
	switch s.Side {
	case geo.Left:
		s.Country = own.left
	case geo.Right:
		s.Country = own.right
	}
	return s
}

// SegmentDistance is the distance in metres from the segment a-b ([lon, lat])
// to the nearest border segment, searching no further than maxM (it returns
// maxM when nothing is nearer). Distances are measured in a projection
// centred on the segment, within centimetres for legs up to ~100 km.
func (b *BorderIndex) SegmentDistance(a, c orb.Point, maxM float64) float64 {
	mid := orb.Point{(a[0] + c[0]) / 2, (a[1] + c[1]) / 2}
	proj := geo.NewProj(mid)
	pa, pc := proj.Forward(a), proj.Forward(c)
	half := geo.Distance(a, c) / 2
	box := degreeBox(mid, half+maxM)
	best := maxM
	b.ix.Search(box, func(line, i int) bool {
		p, q := b.ix.Segment(line, i)
		best = min(best, geo.SegmentSegmentDistance(pa, pc, proj.Forward(p), proj.Forward(q)))
		return best > 0
	})
	return best
}
