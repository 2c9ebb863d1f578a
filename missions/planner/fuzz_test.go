package planner

import (
	"math"
	"testing"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// FuzzPlanCorridor feeds arbitrary small borders (up to 8 vertices within
// ~20 km, possibly self-crossing or with repeated points) and parameters to
// the planner: it must answer with a plan or an error, never panic, and a
// plan's legs must keep the standoff in the planner's own measure, and its
// fences lie on our side, no vertex or edge nearer the line than the fence
// margin, by the independent referee of the property tests.
func FuzzPlanCorridor(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 255, 255, 0, 0, 128, 128, 200, 30}, uint16(500), uint8(1), false)
	f.Add([]byte{10, 10, 10, 10, 10, 10, 200, 200}, uint16(100), uint8(2), true)
	f.Add([]byte{0, 0, 255, 0, 255, 255, 0, 255, 0, 0}, uint16(2000), uint8(3), false)
	f.Add([]byte{0, 0, 128, 10, 255, 0}, uint16(300), uint8(130), true)
	f.Add([]byte{0, 0, 128, 10, 255, 0}, uint16(300), uint8(140), false)
	f.Fuzz(func(t *testing.T, pts []byte, standoff uint16, drones uint8, right bool) {
		var line []orb.Point
		for i := 0; i+1 < len(pts) && len(line) < 8; i += 2 {
			line = append(line, orb.Point{-110 + float64(pts[i])/1200, 31 + float64(pts[i+1])/1200})
		}
		side := geo.Left
		if right {
			side = geo.Right
		}
		req := CorridorParams{Border: [][]orb.Point{line}, Side: side, StandoffM: float64(standoff%3000) + 50,
			AltM: 100, Vehicle: Vehicle{CruiseMS: 15, EnduranceS: 3600}, Drones: int(drones%5) + 1}
		if drones >= 128 && len(line) >= 2 {
			// A no-fly square near the line's second vertex.
			c := line[1]
			d := 0.002 + float64(drones%16)*0.001
			req.NoFly = []orb.Polygon{{{{c[0] - d, c[1] + d/2}, {c[0] + d, c[1] + d/2}, {c[0] + d, c[1] + 3*d}, {c[0] - d, c[1] + 3*d}, {c[0] - d, c[1] + d/2}}}}
		}
		plan, err := PlanCorridor(req)
		if err != nil {
			return
		}
		ref := refBorder(t, [][]orb.Point{line})
		margin := DefaultFenceMargin(req.StandoffM)
		for i, l := range plan.Legs {
			for _, fp := range l.Plan.Fence.Polygons {
				if v := fenceViolation(ref, fp.Vertices, side, margin, 100); fp.Inclusion && v != "" {
					t.Fatalf("leg %d fence: %s", i+1, v)
				}
			}
			if l.MinBorderDistM < req.StandoffM*0.999 || math.IsNaN(l.FlightM) {
				t.Fatalf("leg %d: %.1f m from the border, standoff %.0f", i+1, l.MinBorderDistM, req.StandoffM)
			}
			for _, z := range req.NoFly {
				for k := 1; k < len(l.Route); k++ {
					if planar.PolygonContains(z, l.Route[k]) {
						t.Fatalf("leg %d waypoint %d inside the no-fly zone", i+1, k)
					}
					for e := 1; e < len(z[0]); e++ {
						if geo.SegmentsIntersect(l.Route[k-1], l.Route[k], z[0][e-1], z[0][e]) {
							t.Fatalf("leg %d segment %d crosses the no-fly zone", i+1, k)
						}
					}
				}
			}
		}
	})
}

