package web

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// GET /api/v1/networks lists every network: the links' (with their URLs,
// credentials left out, and the vehicles heard now) and the store's (a
// network only an import put vehicles on, with its recorded vehicles).
func TestNetworks_HTTP_LinksVehiclesAndStoredNetworks(t *testing.T) {
	hub := &telemetry.Hub{}
	st := storetest.MustOpen(t)
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0", "udp://radio:s3cret@127.0.0.1:0?network=east", "udp://127.0.0.1:0?network=west"},
		Hub: hub, Networks: st, NoStreamRequests: true}
	startNetworkDrones(t, fleet, 1, 2)
	f, err := os.Open(filepath.Join(testenv.SharedData(t), "tlogs", "borderwatch_sitl", "arducopter_4.7_sitl_fence_breach.tlog"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := st.ImportTlogNetwork(f, "north", "import:fence_breach.tlog", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: "127.0.0.1:0", Fleet: fleet, Hub: hub, Store: st}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	adminToken(t, s)

	var list []telemetry.Network
	if code := call(t, "GET", s.URL()+"/api/v1/networks", "", &list); code != 200 || len(list) != 4 {
		t.Fatalf("networks: %d %+v", code, list)
	}
	want := []struct {
		name     string
		def      bool
		links    []string
		vehicles int
		recorded int
	}{
		{"", true, []string{"udp://127.0.0.1:0"}, 0, 0},
		{"east", false, []string{"udp://127.0.0.1:0?network=east"}, 1, 0},
		{"west", false, []string{"udp://127.0.0.1:0?network=west"}, 1, 0},
		{"north", false, nil, 0, len(res.Sorties)},
	}
	for i, w := range want {
		n := list[i]
		if n.Name != w.name || n.Default != w.def || n.Vehicles != w.vehicles || n.RecordedVehicles != w.recorded ||
			len(n.Links) != len(w.links) || (len(w.links) == 1 && n.Links[0] != w.links[0]) {
			t.Errorf("network %d: %+v; want %+v", i, n, w)
		}
		if i > 0 && n.Number <= list[i-1].Number {
			t.Errorf("networks out of order: %+v", list)
		}
	}
	for _, n := range list {
		if strings.Contains(strings.Join(n.Links, " "), "s3cret") {
			t.Fatalf("a link URL shows its password: %v", n.Links)
		}
	}
	var links []gcs.LinkStats
	if call(t, "GET", s.URL()+"/api/v1/links", "", &links); len(links) != 3 || strings.Contains(links[1].URL, "s3cret") {
		t.Fatalf("links %+v: want three, none with a password", links)
	}
}

// startNetworkDrones initializes fleet and flies a simulated ArduCopter with
// system id 1 on each of its links numbered in links (one network each),
// until the fleet has heard every one of them.
func startNetworkDrones(t *testing.T, fleet *gcs.Fleet, links ...int) {
	t.Helper()
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	var gcsURLs []string
	for _, i := range links {
		gcsURLs = append(gcsURLs, fmt.Sprintf("udp://127.0.0.1:%d", fleet.LinkAddrs()[i].(*net.UDPAddr).Port))
	}
	sc := &simulator.Scenario{Name: "web networks", Vehicles: []simulator.VehicleSpec{{Home: simulator.Home{Lat: 31.352, Lon: -110.95, AltM: 1200}}}}
	sim := &simulator.Fleet{GCS: strings.Join(gcsURLs, ","), Networks: len(links), Drones: len(links),
		Scenario: sc, Flavor: "arducopter", Rate: 5, StepPeriod: time.Millisecond}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	testenv.Eventually(t, 10*time.Second, "every network's drone 1 heard", func() bool {
		vs, _ := fleet.Vehicles(context.Background())
		if len(vs) != len(links) {
			return false
		}
		for _, v := range vs {
			if v.Autopilot != "ardupilot" {
				return false
			}
		}
		return true
	})
}

// A sortie imported on a named network is replayed with the network's name
// on its vehicles' states, as live.
func TestReplay_ImportedOnNetwork_StatesNameIt(t *testing.T) {
	st := storetest.MustOpen(t)
	f, err := os.Open(filepath.Join(testenv.SharedData(t), "tlogs", "borderwatch_sitl", "arducopter_4.7_sitl_fence_breach.tlog"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := st.ImportTlogNetwork(f, "east", "import:fence_breach.tlog", nil)
	if err != nil || len(res.Sorties) == 0 {
		t.Fatalf("import: %v %+v", err, res)
	}
	so := res.Sorties[0]
	s := newStoreServer(t, st)
	adminToken(t, s)
	var listed []store.Sortie
	if code := call(t, "GET", s.URL()+"/api/v1/sorties", "", &listed); code != 200 || len(listed) == 0 || listed[0].Network != "east" {
		t.Fatalf("sorties: %d %+v; want them on east", code, listed)
	}
	c := dialReplay(t, s, "sortie="+itoa(so.ID))
	shown := map[uint8]gcs.VehicleState{}
	readUntil(t, c, shown, "the imported vehicle", func(m replayIn) bool { return len(shown) > 0 })
	for _, v := range shown {
		if v.ID != so.Vehicle || v.Network != "east" {
			t.Fatalf("replayed state id %d network %q; want %d on east", v.ID, v.Network, so.Vehicle)
		}
	}
}
