package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/demodata"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/borderwatch/borderwatch/tak"
	"github.com/borderwatch/borderwatch/telemetry"
)

// "Send a drone" to a TAK marker: the server takes the target from the
// marker it holds (not from the browser), a marker across the border is
// refused as any target there is (the planner's own-territory rule), an
// unknown uid is a 404, and the audit names the marker with its uid quoted.
func TestDispatch_TAKMarkerTarget_InsideSentAcrossBorderRefused(t *testing.T) {
	hub := &telemetry.Hub{}
	markers := &tak.Markers{}
	territory, err := missions.ParseGeoJSONLayer(demodata.NogalesTerritory, "demo-territory", "US side", missions.LayerOwnTerritory)
	if err != nil {
		t.Fatal(err)
	}
	s := newRecordingServerWith(t, hub, newSimFleet(t, hub, "arducopter", 0), nil, func(s *Server) {
		s.TAKMarkers = markers
		s.Layers = []*missions.Layer{territory}
	})
	home := orb.Point{-110.95, 31.352}
	inside := geo.Destination(home, 90, 200)
	now := time.Now()
	put := func(uid string, p orb.Point) {
		markers.Put(&tak.Event{UID: uid, Type: "b-m-p-s-m", Time: tak.FormatTime(now), Stale: tak.FormatTime(now.Add(time.Hour)),
			Point: tak.Point{Lat: p[1], Lon: p[0], HAE: tak.Unknown}, Detail: &tak.Detail{Contact: &tak.Contact{Callsign: `<b>"team"</b>`}}}, "test")
	}
	put(`poi "1"`, inside)
	put("across", orb.Point{-110.95, 31.31}) // Mexico, south of the Nogales line

	for _, c := range []string{`{"command": "mode", "mode": "GUIDED"}`, `{"command": "arm"}`, `{"command": "takeoff", "alt_m": 20}`} {
		if code, answer := send(t, "POST", s.URL()+"/api/v1/vehicles/1/commands", "application/json", []byte(c)); code != 200 {
			t.Fatalf("%s: %d %s", c, code, answer)
		}
	}
	testenv.Eventually(t, 60*time.Second, "drone 1 climbs", func() bool {
		v, _, _ := s.Fleet.Vehicle(context.Background(), 1)
		return v.RelAltM > 18
	})

	code, answer := send(t, "POST", s.URL()+"/api/v1/dispatch/propose", "application/json", []byte(`{"tak_uid": "across"}`))
	if code != 422 {
		t.Fatalf("propose to a marker across the border: %d %s, want 422", code, answer)
	}
	code, answer = send(t, "POST", s.URL()+"/api/v1/dispatch", "application/json", []byte(`{"sysid": 1, "tak_uid": "across"}`))
	if code != 422 {
		t.Fatalf("dispatch to a marker across the border: %d %s, want 422", code, answer)
	}
	code, answer = send(t, "POST", s.URL()+"/api/v1/dispatch/propose", "application/json", []byte(`{"tak_uid": "gone"}`))
	if code != 404 || !strings.Contains(string(answer), "unknown or stale") {
		t.Fatalf("propose to an unknown marker: %d %s, want 404", code, answer)
	}

	// The browser's lat/lon are ignored when a marker is named.
	code, answer = send(t, "POST", s.URL()+"/api/v1/dispatch/propose", "application/json", []byte(`{"tak_uid": "poi \"1\"", "lat": 0, "lon": 0}`))
	p := decode[DispatchSent](t, answer)
	if code != 200 || p.ID != 1 || len(p.Route) < 2 {
		t.Fatalf("propose to the marker: %d %s", code, answer)
	}
	if end := p.Route[len(p.Route)-1]; geo.Distance(end.Point(), inside) > 1 {
		t.Fatalf("route ends at %v, want the marker at %v", end, inside)
	}
	code, answer = send(t, "POST", s.URL()+"/api/v1/dispatch", "application/json", []byte(`{"sysid": 1, "tak_uid": "poi \"1\""}`))
	if sent := decode[DispatchSent](t, answer); code != 200 || sent.Result != "accepted" {
		t.Fatalf("dispatch to the marker: %d %s", code, answer)
	}
	testenv.Eventually(t, 120*time.Second, "drone 1 at the marker", func() bool {
		v, _, _ := s.Fleet.Vehicle(context.Background(), 1)
		return geo.Distance(orb.Point{v.Lon, v.Lat}, inside) < dispatchArriveM
	})
	testenv.Eventually(t, 5*time.Second, "dispatch to the marker audited", func() bool {
		_, body := send(t, "GET", s.URL()+"/api/v1/audit?limit=100", "", nil)
		return strings.Contains(string(body), `(TAK marker \"poi \\\"1\\\"\")`)
	})
}
