package basemap

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
)

// splitAntimeridian cuts polygons whose rings cross the antimeridian
// (an edge jumping from 180° to -180°, as Russia's and Fiji's do in
// world-atlas) into pieces on each side; drawn as they are, those edges run
// across the whole map. A ring that jumps an odd number of times goes round
// a pole (Antarctica) and is left as it is.
func splitAntimeridian(g orb.Geometry) orb.Geometry {
	var polys []orb.Polygon
	switch t := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{t}
	case orb.MultiPolygon:
		polys = t
	default:
		return g
	}
	var out orb.MultiPolygon
	changed := false
	for _, p := range polys {
		if !crossesTwice(p) {
			out = append(out, p)
			continue
		}
		changed = true
		// Make each ring continuous in longitude, then cut copies shifted
		// by a whole turn to the world's longitudes.
		u := orb.Clone(p).(orb.Polygon)
		for _, r := range u {
			for i := 1; i < len(r); i++ {
				for r[i][0]-r[i-1][0] > 180 {
					r[i][0] -= 360
				}
				for r[i][0]-r[i-1][0] < -180 {
					r[i][0] += 360
				}
			}
		}
		for _, shift := range []float64{-360, 0, 360} {
			s := orb.Clone(u).(orb.Polygon)
			for _, r := range s {
				for i := range r {
					r[i][0] += shift
				}
			}
			c := clip.Polygon(orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, s)
			if len(c) > 0 && len(c[0]) >= 4 {
				out = append(out, c)
			}
		}
	}
	if !changed {
		return g
	}
	return out
}

func crossesTwice(p orb.Polygon) bool {
	crosses := false
	for _, r := range p {
		n := 0
		for i := 1; i < len(r); i++ {
			if math.Abs(r[i][0]-r[i-1][0]) > 180 {
				n++
			}
		}
		if n%2 == 1 {
			return false
		}
		crosses = crosses || n > 0
	}
	return crosses
}
