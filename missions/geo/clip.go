package geo

import (
	"fmt"
	"math"

	clipper "github.com/ctessum/go.clipper"
	"github.com/paulmach/orb"
)

// Offsets and boolean operations go through github.com/ctessum/go.clipper, a
// pure-Go port of Angus Johnson's Clipper (see docs/dependencies.md for why).
// Clipper works on integers: projected metres are scaled to centimetres.

const clipScale = 100.0

// clipTolerance is the arc tolerance used for a buffer of distance d (metres).
// Clipper rounds the number of chords per join, so a chord can fall up to
// about 2.25 tolerances inside the true arc: buffers are widened by
// arcWiden·tolerance to stay at least d everywhere.
func clipTolerance(d float64) float64 { return max(0.05, math.Abs(d)*0.002) }

const arcWiden = 2.5

func toPath(pts []orb.Point) clipper.Path {
	n := len(pts)
	if n > 1 && pts[0] == pts[n-1] {
		n--
	}
	p := make(clipper.Path, 0, n)
	for _, q := range pts[:n] {
		p = append(p, &clipper.IntPoint{X: clipper.CInt(math.Round(q[0] * clipScale)), Y: clipper.CInt(math.Round(q[1] * clipScale))})
	}
	return p
}

// toPolyPath is toPath for ring i of a polygon, oriented as Clipper reads
// polygons: the outer ring counter-clockwise, holes clockwise. Files come
// in either orientation (GeoJSON asks for counter-clockwise, KML and older
// tools do not), and Clipper's offset would read a clockwise outer ring as a
// hole and shrink it instead of growing it.
func toPolyPath(r []orb.Point, i int) clipper.Path {
	a := RingArea(r)
	if (i == 0 && a < 0) || (i > 0 && a > 0) {
		rev := make([]orb.Point, len(r))
		for k, q := range r {
			rev[len(r)-1-k] = q
		}
		r = rev
	}
	return toPath(r)
}

func toOpenPath(pts []orb.Point) clipper.Path {
	p := make(clipper.Path, 0, len(pts))
	for _, q := range pts {
		p = append(p, &clipper.IntPoint{X: clipper.CInt(math.Round(q[0] * clipScale)), Y: clipper.CInt(math.Round(q[1] * clipScale))})
	}
	return p
}

func fromPath(p clipper.Path) orb.Ring {
	r := make(orb.Ring, 0, len(p)+1)
	for _, q := range p {
		r = append(r, orb.Point{float64(q.X) / clipScale, float64(q.Y) / clipScale})
	}
	if len(r) > 0 {
		r = append(r, r[0])
	}
	return r
}

// treePolygons turns a Clipper PolyTree into polygons: outer rings
// counter-clockwise, holes clockwise, every ring closed.
func treePolygons(t *clipper.PolyTree) []orb.Polygon {
	var out []orb.Polygon
	var outer func(n *clipper.PolyNode)
	outer = func(n *clipper.PolyNode) {
		r := fromPath(n.Contour())
		if len(r) < 4 {
			return
		}
		if RingArea(r) < 0 {
			r.Reverse()
		}
		poly := orb.Polygon{r}
		for _, h := range n.Childs() {
			hr := fromPath(h.Contour())
			if len(hr) >= 4 {
				if RingArea(hr) > 0 {
					hr.Reverse()
				}
				poly = append(poly, hr)
			}
			for _, o := range h.Childs() {
				outer(o)
			}
		}
		out = append(out, poly)
	}
	for _, n := range t.Childs() {
		outer(n)
	}
	return out
}

// clipSafe turns a Clipper panic (it panics on some degenerate input) into an error.
func clipSafe(what string, fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("geo: %s failed on degenerate geometry: %v", what, r)
		}
	}()
	fn()
	return nil
}

// JoinStyle is how a buffer turns at convex corners.
type JoinStyle int

// Join styles. Round follows the true distance; Square and Miter make fewer
// vertices, but Clipper does not move a needle-sharp corner with them, so
// grow zones with Round and a coarse tolerance (BufferPolygonsTol).
const (
	JoinRound JoinStyle = iota
	JoinSquare
	JoinMiter
)

func (j JoinStyle) clip() clipper.JoinType {
	switch j {
	case JoinSquare:
		return clipper.JtSquare
	case JoinMiter:
		return clipper.JtMiter
	}
	return clipper.JtRound
}

// EndStyle is how a line buffer ends.
type EndStyle int

