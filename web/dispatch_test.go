package web

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/borderwatch/borderwatch/telemetry"
)

// "Send a drone" with the real simulator over loopback UDP: a drone on the
// ground is not proposed; once flying it is, with a route round a no-fly
// zone between it and the target; confirmed, it flies the route's corners
// and holds at the target. The dispatch is audited.
func TestDispatch_ProposeConfirm_FliesRoundNoFlyToTarget(t *testing.T) {
	hub := &telemetry.Hub{}
	s := newRecordingServer(t, hub, newSimFleet(t, hub, "arducopter", 0), nil)
	// A 60 m no-fly square 100 m east of home, across the straight line to the target 200 m east.
	home := orb.Point{-110.95, 31.352}
	c := geo.Destination(home, 90, 100)
	sw, ne := geo.Destination(geo.Destination(c, 180, 30), 270, 30), geo.Destination(geo.Destination(c, 0, 30), 90, 30)
	zone := `{"type":"Polygon","coordinates":[[` + pt(sw) + `,` + pt(orb.Point{ne[0], sw[1]}) + `,` + pt(ne) + `,` + pt(orb.Point{sw[0], ne[1]}) + `,` + pt(sw) + `]]}`
	if code, body := send(t, "POST", s.URL()+"/api/v1/layers?kind=no_fly&name=zone", "application/geo+json", []byte(zone)); code != 201 {
		t.Fatalf("no-fly layer: %d %s", code, body)
	}
	target := geo.Destination(home, 90, 200)
	body := []byte(`{"lat": ` + num(target[1]) + `, "lon": ` + num(target[0]) + `}`)
	code, answer := send(t, "POST", s.URL()+"/api/v1/dispatch/propose", "application/json", body)
	if code != 422 || !strings.Contains(string(answer), "on the ground") {
		t.Fatalf("propose with the drone on the ground: %d %s", code, answer)
	}

	for _, c := range []string{`{"command": "mode", "mode": "GUIDED"}`, `{"command": "arm"}`, `{"command": "takeoff", "alt_m": 20}`} {
		if code, answer := send(t, "POST", s.URL()+"/api/v1/vehicles/1/commands", "application/json", []byte(c)); code != 200 {
			t.Fatalf("%s: %d %s", c, code, answer)
		}
	}
	testenv.Eventually(t, 60*time.Second, "drone 1 climbs", func() bool {
		v, _, _ := s.Fleet.Vehicle(context.Background(), 1)
		return v.RelAltM > 18
	})
	code, answer = send(t, "POST", s.URL()+"/api/v1/dispatch/propose", "application/json", body)
	p := decode[DispatchSent](t, answer)
	if code != 200 || p.ID != 1 || len(p.Route) < 3 || p.DistanceM <= 200 || p.BatteryAfterPct <= 20 {
		t.Fatalf("proposal: %d %s", code, answer)
	}
	code, answer = send(t, "POST", s.URL()+"/api/v1/dispatch", "application/json", []byte(`{"id": 1, "lat": `+num(target[1])+`, "lon": `+num(target[0])+`}`))
	sent := decode[DispatchSent](t, answer)
	if code != 200 || sent.Result != "accepted" || sent.Steps != len(p.Route)-1 || sent.AltM < 18 {
		t.Fatalf("dispatch: %d %s", code, answer)
	}
	// It flies the corners (never into the zone) and holds at the target.
	zoneIx := geo.NewPolygonIndex(orb.Polygon{{sw, {ne[0], sw[1]}, ne, {sw[0], ne[1]}}})
	testenv.Eventually(t, 120*time.Second, "drone 1 at the target", func() bool {
		v, _, _ := s.Fleet.Vehicle(context.Background(), 1)
		here := orb.Point{v.Lon, v.Lat}
		if zoneIx.Contains(here) {
			t.Fatalf("drone 1 flew into the no-fly zone at %v", here)
		}
		return geo.Distance(here, target) < dispatchArriveM
	})
	if v, _, _ := s.Fleet.Vehicle(context.Background(), 1); v.Mode != "GUIDED" {
		t.Fatalf("drone 1 is in %s at the target, want GUIDED (holding)", v.Mode)
	}
	testenv.Eventually(t, 5*time.Second, "dispatch audited", func() bool {
		_, body := send(t, "GET", s.URL()+"/api/v1/audit?limit=100", "", nil)
		return strings.Contains(string(body), `"action": "dispatch"`) && strings.Contains(string(body), "send drone 1 to")
	})
	if code, answer := send(t, "POST", s.URL()+"/api/v1/dispatch", "application/json", []byte(`{"lat": 31.35, "lon": -110.95}`)); code != 400 {
		t.Fatalf("dispatch without sysid: %d %s", code, answer)
	}
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 8, 64) }

func pt(p orb.Point) string { return "[" + num(p[0]) + "," + num(p[1]) + "]" }
