package simulator

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

func TestScenario_Demo_PatrolsNearTheBorderAndDetectsCrossings(t *testing.T) {
	sc, err := LoadScenario("demo")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := startFleet(t, sc, nil)
	var detections uint64
	for i := 0; i < 20*60; i++ { // 20 minutes
		if err := f.Step(time.Second); err != nil {
			t.Fatal(err)
		}
		if i%60 == 0 {
			time.Sleep(time.Millisecond)
		}
		f.do(func() {
			for _, v := range f.vehicles {
				if !v.flying() {
					t.Fatalf("vehicle %d stopped flying after %d s (mode %s): %q", v.id, i, v.flavor.ModeName(v.custom), v.Stats.StatusTexts)
				}
				// North of the border line (31.3322) and within 5 km of the demo centre.
				if v.lat < 31.3322 || distance(v.lat, v.lon, DefaultCenterLat, DefaultCenterLon) > 8000 {
					t.Fatalf("vehicle %d at %f,%f: off its patrol", v.id, v.lat, v.lon)
				}
			}
		})
	}
	for _, st := range f.Status() {
		detections += st.Detections
	}
	if detections == 0 {
		t.Fatal("no detections in 20 minutes of the demo")
	}
	t.Logf("%d detections in 20 simulated minutes", detections)
}

func TestScenario_Parse_RefusesBadInputWithReason(t *testing.T) {
	for _, tc := range []struct{ name, json string }{
		{"no vehicles", `{"name":"x","vehicles":[]}`},
		{"unknown field", `{"vehicles":[{"home":{"lat":31,"lon":-110}}],"wheels":4}`},
		{"bad flavour", `{"vehicles":[{"flavor":"betaflight","home":{"lat":31,"lon":-110}}]}`},
		{"no home", `{"vehicles":[{}]}`},
		{"flying without altitude", `{"vehicles":[{"home":{"lat":31,"lon":-110},"start":"flying"}]}`},
		{"bad key", `{"vehicles":[{"home":{"lat":31,"lon":-110},"signing_key":"abc"}]}`},
		{"bad item", `{"vehicles":[{"home":{"lat":31,"lon":-110},"mission":[{"cmd":"fly"}]}]}`},
		{"waypoint without position", `{"vehicles":[{"home":{"lat":31,"lon":-110},"mission":[{"cmd":"waypoint"}]}]}`},
		{"bad target class", `{"vehicles":[{"home":{"lat":31,"lon":-110}}],"targets":[{"id":1,"class":"ufo","path":[{"lat":1,"lon":1}]}]}`},
		{"duplicate track id", `{"vehicles":[{"home":{"lat":31,"lon":-110}}],"targets":[{"id":1,"class":"boat","path":[{"lat":1,"lon":1}]},{"id":1,"class":"boat","path":[{"lat":1,"lon":1}]}]}`},
		{"bad duration", `{"vehicles":[{"home":{"lat":31,"lon":-110}}],"targets":[{"id":1,"class":"boat","appear":"soon","path":[{"lat":1,"lon":1}]}]}`},
	} {
		_, err := ParseScenario([]byte(tc.json))
		if !errors.Is(err, ErrScenario) {
			t.Errorf("%s: error %v, want ErrScenario", tc.name, err)
		}
	}
	for _, name := range BuiltinScenarios() {
		if _, err := LoadScenario(name); err != nil {
			t.Errorf("built-in scenario %s: %v", name, err)
		}
	}
	if _, err := LoadScenario("no-such-scenario"); !errors.Is(err, ErrScenario) {
		t.Errorf("missing scenario: %v", err)
	}
}

