package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/web/auth"
)

// Browser tests of the operator's commands, driven as an operator drives
// the page (clicks, the keyboard, the map) against the real server and
// simulated autopilots, asserting on what the simulated drones did.

// patrolScenario is two ArduCopters holding (LOITER_UNLIM in AUTO) over
// their own patrol points 4 km apart, each inside a 3 km inclusion circle
// around its home, north of the demo border: where each drone is does not
// depend on when the test looks, so "the nearest drone" is always clear.
const patrolScenario = `{
  "name": "patrol-hold", "seed": 1,
  "vehicles": [
    {"flavor": "arducopter", "home": {"lat": 31.3560, "lon": -110.9720, "alt_m": 1180},
     "start": "flying", "start_alt_m": 100, "start_seq": 2, "params": {"BATT_CAPACITY": 100000},
     "mission": [{"cmd": "takeoff", "alt_m": 100}, {"cmd": "loiter_unlim", "lat": 31.3520, "lon": -110.9720, "alt_m": 100}],
     "fence": [{"inclusion": true, "circle": {"lat": 31.3560, "lon": -110.9720, "radius_m": 3000}}]},
    {"flavor": "arducopter", "home": {"lat": 31.3560, "lon": -110.9300, "alt_m": 1180},
     "start": "flying", "start_alt_m": 100, "start_seq": 2, "params": {"BATT_CAPACITY": 100000},
     "mission": [{"cmd": "takeoff", "alt_m": 100}, {"cmd": "loiter_unlim", "lat": 31.3520, "lon": -110.9300, "alt_m": 100}],
     "fence": [{"inclusion": true, "circle": {"lat": 31.3560, "lon": -110.9300, "radius_m": 3000}}]}
  ]
}`

