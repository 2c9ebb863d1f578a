package geo

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// MergeLines joins polylines that continue one another (one ends exactly
// where the next begins) into longer ones, keeping their direction. Natural
// Earth stores a border as many short parts in no particular order; the
// planners want the few continuous stretches they form.
func MergeLines(lines [][]orb.Point) [][]orb.Point {
	starts := map[orb.Point][]int{}
	hasPred := make([]bool, len(lines))
	for i, l := range lines {
		if len(l) >= 2 {
			starts[l[0]] = append(starts[l[0]], i)
		}
	}
	for _, l := range lines {
		if len(l) >= 2 {
			for _, j := range starts[l[len(l)-1]] {
				if len(lines[j]) >= 2 && lines[j][0] == l[len(l)-1] {
					hasPred[j] = true
				}
			}
		}
	}
	used := make([]bool, len(lines))
	var out [][]orb.Point
	follow := func(i int) {
		chain := append([]orb.Point(nil), lines[i]...)
		used[i] = true
		for {
			next := -1
			for _, j := range starts[chain[len(chain)-1]] {
				if !used[j] {
					next = j
					break
				}
			}
			if next < 0 {
				break
			}
			used[next] = true
			chain = append(chain, lines[next][1:]...)
		}
		out = append(out, chain)
	}
	// Chains begin at parts nothing leads into; what is left is made of loops.
	for i, l := range lines {
		if len(l) >= 2 && !hasPred[i] && !used[i] {
			follow(i)
		}
	}
	for i, l := range lines {
		if len(l) >= 2 && !used[i] {
			follow(i)
		}
	}
	return out
}

// OffsetSide returns the paths that run at distance d (metres, in projected
// coordinates) on one side of the polylines, in the lines' direction, ordered
// along them. It is the buffer boundary of the lines kept where it lies on
// the wanted side, so it is never nearer than d to any part of any line: a
// meander narrower than 2d is bridged rather than followed, and a path never
// crosses the line, which a vertex-by-vertex offset cannot promise.
func OffsetSide(lines [][]orb.Point, d float64, side Side) ([][]orb.Point, error) {
	if side != Left && side != Right {
		return nil, fmt.Errorf("geo: offset side must be left or right, got %v", side)
	}
	// Round ends: a flat-ended buffer leaves out the half discs beyond the
	// lines' ends, and where a line comes back near its own end (or another
	// part's) the boundary would pass nearer than d. The half discs are then
	// dropped from the paths below.
	buf, err := BufferLines(lines, d, JoinRound, EndRound)
	if err != nil {
		return nil, err
	}
	ix := NewSegmentIndex(lines)
	type run struct {
		pts      []orb.Point
		from, to float64 // position along the lines (line index + fraction), for ordering
	}
	var runs []run
	pos := func(l Location) float64 {
		return float64(l.Line)*1e9 + float64(l.Seg) + l.T
	}
	for _, poly := range buf {
		for _, ring := range poly {
			pts := ring[:len(ring)-1]
			n := len(pts)
			keep := make([]bool, n)
			locs := make([]Location, n)
			any := false
			for i, p := range pts {
				loc, ok := ix.Locate(p, math.Inf(1))
				locs[i] = loc
				keep[i] = ok && loc.Side == side && loc.Dist >= d*0.999 && !beyondEnd(lines, loc, p, d)
				any = any || keep[i]
			}
			if !any {
				continue
			}
			// Start just after a dropped vertex so runs do not wrap around
			// the ring's seam; a ring kept whole is an enclosed pocket.
			start := 0
			for i := range n {
				if !keep[i] {
					start = (i + 1) % n
					break
				}
			}
			var cur []int
			flush := func() {
				if len(cur) >= 2 {
					r := run{from: pos(locs[cur[0]]), to: pos(locs[cur[len(cur)-1]])}
					for _, k := range cur {
						r.pts = append(r.pts, pts[k])
					}
					if r.from > r.to {
						for a, b := 0, len(r.pts)-1; a < b; a, b = a+1, b-1 {
							r.pts[a], r.pts[b] = r.pts[b], r.pts[a]
						}
						r.from, r.to = r.to, r.from
					}
					runs = append(runs, r)
				}
				cur = cur[:0]
			}
			allKept := true
			for k := range n {
				i := (start + k) % n
				if keep[i] {
					cur = append(cur, i)
				} else {
					allKept = false
					flush()
				}
			}
			if allKept {
				cur = append(cur, start)
			}
			flush()
		}
	}
	if len(runs) == 0 {
		return nil, ErrNoOffset
	}
	sort.SliceStable(runs, func(a, b int) bool { return runs[a].from < runs[b].from })
	out := make([][]orb.Point, len(runs))
	for i, r := range runs {
		out[i] = r.pts
	}
	return out, nil
}

// beyondEnd reports whether p, located at loc, lies past an end of its
// nearest line (in the half disc a round-ended buffer adds there). The
// buffer's corner on the end's perpendicular is not past it: it is off by
// Clipper's centimetre grid, while the cap's first arc vertex is a few per
// cent of d along, so d/100 separates them.
func beyondEnd(lines [][]orb.Point, loc Location, p orb.Point, d float64) bool {
	l := lines[loc.Line]
	along := func(end, prev orb.Point) float64 {
		n := Dist(end, prev)
		if n == 0 {
			return 0
		}
		return dot(sub(p, end), sub(end, prev)) / n
	}
	switch {
	case loc.Seg == 0 && loc.T <= 0:
		return along(l[0], l[1]) > d/100
	case loc.Seg == len(l)-2 && loc.T >= 1:
		return along(l[len(l)-1], l[len(l)-2]) > d/100
	}
	return false
}

