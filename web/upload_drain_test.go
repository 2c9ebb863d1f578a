package web

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// A server shutting down while a plan goes to a slow drone (150 ms each way
// on its link, so the mission takes many seconds) does not wait for it:
// after ShutdownTimeout the upload is cancelled with the vehicle, and the
// API client gets an error that says so, with what the vehicle holds; the
// audit log, the upload record and an alert say "upload cancelled by
// shutdown", and the transfer's result event carries the error.
func TestClose_UploadInProgress_CancelledAndReported(t *testing.T) {
	hub := &telemetry.Hub{}
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub, NoStreamRequests: true}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	slow := simulator.LinkFaults{Latency: 150 * time.Millisecond}
	sim := &simulator.Fleet{GCS: fmt.Sprintf("udp://127.0.0.1:%d", fleet.LinkAddrs()[0].(*net.UDPAddr).Port),
		Scenario: &simulator.Scenario{Name: "slow", Vehicles: []simulator.VehicleSpec{{SysID: 1, Home: simulator.Home{Lat: 31.352, Lon: -110.95, AltM: 1200}}}},
		Flavor:   "arducopter", Rate: 5, Faults: &simulator.Faults{Up: slow, Down: slow}}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	testenv.Eventually(t, 20*time.Second, "the slow drone heard with a home", func() bool {
		v, ok, _ := fleet.Vehicle(t.Context(), 1)
		return ok && v.Home != nil && v.Autopilot == "ardupilot"
	})
	st := storetest.MustOpen(t)
	s := newRecordingServerWith(t, hub, fleet, st, func(s *Server) { s.ShutdownTimeout = 2 * time.Second })

	p := planNearHome()
	for i := range 60 {
		p.Mission = append(p.Mission[:len(p.Mission)-1], missions.Waypoint(31.354+float64(i%6)*0.0005, -110.95+float64(i/6)*0.0005, 60, 0), missions.ReturnToLaunch())
	}
	sub := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, 4096)
	defer sub.Close()
	type answer struct {
		code int
		body []byte
		err  error
	}
	answered := make(chan answer, 1)
	planBody := modelJSON(t, p)
	go func() {
		code, body, err := trySend("PUT", s.URL()+"/api/v1/vehicles/1/plan?format=json&confirm=1", "application/json", planBody)
		answered <- answer{code, body, err}
	}()
	// The fence went (it goes first); the long mission is under way.
	var events []telemetry.Event
	seen := func(pred func(telemetry.Event) bool) bool {
		for _, m := range sub.Drain(nil) {
			if e, ok := m.(telemetry.Event); ok {
				events = append(events, e)
			}
		}
		for _, e := range events {
			if pred(e) {
				return true
			}
		}
		return false
	}
	testenv.Eventually(t, 30*time.Second, "the fence uploaded", func() bool {
		return seen(func(e telemetry.Event) bool {
			r, ok := e.(telemetry.TransferResult)
			return ok && r.MissionType == "fence" && r.Direction == "upload"
		})
	})

	s.Close()
	var a answer
	select {
	case a = <-answered:
	case <-time.After(10 * time.Second):
		t.Fatal("the upload's client hangs after the server closed")
	}
	if a.err != nil {
		t.Fatalf("the upload's client got no answer: %v", a.err)
	}
	if a.code != 503 || !strings.Contains(string(a.body), "upload cancelled by shutdown") || !strings.Contains(string(a.body), "vehicle_holds") {
		t.Fatalf("the client got %d %s", a.code, a.body)
	}
	// The audit entry goes through the hub to the recorder.
	testenv.Eventually(t, 10*time.Second, "the audit entry of the cancelled upload", func() bool {
		found := false
		if err := st.Audit(store.EventFilter{}, func(a telemetry.OperatorAction) bool {
			found = found || (a.Action == "plan_upload" && strings.Contains(a.Result, "upload cancelled by shutdown"))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		return found
	})
	ups, err := st.PlanUploads("", 1)
	if err != nil || len(ups) == 0 || !strings.Contains(ups[len(ups)-1].Error, "upload cancelled by shutdown") || ups[len(ups)-1].Verified {
		t.Fatalf("upload record %+v (%v)", ups, err)
	}
	testenv.Eventually(t, 5*time.Second, "the alert and the mission transfer's failure", func() bool {
		alert := seen(func(e telemetry.Event) bool {
			a, ok := e.(telemetry.Alert)
			return ok && a.Type == telemetry.AlertUploadCancelled && strings.Contains(a.Text, "upload cancelled by shutdown")
		})
		transfer := seen(func(e telemetry.Event) bool {
			r, ok := e.(telemetry.TransferResult)
			return ok && r.MissionType == "mission" && r.Direction == "upload" && strings.Contains(r.Error, "stopped by the caller")
		})
		return alert && transfer
	})
}