// End styles: flat at the line's end, a half disc, or a square reaching d
// beyond the end.
const (
	EndFlat EndStyle = iota
	EndRound
	EndSquare
)

// BufferLines returns the area within d metres of the open polylines (in
// projected metres), ended as ends says. The boundary lies between d and
// d + 2·tolerance of the lines (further at square joins), never nearer.
func BufferLines(lines [][]orb.Point, d float64, join JoinStyle, ends EndStyle) ([]orb.Polygon, error) {
	return BufferLinesTol(lines, d, join, ends, clipTolerance(d))
}

// BufferLinesTol is BufferLines with a chosen arc tolerance (metres): round
// joins and ends are drawn with chords at most tol inside the arc, and the
// buffer is widened by 2.5·tol so that it still reaches d. A coarse tolerance
// makes far fewer vertices where the exact shape does not matter.
func BufferLinesTol(lines [][]orb.Point, d float64, join JoinStyle, ends EndStyle, tol float64) ([]orb.Polygon, error) {
	if d <= 0 {
		return nil, fmt.Errorf("geo: buffer distance %g m must be positive", d)
	}
	tol = max(tol, 0.01)
	var out []orb.Polygon
	err := clipSafe("line buffer", func() {
		co := clipper.NewClipperOffset()
		co.ArcTolerance = tol * clipScale
		end := map[EndStyle]clipper.EndType{EndFlat: clipper.EtOpenButt, EndRound: clipper.EtOpenRound, EndSquare: clipper.EtOpenSquare}[ends]
		for _, l := range lines {
			if len(l) >= 2 {
				co.AddPath(toOpenPath(l), join.clip(), end)
			}
		}
		out = treePolygons(co.Execute2((d + arcWiden*tol) * clipScale))
	})
	return out, err
}

// BufferPolygons grows (d > 0) or shrinks (d < 0) polygons by |d| metres. A
// grown boundary is at least d from the original; a shrunk one at least |d|
// inside it.
func BufferPolygons(polys []orb.Polygon, d float64, join JoinStyle) ([]orb.Polygon, error) {
	return BufferPolygonsTol(polys, d, join, clipTolerance(d))
}

// BufferPolygonsTol is BufferPolygons with a chosen arc tolerance (metres)
// for round joins. Use round joins with a coarse tolerance to grow zones
// with few vertices: Clipper's mitred and squared joins do not grow a
// needle-sharp corner at all (a 0.1° sliver's tip stays where it was).
func BufferPolygonsTol(polys []orb.Polygon, d float64, join JoinStyle, tol float64) ([]orb.Polygon, error) {
	tol = max(tol, 0.01)
	delta := d + arcWiden*tol
	if d < 0 {
		delta = d - arcWiden*tol
	}
	var out []orb.Polygon
	err := clipSafe("polygon buffer", func() {
		co := clipper.NewClipperOffset()
		co.ArcTolerance = tol * clipScale
		co.MiterLimit = 2
		for _, p := range polys {
			for i, r := range p {
				if len(r) >= 3 {
					co.AddPath(toPolyPath(r, i), join.clip(), clipper.EtClosedPolygon)
				}
			}
		}
		out = treePolygons(co.Execute2(delta * clipScale))
	})
	return out, err
}

// Op is a boolean operation on polygons.
type Op int

// Boolean operations.
const (
	OpUnion Op = iota
	OpIntersection
	OpDifference
)

// Boolean applies op to subject and clip polygon sets (non-zero fill).
func Boolean(op Op, subject, clip []orb.Polygon) ([]orb.Polygon, error) {
	ct := map[Op]clipper.ClipType{OpUnion: clipper.CtUnion, OpIntersection: clipper.CtIntersection, OpDifference: clipper.CtDifference}[op]
	var out []orb.Polygon
	err := clipSafe("polygon boolean", func() {
		c := clipper.NewClipper(clipper.IoNone)
		for _, p := range subject {
			for i, r := range p {
				if len(r) >= 3 {
					c.AddPath(toPolyPath(r, i), clipper.PtSubject, true)
				}
			}
		}
		for _, p := range clip {
			for i, r := range p {
				if len(r) >= 3 {
					c.AddPath(toPolyPath(r, i), clipper.PtClip, true)
				}
			}
		}
		tree, ok := c.Execute2(ct, clipper.PftNonZero, clipper.PftNonZero)
		if !ok {
			panic("clipper reported failure")
		}
		out = treePolygons(tree)
	})
	return out, err
}

