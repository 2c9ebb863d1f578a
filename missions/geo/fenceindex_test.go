package geo

import (
	"math/rand/v2"
	"testing"

	"github.com/borderwatch/borderwatch/missions/geo/internal/fencedata"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The index must agree with a plain ring walk (orb) everywhere.
func TestPolygonIndex_Contains_AgreesWithOrb(t *testing.T) {
	set := fencedata.Make(7, 10_000, 0, 3_000)
	// A hole makes the even-odd handling count.
	hole := orb.Ring{{-106.8, 31.3}, {-106.2, 31.3}, {-106.2, 31.7}, {-106.8, 31.7}, {-106.8, 31.3}}
	poly := orb.Polygon{set.Fence[0], hole}
	ix := NewPolygonIndex(poly)
	in := 0
	for _, p := range set.Points {
		want := planar.PolygonContains(poly, p)
		if got := ix.Contains(p); got != want {
			t.Fatalf("%v: index says %v, ring walk says %v", p, got, want)
		}
		if want {
			in++
		}
	}
	if in < len(set.Points)/5 || in > len(set.Points)*4/5 {
		t.Fatalf("only %d of %d points inside: the test set is degenerate", in, len(set.Points))
	}
}

func TestFenceIndex_Allowed_AgreesWithOrb(t *testing.T) {
	set := fencedata.Make(8, 2_000, 500, 4_000)
	circ := Circle{Center: orb.Point{-106.5, 31.5}, RadiusM: 5_000}
	f := NewFenceIndex([]orb.Polygon{set.Fence}, set.Zones, nil, []Circle{circ})
	ct := newCircleTest(circ)
	excluded := 0
	for _, p := range set.Points {
		want := planar.PolygonContains(set.Fence, p)
		for _, z := range set.Zones {
			if planar.PolygonContains(z, p) {
				want = false
				break
			}
		}
		if ct.contains(p) {
			want = false
		}
		if f.ExcludedBy(p) >= 0 {
			excluded++
		}
		if got := f.Allowed(p); got != want {
			t.Fatalf("%v: index says %v, ring walk says %v", p, got, want)
		}
	}
	if excluded == 0 {
		t.Fatal("no point fell in an exclusion zone: the test set is degenerate")
	}
}

func TestFenceIndex_Circle_RadiusInMetres(t *testing.T) {
	c := Circle{Center: orb.Point{24.9, 60.2}, RadiusM: 1000}
	f := NewFenceIndex(nil, nil, []Circle{c}, nil)
	rng := rand.New(rand.NewPCG(1, 1))
	for range 200 {
		az := rng.Float64() * 360
		if !f.Allowed(Destination(c.Center, az, 998)) {
			t.Fatalf("998 m from the centre on azimuth %.0f is outside a 1000 m circle", az)
		}
		if f.Allowed(Destination(c.Center, az, 1002)) {
			t.Fatalf("1002 m from the centre on azimuth %.0f is inside a 1000 m circle", az)
		}
	}
}

// BenchmarkFenceIndex_Allowed is the Go half of the comparison with GEOS
// (see missions/geo/internal/fencebench and docs/performance.md).
func BenchmarkFenceIndex_Allowed(b *testing.B) {
	set := fencedata.Make(1, 10_000, 500, 1<<16)
	f := NewFenceIndex([]orb.Polygon{set.Fence}, set.Zones, nil, nil)
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		if f.Allowed(set.Points[i&(1<<16-1)]) {
			n++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mchecks/s")
}

func BenchmarkOrbPolygonContains(b *testing.B) {
	set := fencedata.Make(1, 10_000, 0, 1<<16)
	for i := 0; b.Loop(); i++ {
		planar.PolygonContains(set.Fence, set.Points[i&(1<<16-1)])
	}
}
