package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/tak"
	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// serve --cot sends a simulated drone to a TAK listener, and serve
// --cot-listen puts a TAK client's marker on the API for the map.
func TestServe_TAK_DroneOutMarkerIn(t *testing.T) {
	takClient, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer takClient.Close()
	o := serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: filepath.Join(t.TempDir(), "bw.db"),
		tak: takOptions{out: stringList{"udp://" + takClient.LocalAddr().String()}, listen: stringList{"udp://127.0.0.1:0"}, station: "test"}}
	sys, err := startServer(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	port := sys.fleet.LinkAddrs()[0].(*net.UDPAddr).Port
	sim := &simulator.Fleet{Drones: 1, GCS: fmt.Sprintf("udp://127.0.0.1:%d", port), Rate: 20, Speedup: 5}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)

	// Our drone reaches the TAK side as a friendly drone.
	buf := make([]byte, 65536)
	_ = takClient.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		n, _, err := takClient.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no CoT from the server: %v", err)
		}
		e, err := tak.Parse(buf[:n])
		if err != nil {
			t.Fatalf("the server sent something that is not CoT: %v", err)
		}
		if e.UID == "borderwatch.test.drone.1" && e.Type == tak.TypeOurDrone {
			break
		}
	}

	// A TAK client's marker appears in the API.
	conn, err := net.Dial("udp", sys.tak.receiver.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	now := time.Now()
	mk, _ := (&tak.Event{Version: "2.0", UID: "ANDROID-team3", Type: "a-f-G-U-C", How: "h-e", Time: tak.FormatTime(now), Start: tak.FormatTime(now),
		Stale: tak.FormatTime(now.Add(time.Hour)), Point: tak.Point{Lat: 31.34, Lon: -110.95},
		Detail: &tak.Detail{Contact: &tak.Contact{Callsign: "Team 3"}}}).Marshal()
	client := authtest.Client(authtest.Token(t, sys.web.AccountsInUse(), auth.RoleOperator))
	var markers []tak.Marker
	testenv.Eventually(t, 10*time.Second, "the TAK marker in /api/v1/tak/markers", func() bool {
		conn.Write(mk) // UDP: send again until it is seen
		res, err := client.Get(sys.web.URL() + "/api/v1/tak/markers")
		if err != nil || res.StatusCode != http.StatusOK {
			return false
		}
		defer res.Body.Close()
		markers = nil
		return json.NewDecoder(res.Body).Decode(&markers) == nil && len(markers) == 1
	})
	if markers[0].Callsign != "Team 3" || markers[0].Lat != 31.34 {
		t.Fatalf("marker %+v", markers[0])
	}
}