// Area is the total planar area of polygons (holes subtracted).
func Area(polys []orb.Polygon) float64 {
	var a float64
	for _, p := range polys {
		for _, r := range p {
			a += RingArea(r)
		}
	}
	return a
}

// Grow grows polygons by d metres with few vertices and never less than d:
// mitred corners (they keep a polygon a polygon, which keeps shortest paths
// round it exact and hand-checkable), except for a polygon whose mitred
// growth leaves one of its own vertices nearer than d to the outline — a
// needle-sharp corner Clipper does not move — which is grown with round
// joins at a tolerance of d/8 instead. Overlapping results are merged and
// holes filled.
func Grow(polys []orb.Polygon, d float64) ([]orb.Polygon, error) {
	var all []orb.Polygon
	for _, p := range polys {
		g, err := BufferPolygons([]orb.Polygon{p}, d, JoinMiter)
		if err != nil {
			return nil, err
		}
		if !holdsWithMargin(g, p, d) {
			if g, err = BufferPolygonsTol([]orb.Polygon{p}, d, JoinRound, d/8); err != nil {
				return nil, err
			}
		}
		if !holdsWithMargin(g, p, d) {
			// Still not (a sliver at a centimetre-scale margin): the
			// polygon itself with a capsule round every edge is the
			// dilation by construction, with no join for Clipper to get wrong.
			var edges [][]orb.Point
			for _, r := range p {
				for k := 1; k < len(r); k++ {
					edges = append(edges, []orb.Point{r[k-1], r[k]})
				}
			}
			caps, err := BufferLinesTol(edges, d, JoinRound, EndRound, d/8)
			if err != nil {
				return nil, err
			}
			if g, err = Boolean(OpUnion, append(caps, p), nil); err != nil {
				return nil, err
			}
		}
		all = append(all, g...)
	}
	merged, err := Boolean(OpUnion, all, nil)
	if err != nil {
		return nil, err
	}
	// Holes are filled: a grown zone only ever needs to keep out more, and a
	// degenerate input (a polygon of zero area) can leave a spurious one.
	out := make([]orb.Polygon, 0, len(merged))
	for _, p := range merged {
		out = append(out, orb.Polygon{p[0]})
	}
	return Boolean(OpUnion, out, nil)
}

// holdsWithMargin reports whether every vertex of p is inside grown and at
// least d (less a thousandth) from its outline.
func holdsWithMargin(grown []orb.Polygon, p orb.Polygon, d float64) bool {
	var rings [][]orb.Point
	var idx []*PolygonIndex
	for _, g := range grown {
		idx = append(idx, NewPolygonIndex(g))
		for _, r := range g {
			rings = append(rings, r)
		}
	}
	edges := NewSegmentIndex(rings)
	for _, r := range p {
		for _, q := range r {
			in := false
			for _, ix := range idx {
				in = in || ix.Contains(q)
			}
			if !in || !edges.Clear(q, q, d*0.999) {
				return false
			}
		}
	}
	return true
}

// Tube is the area within d of the polylines, with square joins and ends
// (few vertices, never less than d) — and, where a line turns back on
// itself (a turn sharper than ~155°), a round capsule over the two segments
// that meet there: Clipper's join at a near-reversal does not reach past
// the turning point, so without them a spike's tip would stick out of the
// tube.
func Tube(lines [][]orb.Point, d float64) ([]orb.Polygon, error) {
	tube, err := BufferLines(lines, d, JoinSquare, EndSquare)
	if err != nil {
		return nil, err
	}
	var sharp [][]orb.Point
	for _, l := range lines {
		for i := 1; i+1 < len(l); i++ {
			u, v := sub(l[i], l[i-1]), sub(l[i+1], l[i])
			nu, nv := math.Hypot(u[0], u[1]), math.Hypot(v[0], v[1])
			if nu == 0 || nv == 0 {
				continue
			}
			if dot(u, v)/(nu*nv) < -0.9 {
				sharp = append(sharp, []orb.Point{l[i-1], l[i]}, []orb.Point{l[i], l[i+1]})
			}
		}
	}
	if len(sharp) == 0 {
		return tube, nil
	}
	caps, err := BufferLinesTol(sharp, d, JoinRound, EndRound, d/8)
	if err != nil {
		return nil, err
	}
	return Boolean(OpUnion, append(tube, caps...), nil)
}