// FuzzTransitRoute: arbitrary triangular zones (slivers included) within
// ~10 km and endpoints; a route must never touch a zone, and nothing may
// panic.
func FuzzTransitRoute(f *testing.F) {
	f.Add([]byte{100, 100, 150, 100, 150, 150, 100, 150, 0, 0, 255, 255}, uint8(30))
	f.Add([]byte{0, 0, 255, 255, 0, 255, 10, 10, 240, 240, 5, 250}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, margin uint8) {
		if len(data) < 10 {
			return
		}
		p := func(i int) orb.Point {
			return orb.Point{-110 + float64(data[i%len(data)])/2400, 31 + float64(data[(i+1)%len(data)])/2400}
		}
		var zones []orb.Polygon
		for i := 4; i+6 <= len(data) && len(zones) < 6; i += 6 {
			r := orb.Ring{p(i), p(i + 2), p(i + 4), p(i)}
			if geo.RingArea(r) != 0 {
				zones = append(zones, orb.Polygon{r})
			}
		}
		if len(zones) == 0 {
			return
		}
		tr, err := NewTransit(TransitConfig{Exclusions: zones, MarginM: float64(margin) + 1})
		if err != nil {
			return
		}
		r, err := tr.Route(p(0), p(2))
		if err != nil {
			return
		}
		// Against the zones as given (the router grew them by the margin,
		// so floating-point noise at a grown corner cannot matter here).
		for k := 1; k < len(r.Path); k++ {
			a, b := r.Path[k-1], r.Path[k]
			for zi, z := range zones {
				if planar.PolygonContains(z, a) || planar.PolygonContains(z, b) {
					t.Fatalf("route point inside zone %d", zi)
				}
				for e := 1; e < len(z[0]); e++ {
					if geo.SegmentsIntersect(a, b, z[0][e-1], z[0][e]) {
						t.Fatalf("route segment %d crosses zone %d", k, zi)
					}
				}
			}
		}
	})
}

// FuzzGenerateFence: arbitrary small borders and no-fly squares; a fence
// or an error, never a panic, and every inclusion polygon within the
// vertex limit, on our side and clear of the border by the standoff, by the
// independent referee of the property tests.
func FuzzGenerateFence(f *testing.F) {
	f.Add([]byte{0, 0, 128, 10, 255, 0}, uint16(300), uint8(12))
	f.Add([]byte{0, 0, 255, 255, 0, 255, 255, 0}, uint16(50), uint8(200))
	f.Fuzz(func(t *testing.T, pts []byte, standoff uint16, extra uint8) {
		var line []orb.Point
		for i := 0; i+1 < len(pts) && len(line) < 8; i += 2 {
			line = append(line, orb.Point{-110 + float64(pts[i])/1200, 31 + float64(pts[i+1])/1200})
		}
		req := FenceParams{Border: [][]orb.Point{line}, Side: geo.Left, StandoffM: float64(standoff%2000) + 20,
			MaxVertices: 8 + int(extra%60)}
		req.DepthM = req.StandoffM + 500 + float64(extra)*40
		if extra >= 128 && len(line) >= 2 {
			c := line[1]
			req.NoFly = []orb.Polygon{{{{c[0], c[1]}, {c[0] + 0.01, c[1]}, {c[0] + 0.01, c[1] + 0.01}, {c[0], c[1]}}}}
			req.NoFlyMarginM = float64(extra % 50)
		}
		fence, err := GenerateFence(req)
		if err != nil {
			return
		}
		ix := geo.NewSegmentIndex([][]orb.Point{line})
		ref := refBorder(t, [][]orb.Point{line})
		for _, p := range fence.Polygons {
			if len(p.Vertices) > req.MaxVertices || len(p.Vertices) < 3 {
				t.Fatalf("polygon of %d vertices, limit %d", len(p.Vertices), req.MaxVertices)
			}
			if !p.Inclusion {
				continue
			}
			for k := range p.Vertices {
				a, b := p.Vertices[k], p.Vertices[(k+1)%len(p.Vertices)]
				// Crossing the border line (in lon/lat) is never allowed.
				if ix.Crosses(a, b) {
					t.Fatalf("inclusion edge %d crosses the border", k)
				}
			}
			if v := fenceViolation(ref, p.Vertices, req.Side, req.StandoffM, 100); v != "" {
				t.Fatalf("inclusion polygon: %s", v)
			}
		}
	})
}
