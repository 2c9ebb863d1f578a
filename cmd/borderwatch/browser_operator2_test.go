package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// metresBetween is the flat-earth distance of two nearby points, enough for tests.
func metresBetween(lat1, lon1, lat2, lon2 float64) float64 {
	dy := (lat2 - lat1) * 111320
	dx := (lon2 - lon1) * 111320 * math.Cos(lat1*math.Pi/180)
	return math.Hypot(dx, dy)
}

func TestBrowser_Operator_SendsNearestDroneToDetection(t *testing.T) {
	ctx, console := newBrowser(t)
	// The two drones hold over their own points 4 km apart (the demo
	// scenario's patrol lines meet, so which drone was nearest depended on
	// when the test looked, and the test used to skip then).
	sim := &simulator.Fleet{Scenario: scenario(t, patrolScenario)}
	sys := startScenarioSystem(t, sim)
	explainFailure(t, ctx, sim)
	base := sys.web.URL()
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	waitDroneDrawn(t, ctx, 2)
	testenv.Eventually(t, 20*time.Second, "both drones fly", func() bool {
		v := getVehicles(t, base)
		return len(v) == 2 && v[0].Armed && v[1].Armed && v[0].RelAltM > 20 && v[1].RelAltM > 20
	})
	// A detection 400 m south of drone 2, 4 km from drone 1.
	v := getVehicles(t, base)
	lat, lon := v[1].Lat-0.0036, v[1].Lon
	if d1, d2 := metresBetween(v[0].Lat, v[0].Lon, lat, lon), metresBetween(v[1].Lat, v[1].Lon, lat, lon); d1 < d2+2000 {
		t.Fatalf("the scenario's drones are not where they hold: %.0f m and %.0f m from the target", d1, d2)
	}
	sys.hub.Publish(telemetry.Detection{EventHeader: telemetry.Header(time.Now(), 1),
		TrackID: 9, Class: "person", ConfidencePct: 93, Lat: lat, Lon: lon})
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`.bw-tab[data-tab="detections"]`, chromedp.ByQuery),
		chromedp.WaitReady(`#bw-detections-body tr[data-key="1/9"] .bw-send-drone`, chromedp.ByQuery),
		chromedp.Click(`#bw-detections-body tr[data-key="1/9"] .bw-send-drone`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-send-confirm`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("send a drone: %v (%s) (console %v)", err, textOf(t, ctx, "#bw-send-box"), console.list())
	}
	// The proposal names the nearest drone before anything moves.
	if got := textOf(t, ctx, `.bw-send-proposal`); !strings.Contains(got, "Drone 2") {
		t.Fatalf("proposal: %q, want drone 2", got)
	}
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`#bw-send-confirm`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#bw-send-box`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("confirm: %v (%s)", err, textOf(t, ctx, "#bw-send-box"))
	}
	testenv.Eventually(t, 60*time.Second, "drone 2 reaches the detection", func() bool {
		v := getVehicles(t, base)
		return metresBetween(v[1].Lat, v[1].Lon, lat, lon) < 60
	})
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

