package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Planar helpers on [x, y] points. They are exact enough for metres in a
// local projection and for degrees in fence tests (autopilots treat fence
// polygons as planar in lat/lon too).

func sub(a, b orb.Point) orb.Point { return orb.Point{a[0] - b[0], a[1] - b[1]} }

func cross(a, b orb.Point) float64 { return a[0]*b[1] - a[1]*b[0] }

func dot(a, b orb.Point) float64 { return a[0]*b[0] + a[1]*b[1] }

// Orient is the sign of the turn a→b→c: > 0 left (counter-clockwise), < 0 right.
func Orient(a, b, c orb.Point) float64 { return cross(sub(b, a), sub(c, a)) }

// Dist is the planar distance between two points.
func Dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

// ClosestOnSegment returns the point of segment a-b closest to p and its
// parameter t in [0, 1] (0 at a, 1 at b).
func ClosestOnSegment(p, a, b orb.Point) (orb.Point, float64) {
	d := sub(b, a)
	l2 := dot(d, d)
	if l2 == 0 {
		return a, 0
	}
	t := dot(sub(p, a), d) / l2
	t = min(max(t, 0), 1)
	return orb.Point{a[0] + t*d[0], a[1] + t*d[1]}, t
}

// PointSegmentDistance is the planar distance from p to segment a-b.
func PointSegmentDistance(p, a, b orb.Point) float64 {
	c, _ := ClosestOnSegment(p, a, b)
	return Dist(p, c)
}

// SegmentsIntersect reports whether segments a-b and c-d share a point.
func SegmentsIntersect(a, b, c, d orb.Point) bool {
	o1, o2 := Orient(a, b, c), Orient(a, b, d)
	o3, o4 := Orient(c, d, a), Orient(c, d, b)
	if ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0)) {
		return true
	}
	return (o1 == 0 && onSegment(c, a, b)) || (o2 == 0 && onSegment(d, a, b)) ||
		(o3 == 0 && onSegment(a, c, d)) || (o4 == 0 && onSegment(b, c, d))
}

// SegmentsCrossProperly reports whether a-b and c-d cross at one point inside
// both (touching at an end or overlapping along a line does not count).
func SegmentsCrossProperly(a, b, c, d orb.Point) bool {
	o1, o2 := Orient(a, b, c), Orient(a, b, d)
	o3, o4 := Orient(c, d, a), Orient(c, d, b)
	return ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))
}

// onSegment reports whether p, known collinear with a-b, lies within it.
func onSegment(p, a, b orb.Point) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// SegmentSegmentDistance is the planar distance between segments a-b and c-d.
func SegmentSegmentDistance(a, b, c, d orb.Point) float64 {
	if SegmentsIntersect(a, b, c, d) {
		return 0
	}
	return min(PointSegmentDistance(a, c, d), PointSegmentDistance(b, c, d),
		PointSegmentDistance(c, a, b), PointSegmentDistance(d, a, b))
}

// PolylineLength is the planar length of a polyline.
func PolylineLength(pts []orb.Point) float64 {
	var l float64
	for i := 1; i < len(pts); i++ {
		l += Dist(pts[i-1], pts[i])
	}
	return l
}

// RingArea is the signed planar area of a ring (positive counter-clockwise);
// the closing point may be repeated or not.
func RingArea(r []orb.Point) float64 {
	var a float64
	n := len(r)
	for i := range n {
		j := (i + 1) % n
		a += r[i][0]*r[j][1] - r[j][0]*r[i][1]
	}
	return a / 2
}

// DensifyPlanar adds points along segments longer than maxLen (projected
// metres) so no piece is longer: a spatial index then returns short pieces
// near a query rather than one long segment.
func DensifyPlanar(line []orb.Point, maxLen float64) []orb.Point {
	if len(line) == 0 || !(maxLen > 0) {
		return line
	}
	out := []orb.Point{line[0]}
	for i := 1; i < len(line); i++ {
		a, b := line[i-1], line[i]
		n := int(math.Ceil(Dist(a, b) / maxLen))
		for k := 1; k < n; k++ {
			t := float64(k) / float64(n)
			out = append(out, orb.Point{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t})
		}
		out = append(out, b)
	}
	return out
}
