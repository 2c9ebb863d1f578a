package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// PolygonIndex answers point-in-polygon for one polygon (outer ring and
// holes, even-odd) in time that does not grow with its vertex count: a
// uniform grid where each cell knows whether its centre is inside and which
// edges cross it, so a query counts crossings only between the point and its
// cell's centre. orb's planar.PolygonContains walks every vertex per query;
// this is what makes a 10 000-vertex fence cheap (docs/performance.md).
// Coordinates are planar ([lon, lat] for fences, as autopilots test them).
type PolygonIndex struct {
	bound  orb.Bound
	nx, ny int
	cw, ch float64 // cell size
	// cells[i] is the range edges[cellStart[i]:cellStart[i+1]].
	cellStart []int32
	edges     [][2]orb.Point
	centerIn  []bool
}

// NewPolygonIndex indexes a polygon. Rings need not be closed.
func NewPolygonIndex(poly orb.Polygon) *PolygonIndex {
	var edges [][2]orb.Point
	ix := &PolygonIndex{}
	first := true
	for _, r := range poly {
		n := len(r)
		if n > 1 && r[0] == r[n-1] {
			n--
		}
		if n < 3 {
			continue
		}
		for i := range n {
			a, b := r[i], r[(i+1)%n]
			edges = append(edges, [2]orb.Point{a, b})
			if first {
				ix.bound = orb.Bound{Min: a, Max: a}
				first = false
			}
			ix.bound = ix.bound.Extend(a)
		}
	}
	if len(edges) == 0 {
		ix.nx, ix.ny = 0, 0
		return ix
	}
	// About two edges' worth of cells per edge along each axis keeps most
	// cells empty (answered by their centre alone) and the rest short.
	g := max(1, int(math.Sqrt(float64(len(edges)))*2))
	ix.nx, ix.ny = g, g
	ix.cw = max((ix.bound.Max[0]-ix.bound.Min[0])/float64(g), 1e-12)
	ix.ch = max((ix.bound.Max[1]-ix.bound.Min[1])/float64(g), 1e-12)
	// Bucket edges by the cells their box covers, refined to the cells the
	// edge really passes through.
	counts := make([]int32, g*g+1)
	var pairs []int64 // cell<<32 | edge
	for ei, e := range edges {
		x0, y0 := ix.cell(orb.Point{min(e[0][0], e[1][0]), min(e[0][1], e[1][1])})
		x1, y1 := ix.cell(orb.Point{max(e[0][0], e[1][0]), max(e[0][1], e[1][1])})
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				if (x1 > x0 || y1 > y0) && !edgeMeetsBox(e[0], e[1], ix.cellBox(x, y)) {
					continue
				}
				c := y*g + x
				counts[c+1]++
				pairs = append(pairs, int64(c)<<32|int64(ei))
			}
		}
	}
	ix.cellStart = make([]int32, g*g+1)
	for i := 1; i <= g*g; i++ {
		ix.cellStart[i] = ix.cellStart[i-1] + counts[i]
	}
	ix.edges = make([][2]orb.Point, len(pairs))
	fill := append([]int32(nil), ix.cellStart[:g*g]...)
	for _, pr := range pairs {
		c := int(pr >> 32)
		ix.edges[fill[c]] = edges[int(pr&0xffffffff)]
		fill[c]++
	}
	// Centre states, one scan line per row of cells.
	ix.centerIn = make([]bool, g*g)
	xs := make([]float64, 0, 64)
	for y := range g {
		cy := ix.bound.Min[1] + (float64(y)+0.5)*ix.ch
		xs = xs[:0]
		for _, e := range edges {
			a, b := e[0], e[1]
			if (a[1] > cy) != (b[1] > cy) {
				xs = append(xs, a[0]+(cy-a[1])*(b[0]-a[0])/(b[1]-a[1]))
			}
		}
		for x := range g {
			cx := ix.bound.Min[0] + (float64(x)+0.5)*ix.cw
			n := 0
			for _, xi := range xs {
				if xi > cx {
					n++
				}
			}
			ix.centerIn[y*g+x] = n%2 == 1
		}
	}
	return ix
}