func TestBrowser_Alerts_AcknowledgedInOneBrowserShowsInAnother(t *testing.T) {
	ctxA, consoleA := newBrowser(t)
	ctxB, consoleB := newBrowser(t)
	sys, _, _ := startTestSystem(t, 1)
	// Two operators: logging in as the same test user again would reset its
	// password and end the first browser's session.
	browserLogin(t, ctxA, sys.web.URL(), addUser(t, sys, "alice", auth.RoleOperator), testPassword)
	browserLogin(t, ctxB, sys.web.URL(), addUser(t, sys, "bob", auth.RoleOperator), testPassword)
	// Both pages are on the live stream before the alert is raised.
	waitText(t, ctxA, 20*time.Second, "#bw-conn", "live")
	waitText(t, ctxB, 20*time.Second, "#bw-conn", "live")
	sys.hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(time.Now(), 1),
		Type: telemetry.AlertFenceBreach, Severity: telemetry.SeverityCritical, Text: "fence breached at the river"})
	line := `#bw-alerts li[data-type="alert"][data-state="%s"]`
	open := fmt.Sprintf(line, "open")
	if err := runWithin(ctxA, 20*time.Second,
		chromedp.Click(`.bw-tab[data-tab="alerts"]`, chromedp.ByQuery),
		chromedp.WaitReady(open+` .bw-ack`, chromedp.ByQuery),
		chromedp.Click(open+` .bw-ack`, chromedp.ByQuery),
		chromedp.SendKeys(`.bw-ack-note`, "seen on camera 3", chromedp.ByQuery),
		chromedp.Click(`.bw-ack-form button[type="submit"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("acknowledge in A: %v (console %v)", err, consoleA.list())
	}
	screenshot(t, ctxA, screenshotDir(t), "ack-A")
	acked := fmt.Sprintf(line, "acknowledged")
	if err := runWithin(ctxB, 20*time.Second,
		chromedp.Click(`.bw-tab[data-tab="alerts"]`, chromedp.ByQuery),
		chromedp.WaitReady(acked, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctxA, screenshotDir(t), "failed-ack-A")
		screenshot(t, ctxB, screenshotDir(t), "failed-ack-B")
		t.Fatalf("B does not see the acknowledgement: %v (A shows %q, notices %q; B shows %q) (console %v)", err,
			textOf(t, ctxA, "#bw-alerts"), textOf(t, ctxA, ".bw-notices"), textOf(t, ctxB, "#bw-alerts"), consoleB.list())
	}
	if got := textOf(t, ctxB, acked); !strings.Contains(got, "seen on camera 3") || !strings.Contains(got, "alice") {
		t.Fatalf("B's acknowledged line %q lacks the note or who", got)
	}
	// After a reload the history from the server says the same.
	if err := runWithin(ctxB, 20*time.Second,
		chromedp.Reload(),
		chromedp.Click(`.bw-tab[data-tab="alerts"]`, chromedp.ByQuery),
		chromedp.WaitReady(acked, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("after a reload: %v (console %v)", err, consoleB.list())
	}
	if got := textOf(t, ctxB, acked); !strings.Contains(got, "seen on camera 3") {
		t.Fatalf("after a reload: %q", got)
	}
	var openTexts []string
	if err := chromedp.Run(ctxB, chromedp.Evaluate(fmt.Sprintf(`[...document.querySelectorAll(%q)].map((e) => e.textContent)`, open), &openTexts)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(openTexts, "|"), "river") {
		t.Fatalf("after a reload the acknowledged alert shows as open too: %q", openTexts)
	}
	for _, c := range []*consoleErrors{consoleA, consoleB} {
		if errs := c.list(); len(errs) > 0 {
			t.Fatalf("browser console errors: %v", errs)
		}
	}
}

func TestBrowser_Supervisor_HasNoCommandOrUploadControls(t *testing.T) {
	ctx, console := newBrowser(t)
	sys, _, _ := startTestSystem(t, 1)
	base := sys.web.URL()
	browserLoginAs(t, ctx, sys, auth.RoleSupervisor)
	waitDroneDrawn(t, ctx, 1)
	sys.hub.Publish(telemetry.Detection{EventHeader: telemetry.Header(time.Now(), 1),
		TrackID: 3, Class: "person", ConfidencePct: 70, Lat: 31.34, Lon: -110.95})
	sys.hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(time.Now(), 1),
		Type: telemetry.AlertLowBattery, Severity: telemetry.SeverityCritical, Text: "battery low"})
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`#bw-fleet-body tr[data-sysid="1"] td.bw-callsign`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-vehicle[data-id="1"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	// Visit every tab the supervisor has, and look for any control that acts.
	var tabs []string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll(".bw-tab")].map((b) => b.dataset.tab)`, &tabs)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fleet", "alerts", "detections", "replay"} {
		if !strings.Contains(strings.Join(tabs, " "), want) {
			t.Fatalf("supervisor tabs %v lack %s", tabs, want)
		}
	}
	const controls = `[data-command], #bw-multi-commands, .bw-ack, .bw-send-drone, #bw-send-point, [data-tab="plan"], .bw-upload, [data-action="upload"]`
	for _, tab := range tabs {
		if err := runWithin(ctx, 10*time.Second, chromedp.Click(fmt.Sprintf(`.bw-tab[data-tab=%q]`, tab), chromedp.ByQuery),
			chromedp.WaitReady(fmt.Sprintf(`.bw-tab-body[data-view=%q]`, tab), chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		if tab == "alerts" {
			waitText(t, ctx, 10*time.Second, "#bw-alerts", "battery low")
		}
		if n := count(t, ctx, controls); n != 0 {
			t.Fatalf("the %s tab shows %d command or upload controls to a supervisor", tab, n)
		}
	}
	// The API refuses the same calls: 403.
	c := sessionClient(t, base, addUser(t, sys, "sue", auth.RoleSupervisor), testPassword)
	for _, call := range []struct{ method, path, body string }{
		{"POST", "/api/v1/vehicles/1/commands", `{"command":"rtl"}`},
		{"POST", "/api/v1/commands", `{"command":"rtl","vehicles":[1]}`},
		{"PUT", "/api/v1/vehicles/1/plan", `{"fileType":"Plan"}`},
		{"POST", "/api/v1/dispatch", `{"sysid":1,"lat":31.34,"lon":-110.95}`},
	} {
		req, _ := http.NewRequest(call.method, base+call.path, bytes.NewReader([]byte(call.body)))
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("%s %s as a supervisor: %s, want 403", call.method, call.path, res.Status)
		}
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

// testPassword is the password addUser gives (a test server's own users only).
var testPassword = authtest.Password()

// addUser adds a user of a role to a server started in the test.
func addUser(t *testing.T, sys *server, name string, role auth.Role) string {
	t.Helper()
	if _, err := sys.web.AccountsInUse().AddUser(name, role, testPassword); err != nil {
		t.Fatal(err)
	}
	return name
}

// sessionClient logs in at base as name through POST /api/v1/session and
// answers a client that carries the session cookie.
func sessionClient(t *testing.T, base, name, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	body, _ := json.Marshal(map[string]string{"user": name, "password": password})
	res, err := c.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("logging in as %s: %s", name, res.Status)
	}
	return c
}