// startScenarioSystem runs the server and the simulated fleet sim (its GCS
// filled in) on loopback ports.
func startScenarioSystem(t *testing.T, sims ...*simulator.Fleet) *server {
	t.Helper()
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: filepath.Join(t.TempDir(), "bw.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	authedSystem(t, sys)
	port := sys.fleet.LinkAddrs()[0].(*net.UDPAddr).Port
	for _, sim := range sims {
		sim.GCS = fmt.Sprintf("udp://127.0.0.1:%d", port)
		if sim.Rate == 0 {
			sim.Rate = 20
		}
		if sim.Speedup == 0 {
			sim.Speedup = 5
		}
		if err := sim.Initialize(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sim.Close)
	}
	return sys
}

func scenario(t *testing.T, js string) *simulator.Scenario {
	t.Helper()
	sc, err := simulator.ParseScenario([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// simVehicle is the simulated drone sysid as the simulator holds it.
func simVehicle(t *testing.T, sim *simulator.Fleet, sysid uint8) simulator.VehicleStatus {
	t.Helper()
	for _, v := range sim.Status() {
		if v.SysID == sysid {
			return v
		}
	}
	t.Fatalf("the simulator has no vehicle %d", sysid)
	return simulator.VehicleStatus{}
}

// chooseOption picks the option value of the select sel as a user does
// (the change event the page listens to follows).
func chooseOption(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const s = document.querySelector(%q);
		if (!s) throw new Error("no " + %q);
		if (![...s.options].some((o) => o.value === %q)) throw new Error(%q + " has no option " + %q);
		s.focus(); s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, sel, sel, value, sel, value, value), nil)
}

// setInput types value into the input sel, replacing what it held.
func setInput(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q);
		if (!e) throw new Error("no " + %q);
		e.focus(); e.select(); const v = %q;
		if (v === "") document.execCommand("delete"); else document.execCommand("insertText", false, v);
		return e.value; })()`, sel, sel, value), nil)
}

// explainFailure logs, when the test fails, what the simulated drones did
// and what the page showed, and saves a screenshot.
func explainFailure(t *testing.T, ctx context.Context, sim *simulator.Fleet) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, v := range sim.Status() {
			t.Logf("simulated drone %d: %+v", v.SysID, v)
		}
		t.Logf("notices: %q", textOf(t, ctx, ".bw-notices"))
		screenshot(t, ctx, screenshotDir(t), "failed-"+strings.ReplaceAll(t.Name(), "/", "-"))
	})
}

// noConsoleErrors fails the test if the page logged an error.
func noConsoleErrors(t *testing.T, c *consoleErrors) {
	t.Helper()
	if errs := c.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

func TestBrowser_Operator_MultiSelectionModeAndRTLNameEveryTarget(t *testing.T) {
	ctx, console := newBrowser(t)
	sim := &simulator.Fleet{Scenario: scenario(t, patrolScenario)}
	sys := startScenarioSystem(t, sim)
	explainFailure(t, ctx, sim)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	waitDroneDrawn(t, ctx, 2)
	dir := screenshotDir(t)

	// Select both drones with the list's check boxes.
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(`.bw-tab[data-tab="fleet"]`, chromedp.ByQuery),
		chromedp.Click(`#bw-fleet-body tr[data-sysid="1"] input[type="checkbox"]`, chromedp.ByQuery),
		chromedp.Click(`#bw-fleet-body tr[data-sysid="2"] input[type="checkbox"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-multi-commands`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, dir, "failed-multi-select")
		t.Fatalf("selecting two drones: %v (console %v)", err, console.list())
	}
	if got := textOf(t, ctx, `#bw-multi-commands h3`); !strings.Contains(got, "2 vehicles") {
		t.Fatalf("multi-selection heading: %q", got)
	}
	// The mode list holds the autopilot's own names (ArduCopter's), not PX4's.
	var modes []string
	testenv.Eventually(t, 10*time.Second, "the mode list is filled from the server", func() bool {
		if err := chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll("#bw-multi-commands .bw-mode-select option")].map((o) => o.value).filter(Boolean)`, &modes)); err != nil {
			t.Fatal(err)
		}
		return len(modes) > 3
	})
	all := " " + strings.Join(modes, " ") + " "
	for _, want := range []string{" LOITER ", " GUIDED ", " BRAKE ", " RTL "} {
		if !strings.Contains(all, want) {
			t.Fatalf("ArduCopter mode list %v lacks%s", modes, want)
		}
	}
	if strings.Contains(all, " AUTO_LOITER ") || strings.Contains(all, " POSCTL ") {
		t.Fatalf("ArduCopter mode list %v holds PX4's names", modes)
	}
	if err := runWithin(ctx, 10*time.Second,
		chooseOption(`#bw-multi-commands .bw-mode-select`, "LOITER"),
		chromedp.Click(`#bw-multi-commands [data-command="mode"]:not([disabled])`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-confirm`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("mode change: %v (console %v)", err, console.list())
	}
	// The confirmation names both targets.
	targets := textOf(t, ctx, `#bw-confirm .bw-confirm-targets`)
	if !strings.Contains(targets, "Drone 1") || !strings.Contains(targets, "Drone 2") || count(t, ctx, `#bw-confirm .bw-confirm-targets li`) != 2 {
		t.Fatalf("confirmation targets: %q", targets)
	}
	if got := textOf(t, ctx, `#bw-confirm h2`); !strings.Contains(got, "LOITER") {
		t.Fatalf("confirmation title: %q", got)
	}
	screenshot(t, ctx, dir, "multi-confirm")
	if err := chromedp.Run(ctx, chromedp.Click(`#bw-confirm-ok`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	// Both simulated autopilots are in LOITER; each drone's answer is shown.
	testenv.Eventually(t, 20*time.Second, "both drones loiter", func() bool {
		return simVehicle(t, sim, 1).Mode == "LOITER" && simVehicle(t, sim, 2).Mode == "LOITER"
	})
	for _, id := range []string{"1", "2"} {
		waitText(t, ctx, 20*time.Second, fmt.Sprintf(`#bw-multi-answers li[data-id=%q][data-ok="1"]`, id), "Set mode LOITER: accepted")
	}
	for _, sz := range [][2]int64{{1280, 800}, {1024, 768}} {
		setViewport(t, ctx, sz[0], sz[1])
		screenshot(t, ctx, dir, fmt.Sprintf("multi-answers-%dx%d", sz[0], sz[1]))
	}
	setViewport(t, ctx, 1280, 800)

	// RTL on both from the same bar: both return.
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(`#bw-multi-commands [data-command="rtl"]:not([disabled])`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-confirm`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, `#bw-confirm .bw-confirm-targets`); !strings.Contains(got, "Drone 1") || !strings.Contains(got, "Drone 2") {
		t.Fatalf("RTL confirmation targets: %q", got)
	}
	if err := chromedp.Run(ctx, chromedp.Click(`#bw-confirm-ok`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "both drones return", func() bool {
		return simVehicle(t, sim, 1).Mode == "RTL" && simVehicle(t, sim, 2).Mode == "RTL"
	})
	for _, id := range []string{"1", "2"} {
		waitText(t, ctx, 20*time.Second, fmt.Sprintf(`#bw-multi-answers li[data-id=%q]`, id), "Return to launch: accepted")
	}

	// A go-to for both sends them to one point at one altitude: the dialog
	// warns of a collision and asks for the second step.
	var mid struct{ X, Y float64 }
	if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const r = document.querySelector("#map").getBoundingClientRect(); return {X: r.left + r.width/2, Y: r.top + r.height/2}; })()`, &mid)); err != nil {
		t.Fatal(err)
	}
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(`#bw-multi-commands [data-command="goto"]:not([disabled])`, chromedp.ByQuery),
		chromedp.WaitVisible(`.bw-pick`, chromedp.ByQuery),
		chromedp.MouseClickXY(mid.X, mid.Y),
		chromedp.WaitVisible(`#bw-confirm.bw-modal-danger`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("go-to for two drones: %v (console %v)", err, console.list())
	}
	if got := textOf(t, ctx, "#bw-confirm"); !strings.Contains(got, "may collide") {
		t.Fatalf("the go-to of two drones does not warn: %q", got)
	}
	if err := runWithin(ctx, 10*time.Second, chromedp.Click(`#bw-confirm-cancel`, chromedp.ByQuery), chromedp.WaitNotPresent(`#bw-confirm`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	noConsoleErrors(t, console)
}

func TestBrowser_Operator_GoToByMapClickSpeedAndFence(t *testing.T) {
	ctx, console := newBrowser(t)
	sim := &simulator.Fleet{Scenario: scenario(t, patrolScenario)}
	sys := startScenarioSystem(t, sim)
	explainFailure(t, ctx, sim)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	dir := screenshotDir(t)
	clickDrone(t, ctx, 1)
	if err := runWithin(ctx, 10*time.Second, chromedp.WaitVisible(`#bw-vehicle[data-id="1"]`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}

	// F centres the map on the drone and zooms in, for a precise pick.
	if err := runWithin(ctx, 10*time.Second, chromedp.KeyEvent("f")); err != nil {
		t.Fatal(err)
	}
	waitMapStill(t, ctx, 1)

	// Speed: 8 m/s, and the autopilot's speed target follows.
	if err := runWithin(ctx, 10*time.Second,
		setInput(`#bw-vehicle input[name="speed_m_s"]`, "8"),
		chromedp.Click(`#bw-vehicle [data-command="speed"]:not([disabled])`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-confirm`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("speed: %v (console %v)", err, console.list())
	}
	if got := textOf(t, ctx, `#bw-confirm h2`); !strings.Contains(got, "8 m/s") {
		t.Fatalf("speed confirmation: %q", got)
	}
	if err := chromedp.Run(ctx, chromedp.Click(`#bw-confirm-ok`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, 20*time.Second, `#bw-vehicle-answer`, "Set speed 8 m/s: accepted")
	if c := simVehicle(t, sim, 1).CruiseMS; c != 8 {
		t.Fatalf("the drone's speed target is %g m/s after setting 8", c)
	}

	// Fence: the drone's own report says enabled, and the panel shows it.
	if simVehicle(t, sim, 1).FenceEnabled {
		t.Fatal("the scenario's fence is enabled before the operator enables it")
	}
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(`#bw-vehicle [data-command="fence_enable"][data-enable="true"]:not([disabled])`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-confirm`, chromedp.ByQuery),
		chromedp.Click(`#bw-confirm-ok`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("fence: %v (console %v)", err, console.list())
	}
	testenv.Eventually(t, 20*time.Second, "the drone enforces its fence", func() bool { return simVehicle(t, sim, 1).FenceEnabled })
	waitText(t, ctx, 20*time.Second, `#bw-vehicle tr[data-field="fence"]`, "enabled")

	// Go to: a point 150 px east of the drone picked on the map, at 60 m.
	v := simVehicle(t, sim, 1)
	if err := runWithin(ctx, 10*time.Second,
		setInput(`#bw-vehicle input[name="alt_m"]`, "60"),
		chromedp.Click(`#bw-vehicle [data-command="goto"]:not([disabled])`, chromedp.ByQuery),
		chromedp.WaitVisible(`.bw-pick`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("go to: %v (console %v)", err, console.list())
	}
	screenshot(t, ctx, dir, "goto-pick")
	var off struct{ X, Y float64 }
	if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const r = document.querySelector("#map").getBoundingClientRect(); return {X: r.left, Y: r.top}; })()`, &off)); err != nil {
		t.Fatal(err)
	}
	d := droneOnMap(t, ctx, 1)
	if err := runWithin(ctx, 10*time.Second,
		chromedp.MouseClickXY(off.X+d.X+150, off.Y+d.Y),
		chromedp.WaitVisible(`#bw-confirm`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("go-to confirmation: %v (console %v)", err, console.list())
	}
	// The confirmation says where: the point the click picked.
	title := textOf(t, ctx, `#bw-confirm h2`)
	var tLat, tLon float64
	if _, err := fmt.Sscanf(title, "Go to %f, %f at 60 m above home?", &tLat, &tLon); err != nil {
		t.Fatalf("go-to confirmation %q: %v", title, err)
	}
	if start := metresBetween(v.Lat, v.Lon, tLat, tLon); start < 150 || tLon < v.Lon || math.Abs(tLat-v.Lat) > 0.001 {
		t.Fatalf("the picked point %f, %f is not east of the drone at %f, %f (%.0f m)", tLat, tLon, v.Lat, v.Lon, start)
	}
	screenshot(t, ctx, dir, "goto-confirm")
	if err := chromedp.Run(ctx, chromedp.Click(`#bw-confirm-ok`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, 20*time.Second, `#bw-vehicle-answer`, "accepted")
	testenv.Eventually(t, 90*time.Second, "the drone flies to the picked point and holds there", func() bool {
		s := simVehicle(t, sim, 1)
		return s.Mode == "GUIDED" && metresBetween(s.Lat, s.Lon, tLat, tLon) < 25 && s.RelAltM < 65 && s.RelAltM > 55
	})
	waitText(t, ctx, 10*time.Second, `#bw-vehicle .bw-vehicle-mode`, "GUIDED")
	noConsoleErrors(t, console)
}

func TestBrowser_Operator_DisarmInFlightSecondStepShowsRefusal(t *testing.T) {
	ctx, console := newBrowser(t)
	sim := &simulator.Fleet{Scenario: scenario(t, patrolScenario)}
	sys := startScenarioSystem(t, sim)
	explainFailure(t, ctx, sim)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	clickDrone(t, ctx, 2)
	if err := runWithin(ctx, 10*time.Second,
		chromedp.WaitVisible(`#bw-vehicle[data-id="2"]`, chromedp.ByQuery),
		chromedp.Click(`#bw-vehicle [data-command="disarm"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-confirm.bw-modal-danger`, chromedp.ByQuery),
		chromedp.Click(`#bw-confirm-ok`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("disarm: %v (console %v)", err, console.list())
	}
	waitText(t, ctx, 5*time.Second, `#bw-confirm`, "Second step")
	if !simVehicle(t, sim, 2).Armed {
		t.Fatal("the drone disarmed after the first confirmation")
	}
	// The second, explicit step sends it; ArduCopter refuses to disarm in
	// flight without force, and the panel shows its reason.
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(`#bw-confirm-ok`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#bw-confirm`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, 20*time.Second, `#bw-vehicle-answer.bw-answer-error`, "Disarm: vehicle is flying")
	if s := simVehicle(t, sim, 2); !s.Armed || s.Landed {
		t.Fatalf("the drone is no longer flying after a refused disarm: %+v", s)
	}
	// The panel's buttons work again once the answer is in.
	if n := count(t, ctx, `#bw-vehicle [data-command][disabled]:not([data-command="mode"])`); n != 0 {
		t.Fatalf("%d command buttons stay disabled after the answer", n)
	}
	noConsoleErrors(t, console)
}

// fleetRows answers the system ids of the fleet list's rows, in order.
func fleetRows(t *testing.T, ctx context.Context) string {
	t.Helper()
	var ids []string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll("#bw-fleet-body tr[data-sysid]")].map((r) => r.dataset.sysid)`, &ids)); err != nil {
		t.Fatal(err)
	}
	return strings.Join(ids, ",")
}

// waitRows waits until the fleet list shows the rows want, in this order.
func waitRows(t *testing.T, ctx context.Context, want, what string) {
	t.Helper()
	var got string
	testenv.Eventually(t, 10*time.Second, fmt.Sprintf("%s: fleet rows %s (last seen %s)", what, want, func() string { return got }()), func() bool {
		got = fleetRows(t, ctx)
		return got == want
	})
}

func TestBrowser_Operator_FleetListSortsAndFilters(t *testing.T) {
	ctx, console := newBrowser(t)
	// Drone 1 flies, 2 is a PX4 on the ground, 3 is on the ground with 15 %
	// battery, and 4 talks through its own simulator, stopped below so its
	// link is lost.
	main := &simulator.Fleet{Scenario: scenario(t, `{"name": "mixed", "vehicles": [
		{"sysid": 1, "flavor": "arducopter", "home": {"lat": 31.3560, "lon": -110.9720, "alt_m": 1180},
		 "start": "flying", "start_alt_m": 100, "start_seq": 2,
		 "mission": [{"cmd": "takeoff", "alt_m": 100}, {"cmd": "loiter_unlim", "lat": 31.3520, "lon": -110.9720, "alt_m": 100}]},
		{"sysid": 2, "flavor": "px4", "home": {"lat": 31.3560, "lon": -110.9500, "alt_m": 1180}},
		{"sysid": 3, "flavor": "arducopter", "home": {"lat": 31.3560, "lon": -110.9300, "alt_m": 1180}, "battery_pct": 15}]}`)}
	other := &simulator.Fleet{Scenario: scenario(t, `{"name": "lost", "vehicles": [
		{"sysid": 4, "flavor": "arducopter", "home": {"lat": 31.3600, "lon": -110.9500, "alt_m": 1180}}]}`)}
	sys := startScenarioSystem(t, main, other)
	explainFailure(t, ctx, main)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	if err := runWithin(ctx, 10*time.Second, chromedp.Click(`.bw-tab[data-tab="fleet"]`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	waitRows(t, ctx, "1,2,3,4", "every drone heard, by id")
	testenv.Eventually(t, 20*time.Second, "drone 1 flies", func() bool {
		return strings.Contains(textOf(t, ctx, `#bw-fleet-body tr[data-sysid="1"]`), "Flying")
	})

	// Sorting: by battery, lowest first, then highest first; by drone, down.
	click := func(sel string) {
		t.Helper()
		if err := runWithin(ctx, 10*time.Second, chromedp.Click(sel, chromedp.ByQuery)); err != nil {
			t.Fatalf("clicking %s: %v", sel, err)
		}
	}
	click(`.bw-sort[data-sort="battery"]`)
	testenv.Eventually(t, 10*time.Second, "the lowest battery first", func() bool { return strings.HasPrefix(fleetRows(t, ctx), "3,") })
	if got := textOf(t, ctx, `th[aria-sort="ascending"]`); !strings.Contains(got, "Batt.") {
		t.Fatalf("sorted column's header: %q", got)
	}
	click(`.bw-sort[data-sort="battery"]`)
	testenv.Eventually(t, 10*time.Second, "the lowest battery last", func() bool { return strings.HasSuffix(fleetRows(t, ctx), ",3") })
	click(`.bw-sort[data-sort="id"]`)
	click(`.bw-sort[data-sort="id"]`)
	waitRows(t, ctx, "4,3,2,1", "by drone, descending")
	click(`.bw-sort[data-sort="id"]`)
	waitRows(t, ctx, "1,2,3,4", "by drone, ascending")

	// Filters: flavour, low battery, state, link.
	filter := func(sel, value string) {
		t.Helper()
		if err := runWithin(ctx, 10*time.Second, chooseOption(sel, value)); err != nil {
			t.Fatalf("filter %s=%s: %v", sel, value, err)
		}
	}
	filter("#bw-filter-autopilot", "px4")
	waitRows(t, ctx, "2", "PX4 only")
	filter("#bw-filter-autopilot", "ardupilot")
	waitRows(t, ctx, "1,3,4", "ArduPilot only")
	filter("#bw-filter-autopilot", "")
	click("#bw-filter-lowbat")
	waitRows(t, ctx, "3", "low battery")
	click("#bw-filter-lowbat")
	filter("#bw-filter-state", "flying")
	waitRows(t, ctx, "1", "flying")
	filter("#bw-filter-state", "lowbat")
	waitRows(t, ctx, "3", "state low battery")
	filter("#bw-filter-state", "")
	waitRows(t, ctx, "1,2,3,4", "no filter")

	other.Close()
	testenv.Eventually(t, 20*time.Second, "drone 4's link is lost", func() bool {
		return strings.Contains(textOf(t, ctx, `#bw-fleet-body tr[data-sysid="4"]`), "LOST")
	})
	filter("#bw-filter-link", "lost")
	waitRows(t, ctx, "4", "link lost")
	filter("#bw-filter-link", "ok")
	waitRows(t, ctx, "1,2,3", "link ok")
	if got := textOf(t, ctx, ".bw-fleet-summary"); !strings.Contains(got, "3 of 4 vehicles") {
		t.Fatalf("summary: %q", got)
	}
	// The select-all box takes what is shown, not what is filtered out.
	click(`.bw-fleet thead input[type="checkbox"]`)
	if err := runWithin(ctx, 10*time.Second, chromedp.WaitVisible(`#bw-multi-commands`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, "#bw-multi-commands h3"); !strings.Contains(got, "3 vehicles") {
		t.Fatalf("select all shown: %q", got)
	}
	screenshot(t, ctx, screenshotDir(t), "fleet-filtered")
	noConsoleErrors(t, console)
}

func TestBrowser_Operator_KeyboardShortcuts(t *testing.T) {
	ctx, console := newBrowser(t)
	sim := &simulator.Fleet{Scenario: scenario(t, patrolScenario)}
	sys := startScenarioSystem(t, sim)
	explainFailure(t, ctx, sim)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	waitDroneDrawn(t, ctx, 2)
	key := func(k string) {
		t.Helper()
		if err := runWithin(ctx, 10*time.Second, chromedp.KeyEvent(k)); err != nil {
			t.Fatalf("key %q: %v", k, err)
		}
	}
	wait := func(sel string) {
		t.Helper()
		if err := runWithin(ctx, 10*time.Second, chromedp.WaitReady(sel, chromedp.ByQuery)); err != nil {
			var dbg string
			_ = chromedp.Run(ctx, chromedp.Evaluate(`JSON.stringify({focus: document.activeElement && document.activeElement.outerHTML.slice(0, 100), selected: document.querySelectorAll("#bw-fleet-body tr.bw-row-selected").length, panel: !!document.querySelector("#bw-vehicle"), side: !!document.querySelector(".bw-side")})`, &dbg))
			t.Fatalf("waiting for %s: %v (page %s) (console %v)", sel, err, dbg, console.list())
		}
	}
	gone := func(sel string) {
		t.Helper()
		if err := runWithin(ctx, 10*time.Second, chromedp.WaitNotPresent(sel, chromedp.ByQuery)); err != nil {
			t.Fatalf("waiting for %s to go: %v", sel, err)
		}
	}
	// Tabs by number, the sidebar by backslash.
	key("2")
	wait(`.bw-tab-active[data-tab="alerts"]`)
	key("1")
	wait(`.bw-tab-active[data-tab="fleet"]`)
	key(`\`)
	gone(`.bw-side`)
	key(`\`)
	wait(`.bw-side`)
	// J and K walk the list (as it shows) and open the panel.
	wait(`#bw-fleet-body tr[data-sysid="2"]`)
	key("j")
	wait(`#bw-vehicle[data-id="1"]`)
	key("j")
	wait(`#bw-vehicle[data-id="2"]`)
	key("k")
	wait(`#bw-vehicle[data-id="1"]`)
	if n := count(t, ctx, `#bw-fleet-body tr.bw-row-selected`); n != 1 {
		t.Fatalf("%d rows selected after J, J, K", n)
	}
	// T hides the trails, L opens the layer list.
	key("t")
	wait(`input[data-overlay="trails"]:not(:checked)`)
	key("l")
	wait(`details.bw-layerlist[open]`)
	key("l")
	wait(`details.bw-layerlist:not([open])`)
	// Keys typed into a field are text, not shortcuts.
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(`#bw-vehicle input[name="speed_m_s"]`, chromedp.ByQuery),
		chromedp.KeyEvent("r"),
	); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, "#bw-confirm"); n != 0 {
		t.Fatal("R typed into the speed field asked to RTL")
	}
	if err := runWithin(ctx, 10*time.Second, chromedp.Blur(`#bw-vehicle input[name="speed_m_s"]`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	// R asks to RTL the selected drone; Esc cancels and nothing is sent.
	key("r")
	wait("#bw-confirm")
	if got := textOf(t, ctx, "#bw-confirm"); !strings.Contains(got, "Return to launch") || !strings.Contains(got, "Drone 1") || strings.Contains(got, "Drone 2") {
		t.Fatalf("R's confirmation: %q", got)
	}
	key(kb.Escape)
	gone("#bw-confirm")
	// G picks a point; Esc cancels the pick.
	key("g")
	wait(".bw-pick")
	key(kb.Escape)
	gone(".bw-pick")
	// H asks to hold; Enter confirms (the dialog's button has the focus).
	key("h")
	wait("#bw-confirm")
	key(kb.Enter)
	gone("#bw-confirm")
	testenv.Eventually(t, 20*time.Second, "drone 1 holds in LOITER", func() bool { return simVehicle(t, sim, 1).Mode == "LOITER" })
	waitText(t, ctx, 20*time.Second, "#bw-vehicle-answer", "Hold position: accepted")
	if m := simVehicle(t, sim, 2).Mode; m != "AUTO" {
		t.Fatalf("drone 2, not selected, changed to %s", m)
	}
	if m := simVehicle(t, sim, 1).Mode; m == "RTL" {
		t.Fatal("the cancelled RTL was sent")
	}
	// Esc with nothing else open clears the selection.
	key(kb.Escape)
	gone("#bw-vehicle")
	// ? lists the shortcuts, G and L among them; Esc closes the list.
	key("?")
	wait("#bw-help")
	if got := textOf(t, ctx, "#bw-help"); !strings.Contains(got, "go to") || !strings.Contains(got, "layer list") {
		t.Fatalf("the shortcut list lacks G or L: %q", got)
	}
	key(kb.Escape)
	gone("#bw-help")
	noConsoleErrors(t, console)
}
