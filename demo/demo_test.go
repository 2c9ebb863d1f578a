package demo_test

import (
	"context"
	"fmt"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/demo"
	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/bordermonitor"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
	"github.com/paulmach/orb"
)

// The planned legs keep the planner's promises: every drone has a fenced
// leg with rally points on our side, the flavours are mixed, and exactly one
// drone starts on a low battery.
func TestPlanFleet_MixedFlavoursFencedLegs(t *testing.T) {
	drones, err := demo.PlanFleet(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(drones) < 4 || len(drones) > 6 {
		t.Fatalf("%d drones, want 4-6", len(drones))
	}
	flavours, low := map[string]int{}, 0
	for _, d := range drones {
		flavours[d.Flavor]++
		if d.LowBattery {
			low++
		}
		p := d.Plan
		if len(p.Mission) < 3 || len(p.Fence.Polygons) == 0 || !p.Fence.Polygons[0].Inclusion || len(p.Rally) == 0 || p.Home == nil {
			t.Fatalf("drone %d: plan %q lacks mission, inclusion fence, rally or home: %+v", d.SysID, d.PlanName, p)
		}
		// Rally points north of the border line (31.3322° N here): our side.
		for _, r := range p.Rally {
			if r.Lat <= 31.3322 {
				t.Fatalf("drone %d: rally point %+v is not on our side", d.SysID, r)
			}
		}
	}
	if flavours["arducopter"] == 0 || flavours["arduplane"] == 0 || flavours["px4"] == 0 || low != 1 {
		t.Fatalf("flavours %v, %d low-battery drones", flavours, low)
	}
}

// The demo end to end on a fast clock, against a real ground station on a
// loopback UDP socket and a real bbolt store: every plan uploaded and
// verified, every drone launched, a detection, the low-battery drone's RTL
// failsafe, and sorties recorded.
func TestDemo_EndToEnd_FastClock(t *testing.T) {
	hub := &telemetry.Hub{}
	st := storetest.MustOpen(t) // a real bbolt file, checked on cleanup
	rec := &store.Recorder{Store: st, Hub: hub}
	if err := rec.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()

	// The border monitor the web server runs, on the demo's layers: it
	// raises the Remote ID crossing alert.
	border, territory, err := demo.Layers()
	if err != nil {
		t.Fatal(err)
	}
	mon := &bordermonitor.Monitor{Hub: hub, Layers: []*missions.Layer{border, territory},
		Position: func(msg telemetry.Message) (orb.Point, time.Time, bool) {
			s, ok := msg.(gcs.VehicleState)
			return orb.Point{s.Lon, s.Lat}, s.Time, ok && s.HasPosition
		}}
	if err := mon.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer mon.Close()

	sub := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, 4096)
	defer sub.Close()
	var mu sync.Mutex
	var detections int
	var crossings []telemetry.Alert
	rtl := map[uint8]bool{}
	lowText := map[uint8]bool{}
	stop, done := make(chan struct{}), make(chan struct{})
	defer func() { close(stop); <-done }()
	go func() {
		defer close(done)
		var buf []telemetry.Message
		for {
			select {
			case <-sub.Ready():
			case <-stop:
				return
			}
			buf = sub.Drain(buf[:0])
			mu.Lock()
			for _, m := range buf {
				switch e := m.(type) {
				case telemetry.Detection:
					detections++
				case telemetry.Alert:
					if e.Type == bordermonitor.AlertTrackCrossed {
						crossings = append(crossings, e)
					}
				case telemetry.ModeChange:
					if e.To == "RTL" {
						rtl[e.SystemID] = true
					}
				case telemetry.StatusText:
					if strings.Contains(e.Text, "Battery 1 is low") {
						lowText[e.SystemID] = true
					}
				}
			}
			mu.Unlock()
		}
	}()

	mav := fleet.LinkAddrs()[0].(*net.UDPAddr)
	d := &demo.Demo{Fleet: fleet, GCS: fmt.Sprintf("udp://127.0.0.1:%d", mav.Port), Speedup: 20}
	if err := d.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Each autopilot is started the way it must be: a disarmed ArduCopter
	// refuses mission_start, PX4 arms and takes off on it.
	want := map[string]string{"arducopter": "mode GUIDED, arm, takeoff 120 m, mission_start",
		"px4": "mission_start", "arduplane": "mission_start, arm"}
	for _, l := range d.LaunchAll(ctx) {
		if l.Err != nil || !l.Verified {
			t.Fatalf("drone %d (%s): verified %v, steps %v: %v", l.SysID, l.Flavor, l.Verified, l.Steps, l.Err)
		}
		if got := strings.Join(l.Steps, ", "); got != want[l.Flavor] {
			t.Errorf("drone %d (%s) launched with %q, want %q", l.SysID, l.Flavor, got, want[l.Flavor])
		}
	}
	// Every drone seen armed and airborne (at some poll: the low-battery
	// one may be back on the ground by the end).
	airborne := map[uint8]bool{}
	testenv.Eventually(t, time.Minute, "every drone armed and airborne", func() bool {
		vs, err := fleet.Vehicles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if v.Armed && v.RelAltM > 10 {
				airborne[v.SysID] = true
			}
		}
		return len(airborne) == len(d.Planned())
	})
	var low uint8
	for _, dr := range d.Planned() {
		if dr.LowBattery {
			low = dr.SysID
		}
	}
	testenv.Eventually(t, 2*time.Minute, "a detection, a Remote ID crossing alert, and the low-battery drone's low-battery text and RTL", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return detections > 0 && len(crossings) > 0 && rtl[low] && lowText[low]
	})
	mu.Lock()
	// The demo's border names the countries on its sides: the alert says
	// where the track came from, not "from outside our territory".
	if !strings.Contains(crossings[0].Text, "crossed from Mexico into") {
		t.Errorf("crossing alert %q does not name the country it came from", crossings[0].Text)
	}
	for id := range rtl {
		if id != low {
			t.Errorf("drone %d returned too, though only drone %d starts on a low battery", id, low)
		}
	}
	mu.Unlock()
	// Every drone is flying: a sortie per drone in the store.
	testenv.Eventually(t, time.Minute, "a sortie for every drone", func() bool {
		ss, err := st.Sorties(store.SortieFilter{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[uint8]bool{}
		for _, s := range ss {
			seen[s.SystemID] = true
		}
		return len(seen) == len(d.Planned())
	})
}

// Each drone patrols its whole share of the corridor: the PX4 copter, which
// the planner gave two legs, lands at the end of its first, gets a fresh
// battery, and is uploaded (verified) and launched on its second; the
// low-battery drone that came back in RTL is not launched again.
func TestDemo_Patrol_FliesEveryLegInTurn(t *testing.T) {
	hub := &telemetry.Hub{}
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	mav := fleet.LinkAddrs()[0].(*net.UDPAddr)
	var mu sync.Mutex
	var later []demo.Launch
	// 20x, as the end-to-end test: the simulated autopilots' mission
	// protocol timeouts run on the simulated clock (ArduPilot cancels an
	// upload after 8 s of silence, PX4 after 5 s, as SITL does at speed),
	// so at 40x a ground station slowed by a loaded machine for 125 ms
	// loses the upload; 20x leaves it 250 ms.
	d := &demo.Demo{Fleet: fleet, GCS: fmt.Sprintf("udp://127.0.0.1:%d", mav.Port), Speedup: 20,
		OnLaunch: func(l demo.Launch) { mu.Lock(); later = append(later, l); mu.Unlock() }}
	if err := d.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var px4, low demo.Drone
	for _, dr := range d.Planned() {
		if dr.Flavor == "px4" {
			px4 = dr
		}
		if dr.LowBattery {
			low = dr
		}
	}
	if len(px4.Legs) < 2 {
		t.Fatalf("the PX4 drone has %d legs; the test needs a drone with two", len(px4.Legs))
	}
	ctx, cancel := context.WithCancel(context.Background())
	patrolled := make(chan struct{})
	go func() {
		defer close(patrolled)
		first := d.LaunchAll(ctx)
		for _, l := range first {
			if l.Err != nil {
				t.Errorf("drone %d: first launch: %v", l.SysID, l.Err)
			}
		}
		d.Patrol(ctx, first)
	}()
	defer func() { cancel(); <-patrolled }()
	testenv.Eventually(t, 5*time.Minute, "the PX4 drone launched on its second leg, verified", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, l := range later {
			if l.SysID == low.SysID {
				t.Fatalf("the low-battery drone was launched again after its RTL: %+v", l)
			}
			if l.Err != nil {
				t.Fatalf("drone %d: launch on %s: %v", l.SysID, l.Plan, l.Err)
			}
			if l.SysID == px4.SysID && l.Leg == 1 {
				if !l.Verified || l.Plan != px4.Legs[1].Name {
					t.Fatalf("second leg launch %+v", l)
				}
				return true
			}
		}
		return false
	})
	testenv.Eventually(t, time.Minute, "the PX4 drone in the air on its second leg", func() bool {
		v, _, err := fleet.Vehicle(ctx, telemetry.VehicleID(px4.SysID))
		return err == nil && v.Armed && v.RelAltM > 20
	})
}

