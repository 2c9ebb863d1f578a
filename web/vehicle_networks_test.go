package web

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// The API names vehicles by their id: two networks' system id 1 are
// /vehicles/257 and /vehicles/513, each with its sysid and network, each
// commanded on its own; ids that name no vehicle are refused.
func TestVehicles_TwoNetworks_IDsInPathsAndJSON(t *testing.T) {
	hub := &telemetry.Hub{}
	st := storetest.MustOpen(t)
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0?network=east", "udp://127.0.0.1:0?network=west"}, Hub: hub, Networks: st,
		NoStreamRequests: true, RequestTimeout: 300 * time.Millisecond, ItemTimeout: 30 * time.Millisecond}
	startNetworkDrones(t, fleet, 0, 1)
	s := &Server{Addr: "127.0.0.1:0", Fleet: fleet, Hub: hub, Store: st}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	adminToken(t, s)

	var list []gcs.VehicleState
	if code := call(t, "GET", s.URL()+"/api/v1/vehicles", "", &list); code != 200 || len(list) != 2 {
		t.Fatalf("vehicles: %d %+v", code, list)
	}
	for i, want := range []struct {
		id      telemetry.VehicleID
		network string
	}{{257, "east"}, {513, "west"}} {
		if list[i].ID != want.id || list[i].SysID != 1 || list[i].Network != want.network {
			t.Fatalf("vehicle %d: id %d sysid %d network %q; want %d, 1, %q", i, list[i].ID, list[i].SysID, list[i].Network, want.id, want.network)
		}
	}
	var one gcs.VehicleState
	if code := call(t, "GET", s.URL()+"/api/v1/vehicles/513", "", &one); code != 200 || one.Network != "west" || one.SysID != 1 {
		t.Fatalf("vehicle 513: %d %+v", code, one)
	}
	var r CommandResponse
	if code := call(t, "POST", s.URL()+"/api/v1/vehicles/513/commands", `{"command": "mode", "mode": "GUIDED"}`, &r); code != 200 || r.ID != 513 || r.SysID != 1 {
		t.Fatalf("mode on 513: %d %+v", code, r)
	}
	testenv.Eventually(t, 5*time.Second, "west's drone GUIDED, east's not", func() bool {
		e, _, _ := fleet.Vehicle(context.Background(), 257)
		w, _, _ := fleet.Vehicle(context.Background(), 513)
		return w.Mode == "GUIDED" && e.Mode != "GUIDED"
	})
	for path, want := range map[string]int{"/api/v1/vehicles/1": http.StatusNotFound, "/api/v1/vehicles/256": http.StatusBadRequest,
		"/api/v1/vehicles/0257": http.StatusBadRequest, "/api/v1/vehicles/99999999999": http.StatusBadRequest, "/api/v1/vehicles/769": http.StatusNotFound} {
		var e apiError
		if code := call(t, "GET", s.URL()+path, "", &e); code != want || e.Error == "" {
			t.Fatalf("GET %s: %d %+v; want %d with an error", path, code, e, want)
		}
	}
}
