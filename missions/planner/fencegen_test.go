package planner

import (
	"errors"
	"testing"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func TestGenerateFence_USMexicoSection(t *testing.T) {
	lines, side := borderLines(t, "us_mexico_border_lines_ne10m.geojson", "United States of America")
	from, to := orb.Point{-111.5, 31.5}, orb.Point{-110.4, 31.33}
	noFly := orb.Polygon{{{-110.95, 31.36}, {-110.90, 31.36}, {-110.90, 31.40}, {-110.95, 31.40}, {-110.95, 31.36}}}
	req := FenceParams{Border: lines, Side: side, From: &from, To: &to, StandoffM: 300, DepthM: 8000,
		NoFly: []orb.Polygon{noFly}, NoFlyMarginM: 100, NoFlyCircles: []geo.Circle{{Center: orb.Point{-111.0, 31.45}, RadiusM: 500}}, MaxVertices: 40}
	f, err := GenerateFence(req)
	if err != nil {
		t.Fatal(err)
	}
	var incl, excl []orb.Polygon
	for _, p := range f.Polygons {
		if len(p.Vertices) > 40 {
			t.Fatalf("polygon with %d vertices, limit 40", len(p.Vertices))
		}
		ring := append(orb.Ring(p.Vertices), p.Vertices[0])
		if p.Inclusion {
			incl = append(incl, orb.Polygon{ring})
		} else {
			excl = append(excl, orb.Polygon{ring})
		}
	}
	if len(incl) == 0 || len(excl) == 0 || len(f.Circles) != 1 || f.Circles[0].RadiusM != 600 {
		t.Fatalf("fence: %d inclusion, %d exclusion polygons, circles %+v", len(incl), len(excl), f.Circles)
	}
	// Every inclusion edge is on our side at no less than the standoff.
	var dense [][]orb.Point
	for _, l := range geo.MergeLines(lines) {
		dense = append(dense, geo.DensifyLonLat(l, 1000))
	}
	ref := geo.NewSegmentIndex(dense)
	for _, p := range incl {
		for k := 1; k < len(p[0]); k++ {
			d, s := refSegment(ref, p[0][k-1], p[0][k])
			if s != side || d < 299.5 {
				t.Fatalf("inclusion edge %d is %.1f m from the border on the %v side", k, d, s)
			}
		}
	}
	// The no-fly zone is inside an exclusion polygon, with its margin.
	covered := false
	for _, z := range excl {
		all := true
		for _, q := range noFly[0] {
			for _, az := range []float64{0, 90, 180, 270} {
				if !planar.PolygonContains(z, geo.Destination(q, az, 99)) {
					all = false
				}
			}
		}
		covered = covered || all
	}
	if !covered {
		t.Fatal("no exclusion polygon holds the no-fly zone grown by 100 m")
	}
	bad := req
	bad.DepthM = 100
	if _, err := GenerateFence(bad); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("depth below standoff: %v", err)
	}
}
