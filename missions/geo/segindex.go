package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// SegmentIndex is a uniform grid over the segments of a set of polylines, in
// whatever planar coordinates they come in (degrees or metres). It answers
// "which segments are in this box", "which is nearest" and "does this segment
// cross any of them". It is read-only after construction, so any number of
// goroutines may query it.
type SegmentIndex struct {
	lines  [][]orb.Point
	segs   []segRef
	bound  orb.Bound
	cell   float64
	nx, ny int
	cells  [][]int32
}

type segRef struct{ line, i int32 }

// NewSegmentIndex indexes every segment of lines (a line of fewer than two
// points adds none). The slices are kept, not copied: do not change them.
func NewSegmentIndex(lines [][]orb.Point) *SegmentIndex {
	ix := &SegmentIndex{lines: lines}
	first := true
	for li, l := range lines {
		for i := 0; i+1 < len(l); i++ {
			ix.segs = append(ix.segs, segRef{int32(li), int32(i)})
			for _, p := range l[i : i+2] {
				if first {
					ix.bound = orb.Bound{Min: p, Max: p}
					first = false
				} else {
					ix.bound = ix.bound.Extend(p)
				}
			}
		}
	}
	n := len(ix.segs)
	if n == 0 {
		return ix
	}
	w := ix.bound.Max[0] - ix.bound.Min[0]
	h := ix.bound.Max[1] - ix.bound.Min[1]
	// Cells about twice the mean segment length keep each query to a few
	// segments; the cap keeps a long diagonal line's mostly empty box from
	// costing more memory than the segments themselves many times over.
	var total float64
	for _, s := range ix.segs {
		a, b := ix.seg(s)
		total += Dist(a, b)
	}
	ix.cell = 2 * total / float64(n)
	maxCells := float64(max(64*n, 4096))
	if cells := (w/ix.cell + 1) * (h/ix.cell + 1); cells > maxCells || ix.cell == 0 {
		ix.cell = math.Sqrt(max(w*h, 1e-18) / maxCells)
	}
	ix.cell = max(ix.cell, max(w, h)/4096, 1e-12)
	ix.nx = max(1, int(w/ix.cell)+1)
	ix.ny = max(1, int(h/ix.cell)+1)
	ix.cells = make([][]int32, ix.nx*ix.ny)
	for id, s := range ix.segs {
		a, b := ix.seg(s)
		x0, y0 := ix.cellOf(orb.Point{min(a[0], b[0]), min(a[1], b[1])})
		x1, y1 := ix.cellOf(orb.Point{max(a[0], b[0]), max(a[1], b[1])})
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				c := &ix.cells[y*ix.nx+x]
				*c = append(*c, int32(id))
			}
		}
	}
	return ix
}

func (ix *SegmentIndex) seg(s segRef) (orb.Point, orb.Point) {
	l := ix.lines[s.line]
	return l[s.i], l[s.i+1]
}

func (ix *SegmentIndex) cellOf(p orb.Point) (int, int) {
	x := int((p[0] - ix.bound.Min[0]) / ix.cell)
	y := int((p[1] - ix.bound.Min[1]) / ix.cell)
	return min(max(x, 0), ix.nx-1), min(max(y, 0), ix.ny-1)
}

// Len is the number of indexed segments.
func (ix *SegmentIndex) Len() int { return len(ix.segs) }

// Lines are the indexed polylines.
func (ix *SegmentIndex) Lines() [][]orb.Point { return ix.lines }

// Bound is the box around every segment.
func (ix *SegmentIndex) Bound() orb.Bound { return ix.bound }

// Segment returns segment i of line.
func (ix *SegmentIndex) Segment(line, i int) (orb.Point, orb.Point) {
	return ix.lines[line][i], ix.lines[line][i+1]
}

// Search calls fn once for every segment whose grid cells meet b, until fn
// returns false. Callers test the exact geometry themselves.
func (ix *SegmentIndex) Search(b orb.Bound, fn func(line, i int) bool) {
	if len(ix.segs) == 0 || !b.Intersects(ix.bound) {
		return
	}
	x0, y0 := ix.cellOf(b.Min)
	x1, y1 := ix.cellOf(b.Max)
	if (x1-x0+1)*(y1-y0+1) > len(ix.segs) {
		// The box covers more cells than there are segments: a linear walk is cheaper.
		for _, s := range ix.segs {
			a, c := ix.seg(s)
			if segBound(a, c).Intersects(b) && !fn(int(s.line), int(s.i)) {
				return
			}
		}
		return
	}
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			for _, id := range ix.cells[y*ix.nx+x] {
				s := ix.segs[id]
				a, c := ix.seg(s)
				// Report each segment once: at the first cell of the query
				// range that it occupies.
				sx, sy := ix.cellOf(orb.Point{min(a[0], c[0]), min(a[1], c[1])})
				if max(sx, x0) != x || max(sy, y0) != y {
					continue
				}
				if !fn(int(s.line), int(s.i)) {
					return
				}
			}
		}
	}
}

