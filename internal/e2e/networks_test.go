package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// runStation runs a ground station on the bbolt file path (store, recorder,
// fleet: the order serve builds them) with one UDP link per network name,
// and a simulated drone of system id 1 on each network, until every drone is
// heard and recorded; it returns each network's vehicle id and closes all.
func runStation(t *testing.T, path string, networks []string) map[string]telemetry.VehicleID {
	t.Helper()
	st := &store.Store{Path: path}
	if err := st.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hub := &telemetry.Hub{}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	rec := &store.Recorder{Store: st, Hub: hub, Logger: logger}
	if err := rec.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	var links []string
	for _, n := range networks {
		links = append(links, "udp://127.0.0.1:0?network="+n)
	}
	f := &gcs.Fleet{Links: links, Hub: hub, Networks: st, SigningStore: st, NoStreamRequests: true, Logger: logger}
	if err := f.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var gcsAddrs string
	for i, a := range f.LinkAddrs() {
		if i > 0 {
			gcsAddrs += ","
		}
		gcsAddrs += fmt.Sprintf("udp://127.0.0.1:%d", a.(*net.UDPAddr).Port)
	}
	sc := &simulator.Scenario{Name: "networks", Vehicles: []simulator.VehicleSpec{{Flavor: "px4", Home: simulator.Home{Lat: 31.352, Lon: -110.95, AltM: 1200}}}}
	sim := &simulator.Fleet{GCS: gcsAddrs, Networks: len(networks), Drones: len(networks), Scenario: sc, Rate: 5, StepPeriod: time.Millisecond, Logger: logger}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	out := map[string]telemetry.VehicleID{}
	testenv.Eventually(t, 15*time.Second, "a drone heard on every network and recorded", func() bool {
		vs, _ := f.Vehicles(context.Background())
		for _, v := range vs {
			if v.SysID == 1 {
				out[v.Network] = v.ID
			}
		}
		ids, _ := st.Systems(0)
		for _, id := range out {
			if !slices.Contains(ids, id) {
				return false
			}
		}
		return len(out) == len(networks)
	})
	return out
}

// Vehicle ids survive a restart on the same bbolt file, with the links given
// in another order and a network added: a network keeps the number the store
// gave it at first sight.
func TestNetworks_VehicleIDsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "station.db")
	first := runStation(t, path, []string{"east", "west"})
	if first["east"] != telemetry.VehicleOf(1, 1) || first["west"] != telemetry.VehicleOf(2, 1) {
		t.Fatalf("first run: %v; want east 257, west 513", first)
	}
	second := runStation(t, path, []string{"north", "west", "east"})
	if second["east"] != first["east"] || second["west"] != first["west"] || second["north"] != telemetry.VehicleOf(3, 1) {
		t.Fatalf("after the restart with reordered links: %v; want east %d, west %d, north 769", second, first["east"], first["west"])
	}
	st := &store.Store{Path: path, ReadOnly: true}
	if err := st.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	nets, err := st.Networks()
	if err != nil || len(nets) != 4 || nets[1] != "east" || nets[2] != "west" || nets[3] != "north" {
		t.Fatalf("registry %v, %v", nets, err)
	}
	ids, err := st.Systems(0)
	if err != nil || !slices.Equal(ids, []telemetry.VehicleID{257, 513, 769}) {
		t.Fatalf("recorded vehicles %v, %v; want [257 513 769]", ids, err)
	}
	st.Close()
	storetest.Check(t, path)
}
