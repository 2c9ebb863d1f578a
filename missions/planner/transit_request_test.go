package planner

import (
	"errors"
	"fmt"
	"testing"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

func testLayers(t *testing.T, byID map[string]string) LayerLookup {
	return func(ref string, kind missions.LayerKind) (*missions.Layer, error) {
		data, ok := byID[ref]
		if !ok {
			return nil, fmt.Errorf("%w: no layer %q", ErrBadRequest, ref)
		}
		return missions.ParseGeoJSONLayer([]byte(data), ref, ref, kind)
	}
}

// A transit goes round a no-fly square that blocks the straight line, stays
// inside our territory, and inside a vehicle's fence when it has one.
func TestRouteTransit_AroundNoFlyInsideTerritoryAndFence(t *testing.T) {
	layers := testLayers(t, map[string]string{
		"zone":  `{"type":"Polygon","coordinates":[[[-110.96,31.35],[-110.94,31.35],[-110.94,31.37],[-110.96,31.37],[-110.96,31.35]]]}`,
		"ours":  `{"type":"Polygon","coordinates":[[[-111.1,31.30],[-110.8,31.30],[-110.8,31.40],[-111.1,31.40],[-111.1,31.30]]]}`,
		"lines": `{"type":"LineString","coordinates":[[-111,31],[-110,31]]}`,
	})
	req := TransitRequest{From: LatLon{Lat: 31.36, Lon: -110.99}, To: LatLon{Lat: 31.36, Lon: -110.91}}
	straight, err := RouteTransit(req, layers)
	if err != nil || len(straight.Path) != 2 || straight.FlightS != straight.LengthM/10 {
		t.Fatalf("no zones: %+v, %v", straight, err)
	}
	req.NoFlyLayers, req.TerritoryLayers = []string{"zone"}, []string{"ours"}
	r, err := RouteTransit(req, layers)
	if err != nil {
		t.Fatal(err)
	}
	if r.LengthM <= straight.LengthM || len(r.Path) < 3 {
		t.Fatalf("route round the zone: %+v (straight %.0f m)", r, straight.LengthM)
	}
	zone := geo.NewPolygonIndex(orb.Polygon{{{-110.96, 31.35}, {-110.94, 31.35}, {-110.94, 31.37}, {-110.96, 31.37}}})
	for i := 1; i < len(r.Path); i++ {
		a, b := r.Path[i-1].Point(), r.Path[i].Point()
		for k := 0; k <= 100; k++ {
			f := float64(k) / 100
			if p := (orb.Point{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f}); zone.Contains(p) {
				t.Fatalf("leg %d passes through the no-fly zone at %v", i, p)
			}
		}
	}
	// A fence that leaves no way round the zone: no path, said so.
	req.Fence = &missions.Fence{Polygons: []missions.FencePolygon{{Inclusion: true, Vertices: []orb.Point{{-111, 31.355}, {-110.9, 31.355}, {-110.9, 31.365}, {-111, 31.365}}}}}
	if _, err := RouteTransit(req, layers); !errors.Is(err, ErrNoPath) {
		t.Fatalf("fence that blocks every way: %v", err)
	}
	// Outside the territory: refused.
	req.Fence = nil
	req.To = LatLon{Lat: 31.2, Lon: -110.91}
	if _, err := RouteTransit(req, layers); !errors.Is(err, ErrNoPath) {
		t.Fatalf("goal outside our territory: %v", err)
	}
	for _, bad := range []TransitRequest{
		{From: LatLon{Lat: 95}, To: LatLon{}},
		{From: LatLon{}, To: LatLon{}, MarginM: -1},
		{From: LatLon{}, To: LatLon{}, NoFlyLayers: []string{"nothere"}},
	} {
		if _, err := RouteTransit(bad, layers); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
