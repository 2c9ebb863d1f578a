package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// newVehicleTestServer runs the server, a fleet and one simulated vehicle
// (the real simulator) on loopback.
func newVehicleTestServer(t *testing.T, flavor string, ready time.Duration) *Server {
	t.Helper()
	hub := &telemetry.Hub{}
	fleet := newSimFleet(t, hub, flavor, ready)
	s := &Server{Addr: "127.0.0.1:0", Fleet: fleet, Hub: hub, Store: storetest.MustOpen(t)}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	adminToken(t, s)
	return s
}

// newSimFleet runs a fleet on loopback UDP with one simulated vehicle of
// the flavor (system id 1, home in Arizona), heard before it returns.
func newSimFleet(t *testing.T, hub *telemetry.Hub, flavor string, ready time.Duration) *gcs.Fleet {
	t.Helper()
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub, NoStreamRequests: true,
		RequestTimeout: 300 * time.Millisecond, ItemTimeout: 30 * time.Millisecond}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	spec := simulator.VehicleSpec{SysID: 1, Home: simulator.Home{Lat: 31.352, Lon: -110.95, AltM: 1200}, ReadyAfter: simulator.Duration(ready)}
	sim := &simulator.Fleet{GCS: fmt.Sprintf("udp://127.0.0.1:%d", fleet.LinkAddrs()[0].(*net.UDPAddr).Port),
		Scenario: &simulator.Scenario{Name: "web", Vehicles: []simulator.VehicleSpec{spec}}, Flavor: flavor, Rate: 5, StepPeriod: time.Millisecond}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	testenv.Eventually(t, 10*time.Second, "vehicle 1 heard", func() bool {
		v, ok, _ := fleet.Vehicle(context.Background(), 1)
		return ok && v.Autopilot != "generic"
	})
	return fleet
}

func call(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := tokenFor(url); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, res.StatusCode, data, err)
		}
	}
	return res.StatusCode
}

func TestVehicleCommands_Post_ResultsAndErrors(t *testing.T) {
	s := newVehicleTestServer(t, "arducopter", time.Hour)
	u := s.URL() + "/api/v1/vehicles/1/commands"
	var r CommandResponse
	if code := call(t, "POST", u, `{"command": "mode", "mode": "STABILIZE"}`, &r); code != 200 || r.Status != "accepted" {
		t.Fatalf("mode: %d %+v", code, r)
	}
	// No position estimate: the arm is refused and the answer says why.
	if code := call(t, "POST", u, `{"command": "arm"}`, &r); code != http.StatusConflict || !strings.Contains(r.Error, "Arm: ") || r.Status != "failed" {
		t.Fatalf("arm: %d %+v", code, r)
	}
	var e apiError
	for body, want := range map[string]int{
		`{"command": "warp"}`:                                  400,
		`{"command": "takeoff"}`:                               400,
		`{"command": "mode", "mode": "NO_SUCH"}`:               400,
		`{"command": "arm", "colour": "red"}`:                  400,
		`not json`:                                             400,
		`{"command": "goto", "lat": 91, "lon": 0, "alt_m": 5}`: 400,
	} {
		if code := call(t, "POST", u, body, &e); code != want || e.Error == "" {
			t.Errorf("%s: %d %q, want %d with an error", body, code, e.Error, want)
		}
	}
	if code := call(t, "POST", s.URL()+"/api/v1/vehicles/99/commands", `{"command": "rtl"}`, &e); code != 404 {
		t.Fatalf("unknown vehicle: %d", code)
	}
	// Every command is in the audit trail.
	audit := s.Hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, 64)
	defer audit.Close()
	var fr FleetCommandResponse
	if code := call(t, "POST", s.URL()+"/api/v1/commands", `{"vehicles": [1, 42], "command": "mode", "mode": "ALT_HOLD"}`, &fr); code != 200 || fr.OK != 1 || fr.Failed != 1 || fr.Results[1].Error == "" {
		t.Fatalf("fleet command: %d %+v", code, fr)
	}
	actions := 0
	for _, m := range audit.Drain(nil) {
		// Who (the test's admin), what with its arguments, from where.
		if a, ok := m.(telemetry.OperatorAction); ok && a.Action == "command" && a.User == "test-admin" && a.Remote == "127.0.0.1" &&
			a.Detail == `{"command":"mode","mode":"ALT_HOLD"} (fleet)` {
			actions++
		}
	}
	if actions != 2 {
		t.Fatalf("%d audit records for a fleet command to 2 vehicles", actions)
	}
}

