package simulator

import (
	"testing"
	"time"
)

// ArduCopter/fence.cpp: a copter found more than AC_FENCE_GIVE_UP_DISTANCE
// (100 m) outside its fence lands where it is instead of flying back.
func TestArduCopter_FenceBreach_FarOutsideLands(t *testing.T) {
	sc := flyingScenario("arducopter")
	v0 := &sc.Vehicles[0]
	v0.Fence = []FenceSpec{{Inclusion: true, Polygon: polygonAt([][2]float64{{-100, -100}, {100, -100}, {100, 100}, {-100, 100}})}}
	f, _ := startFleet(t, sc, nil)
	v := vehicleBy(f, 1)
	// The fence is stored but off; the patrol flies out of it.
	stepUntil(t, f, 100*time.Millisecond, 3*time.Minute, "350 m north", func() bool {
		n, _ := northEast(v.home.lat, v.home.lon, v.lat, v.lon)
		return n > 350
	})
	if v.fence.breached {
		t.Fatal("a fence that is off was enforced")
	}
	if err := f.do(func() { v.params.set("FENCE_ENABLE", 1) }); err != nil {
		t.Fatal(err)
	}
	stepUntil(t, f, 100*time.Millisecond, 10*time.Second, "fence breach", func() bool { return v.fence.breached })
	if v.beh != bLand {
		t.Fatalf("250 m outside the fence the copter is in %s, want LAND", v.flavor.ModeName(v.custom))
	}
}

// polygonAt is a polygon of points given in metres north and east of the
// test home.
func polygonAt(corners [][2]float64) []LatLon {
	var poly []LatLon
	for _, c := range corners {
		lat, lon := at(c[0], c[1])
		poly = append(poly, LatLon{lat, lon})
	}
	return poly
}