// SideStrip is the area on one side of the polylines between distances near
// and far (projected metres): what a fence "on our side, at least near from
// the border and at most far" may cover. Its boundary lies within the
// buffer tolerance outside [near, far], never nearer than near.
func SideStrip(lines [][]orb.Point, near, far float64, side Side) ([]orb.Polygon, error) {
	if !(near > 0) || !(far > near) {
		return nil, fmt.Errorf("geo: strip distances %g..%g m must satisfy 0 < near < far", near, far)
	}
	// Square joins: they only ever cut more off the strip than round ones
	// (the near edge stays at least near from the lines), and they keep the
	// vertex count down where the strip rounds the border's corners.
	outer, err := BufferLines(lines, far, JoinSquare, EndFlat)
	if err != nil {
		return nil, err
	}
	// The inner tube is carried on straight past the lines' ends: the outer
	// buffer of a line that bends near its end reaches around the end, and
	// without a wall there the two sides' strips would be one piece.
	walled := make([][]orb.Point, 0, len(lines))
	for _, l := range lines {
		if len(l) < 2 {
			continue
		}
		ext := func(a, b orb.Point) orb.Point { // b pushed 2·far further from a
			d := Dist(a, b)
			if d == 0 {
				return b
			}
			f := 2 * far / d
			return orb.Point{b[0] + (b[0]-a[0])*f, b[1] + (b[1]-a[1])*f}
		}
		w := []orb.Point{ext(l[1], l[0])}
		w = append(w, l...)
		w = append(w, ext(l[len(l)-2], l[len(l)-1]))
		walled = append(walled, w)
	}
	inner, err := Tube(walled, near)
	if err != nil {
		return nil, err
	}
	both, err := Boolean(OpDifference, outer, inner)
	if err != nil {
		return nil, err
	}
	ix := NewSegmentIndex(lines)
	var out []orb.Polygon
	for _, p := range both {
		// The vertex farthest from the lines says which side the piece is on.
		best := Location{}
		for _, q := range p[0] {
			if loc, ok := ix.Locate(q, math.Inf(1)); ok && loc.Dist > best.Dist {
				best = loc
			}
		}
		if best.Side == side {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, ErrNoOffset
	}
	return out, nil
}

// ClipOutside returns the parts of a polyline that lie outside every
// polygon (projected metres), in order. A piece that only touches a
// polygon's boundary is kept: it is outside, at the boundary.
func ClipOutside(line []orb.Point, polys []orb.Polygon) [][]orb.Point {
	if len(polys) == 0 || len(line) < 2 {
		return [][]orb.Point{line}
	}
	var rings [][]orb.Point
	var idx []*PolygonIndex
	for _, p := range polys {
		idx = append(idx, NewPolygonIndex(p))
		for _, r := range p {
			rings = append(rings, r)
		}
	}
	edges := NewSegmentIndex(rings)
	inside := func(q orb.Point) bool {
		for _, ix := range idx {
			if ix.Contains(q) {
				return true
			}
		}
		return false
	}
	var out [][]orb.Point
	var cur []orb.Point
	flush := func() {
		if len(cur) >= 2 {
			out = append(out, cur)
		}
		cur = nil
	}
	for k := 1; k < len(line); k++ {
		a, b := line[k-1], line[k]
		ts := []float64{0, 1}
		edges.Search(segBound(a, b), func(li, i int) bool {
			p, q := edges.Segment(li, i)
			if t, ok := segmentParam(a, b, p, q); ok {
				ts = append(ts, t)
			}
			return true
		})
		sort.Float64s(ts)
		for i := 1; i < len(ts); i++ {
			t0, t1 := ts[i-1], ts[i]
			if t1-t0 < 1e-12 {
				continue
			}
			m := (t0 + t1) / 2
			pa := orb.Point{a[0] + t0*(b[0]-a[0]), a[1] + t0*(b[1]-a[1])}
			pb := orb.Point{a[0] + t1*(b[0]-a[0]), a[1] + t1*(b[1]-a[1])}
			if inside(orb.Point{a[0] + m*(b[0]-a[0]), a[1] + m*(b[1]-a[1])}) {
				flush()
				continue
			}
			if len(cur) == 0 || cur[len(cur)-1] != pa {
				flush()
				cur = append(cur, pa)
			}
			cur = append(cur, pb)
		}
	}
	flush()
	return out
}

// segmentParam is where, along a-b (0..1), it crosses p-q.
func segmentParam(a, b, p, q orb.Point) (float64, bool) {
	r := sub(b, a)
	s := sub(q, p)
	den := cross(r, s)
	if den == 0 {
		return 0, false
	}
	t := cross(sub(p, a), s) / den
	u := cross(sub(p, a), r) / den
	if t < 0 || t > 1 || u < 0 || u > 1 {
		return 0, false
	}
	return t, true
}
