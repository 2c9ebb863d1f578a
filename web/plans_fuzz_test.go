package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// storedState digests everything the plan, layer and alert endpoints may
// change in the store, to tell whether a request changed it.
func storedState(t testing.TB, st *store.Store, alertID string) string {
	t.Helper()
	h := sha256.New()
	add := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	plans, err := st.Plans()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plans {
		v, err := st.Plan(p.Name, 0)
		if err != nil {
			t.Fatal(err)
		}
		add(v)
	}
	if err := st.Layers(true, func(l store.LayerRecord) bool { add(l); return true }); err != nil {
		t.Fatal(err)
	}
	acks, err := st.AlertAcks([]string{alertID})
	if err != nil {
		t.Fatal(err)
	}
	add(acks)
	ups, err := st.PlanUploads("", 0)
	if err != nil {
		t.Fatal(err)
	}
	add(ups)
	return hex.EncodeToString(h.Sum(nil))
}

// FuzzPlanAPI_Bodies sends arbitrary bodies to every endpoint of the plan
// library, plan tools, layers, alert acknowledgements, route planning and
// "send a drone". Whatever the body:
// the server answers with JSON and never blames itself (5xx); a refused body
// (4xx) changes nothing stored; an accepted one is stored as answered.
func FuzzPlanAPI_Bodies(f *testing.F) {
	model, err := json.Marshal(planNearHome())
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(model),
		`{"fileType":"Plan","version":1,"groundStation":"QGroundControl","mission":{"version":2,"firmwareType":12,"vehicleType":2,"cruiseSpeed":15,"hoverSpeed":5,"plannedHomePosition":[31.35,-110.95,1200],"items":[]},"geoFence":{"version":2,"polygons":[],"circles":[]},"rallyPoints":{"version":2,"points":[]}}`,
		"QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t31.35\t-110.95\t1200\t1\n1\t0\t3\t16\t0\t0\t0\t0\t31.36\t-110.95\t50\t1\n",
		"31.35 -110.95\n31.34 -110.96\n31.36 -110.96\n31.36 -110.94\n31.34 -110.94\n",
		borderNearHome,
		`<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>-110.96,31.34 -110.94,31.34 -110.94,31.36 -110.96,31.34</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>`,
		`{"vehicle": 7, "version": 1}`, `{"name": "north sector"}`, `{"note": "seen"}`,
		`{"border_layer": "stored-1", "side": "left", "standoff_m": 500}`,
		`{"from": {"lat": 31.36, "lon": -110.99}, "to": {"lat": 31.36, "lon": -110.91}, "no_fly_layers": ["stored-1"]}`,
		`{"lat": 31.36, "lon": -110.95, "sysid": 1}`,
		``, `null`, `[]`, `{"unknown": 1}`, `{"mission": [{"command": 16, "frame": 3, "params": [0,0,0,0,95,0,10]}]}`,
	} {
		for ep := 0; ep < 16; ep++ {
			f.Add(uint8(ep), []byte(seed))
		}
	}
	hub := &telemetry.Hub{}
	s := newRecordingServer(f, hub, nil, nil)
	st := s.Store
	// One stored plan, layer and alert for the updates and the ack to aim at.
	if _, err := st.CreatePlan(store.PlanVersion{Name: "base", ContentType: planStoredType, Data: mustQGC(f, planNearHome())}); err != nil {
		f.Fatal(err)
	}
	if _, err := st.AddLayer(store.LayerRecord{Name: "zone", Kind: "no_fly", Data: []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-110.96,31.34],[-110.94,31.34],[-110.94,31.36],[-110.96,31.34]]]}}]}`)}, maxLayers); err != nil {
		f.Fatal(err)
	}
	alert := telemetry.Alert{EventHeader: telemetry.Header(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), 2), Type: telemetry.AlertLowBattery, Text: "battery 9%"}
	if err := st.Append(nil, []telemetry.Event{alert}); err != nil {
		f.Fatal(err)
	}
	alertID := store.AlertID(alert)
	h := s.routes()
	endpoints := []struct{ method, path, ctype string }{
		{http.MethodPost, "/api/v1/plans?name=fz", "application/json"},
		{http.MethodPost, "/api/v1/plans?name=fz2&format=json", "application/json"},
		{http.MethodPut, "/api/v1/plans/base", "text/plain"},
		{http.MethodPut, "/api/v1/plans/base?merge=1", "text/plain"},
		{http.MethodPost, "/api/v1/plans/validate", "application/json"},
		{http.MethodPost, "/api/v1/plans/convert?to=json", "text/plain"},
		{http.MethodPost, "/api/v1/plans/base/upload", "application/json"},
		{http.MethodPut, "/api/v1/vehicles/7/plan", "application/json"},
		{http.MethodPost, "/api/v1/layers?kind=no_fly&name=fz", "application/geo+json"},
		{http.MethodPatch, "/api/v1/layers/stored-1", "application/json"},
		{http.MethodPost, "/api/v1/alerts/" + alertID + "/ack", "application/json"},
		{http.MethodPost, "/api/v1/routes/corridor", "application/json"},
		{http.MethodPost, "/api/v1/routes/fence", "application/json"},
		{http.MethodPost, "/api/v1/routes/transit", "application/json"},
		{http.MethodPost, "/api/v1/dispatch/propose", "application/json"},
		{http.MethodPost, "/api/v1/dispatch", "application/json"},
	}
	f.Fuzz(func(t *testing.T, ep uint8, body []byte) {
		e := endpoints[int(ep)%len(endpoints)]
		before := storedState(t, st, alertID)
		req := httptest.NewRequest(e.method, e.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", e.ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusGatewayTimeout {
			t.Fatalf("%s %s with %q: status %d: %s", e.method, e.path, body, rec.Code, rec.Body.Bytes())
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s with %q: answer is not JSON: %q", e.method, e.path, body, rec.Body.Bytes())
		}
		after := storedState(t, st, alertID)
		if rec.Code >= 400 {
			if after != before {
				t.Fatalf("%s %s with %q was refused (%d %s) but changed the store", e.method, e.path, body, rec.Code, rec.Body.Bytes())
			}
			return
		}
		var saved PlanSaved
		if (e.method == http.MethodPost && e.path[len(e.path)-4:] != "date" && json.Unmarshal(rec.Body.Bytes(), &saved) == nil && saved.Version > 0) || e.method == http.MethodPut && e.path[:13] == "/api/v1/plans" {
			if err := json.Unmarshal(rec.Body.Bytes(), &saved); err != nil {
				t.Fatal(err)
			}
			stored, err := st.Plan(saved.Name, saved.Version)
			if err != nil {
				t.Fatalf("answered version %d of %q, not stored: %v", saved.Version, saved.Name, err)
			}
			p, err := missions.ReadQGCPlan(stored.Data)
			if err != nil {
				t.Fatalf("a stored version does not read back: %v", err)
			}
			if countPlan(p) != saved.Counts {
				t.Fatalf("answered %+v, stored %+v", saved.Counts, countPlan(p))
			}
			// Leave the library as it was for the next input.
			if saved.Name != "base" {
				if err := st.DeletePlan(saved.Name); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

func mustQGC(t testing.TB, p *missions.Plan) []byte {
	t.Helper()
	b, err := missions.WriteQGCPlan(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