func TestFleet_Initialize_ManyVehiclesNeedSeveralGCSAddresses(t *testing.T) {
	f := &Fleet{Drones: 300, GCS: "udp://127.0.0.1:9", Stepped: true}
	if err := f.Initialize(); err == nil {
		f.Close()
		t.Fatal("300 vehicles on one GCS address: system ids would clash")
	}
	f = &Fleet{Drones: 300, GCS: "udp://127.0.0.1:9,udp://127.0.0.1:10", Stepped: true}
	if err := f.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st := f.Status()
	if len(st) != 300 || st[253].SysID != 254 || st[254].SysID != 1 || st[254].GCS != "udp://127.0.0.1:10" {
		t.Fatalf("vehicle 254: %+v, 255: %+v", st[253], st[254])
	}
	if err := f.Step(time.Second); err != nil {
		t.Fatal(err)
	}
	if err := (&Fleet{Drones: 1, GCS: "udp://x"}).Initialize(); err == nil {
		t.Fatal("a GCS address without a port must be refused")
	}
	g := &Fleet{Drones: 1, GCS: "udp://127.0.0.1:9"}
	if err := g.Initialize(); err != nil {
		t.Fatal(err)
	}
	if err := g.Step(time.Second); !errors.Is(err, ErrNotStepped) {
		t.Fatalf("Step on a real-time fleet: %v", err)
	}
	g.Close()
	g.Close() // idempotent
	if st := g.Status(); st != nil {
		t.Fatalf("status after Close: %v", st)
	}
}

func TestScenario_Crossings_EveryFlavourTakesOffFliesAndComesBack(t *testing.T) {
	sc, err := LoadScenario("crossings")
	if err != nil {
		t.Fatal(err)
	}
	f, g := startFleet(t, sc, nil)
	stepUntil(t, f, time.Second, time.Minute, "position estimates", func() bool { return f.now > 41*time.Second })
	// The steps sent 40 s of three vehicles' telemetry in a burst. Let the
	// reader catch up before commanding: under go test -race ./... on the
	// shared machine the loopback socket's buffer was still full when the
	// ARM's COMMAND_ACK came, and the kernel dropped it (no wait is long
	// enough for a datagram that was dropped).
	g.barrier(1, nil)
	for _, sys := range []uint8{1, 2, 3} {
		g.send(command(sys, common.MAV_CMD_COMPONENT_ARM_DISARM, 1))
		if a := g.ack(sys, common.MAV_CMD_COMPONENT_ARM_DISARM); a.Result != common.MAV_RESULT_ACCEPTED {
			t.Fatalf("system %d arm: %v", sys, a.Result)
		}
		g.send(command(sys, common.MAV_CMD_MISSION_START))
		if a := g.ack(sys, common.MAV_CMD_MISSION_START); a.Result != common.MAV_RESULT_ACCEPTED {
			t.Fatalf("system %d mission start: %v", sys, a.Result)
		}
	}
	copter, px4, plane := vehicleBy(f, 1), vehicleBy(f, 2), vehicleBy(f, 3)
	stepUntil(t, f, time.Second, time.Hour, "copters back on the ground, plane circling", func() bool {
		for _, v := range f.vehicles {
			if math.IsNaN(v.lat) || math.IsNaN(v.alt) {
				t.Fatalf("vehicle %d position NaN", v.id)
			}
		}
		return copter.landed && !copter.armed && px4.landed && !px4.armed && plane.beh == bRTL && plane.flying()
	})
	if copter.fence.count != 0 {
		t.Fatalf("the ArduCopter breached its fence %d times on a mission inside it", copter.fence.count)
	}
	// The ArduCopter's mission ends with RTL from its loiter point: home (RALLY_INCL_HOME=1) is
	// nearer than the rally point, so it lands at home.
	if d := distance(copter.lat, copter.lon, copter.home.lat, copter.home.lon); d > 3 {
		t.Fatalf("ArduCopter landed %.0f m from home", d)
	}
	// The PX4 mission ends with LAND at home.
	if d := distance(px4.lat, px4.lon, px4.home.lat, px4.home.lon); d > 3 {
		t.Fatalf("PX4 landed %.0f m from home", d)
	}
	// The plane flew its leg four times (jump repeated 3 times) before RTL.
	n := 0
	for _, r := range plane.Stats.Reached {
		if r.Seq == 4 {
			n++
		}
	}
	if n != 4 {
		t.Fatalf("plane reached the end of its leg %d times, want 4: %+v %q", n, plane.Stats.Reached, plane.Stats.StatusTexts)
	}
}