func (ix *PolygonIndex) cell(p orb.Point) (int, int) {
	x := int((p[0] - ix.bound.Min[0]) / ix.cw)
	y := int((p[1] - ix.bound.Min[1]) / ix.ch)
	return min(max(x, 0), ix.nx-1), min(max(y, 0), ix.ny-1)
}

func (ix *PolygonIndex) cellBox(x, y int) orb.Bound {
	mn := orb.Point{ix.bound.Min[0] + float64(x)*ix.cw, ix.bound.Min[1] + float64(y)*ix.ch}
	return orb.Bound{Min: mn, Max: orb.Point{mn[0] + ix.cw, mn[1] + ix.ch}}
}

// Bound is the polygon's bounding box.
func (ix *PolygonIndex) Bound() orb.Bound { return ix.bound }

// Contains reports whether p is inside the polygon (points exactly on an
// edge may go either way).
func (ix *PolygonIndex) Contains(p orb.Point) bool {
	if ix.nx == 0 || p[0] < ix.bound.Min[0] || p[0] > ix.bound.Max[0] || p[1] < ix.bound.Min[1] || p[1] > ix.bound.Max[1] {
		return false
	}
	x := min(int((p[0]-ix.bound.Min[0])/ix.cw), ix.nx-1)
	y := min(int((p[1]-ix.bound.Min[1])/ix.ch), ix.ny-1)
	c := y*ix.nx + x
	in := ix.centerIn[c]
	s, e := ix.cellStart[c], ix.cellStart[c+1]
	if s == e {
		return in
	}
	center := orb.Point{ix.bound.Min[0] + (float64(x)+0.5)*ix.cw, ix.bound.Min[1] + (float64(y)+0.5)*ix.ch}
	for _, ed := range ix.edges[s:e] {
		if crossesHalfOpen(p, center, ed[0], ed[1]) {
			in = !in
		}
	}
	return in
}

// crossesHalfOpen reports whether segment p-c crosses edge a-b, counting an
// edge endpoint that lies exactly on p-c on one side only (zero orientation
// counts as positive), so crossings at shared vertices are counted once.
func crossesHalfOpen(p, c, a, b orb.Point) bool {
	oa := Orient(p, c, a) >= 0
	ob := Orient(p, c, b) >= 0
	if oa == ob {
		return false
	}
	op := Orient(a, b, p) >= 0
	oc := Orient(a, b, c) >= 0
	return op != oc
}

