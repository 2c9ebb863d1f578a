package geo

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"
)

// TooManyVerticesError is the ErrTooManyVertices a simplification returns:
// Best is the fewest vertices it reached within the allowed change, which
// tells a caller how much smaller the shape must get.
type TooManyVerticesError struct {
	Input, Best, Limit int
	MaxChangeM         float64
}

func (e *TooManyVerticesError) Error() string {
	return fmt.Sprintf("%v (%d vertices, %d at best within %.0f m, limit %d)", ErrTooManyVertices, e.Input, e.Best, e.MaxChangeM, e.Limit)
}

func (e *TooManyVerticesError) Unwrap() error { return ErrTooManyVertices }

// SimplifyInclusion reduces polygons (projected metres) to at most
// maxVertices vertices in total while only ever shrinking them: the result
// lies inside the input, so an inclusion fence built from it never lets a
// vehicle further than the original did. It erodes by t, simplifies with
// tolerance t (Douglas–Peucker), and then proves containment with a polygon
// difference, growing t until the limit is met or t exceeds maxChangeM.
// Holes are dropped from the result and returned as exclusion polygons, as
// fence protocols have no holes.
func SimplifyInclusion(polys []orb.Polygon, maxVertices int, maxChangeM float64) (incl, holes []orb.Polygon, err error) {
	return simplifyConservative(polys, maxVertices, maxChangeM, true)
}

// SimplifyExclusion is SimplifyInclusion's mirror: the result contains the
// input, so an exclusion zone only grows. Holes are filled (kept out too).
func SimplifyExclusion(polys []orb.Polygon, maxVertices int, maxChangeM float64) ([]orb.Polygon, error) {
	out, _, err := simplifyConservative(polys, maxVertices, maxChangeM, false)
	return out, err
}

func simplifyConservative(polys []orb.Polygon, maxVertices int, maxChangeM float64, shrink bool) ([]orb.Polygon, []orb.Polygon, error) {
	if maxVertices < 3 {
		return nil, nil, fmt.Errorf("geo: vertex limit %d is below a triangle", maxVertices)
	}
	if count(polys, !shrink) <= maxVertices {
		outer, holes := splitHoles(polys)
		if !shrink {
			holes = nil // filling an exclusion zone's holes only grows it
		}
		return outer, holes, nil
	}
	// Start at a third of the allowed change: smaller rarely meets an
	// autopilot limit on a long fence, and each try costs four polygon
	// operations.
	t := max(0.5, maxChangeM/3)
	best := count(polys, false)
	for ; t <= maxChangeM; t *= 1.5 {
		d := -t
		if !shrink {
			d = t
		}
		// Miter joins: few vertices; the difference below proves the
		// result whatever the join did at the corners.
		moved, err := BufferPolygons(polys, d, JoinMiter)
		if err != nil {
			return nil, nil, err
		}
		var simp []orb.Polygon
		for _, p := range moved {
			var sp orb.Polygon
			for i, r := range p {
				if !shrink && i > 0 {
					break // an exclusion zone keeps no holes
				}
				rs := simplify.DouglasPeucker(t).Ring(r.Clone())
				if len(rs) >= 4 {
					sp = append(sp, rs)
				}
			}
			if len(sp) > 0 {
				simp = append(simp, sp)
			}
		}
		// Simplification can make a ring cross itself; a union cleans it.
		clean, err := Boolean(OpUnion, simp, nil)
		if err != nil {
			return nil, nil, err
		}
		outer, holes := splitHoles(clean)
		if n := count(outer, false) + count(holes, false); n > maxVertices || len(clean) == 0 {
			if len(clean) > 0 {
				best = min(best, n)
			}
			continue
		}
		// Prove it: nothing of the result may lie outside the input
		// (inclusion), nothing of the input outside the result (exclusion).
		var extra []orb.Polygon
		if shrink {
			extra, err = Boolean(OpDifference, clean, polys)
		} else {
			extra, err = Boolean(OpDifference, polys, outer)
		}
		if err != nil {
			return nil, nil, err
		}
		if Area(extra) > 0.01 { // 100 cm², the integer grid's rounding
			continue
		}
		if !shrink {
			holes = nil
		}
		return outer, holes, nil
	}
	return nil, nil, &TooManyVerticesError{Input: count(polys, false), Best: best, Limit: maxVertices, MaxChangeM: maxChangeM}
}

func splitHoles(polys []orb.Polygon) (outer, holes []orb.Polygon) {
	for _, p := range polys {
		if len(p) == 0 {
			continue
		}
		outer = append(outer, orb.Polygon{p[0]})
		for _, h := range p[1:] {
			r := h.Clone()
			r.Reverse()
			holes = append(holes, orb.Polygon{r})
		}
	}
	return outer, holes
}

// count is the number of distinct vertices (closing points not counted),
// outer rings only when outerOnly.
func count(polys []orb.Polygon, outerOnly bool) int {
	n := 0
	for _, p := range polys {
		for i, r := range p {
			if outerOnly && i > 0 {
				break
			}
			n += len(r) - 1
		}
	}
	return n
}
