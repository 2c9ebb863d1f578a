package planner

import (
	"errors"
	"strings"
	"testing"
)

// The proposal is the able drone with the shortest route; the others are
// listed with the reason each cannot go (or is farther).
func TestProposeDispatch_NearestAbleDrone(t *testing.T) {
	layers := testLayers(t, map[string]string{
		"zone": `{"type":"Polygon","coordinates":[[[-110.96,31.35],[-110.94,31.35],[-110.94,31.37],[-110.96,31.37],[-110.96,31.35]]]}`,
		"ours": `{"type":"Polygon","coordinates":[[[-111.1,31.30],[-110.8,31.30],[-110.8,31.40],[-111.1,31.40],[-111.1,31.30]]]}`,
	})
	copter := VehicleClass{Name: "long-range copter", SpeedMS: 15, EnduranceS: 3600}
	home := LatLon{Lat: 31.36, Lon: -111.0}
	cands := []DispatchCandidate{
		{ID: 1, Pos: LatLon{Lat: 31.36, Lon: -110.99}, Home: home, BatteryPct: 15, Class: copter},  // nearest, too little battery
		{ID: 2, Pos: LatLon{Lat: 31.36, Lon: -110.98}, Home: home, BatteryPct: 90, Class: copter},  // able, behind the zone
		{ID: 3, Pos: LatLon{Lat: 31.33, Lon: -111.05}, Home: home, BatteryPct: 100, Class: copter}, // able, farther
		{ID: 4, Pos: LatLon{Lat: 31.36, Lon: -110.92}, Home: home, BatteryPct: 100, Class: copter, Unfit: "on the ground"},
	}
	req := DispatchRequest{Target: LatLon{Lat: 31.36, Lon: -110.91}, NoFlyLayers: []string{"zone"}, TerritoryLayers: []string{"ours"}}
	p, err := ProposeDispatch(req, cands, layers)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != 2 || len(p.Route) < 3 || p.DistanceM < 6500 || p.EtaS != p.DistanceM/copter.SpeedMS || p.BatteryAfterPct < 20 || p.LoiterS != 300 {
		t.Fatalf("proposal %+v", p)
	}
	reasons := map[uint32]string{}
	for _, r := range p.Rejected {
		reasons[r.ID] = r.Reason
	}
	if !strings.Contains(reasons[1], "battery 15%") || !strings.Contains(reasons[3], "drone 2 is nearer") || reasons[4] != "on the ground" || len(reasons) != 3 {
		t.Fatalf("rejections %+v", p.Rejected)
	}
	// A target outside our territory: no drone can go, and each says why.
	req.Target = LatLon{Lat: 31.2, Lon: -110.91}
	_, err = ProposeDispatch(req, cands, layers)
	var none *NoDroneError
	if !errors.As(err, &none) || !errors.Is(err, ErrNoPath) || len(none.Rejected) != 4 || !strings.Contains(err.Error(), "no route there") {
		t.Fatalf("target outside: %v", err)
	}
	if _, err := ProposeDispatch(DispatchRequest{Target: LatLon{Lat: 91}}, cands, layers); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("bad target: %v", err)
	}
}