// Nearest finds the segment nearest to p within maxDist (planar distance in
// the index's units). ok is false when none is that close.
func (ix *SegmentIndex) Nearest(p orb.Point, maxDist float64) (line, i int, dist float64, ok bool) {
	if len(ix.segs) == 0 {
		return 0, 0, 0, false
	}
	// Grow the search box until it holds a segment, then search once more
	// with the found distance, which bounds the true nearest.
	r := ix.cell
	best := math.Inf(1)
	for {
		r = min(r, maxDist)
		box := orb.Bound{Min: orb.Point{p[0] - r, p[1] - r}, Max: orb.Point{p[0] + r, p[1] + r}}
		ix.Search(box, func(l, k int) bool {
			a, b := ix.Segment(l, k)
			if d := PointSegmentDistance(p, a, b); d < best {
				best, line, i = d, l, k
			}
			return true
		})
		if best <= r || r >= maxDist {
			break
		}
		r *= 4
	}
	if best > maxDist {
		return 0, 0, 0, false
	}
	return line, i, best, true
}

// Crosses reports whether segment a-b meets any indexed segment, touching
// included.
func (ix *SegmentIndex) Crosses(a, b orb.Point) bool {
	hit := false
	ix.Search(segBound(a, b), func(l, k int) bool {
		p, q := ix.Segment(l, k)
		if SegmentsIntersect(a, b, p, q) {
			hit = true
			return false
		}
		return true
	})
	return hit
}

// SegmentDistance is the smallest planar distance between segment a-b and
// the indexed segments, searching no further than maxDist; it returns maxDist
// when nothing is nearer.
func (ix *SegmentIndex) SegmentDistance(a, b orb.Point, maxDist float64) float64 {
	if len(ix.segs) == 0 {
		return maxDist
	}
	// Grow the search margin until it holds the nearest segment (a margin
	// as large as the found distance bounds the true nearest), never past
	// maxDist: an unbounded box would overflow the grid arithmetic.
	reach := max(ix.bound.Max[0]-ix.bound.Min[0], ix.bound.Max[1]-ix.bound.Min[1]) +
		Dist(a, ix.bound.Min) + Dist(a, ix.bound.Max)
	best := maxDist
	for r := ix.cell; ; r *= 4 {
		r = min(r, maxDist, reach)
		box := segBound(a, b).Pad(r)
		ix.Search(box, func(l, k int) bool {
			p, q := ix.Segment(l, k)
			best = min(best, SegmentSegmentDistance(a, b, p, q))
			return best > 0
		})
		if best <= r || r >= maxDist || r >= reach {
			return best
		}
	}
}

// Clear reports whether segment a-b stays at least d from every indexed
// segment. It walks the grid along the segment in cell-sized steps, so a
// long diagonal segment looks only at the cells near it (not its whole
// box), and stops at the first segment nearer than d.
func (ix *SegmentIndex) Clear(a, b orb.Point, d float64) bool {
	if len(ix.segs) == 0 {
		return true
	}
	l := Dist(a, b)
	step := max(ix.cell, d)
	n := max(1, int(math.Ceil(l/step)))
	clear := true
	for k := 0; k < n && clear; k++ {
		f0, f1 := float64(k)/float64(n), float64(k+1)/float64(n)
		p := orb.Point{a[0] + f0*(b[0]-a[0]), a[1] + f0*(b[1]-a[1])}
		q := orb.Point{a[0] + f1*(b[0]-a[0]), a[1] + f1*(b[1]-a[1])}
		box := segBound(p, q).Pad(d)
		ix.Search(box, func(line, i int) bool {
			s, t := ix.Segment(line, i)
			if segmentsWithin(p, q, s, t, d) {
				clear = false
			}
			return clear
		})
	}
	return clear
}

// segmentsWithin reports whether segments p-q and s-t come nearer than d:
// a box test first, then squared distances (no square roots).
func segmentsWithin(p, q, s, t orb.Point, d float64) bool {
	if min(s[0], t[0]) > max(p[0], q[0])+d || max(s[0], t[0]) < min(p[0], q[0])-d ||
		min(s[1], t[1]) > max(p[1], q[1])+d || max(s[1], t[1]) < min(p[1], q[1])-d {
		return false
	}
	if SegmentsIntersect(p, q, s, t) {
		return true
	}
	d2 := d * d
	return pointSegDist2(p, s, t) < d2 || pointSegDist2(q, s, t) < d2 ||
		pointSegDist2(s, p, q) < d2 || pointSegDist2(t, p, q) < d2
}

func pointSegDist2(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = min(max(((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2, 0), 1)
	}
	ex, ey := a[0]+t*dx-p[0], a[1]+t*dy-p[1]
	return ex*ex + ey*ey
}

func segBound(a, b orb.Point) orb.Bound {
	return orb.Bound{Min: orb.Point{min(a[0], b[0]), min(a[1], b[1])}, Max: orb.Point{max(a[0], b[0]), max(a[1], b[1])}}
}