func TestVehiclePlan_PutGet_SharedPlanVerifiedAndDownloaded(t *testing.T) {
	file := filepath.Join(testenv.SharedData(t), "qgc_plans", "mavlink_qgroundcontrol", "simple_square.plan")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want, err := missions.ReadQGCPlan(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, flavor := range []string{"arducopter", "px4"} {
		s := newVehicleTestServer(t, flavor, 0)
		u := s.URL() + "/api/v1/vehicles/1/plan"
		// QGroundControl's sample square is in Switzerland and written for
		// PX4, the simulated vehicle in Arizona: the upload waits for a
		// confirmation of each.
		wantWarn := "far_from_home"
		if flavor == "arducopter" {
			wantWarn += " other_autopilot"
		}
		var refused PlanUploadRefused
		if code := call(t, "PUT", u, string(data), &refused); code != 409 || warningCodes(refused.Warnings) != wantWarn {
			t.Fatalf("%s: PUT a far plan: %d %+v, want warnings %s", flavor, code, refused, wantWarn)
		}
		var r PlanUploadResponse
		if code := call(t, "PUT", u+"?confirm=1", string(data), &r); code != 200 || !r.Verified || r.Error != "" {
			t.Fatalf("%s: PUT plan: %d %+v", flavor, code, r)
		}
		res, err := client(t, s).Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "vehicle-1.plan") {
			t.Fatalf("%s: GET plan: %s %s", flavor, res.Status, body)
		}
		got, err := missions.ReadQGCPlan(body)
		if err != nil {
			t.Fatalf("%s: downloaded plan does not parse: %v", flavor, err)
		}
		if len(got.Mission) != len(want.Mission) {
			t.Fatalf("%s: downloaded %d items, uploaded %d", flavor, len(got.Mission), len(want.Mission))
		}
		var e apiError
		if code := call(t, "PUT", u, `{"fileType": "Plan", "version": 1, "mission": 3}`, &e); code != 400 || !strings.Contains(e.Error, ".plan") {
			t.Fatalf("%s: bad plan: %d %q", flavor, code, e.Error)
		}
	}
}

func TestVehicleParams_GetSet(t *testing.T) {
	s := newVehicleTestServer(t, "arducopter", 0)
	var ps ParamsResponse
	if code := call(t, "GET", s.URL()+"/api/v1/vehicles/1/params?refresh=1", "", &ps); code != 200 || len(ps.Params) == 0 || ps.Source != "vehicle" {
		t.Fatalf("params: %d %d %s", code, len(ps.Params), ps.Source)
	}
	name := ps.Params[0].Name
	var p gcs.Param
	if code := call(t, "PUT", s.URL()+"/api/v1/vehicles/1/params/"+name, fmt.Sprintf(`{"value": %g}`, ps.Params[0].Value), &p); code != 200 || p.Name != name {
		t.Fatalf("set %s: %d %+v", name, code, p)
	}
	if code := call(t, "GET", s.URL()+"/api/v1/vehicles/1/params/"+name, "", &p); code != 200 || p.Name != name {
		t.Fatalf("get %s: %d %+v", name, code, p)
	}
	var e apiError
	if code := call(t, "PUT", s.URL()+"/api/v1/vehicles/1/params/"+name, `{}`, &e); code != 400 {
		t.Fatalf("set without value: %d", code)
	}
	var l VehicleLinkResponse
	if code := call(t, "GET", s.URL()+"/api/v1/vehicles/1/link", "", &l); code != 200 || l.Stats.Frames == 0 || l.Link == nil {
		t.Fatalf("link: %d %+v", code, l)
	}
	var bad apiError
	if code := call(t, "PUT", s.URL()+"/api/v1/vehicles/1/signing", `{"key_hex": "abc"}`, &bad); code != 400 || strings.Contains(bad.Error, "abc") {
		t.Fatalf("bad key: %d %q (the key must not be echoed)", code, bad.Error)
	}
}

func TestVehicleModes_Get_AutopilotTableInOrder(t *testing.T) {
	s := newVehicleTestServer(t, "arducopter", time.Hour)
	var m gcs.VehicleModes
	if code := call(t, "GET", s.URL()+"/api/v1/vehicles/1/modes", "", &m); code != 200 {
		t.Fatalf("modes: %d", code)
	}
	if m.Autopilot != "ardupilot" || len(m.Modes) != 26 || m.Modes[0].Name != "STABILIZE" || m.Modes[len(m.Modes)-1].Name != "TURTLE" {
		t.Fatalf("ArduCopter modes: %+v", m)
	}
	var e apiError
	if code := call(t, "GET", s.URL()+"/api/v1/vehicles/99/modes", "", &e); code != 404 {
		t.Fatalf("unknown vehicle: %d", code)
	}
}

func warningCodes(ws []missions.UploadWarning) string {
	var codes []string
	for _, w := range ws {
		codes = append(codes, w.Code)
	}
	return strings.Join(codes, " ")
}