// The eastern stretch (demo --federation's second station) is a patrol of
// its own: every launch site about 19 km east of its Nogales twin, every
// leg's inclusion fence on our side of the border and within the stretch
// where the sketched border runs due east, every rally point on our side.
func TestPlanStretch_EastIsOwnPatrolOnOurSide(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	base, err := demo.PlanFleet(now)
	if err != nil {
		t.Fatal(err)
	}
	east, err := demo.PlanStretch(now, demo.EastStretchLonDeg)
	if err != nil {
		t.Fatal(err)
	}
	if len(east) != len(base) {
		t.Fatalf("%d drones east, %d at Nogales", len(east), len(base))
	}
	for i, d := range east {
		b := base[i]
		if km := geo.Distance(orb.Point{b.Site.Lon, b.Site.Lat}, orb.Point{d.Site.Lon, d.Site.Lat}) / 1000; km < 15 {
			t.Fatalf("drone %d's eastern site %+v is only %.1f km from its Nogales site %+v", d.SysID, d.Site, km, b.Site)
		}
		for _, leg := range d.Legs {
			for _, r := range leg.Plan.Rally {
				if r.Lat <= 31.3322 {
					t.Fatalf("drone %d leg %q: rally point %+v is not on our side", d.SysID, leg.Name, r)
				}
			}
			for _, poly := range leg.Plan.Fence.Polygons {
				if !poly.Inclusion {
					continue
				}
				for _, v := range poly.Vertices {
					if v.Lat() < 31.3322 || v.Lon() < -111.0743 || v.Lon() > -110.5 {
						t.Fatalf("drone %d leg %q: fence vertex %v is across the border or off the straight stretch", d.SysID, leg.Name, v)
					}
				}
			}
		}
	}
}

