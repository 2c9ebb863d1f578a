package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/borderwatch/borderwatch/federation"
	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web"
	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// audits collects a hub's audit records.
type audits struct {
	mu  sync.Mutex
	got []telemetry.OperatorAction
}

func watchAudit(t *testing.T, hub *telemetry.Hub) *audits {
	a := &audits{}
	sub := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, 256)
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf []telemetry.Message
		for range sub.Ready() {
			buf = sub.Drain(buf[:0])
			a.mu.Lock()
			for _, m := range buf {
				if oa, ok := m.(telemetry.OperatorAction); ok {
					a.got = append(a.got, oa)
				}
			}
			a.mu.Unlock()
		}
	}()
	t.Cleanup(func() { sub.Close() })
	return a
}

func (a *audits) find(pred func(telemetry.OperatorAction) bool) (telemetry.OperatorAction, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, x := range a.got {
		if pred(x) {
			return x, true
		}
	}
	return telemetry.OperatorAction{}, false
}

// simStation is a whole station: a fleet with one simulated ArduCopter
// (system id 1) over loopback UDP, its web server and its publisher.
type simStation struct {
	hub     *telemetry.Hub
	web     *web.Server
	station *federation.Station
	audit   *audits
}

func startSimStation(t *testing.T, name, natsURL, creds string, trust string) *simStation {
	t.Helper()
	hub := &telemetry.Hub{}
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub, NoStreamRequests: true,
		RequestTimeout: 300 * time.Millisecond, ItemTimeout: 30 * time.Millisecond}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	spec := simulator.VehicleSpec{SysID: 1, Home: simulator.Home{Lat: 31.352, Lon: -110.95, AltM: 1200}}
	sim := &simulator.Fleet{GCS: fmt.Sprintf("udp://127.0.0.1:%d", fleet.LinkAddrs()[0].(*net.UDPAddr).Port),
		Scenario: &simulator.Scenario{Name: name, Vehicles: []simulator.VehicleSpec{spec}}, Flavor: "arducopter", Rate: 5, StepPeriod: time.Millisecond}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	ws := &web.Server{Addr: "127.0.0.1:0", Fleet: fleet, Hub: hub, BorderAlertM: -1}
	if err := ws.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ws.Close)
	a := watchAudit(t, hub)
	nc, err := federation.Connect(federation.ConnOptions{URL: natsURL, Name: name, Creds: creds, InboxPrefix: federation.StationInbox(name), ReconnectWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	st := &federation.Station{Name: name, Conn: nc, Hub: hub, OutboxPath: filepath.Join(t.TempDir(), "outbox"), Executor: ws,
		TrustedHQ: []string{trust}, RetryInterval: 20 * time.Millisecond, StateInterval: 100 * time.Millisecond}
	if err := st.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return &simStation{hub: hub, web: ws, station: st, audit: a}
}

// Two stations, each with a simulated drone of system id 1, and a
// headquarters: both drones appear at the HQ as two vehicles; an HQ
// operator's command goes through the HQ's API to the east station's drone
// and its answer comes back; a plan uploaded from the HQ to the west
// station's drone is verified there; both audit trails record it; the station
// checks the role the HQ sends as it would for its own users. Each station
// and the HQ connect as their own NATS users, with the permissions of
// permissions.go enforced by the server (east with an nkey, west with a
// password).
func TestFederation_TwoStationsAndHQ_FleetAndCommands(t *testing.T) {
	ns, creds := startNATSWithUsers(t, "east", "west")
	key, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := key.PublicKey()
	east := startSimStation(t, "east", ns.ClientURL(), creds["east"], pub)
	west := startSimStation(t, "west", ns.ClientURL(), creds["west"], pub)

	// The headquarters: no drones of its own, its accounts in its own store.
	hqConn, err := federation.Connect(federation.ConnOptions{URL: ns.ClientURL(), Name: "hq", Creds: creds["hq"], InboxPrefix: federation.HQInbox("hq")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hqConn.Close)
	hq := &federation.HQ{Name: "hq", Conn: hqConn, Key: key, DiscoverInterval: 50 * time.Millisecond}
	if err := hq.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hq.Close)
	st := &store.Store{Path: filepath.Join(t.TempDir(), "hq.db")}
	if err := st.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hqHub := &telemetry.Hub{}
	hqFleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hqHub}
	if err := hqFleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hqFleet.Close)
	hqWeb := &web.Server{Addr: "127.0.0.1:0", Fleet: hqFleet, Hub: hqHub, Store: st, HQ: hq, BorderAlertM: -1}
	if err := hqWeb.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hqWeb.Close)
	hqAudit := watchAudit(t, hqHub)
	operator := authtest.Token(t, hqWeb.AccountsInUse(), auth.RoleOperator)
	supervisor := authtest.Token(t, hqWeb.AccountsInUse(), auth.RoleSupervisor)

	get := func(path, tok string, out any) int {
		res, err := authtest.Client(tok).Get(hqWeb.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if out != nil && res.StatusCode == 200 {
			if err := json.Unmarshal(body, out); err != nil {
				t.Fatalf("%s: %v: %s", path, err, body)
			}
		}
		return res.StatusCode
	}
	type vehicle struct {
		Station   string `json:"station"`
		Key       string `json:"key"`
		ID        int    `json:"id"`
		Autopilot string `json:"autopilot"`
		LinkOK    bool   `json:"link_ok"`
		Stale     bool   `json:"stale"`
	}
	testenv.Eventually(t, 20*time.Second, "both stations' drones live at the HQ", func() bool {
		var vs []vehicle
		if get("/api/v1/federation/vehicles", supervisor, &vs) != 200 || len(vs) != 2 {
			return false
		}
		return vs[0].Key == "east/1" && vs[1].Key == "west/1" && vs[0].Autopilot == "ardupilot" && vs[1].Station == "west" &&
			vs[0].LinkOK && vs[1].LinkOK && !vs[0].Stale && !vs[1].Stale
	})

	post := func(path, tok, body string) (int, string) {
		req, _ := http.NewRequest("POST", hqWeb.URL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := authtest.Client(tok).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	// An operator at the HQ changes the east drone's mode: the simulated
	// ArduCopter accepts, and the answer is the station's own.
	code, body := post("/api/v1/federation/stations/east/vehicles/1/commands", operator, `{"command": "mode", "mode": "STABILIZE"}`)
	var r web.CommandResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil || code != 200 || r.Status != "accepted" || r.Command != "mode" {
		t.Fatalf("forwarded command: %d %s", code, body)
	}
	user := authtest.UserName(auth.RoleOperator)
	if _, ok := hqAudit.find(func(a telemetry.OperatorAction) bool {
		return a.Action == "forward" && a.User == user && strings.Contains(a.Detail, "forwarded to station east") && a.Result == "ok"
	}); !ok {
		t.Fatalf("the HQ's audit trail has no forward record: %+v", hqAudit.got)
	}
	testenv.Eventually(t, 5*time.Second, "the station's audit record", func() bool {
		_, ok := east.audit.find(func(a telemetry.OperatorAction) bool {
			return a.Action == "command" && a.User == user+"@hq:hq" && a.Remote == "hq:hq" && strings.Contains(a.Detail, "STABILIZE") && a.Result == "ok"
		})
		if !ok {
			east.audit.mu.Lock()
			t.Logf("station audit: %+v", east.audit.got)
			east.audit.mu.Unlock()
		}
		return ok
	})
	// The west station heard nothing of it.
	if _, ok := west.audit.find(func(telemetry.OperatorAction) bool { return true }); ok {
		t.Fatal("the west station recorded a command meant for east")
	}

	// An upload from the HQ: the station uploads the plan to its drone and
	// verifies it by reading it back, and the HQ gets that answer.
	plan, err := missions.WriteQGCPlan(&missions.Plan{Mission: []missions.Item{
		missions.Takeoff(0, 0, 30),
		missions.Waypoint(31.354, -110.95, 60, 0),
		missions.ReturnToLaunch(),
	}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", hqWeb.URL()+"/api/v1/federation/stations/west/vehicles/1/plan?confirm=1", strings.NewReader(string(plan)))
	req.Header.Set("Content-Type", "application/vnd.qgc.plan+json")
	res, err := authtest.Client(operator).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	up, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var ur web.PlanUploadResponse
	if err := json.Unmarshal(up, &ur); err != nil || res.StatusCode != 200 || !ur.Verified {
		t.Fatalf("upload from the HQ: %d %s", res.StatusCode, up)
	}
	testenv.Eventually(t, 5*time.Second, "the west station's audit record of the upload", func() bool {
		_, ok := west.audit.find(func(a telemetry.OperatorAction) bool { return a.User == user+"@hq:hq" && a.Remote == "hq:hq" })
		return ok
	})

	// A supervisor may not command at the HQ …
	if code, body := post("/api/v1/federation/stations/east/vehicles/1/commands", supervisor, `{"command": "rtl"}`); code != 403 {
		t.Fatalf("supervisor at the HQ: %d %s", code, body)
	}
	// … nor at the station, should an HQ ask for one: the station checks
	// the role itself.
	rep, err := hq.Forward(context.Background(), "east", federation.Forwarded{User: "mallory", Role: "supervisor", Method: "POST", Path: "/api/v1/vehicles/1/commands", ContentType: "application/json", Body: []byte(`{"command":"rtl"}`)})
	if err != nil || rep.Status != 403 || !strings.Contains(string(rep.Body), "command") {
		t.Fatalf("supervisor forwarded: %v %d %s", err, rep.Status, rep.Body)
	}
	// Only the vehicle routes are forwardable.
	rep, err = hq.Forward(context.Background(), "east", federation.Forwarded{User: "eve", Role: "admin", Method: "GET", Path: "/api/v1/users"})
	if err != nil || rep.Status != 403 {
		t.Fatalf("forwarded users list: %v %d %s", err, rep.Status, rep.Body)
	}
	// A headquarters the station does not trust is refused.
	other, _ := nkeys.CreateUser()
	rep, err = federation.Forward(context.Background(), hqConn, other, "east", federation.Forwarded{HQ: "rogue", User: "eve", Role: "admin", Method: "POST", Path: "/api/v1/vehicles/1/commands", Body: []byte(`{"command":"rtl"}`), Time: time.Now()})
	if err != nil || rep.Status != 403 || !strings.Contains(string(rep.Body), "does not trust") {
		t.Fatalf("untrusted HQ: %v %d %s", err, rep.Status, rep.Body)
	}
	// A station that is not there answers at once with a clear error.
	if code, body := post("/api/v1/federation/stations/north/vehicles/1/commands", operator, `{"command": "rtl"}`); code != 502 || !strings.Contains(body, "north") {
		t.Fatalf("unknown station: %d %s", code, body)
	}
	var stations []federation.StationStatus
	if get("/api/v1/federation/stations", supervisor, &stations) != 200 || len(stations) != 2 || stations[0].Name != "east" || stations[0].Vehicles != 1 {
		t.Fatalf("stations: %+v", stations)
	}
}
