package main

import (
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

	"github.com/nats-io/nkeys"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/simulator"
)

// startHQAndStation runs a headquarters with an embedded NATS server and
// a station "east" that trusts it, with one simulated drone, as serve does.
func startHQAndStation(t *testing.T, staleAfter time.Duration) (hq, st *server, sim *simulator.Fleet) {
	t.Helper()
	hq, sts, sims := startHQAndStations(t, staleAfter, "east")
	return hq, sts[0], sims[0]
}

// startHQAndStations runs a headquarters with an embedded NATS server and
// one station of each name that trusts it, each with one simulated drone
// (system id 1 on every station: east/1, west/1 at the HQ). Each station's
// drone patrols its own stretch, 2.2 km north of the one before (north:
// away from the demo scenario's border), so that the drones and their
// labels do not lie on top of each other on the HQ's map.
func startHQAndStations(t *testing.T, staleAfter time.Duration, names ...string) (hq *server, sts []*server, sims []*simulator.Fleet) {
	t.Helper()
	dir := t.TempDir()
	keyFile, pub := hqKey(t, dir)
	hq, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: filepath.Join(dir, "hq.db"),
		fed: fedOptions{listen: "127.0.0.1:0", hq: true, hqName: "hq", hqKey: keyFile, staleAfter: staleAfter}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hq.Close)
	for i, name := range names {
		st, sim := startStationAt(t, dir, name, fedOptions{nats: hq.fed.embedded.ClientURL(), hqTrust: stringList{pub}}, simulator.DefaultCenterLat+0.02*float64(i))
		sts, sims = append(sts, st), append(sims, sim)
	}
	return hq, sts, sims
}

// hqKey writes a new headquarters signing key (its nkey seed) into dir and
// gives the file and the public key stations trust.
func hqKey(t *testing.T, dir string) (keyFile, pub string) {
	t.Helper()
	kp, _ := nkeys.CreateUser()
	seed, _ := kp.Seed()
	pub, _ = kp.PublicKey()
	keyFile = filepath.Join(dir, "hq.nk")
	if err := os.WriteFile(keyFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	return keyFile, pub
}

// startStation runs a station publishing to natsURL and trusting the
// headquarters key pub, with one simulated drone (10 Hz, 5× speed).
func startStation(t *testing.T, dir, name, natsURL, pub string) (*server, *simulator.Fleet) {
	t.Helper()
	return startStationWith(t, dir, name, fedOptions{nats: natsURL, hqTrust: stringList{pub}})
}

// startStationWith runs station name with the federation options fed and
// one simulated drone (10 Hz, 5× speed).
func startStationWith(t *testing.T, dir, name string, fed fedOptions) (*server, *simulator.Fleet) {
	t.Helper()
	return startStationAt(t, dir, name, fed, simulator.DefaultCenterLat)
}

// startStationAt is startStationWith with the drone's scenario moved north
// or south to centre latitude lat (its longitude stays the default).
func startStationAt(t *testing.T, dir, name string, fed fedOptions, lat float64) (*server, *simulator.Fleet) {
	t.Helper()
	st, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: filepath.Join(dir, name+".db"),
		tak: takOptions{station: name}, fed: fed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	sim := &simulator.Fleet{Drones: 1, GCS: fmt.Sprintf("udp://127.0.0.1:%d", st.fleet.LinkAddrs()[0].(*net.UDPAddr).Port), Rate: 10, Speedup: 5,
		CenterLat: lat, CenterLon: simulator.DefaultCenterLon}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return st, sim
}

// hqVehicles is a headquarters' GET /api/v1/federation/vehicles (nil when
// it does not answer).
func hqVehicles(c *http.Client, base string) []map[string]any { return hqList(c, base, "vehicles") }

// hqList is a headquarters' GET /api/v1/federation/NAME (nil when it does
// not answer).
func hqList(c *http.Client, base, name string) []map[string]any {
	res, err := c.Get(base + "/api/v1/federation/" + name)
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	var out []map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return out
}

// waitHQSeesEast1ThenCommand waits for station east's drone live at the
// headquarters and forwards a LOITER to it, which the drone must accept.
func waitHQSeesEast1ThenCommand(t *testing.T, c *http.Client, base string) {
	t.Helper()
	testenv.Eventually(t, 20*time.Second, "the station's drone at the HQ", func() bool {
		vs := hqVehicles(c, base)
		return len(vs) == 1 && vs[0]["key"] == "east/1" && vs[0]["link_ok"] == true
	})
	res, err := c.Post(base+"/api/v1/federation/stations/east/vehicles/1/commands", "application/json", strings.NewReader(`{"command":"mode","mode":"LOITER"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"accepted"`) {
		t.Fatalf("command from the HQ: %d %s", res.StatusCode, body)
	}
}

// serve --hq --nats-listen runs a headquarters with its own NATS server;
// serve --nats URL --station east publishes a simulated drone to it; the
// drone is at the HQ under east/1, an HQ command reaches it, and /readyz
// says NATS is connected, then not when the NATS server stops.
func TestServe_HQAndStation_OverEmbeddedNATS(t *testing.T) {
	hq, st, _ := startHQAndStation(t, 5*time.Second)
	authedSystem(t, hq)
	if _, err := os.Stat(filepath.Join(filepath.Dir(hq.store.Path), "hq.db.nats")); err != nil {
		t.Fatalf("the embedded server's JetStream folder is not beside the store: %v", err)
	}

	base := hq.web.URL()
	c := apiClient(t, base)
	waitHQSeesEast1ThenCommand(t, c, base)
	res, err := c.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `borderwatch_federation_connected{role="hq"} 1`) {
		t.Fatalf("the HQ's /metrics has no federation connection gauge:\n%s", body)
	}
	ready := func(url string) (int, string) {
		res, err := http.Get(url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, b := ready(st.web.URL()); code != 200 {
		t.Fatalf("station /readyz: %d %s", code, b)
	}
	hq.fed.embedded.Close()
	testenv.Eventually(t, 10*time.Second, "the station not ready without NATS", func() bool {
		code, b := ready(st.web.URL())
		return code == 503 && strings.Contains(b, "NATS")
	})
}
