package web

import (
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/demodata"
	"github.com/borderwatch/borderwatch/missions/planner"
	"github.com/borderwatch/borderwatch/telemetry"
)

// demoLayerServer is a server holding the demo's border and territory
// layers and a no-fly square north of the border at Nogales.
func demoLayerServer(t *testing.T) *Server {
	t.Helper()
	s := newRecordingServer(t, &telemetry.Hub{}, nil, nil)
	border, err := missions.ParseGeoJSONLayer(demodata.NogalesBorder, "demo-border", "border", missions.LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	territory, err := missions.ParseGeoJSONLayer(demodata.NogalesTerritory, "demo-territory", "US side", missions.LayerOwnTerritory)
	if err != nil {
		t.Fatal(err)
	}
	noFly, err := missions.ParseGeoJSONLayer([]byte(`{"type":"Polygon","coordinates":[[[-110.96,31.35],[-110.94,31.35],[-110.94,31.37],[-110.96,31.37],[-110.96,31.35]]]}`), "zone", "zone", missions.LayerNoFly)
	if err != nil {
		t.Fatal(err)
	}
	s.layerMu.Lock()
	s.Layers = []*missions.Layer{border, territory, noFly}
	s.layerMu.Unlock()
	return s
}

// The corridor wizard's request, a fence and a transit, planned over the
// server's layers by the planner the CLI uses.
func TestRoutes_CorridorFenceTransit_OverServerLayers(t *testing.T) {
	s := demoLayerServer(t)
	code, body := send(t, "POST", s.URL()+"/api/v1/routes/corridor", "application/json", []byte(`{
		"border_layer": "demo-border", "side": "left", "standoff_m": 500, "drones": 3, "vehicle_type": "plane",
		"from": {"lat": 31.33, "lon": -111.05}, "to": {"lat": 31.33, "lon": -110.80}, "no_fly_layers": ["zone"]}`))
	res := decode[planner.CorridorResult](t, body)
	if code != 200 || len(res.Plans) == 0 || len(res.Plans) != len(res.Summary.Legs) || res.Summary.MaxRevisitS <= 0 {
		t.Fatalf("corridor: %d %.300s", code, body)
	}
	for _, leg := range res.Summary.Legs {
		if leg.MinBorderDistM < 500-1 {
			t.Fatalf("leg %d comes %.0f m from the border", leg.Leg, leg.MinBorderDistM)
		}
	}
	// Every plan passes the server's own validation (border rule at the standoff).
	for _, pf := range res.Plans {
		code, vb := send(t, "POST", s.URL()+"/api/v1/plans/validate?min_border_m=499", "application/json", pf.QGCPlan)
		if v := decode[PlanValidation](t, vb); code != 200 || !v.Valid {
			t.Fatalf("plan %s does not validate: %d %s", pf.Name, code, vb)
		}
	}
	code, body = send(t, "POST", s.URL()+"/api/v1/routes/fence", "application/json", []byte(`{"border_layer": "demo-border", "side": "left", "standoff_m": 300, "depth_m": 3000, "no_fly_layers": ["zone"]}`))
	fence := decode[planner.FenceResult](t, body)
	if code != 200 || fence.Summary.Inclusion == 0 || fence.Summary.Exclusion == 0 {
		t.Fatalf("fence: %d %.300s", code, body)
	}
	code, body = send(t, "POST", s.URL()+"/api/v1/routes/transit", "application/json", []byte(`{"from": {"lat": 31.36, "lon": -110.99}, "to": {"lat": 31.36, "lon": -110.91}, "no_fly_layers": ["zone"], "territory_layers": ["demo-territory"]}`))
	tr := decode[planner.TransitResult](t, body)
	if code != 200 || len(tr.Path) < 3 || tr.LengthM < 7600 {
		t.Fatalf("transit: %d %s", code, body)
	}
	for _, c := range []struct {
		path, body string
		want       int
		says       string
	}{
		{"corridor", `{"border_layer": "nothere", "side": "left"}`, 400, "no layer"},
		{"corridor", `{"border_layer": "zone", "side": "left"}`, 400, "not border"},
		{"corridor", `{"border_layer": "demo-border", "side": "left", "standoff_m": -5}`, 400, ""},
		{"fence", `{"border_layer": "demo-border", "bogus": 1}`, 400, "unknown field"},
		{"transit", `{"from": {"lat": 31.36, "lon": -110.99}, "to": {"lat": 31.2, "lon": -110.91}, "territory_layers": ["demo-territory"]}`, 422, "no path"},
	} {
		code, body := send(t, "POST", s.URL()+"/api/v1/routes/"+c.path, "application/json", []byte(c.body))
		if code != c.want || !strings.Contains(string(body), c.says) {
			t.Errorf("%s %s: %d %s, want %d saying %q", c.path, c.body, code, body, c.want, c.says)
		}
	}
}
