package planner

import (
	"math"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// path is a projected polyline with its cumulative lengths, for linear
// referencing (positions along it in metres).
type path struct {
	pts []orb.Point
	cum []float64
}

func newPath(pts []orb.Point) *path {
	p := &path{pts: pts, cum: make([]float64, len(pts))}
	for i := 1; i < len(pts); i++ {
		p.cum[i] = p.cum[i-1] + geo.Dist(pts[i-1], pts[i])
	}
	return p
}

func (p *path) length() float64 { return p.cum[len(p.cum)-1] }

// at is the point at position s.
func (p *path) at(s float64) orb.Point {
	s = min(max(s, 0), p.length())
	i := p.seg(s)
	l := p.cum[i+1] - p.cum[i]
	if l == 0 {
		return p.pts[i]
	}
	t := (s - p.cum[i]) / l
	a, b := p.pts[i], p.pts[i+1]
	return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
}

// seg is the index of the segment holding position s.
func (p *path) seg(s float64) int {
	lo, hi := 0, len(p.cum)-2
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if p.cum[mid] <= s {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// sub is the stretch from position s to e, walked backwards when e < s.
func (p *path) sub(s, e float64) []orb.Point {
	rev := e < s
	if rev {
		s, e = e, s
	}
	s, e = max(s, 0), min(e, p.length())
	out := []orb.Point{p.at(s)}
	for i := p.seg(s) + 1; i < len(p.pts) && p.cum[i] < e; i++ {
		if p.cum[i] > s {
			out = append(out, p.pts[i])
		}
	}
	if end := p.at(e); end != out[len(out)-1] || len(out) == 1 {
		out = append(out, end)
	}
	if rev {
		for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
			out[a], out[b] = out[b], out[a]
		}
	}
	return out
}

// closest is the position along the path nearest to q and the distance to it.
func (p *path) closest(q orb.Point) (pos, dist float64) {
	dist = math.Inf(1)
	for i := 0; i+1 < len(p.pts); i++ {
		c, t := geo.ClosestOnSegment(q, p.pts[i], p.pts[i+1])
		if d := geo.Dist(q, c); d < dist {
			dist = d
			pos = p.cum[i] + t*(p.cum[i+1]-p.cum[i])
		}
	}
	return pos, dist
}
