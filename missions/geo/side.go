package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Side says on which side of a directed line a point is.
type Side int8

// Sides, relative to the direction the line is drawn in.
const (
	OnLine Side = 0
	Left   Side = 1
	Right  Side = -1
)

func (s Side) String() string {
	switch s {
	case Left:
		return "left"
	case Right:
		return "right"
	}
	return "on the line"
}

// Opposite is the other side.
func (s Side) Opposite() Side { return -s }

// Location is where a point is relative to a set of polylines.
type Location struct {
	Line, Seg int       // nearest segment: Lines()[Line][Seg] → [Seg+1]
	T         float64   // position along that segment, 0..1
	Closest   orb.Point // nearest point on the line
	Dist      float64   // planar distance to it
	Side      Side
}

// Locate finds the nearest point of the indexed polylines to p (within
// maxDist) and the side of the line p is on. Near a vertex the side comes
// from both segments that meet there, so a point beyond a sharp corner is
// not misjudged by the one segment whose extension it happens to be nearest.
func (ix *SegmentIndex) Locate(p orb.Point, maxDist float64) (Location, bool) {
	line, seg, d, ok := ix.Nearest(p, maxDist)
	if !ok {
		return Location{}, false
	}
	l := ix.lines[line]
	a, b := l[seg], l[seg+1]
	c, t := ClosestOnSegment(p, a, b)
	loc := Location{Line: line, Seg: seg, T: t, Closest: c, Dist: d}
	loc.Side = sideAt(l, seg, t, p)
	return loc, true
}

func sign(x float64) Side {
	switch {
	case x > 0:
		return Left
	case x < 0:
		return Right
	}
	return OnLine
}

// sideAt is the side of p for the nearest point at parameter t of segment seg
// of polyline l.
func sideAt(l []orb.Point, seg int, t float64, p orb.Point) Side {
	s := sign(Orient(l[seg], l[seg+1], p))
	var other int
	switch {
	case t <= 0 && seg > 0:
		other = seg - 1
	case t >= 1 && seg+2 < len(l):
		other = seg + 1
	default:
		return s
	}
	s2 := sign(Orient(l[other], l[other+1], p))
	if s == s2 {
		return s
	}
	// The point is in the wedge beyond a corner: it is on the outer side of
	// the turn, the side opposite the turn's direction.
	var turn float64
	if other < seg {
		turn = Orient(l[other], l[seg], l[seg+1])
	} else {
		turn = Orient(l[seg], l[other], l[other+1])
	}
	if turn == 0 {
		return s
	}
	return -sign(turn)
}

// LineSide locates p against polylines given directly (no index); for one-off
// questions on short lines.
func LineSide(lines [][]orb.Point, p orb.Point) Location {
	best := Location{Dist: math.Inf(1)}
	for li, l := range lines {
		for i := 0; i+1 < len(l); i++ {
			c, t := ClosestOnSegment(p, l[i], l[i+1])
			if d := Dist(p, c); d < best.Dist {
				best = Location{Line: li, Seg: i, T: t, Closest: c, Dist: d}
			}
		}
	}
	if !math.IsInf(best.Dist, 1) {
		best.Side = sideAt(lines[best.Line], best.Seg, best.T, p)
	}
	return best
}
