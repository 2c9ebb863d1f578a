// Package fencedata makes the point-in-fence benchmark's data set: a
// 10 000-vertex border-like inclusion polygon, 500 exclusion zones and random
// query points, all deterministic from a seed, so the Go benchmark and the
// GEOS (shapely) comparison measure exactly the same thing.
package fencedata

import (
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
)

// Set is one benchmark data set, coordinates [lon, lat].
type Set struct {
	Fence  orb.Polygon
	Zones  []orb.Polygon
	Points []orb.Point
}

// Make builds a set with a fence of fenceVertices vertices, zones exclusion
// zones of 12–40 vertices each inside it, and points query points spread over
// the fence's box (about half of them inside the fence).
func Make(seed uint64, fenceVertices, zones, points int) Set {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	c := orb.Point{-106.5, 31.5}
	// A wobbly ring: several harmonics make a border-like outline with deep
	// bays, the hard case for bounding boxes.
	type harm struct{ k, a, ph float64 }
	var hs []harm
	for k := 2; k < 60; k += 3 {
		hs = append(hs, harm{float64(k), 0.25 / float64(k) * (0.5 + rng.Float64()), rng.Float64() * 2 * math.Pi})
	}
	ring := make(orb.Ring, 0, fenceVertices+1)
	for i := range fenceVertices {
		th := 2 * math.Pi * float64(i) / float64(fenceVertices)
		r := 1.0
		for _, h := range hs {
			r += h.a * math.Sin(h.k*th+h.ph)
		}
		r += 0.004 * (rng.Float64() - 0.5)
		ring = append(ring, orb.Point{c[0] + 1.6*r*math.Cos(th), c[1] + r*math.Sin(th)})
	}
	ring = append(ring, ring[0])
	s := Set{Fence: orb.Polygon{ring}}
	for range zones {
		zc := orb.Point{c[0] + (rng.Float64()-0.5)*2.4, c[1] + (rng.Float64()-0.5)*1.5}
		n := 12 + rng.IntN(29)
		rad := 0.01 + rng.Float64()*0.03
		z := make(orb.Ring, 0, n+1)
		for i := range n {
			th := 2 * math.Pi * float64(i) / float64(n)
			rr := rad * (0.6 + 0.4*rng.Float64())
			z = append(z, orb.Point{zc[0] + rr*math.Cos(th), zc[1] + rr*math.Sin(th)})
		}
		z = append(z, z[0])
		s.Zones = append(s.Zones, orb.Polygon{z})
	}
	b := ring.Bound()
	for range points {
		s.Points = append(s.Points, orb.Point{
			b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]),
			b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]),
		})
	}
	return s
}