// edgeMeetsBox reports whether segment a-b meets box (Liang–Barsky clipping).
func edgeMeetsBox(a, b orb.Point, box orb.Bound) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := b[0]-a[0], b[1]-a[1]
	for _, pq := range [4][2]float64{
		{-dx, a[0] - box.Min[0]}, {dx, box.Max[0] - a[0]},
		{-dy, a[1] - box.Min[1]}, {dy, box.Max[1] - a[1]},
	} {
		p, q := pq[0], pq[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		r := q / p
		if p < 0 {
			t0 = max(t0, r)
		} else {
			t1 = min(t1, r)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// Circle is a fence circle: a centre [lon, lat] and a radius in metres.
type Circle struct {
	Center  orb.Point
	RadiusM float64
}

// FenceIndex answers "is this position allowed": inside at least one
// inclusion area (when there is any) and outside every exclusion area.
// It is read-only after NewFenceIndex, so it may be shared between goroutines.
type FenceIndex struct {
	incl, excl           []*PolygonIndex
	inclCircle, exclCirc []circleTest
	// zone grid over exclusion polygons: cells hold the zones whose box meets them.
	zb        orb.Bound
	zn        int
	zw, zh    float64
	zoneCells [][]int32
}

type circleTest struct {
	c      orb.Point
	r2     float64
	kx, ky float64 // metres per degree of longitude and latitude at the centre
	bound  orb.Bound
}

func newCircleTest(c Circle) circleTest {
	// Ellipsoidal radii of curvature at the centre: good to about 1e-4 of the
	// radius for fence circles of a few kilometres.
	const a, e2 = 6378137.0, 6.69437999014e-3
	phi := c.Center[1] * math.Pi / 180
	s := math.Sin(phi)
	w := math.Sqrt(1 - e2*s*s)
	n := a / w
	m := a * (1 - e2) / (w * w * w)
	kx := n * math.Cos(phi) * math.Pi / 180
	ky := m * math.Pi / 180
	dlon, dlat := c.RadiusM/max(kx, 1e-9), c.RadiusM/ky
	return circleTest{c: c.Center, r2: c.RadiusM * c.RadiusM, kx: kx, ky: ky,
		bound: orb.Bound{Min: orb.Point{c.Center[0] - dlon, c.Center[1] - dlat}, Max: orb.Point{c.Center[0] + dlon, c.Center[1] + dlat}}}
}

func (t circleTest) contains(p orb.Point) bool {
	dx, dy := (p[0]-t.c[0])*t.kx, (p[1]-t.c[1])*t.ky
	return dx*dx+dy*dy <= t.r2
}

// NewFenceIndex indexes inclusion and exclusion polygons and circles.
func NewFenceIndex(inclusion, exclusion []orb.Polygon, inclCircles, exclCircles []Circle) *FenceIndex {
	f := &FenceIndex{}
	for _, p := range inclusion {
		f.incl = append(f.incl, NewPolygonIndex(p))
	}
	for _, p := range exclusion {
		f.excl = append(f.excl, NewPolygonIndex(p))
	}
	for _, c := range inclCircles {
		f.inclCircle = append(f.inclCircle, newCircleTest(c))
	}
	for _, c := range exclCircles {
		f.exclCirc = append(f.exclCirc, newCircleTest(c))
	}
	if len(f.excl) > 0 {
		f.zb = f.excl[0].bound
		for _, z := range f.excl[1:] {
			f.zb = f.zb.Union(z.bound)
		}
		f.zn = max(1, int(math.Sqrt(float64(len(f.excl)))*2))
		f.zw = max((f.zb.Max[0]-f.zb.Min[0])/float64(f.zn), 1e-12)
		f.zh = max((f.zb.Max[1]-f.zb.Min[1])/float64(f.zn), 1e-12)
		f.zoneCells = make([][]int32, f.zn*f.zn)
		for i, z := range f.excl {
			x0, y0 := f.zoneCell(z.bound.Min)
			x1, y1 := f.zoneCell(z.bound.Max)
			for y := y0; y <= y1; y++ {
				for x := x0; x <= x1; x++ {
					f.zoneCells[y*f.zn+x] = append(f.zoneCells[y*f.zn+x], int32(i))
				}
			}
		}
	}
	return f
}

func (f *FenceIndex) zoneCell(p orb.Point) (int, int) {
	x := int((p[0] - f.zb.Min[0]) / f.zw)
	y := int((p[1] - f.zb.Min[1]) / f.zh)
	return min(max(x, 0), f.zn-1), min(max(y, 0), f.zn-1)
}

// Allowed reports whether p ([lon, lat]) is inside the inclusion areas (if
// any) and outside every exclusion area.
func (f *FenceIndex) Allowed(p orb.Point) bool {
	if len(f.incl)+len(f.inclCircle) > 0 && !f.Included(p) {
		return false
	}
	return f.ExcludedBy(p) < 0
}

// Included reports whether p is inside at least one inclusion polygon or circle.
func (f *FenceIndex) Included(p orb.Point) bool {
	for _, ix := range f.incl {
		if ix.Contains(p) {
			return true
		}
	}
	for _, c := range f.inclCircle {
		if c.contains(p) {
			return true
		}
	}
	return false
}

// ExcludedBy returns the index of an exclusion polygon containing p, or
// len(polygons)+i for exclusion circle i, or -1 when p is in none.
func (f *FenceIndex) ExcludedBy(p orb.Point) int {
	if len(f.excl) > 0 && p[0] >= f.zb.Min[0] && p[0] <= f.zb.Max[0] && p[1] >= f.zb.Min[1] && p[1] <= f.zb.Max[1] {
		x, y := f.zoneCell(p)
		for _, zi := range f.zoneCells[y*f.zn+x] {
			if f.excl[zi].Contains(p) {
				return int(zi)
			}
		}
	}
	for i, c := range f.exclCirc {
		if p[0] >= c.bound.Min[0] && p[0] <= c.bound.Max[0] && p[1] >= c.bound.Min[1] && p[1] <= c.bound.Max[1] && c.contains(p) {
			return len(f.excl) + i
		}
	}
	return -1
}