// On the eastern stretch the whole scenario moves with the fleet: every
// intruder and Remote ID drone (path, crossing point, pilot) is its Nogales
// twin 0.2° east, still within the stretch where the sketched border runs
// due east (so each crossing is still one); and the two stretches'
// scenarios do not overlap.
func TestScenarioStretch_EastIntrudersAndRemoteIDMoveWithTheFleet(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	baseDrones, err := demo.PlanFleet(now)
	if err != nil {
		t.Fatal(err)
	}
	eastDrones, err := demo.PlanStretch(now, demo.EastStretchLonDeg)
	if err != nil {
		t.Fatal(err)
	}
	base, err := demo.Scenario(baseDrones)
	if err != nil {
		t.Fatal(err)
	}
	east, err := demo.ScenarioStretch(eastDrones, demo.EastStretchLonDeg)
	if err != nil {
		t.Fatal(err)
	}
	if len(east.Targets) != len(base.Targets) || len(east.RemoteIDDrones) != len(base.RemoteIDDrones) || len(base.Targets) < 5 || len(base.RemoteIDDrones) < 2 {
		t.Fatalf("east has %d targets and %d Remote ID drones, Nogales %d and %d", len(east.Targets), len(east.RemoteIDDrones), len(base.Targets), len(base.RemoteIDDrones))
	}
	same := func(what string, b, e []simulator.LatLon) {
		t.Helper()
		if len(b) != len(e) {
			t.Fatalf("%s: %d points east, %d at Nogales", what, len(e), len(b))
		}
		for i := range b {
			if math.Abs(e[i].Lat-b[i].Lat) > 1e-9 || math.Abs(e[i].Lon-b[i].Lon-demo.EastStretchLonDeg) > 1e-9 {
				t.Fatalf("%s point %d: %+v east, %+v at Nogales: not moved %.1f° east", what, i, e[i], b[i], demo.EastStretchLonDeg)
			}
			if e[i].Lon < -111.0743 || e[i].Lon > -110.5 {
				t.Fatalf("%s point %d %+v is off the stretch where the border runs due east", what, i, e[i])
			}
		}
	}
	opt := func(p *simulator.LatLon) []simulator.LatLon {
		if p == nil {
			return nil
		}
		return []simulator.LatLon{*p}
	}
	for i, bt := range base.Targets {
		et := east.Targets[i]
		same(fmt.Sprintf("target %d path", bt.ID), bt.Path, et.Path)
		same(fmt.Sprintf("target %d crossing", bt.ID), opt(bt.CrossPoint), opt(et.CrossPoint))
	}
	for i, bd := range base.RemoteIDDrones {
		ed := east.RemoteIDDrones[i]
		same("Remote ID drone "+bd.UASID+" path", bd.Path, ed.Path)
		same("Remote ID drone "+bd.UASID+" crossing", opt(bd.CrossPoint), opt(ed.CrossPoint))
		same("Remote ID drone "+bd.UASID+" pilot", opt(bd.Operator), opt(ed.Operator))
	}
	// Nogales' scenario as it was (the loaded one is a fresh copy each time).
	if again, _ := demo.Scenario(baseDrones); again.Targets[0].Path[0] != base.Targets[0].Path[0] {
		t.Fatalf("the Nogales scenario changed: %+v then %+v", base.Targets[0].Path[0], again.Targets[0].Path[0])
	}
	bb, err := demo.StretchBound(now, 0)
	if err != nil {
		t.Fatal(err)
	}
	eb, err := demo.StretchBound(now, demo.EastStretchLonDeg)
	if err != nil {
		t.Fatal(err)
	}
	if bb.Intersects(eb) || eb.Min.Lon() < bb.Max.Lon() {
		t.Fatalf("the stretches overlap: Nogales %v, east %v", bb, eb)
	}
}
