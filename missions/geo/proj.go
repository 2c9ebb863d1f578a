// Package geo does metric geometry on the Earth for Borderwatch: a local
// projection in metres, distances and side-of-line tests, one-sided offsets and
// buffers, conservative simplification of fences, and fast point-in-fence
// indexes. Geographic positions are orb.Points as [lon, lat] in degrees
// (WGS84); projected positions are orb.Points as [x east, y north] in metres.
package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/tidwall/geodesic"
)

// minRadiusM is a lower bound of the WGS84 radii of curvature (the meridional
// radius at the equator is 6 335 439 m), used to bound projection scale errors.
const minRadiusM = 6_335_000.0

// Proj is an azimuthal equidistant projection on the WGS84 ellipsoid centred
// on one point. Distances and azimuths from the centre are exact (they are
// solved as geodesics, Karney's method); elsewhere the scale is at least 1 and
// grows as ρ²/6R², about 1e-5 at 50 km and 3e-3 at 1 000 km. Because the scale
// never drops below 1, a projected distance is never shorter than the true
// one, and dividing it by ScaleBound gives a true lower bound: that is how the
// planners keep a standoff conservative over a 2 600 km border.
type Proj struct {
	center orb.Point
}

// NewProj returns the projection centred on c ([lon, lat]).
func NewProj(c orb.Point) *Proj { return &Proj{center: c} }

// Center is the projection's centre.
func (p *Proj) Center() orb.Point { return p.center }

// Forward projects a [lon, lat] point to [x, y] metres.
func (p *Proj) Forward(q orb.Point) orb.Point {
	var s, azi float64
	geodesic.WGS84.Inverse(p.center[1], p.center[0], q[1], q[0], &s, &azi, nil)
	sin, cos := math.Sincos(azi * math.Pi / 180)
	return orb.Point{s * sin, s * cos}
}

// Inverse maps [x, y] metres back to [lon, lat].
func (p *Proj) Inverse(xy orb.Point) orb.Point {
	s := math.Hypot(xy[0], xy[1])
	if s == 0 {
		return p.center
	}
	azi := math.Atan2(xy[0], xy[1]) * 180 / math.Pi
	var lat, lon float64
	geodesic.WGS84.Direct(p.center[1], p.center[0], azi, s, &lat, &lon, nil)
	return orb.Point{lon, lat}
}

// ForwardAll projects a slice of points into a new slice.
func (p *Proj) ForwardAll(pts []orb.Point) []orb.Point {
	out := make([]orb.Point, len(pts))
	for i, q := range pts {
		out[i] = p.Forward(q)
	}
	return out
}

// InverseAll maps a slice of projected points back into a new slice.
func (p *Proj) InverseAll(pts []orb.Point) []orb.Point {
	out := make([]orb.Point, len(pts))
	for i, q := range pts {
		out[i] = p.Inverse(q)
	}
	return out
}

// ScaleBound is an upper bound of the projection's scale within radius rhoM
// of the centre: for points in that disc, projected distance / true distance
// lies in [1, ScaleBound(rhoM)]. The 10 % margin over the spherical ρ²/6R²
// covers the ellipsoid (checked against geodesics in the tests).
func ScaleBound(rhoM float64) float64 {
	r := rhoM / minRadiusM
	return 1 + 1.1*r*r/6 + 1e-9
}

// Distance is the geodesic distance in metres between two [lon, lat] points.
func Distance(a, b orb.Point) float64 {
	var s float64
	geodesic.WGS84.Inverse(a[1], a[0], b[1], b[0], &s, nil, nil)
	return s
}

// Destination is the point reached from a going distM metres on azimuth azDeg.
func Destination(a orb.Point, azDeg, distM float64) orb.Point {
	var lat, lon float64
	geodesic.WGS84.Direct(a[1], a[0], azDeg, distM, &lat, &lon, nil)
	return orb.Point{lon, lat}
}

// CenterOf is a projection centre for a bound: its middle.
func CenterOf(b orb.Bound) orb.Point {
	return orb.Point{(b.Min[0] + b.Max[0]) / 2, (b.Min[1] + b.Max[1]) / 2}
}

// RadiusFrom is the largest geodesic distance from c to a corner or edge
// midpoint of b: a bound on how far the projection must reach.
func RadiusFrom(c orb.Point, b orb.Bound) float64 {
	pts := []orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]},
		{c[0], b.Min[1]}, {c[0], b.Max[1]}, {b.Min[0], c[1]}, {b.Max[0], c[1]}}
	var r float64
	for _, q := range pts {
		r = max(r, Distance(c, q))
	}
	return r
}

// DensifyLonLat drops repeated points and inserts points into a [lon, lat]
// polyline so that no segment is longer than maxM metres, interpolating linearly in lon/lat: GeoJSON
// (RFC 7946) and KML draw a segment straight in those coordinates, and a
// long one bows away from the straight line of any projection. After this,
// projecting the vertices keeps every segment where the file meant it.
func DensifyLonLat(line []orb.Point, maxM float64) []orb.Point {
	if len(line) < 2 {
		return line
	}
	out := make([]orb.Point, 0, len(line))
	out = append(out, line[0])
	for i := 1; i < len(line); i++ {
		a, b := line[i-1], line[i]
		if b == a {
			continue // a repeated point is no segment, and its direction is undefined
		}
		n := int(math.Ceil(Distance(a, b) / maxM))
		for k := 1; k < n; k++ {
			f := float64(k) / float64(n)
			out = append(out, orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])})
		}
		out = append(out, b)
	}
	return out
}
