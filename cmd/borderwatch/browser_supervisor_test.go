package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// The supervisor's views (web/ui/src/replay, web/ui/src/admin) in Chromium
// against the real server: a recorded multi-drone sortie replayed as
// evidence, an imported public tlog, and the admin views.

// apiJSON calls the API with the test's admin credentials and decodes the answer into out (may be nil).
func apiJSON(t *testing.T, base, method, path string, body, out any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := apiClient(t, base).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		var e struct{ Error string }
		_ = json.NewDecoder(res.Body).Decode(&e)
		t.Fatalf("%s %s: %s %s", method, path, res.Status, e.Error)
	}
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

type timelineMarker struct {
	Time  time.Time `json:"time"`
	Kind  string    `json:"kind"`
	SysID int       `json:"sysid"`
	Label string    `json:"label"`
}

// cursorState is where the timeline's and the altitude plot's cursors are.
type cursorState struct {
	Time     string  `json:"time"`     // the timeline cursor's instant
	From     string  `json:"from"`     // the timeline's visible window
	To       string  `json:"to"`       //
	PlotTime string  `json:"plotTime"` // the plot cursor's instant
	PlotFrac float64 `json:"plotFrac"` // its position across the plot (0-1)
}

func readCursors(t *testing.T, ctx context.Context) cursorState {
	t.Helper()
	var c cursorState
	js := `(() => { const c = document.querySelector("#bw-tl-cursor"), tr = document.querySelector("#bw-tl-track");
		const p = document.querySelector('.bw-plot[data-plot="alt"] .bw-plot-cursor');
		const over = p && p.parentElement;
		return {time: c ? c.dataset.time : "", from: tr ? tr.dataset.from : "", to: tr ? tr.dataset.to : "",
			plotTime: p ? (p.dataset.time || "") : "", plotFrac: p && over.clientWidth ? parseFloat(p.style.left) / over.clientWidth : -1}; })()`
	if err := chromedp.Run(ctx, chromedp.Evaluate(js, &c)); err != nil {
		t.Fatal(err)
	}
	return c
}

func parseT(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}

// waitCursorAt waits until the timeline's cursor and the plots' cursor both stand at want (±50 ms).
func waitCursorAt(t *testing.T, ctx context.Context, want time.Time) cursorState {
	t.Helper()
	var c cursorState
	testenv.Eventually(t, 15*time.Second, "the timeline and plot cursors stand at "+want.Format(time.RFC3339Nano), func() bool {
		c = readCursors(t, ctx)
		if c.Time == "" || c.PlotTime == "" {
			return false
		}
		return parseT(t, c.Time).Sub(want).Abs() < 50*time.Millisecond && parseT(t, c.PlotTime).Sub(want).Abs() < 50*time.Millisecond
	})
	return c
}

// pauseReplay waits until the opened replay plays, then pauses it. One
// click only: a second one could land after the page learnt it paused, and
// play again.
func pauseReplay(t *testing.T, ctx context.Context) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, "the replay plays", func() bool {
		return strings.Contains(textOf(t, ctx, "#bw-replay-clock"), "playing")
	})
	if err := chromedp.Run(ctx, chromedp.Click(`#bw-replay-play`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "the replay pauses", func() bool {
		return strings.Contains(textOf(t, ctx, "#bw-replay-clock"), "paused")
	})
}

// clickTimelineAt clicks the timeline's track where instant at lies.
func clickTimelineAt(t *testing.T, ctx context.Context, at time.Time) {
	t.Helper()
	var r struct{ Left, Top, Width, Height float64 }
	if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const b = document.querySelector("#bw-tl-track").getBoundingClientRect(); return {Left: b.left, Top: b.top, Width: b.width, Height: b.height}; })()`, &r)); err != nil {
		t.Fatal(err)
	}
	c := readCursors(t, ctx)
	from, to := parseT(t, c.From), parseT(t, c.To)
	x := r.Left + r.Width*float64(at.Sub(from))/float64(to.Sub(from))
	if err := chromedp.Run(ctx, chromedp.MouseClickXY(x, r.Top+r.Height-4)); err != nil {
		t.Fatal(err)
	}
}

func TestBrowser_Supervisor_ReplaysMultiDroneSortieAsEvidence(t *testing.T) {
	ctx, console := newBrowser(t)
	sys, _, _ := startTestSystem(t, 2)
	base := sys.web.URL()
	var sorties []store.Sortie
	testenv.Eventually(t, 30*time.Second, "both drones' sorties are recorded for a few seconds", func() bool {
		apiJSON(t, base, "GET", "/api/v1/sorties", nil, &sorties)
		n := 0
		for _, s := range sorties {
			if s.Frames > 100 && s.DurationS > 4 {
				n++
			}
		}
		return n >= 2
	})
	var so store.Sortie
	for _, s := range sorties {
		if s.SystemID == 1 {
			so = s
		}
	}
	// Two detections the test knows: track 7 early, track 8 later; then an
	// operator's mode change (an audited command and the vehicle's mode change).
	now := time.Now()
	tA, tB := now.Add(-3*time.Second), now.Add(-1*time.Second)
	sys.hub.Publish(telemetry.Detection{EventHeader: telemetry.Header(tA, 1),
		TrackID: 7, Class: "person", ConfidencePct: 90, Lat: simulator.DefaultCenterLat - 0.01, Lon: simulator.DefaultCenterLon})
	sys.hub.Publish(telemetry.Detection{EventHeader: telemetry.Header(tB, 1),
		TrackID: 8, Class: "vehicle", ConfidencePct: 80, Lat: simulator.DefaultCenterLat - 0.012, Lon: simulator.DefaultCenterLon + 0.01})
	// Drone 2 sees a vehicle just east of it: the icon, drawn above the
	// drones, sits where its label would start, and the label steps aside.
	for _, v := range getVehicles(t, base) {
		if v.ID == 2 {
			sys.hub.Publish(telemetry.Detection{EventHeader: telemetry.Header(time.Now(), 2),
				TrackID: 9, Class: "vehicle", ConfidencePct: 75, Lat: v.Lat, Lon: v.Lon + 300/(111320*math.Cos(v.Lat*math.Pi/180))})
		}
	}
	apiJSON(t, base, "POST", "/api/v1/vehicles/1/commands", map[string]any{"command": "mode", "mode": "LOITER"}, nil)
	var modeAction timelineMarker
	testenv.Eventually(t, 20*time.Second, "the timeline lists both detections and the operator's mode change", func() bool {
		var tl struct{ Markers []timelineMarker }
		apiJSON(t, base, "GET", fmt.Sprintf("/api/v1/sorties/%d/timeline?fleet=1", so.ID), nil, &tl)
		dets := 0
		for _, m := range tl.Markers {
			if m.Kind == "detection" && (strings.Contains(m.Label, "track 7") || strings.Contains(m.Label, "track 8")) {
				dets++
			}
			if m.Kind == "operator_action" && strings.Contains(m.Label, "LOITER") {
				modeAction = m
			}
		}
		return dets == 2 && !modeAction.Time.IsZero()
	})

	browserLoginAs(t, ctx, sys, auth.RoleSupervisor)
	row := fmt.Sprintf(`#bw-sorties-body tr[data-sortie="%d"] .bw-replay-open`, so.ID)
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`.bw-tab[data-tab="replay"]`, chromedp.ByQuery),
		chromedp.WaitReady(row, chromedp.ByQuery),
		chromedp.Click(row, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-timeline`, chromedp.ByQuery),
		chromedp.WaitReady(`.bw-plot[data-plot="alt"] .bw-plot-cursor`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("opening the replay: %v (console: %v)", err, console.list())
	}
	// Pause: the cursor must stay where the supervisor puts it.
	pauseReplay(t, ctx)

	// The operator's mode change is on the timeline, and a click seeks there.
	sel := `.bw-tl-mark[data-kind="operator_action"][data-label*="LOITER"]`
	if err := runWithin(ctx, 15*time.Second, chromedp.WaitReady(sel, chromedp.ByQuery), chromedp.Click(sel, chromedp.ByQuery)); err != nil {
		t.Fatalf("the mode change marker: %v (console: %v)", err, console.list())
	}
	var markTime string
	if err := chromedp.Run(ctx, chromedp.AttributeValue(sel, "data-time", &markTime, nil, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	after := waitCursorAt(t, ctx, parseT(t, markTime))
	// Hovering a marker gives its detail.
	if err := runWithin(ctx, 5*time.Second, chromedp.ScrollIntoView(sel, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	// After the mode change both detections have happened: both are shown.
	testenv.Eventually(t, 10*time.Second, "both detections are on the map after the operator action", func() bool {
		return count(t, ctx, `.bw-detection[data-key="1/7"]`) == 1 && count(t, ctx, `.bw-detection[data-key="1/8"]`) == 1
	})
	screenshotReplay(t, ctx)

	// Seek backwards, between the two detections: the later one is gone from the map.
	mid := tA.Add(tB.Sub(tA) / 2)
	clickTimelineAt(t, ctx, mid)
	var before cursorState
	testenv.Eventually(t, 15*time.Second, "the cursors move back between the detections", func() bool {
		before = readCursors(t, ctx)
		if before.Time == "" || before.PlotTime != before.Time {
			return false
		}
		at := parseT(t, before.Time)
		return at.After(tA) && at.Before(tB)
	})
	testenv.Eventually(t, 10*time.Second, "after seeking back the later detection is not shown, the earlier one is", func() bool {
		return count(t, ctx, `.bw-detection[data-key="1/8"]`) == 0 && count(t, ctx, `.bw-detection[data-key="1/7"]`) == 1 &&
			count(t, ctx, `#bw-detections-body tr[data-key="1/8"]`) == 0
	})
	// The plots' cursor followed the timeline: it moved left and stands where the instant lies.
	if !(before.PlotFrac < after.PlotFrac) {
		t.Fatalf("the plot cursor did not move back: at %v then %v", after.PlotFrac, before.PlotFrac)
	}
	from, to := parseT(t, before.From), parseT(t, before.To)
	want := float64(parseT(t, before.Time).Sub(from)) / float64(to.Sub(from))
	if math.Abs(before.PlotFrac-want) > 0.03 {
		t.Fatalf("the plot cursor stands at %.3f of the plot, the instant at %.3f of the sortie", before.PlotFrac, want)
	}

	// The replay link opens the same sortie at the same instant in a fresh page.
	var link string
	if err := chromedp.Run(ctx, chromedp.Value(`#bw-replay-link`, &link, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(link, fmt.Sprintf("sortie=%d", so.ID)) {
		t.Fatalf("replay link %q does not name sortie %d", link, so.ID)
	}
	if err := runWithin(ctx, 20*time.Second, chromedp.Navigate("about:blank"), chromedp.Navigate(link),
		chromedp.WaitReady(`#bw-timeline[data-shown]`, chromedp.ByQuery)); err != nil {
		t.Fatalf("opening the replay link %s: %v (console: %v)", link, err, console.list())
	}
	testenv.Eventually(t, 15*time.Second, "the replay link shows the same instant without the later detection", func() bool {
		var shown string
		_ = chromedp.Run(ctx, chromedp.AttributeValue(`#bw-timeline`, "data-shown", &shown, nil, chromedp.ByQuery))
		if shown == "" {
			return false
		}
		return parseT(t, shown).Sub(parseT(t, before.Time)).Abs() < time.Second &&
			count(t, ctx, `.bw-detection[data-key="1/7"]`) == 1 && count(t, ctx, `.bw-detection[data-key="1/8"]`) == 0
	})
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

// screenshotReplay saves the replay view at both sizes the UI must work at.
func screenshotReplay(t *testing.T, ctx context.Context) {
	t.Helper()
	dir := screenshotDir(t)
	for _, sz := range [][2]int64{{1280, 800}, {1024, 768}} {
		setViewport(t, ctx, sz[0], sz[1])
		if err := chromedp.Run(ctx, chromedp.WaitVisible(`#bw-timeline`, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		// Every drone's label reads beside the detection icons (drone 2's
		// detection lies where its label would start), with both drones on
		// the map.
		if err := runWithin(ctx, 10*time.Second, chromedp.Click(`#bw-replay-fit`, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		var under []string
		testenv.Eventually(t, 10*time.Second, "drone 2's label drawn beside its detection, no label under a detection icon", func() bool {
			var drawn bool
			if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const c = document.querySelector("canvas.bw-drones"); return !!(c && c.bwLabels && c.bwLabels.has(2)); })()`, &drawn)); err != nil {
				t.Fatal(err)
			}
			prev := fmt.Sprint(under)
			under = labelsUnderDetections(t, ctx)
			if len(under) > 0 && fmt.Sprint(under) != prev {
				t.Logf("at %dx%d: %v", sz[0], sz[1], under)
			}
			return drawn && len(under) == 0 && count(t, ctx, `.bw-detection[data-key="2/9"]`) == 1
		})
		screenshot(t, ctx, dir, fmt.Sprintf("supervisor-replay-%dx%d", sz[0], sz[1]))
	}
	setViewport(t, ctx, 1280, 800)
}

func TestBrowser_Supervisor_ImportedTlogReplaysOnScreen(t *testing.T) {
	// A public flight log (dronekit-python's, flown near Canberra): far from
	// the server's default view, so the map must move to it.
	tlog := filepath.Join(testenv.SharedData(t), "tlogs", "dronekit_python", "flight.tlog")
	ctx, console := newBrowser(t)
	db := filepath.Join(t.TempDir(), "bw.db")
	st := &store.Store{Path: db}
	if err := st.Initialize(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(tlog)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.ImportTlog(f, "import:flight.tlog", nil)
	f.Close()
	st.Close()
	if err != nil {
		t.Fatalf("importing %s: %v", tlog, err)
	}
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	authedSystem(t, sys)
	base := sys.web.URL()
	var sorties []store.Sortie
	apiJSON(t, base, "GET", "/api/v1/sorties?source=import", nil, &sorties)
	if len(sorties) != 1 || !sorties[0].Imported {
		t.Fatalf("want one imported sortie, got %+v", sorties)
	}
	browserLoginAs(t, ctx, sys, auth.RoleSupervisor)
	row := fmt.Sprintf(`#bw-sorties-body tr[data-sortie="%d"]`, sorties[0].ID)
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`.bw-tab[data-tab="replay"]`, chromedp.ByQuery),
		chromedp.WaitReady(row+`[data-imported="1"] .bw-tag-import`, chromedp.ByQuery),
		chromedp.Click(row+" .bw-replay-open", chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-timeline`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("opening the imported sortie: %v (console: %v)", err, console.list())
	}
	// Seek into the flight (the log starts on the ground before its GPS fix).
	if err := runWithin(ctx, 10*time.Second, chromedp.WaitReady(`#bw-tl-track[data-from]`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	c := readCursors(t, ctx)
	from, to := parseT(t, c.From), parseT(t, c.To)
	clickTimelineAt(t, ctx, from.Add(to.Sub(from)/2))
	d := waitDroneDrawn(t, ctx, 1)
	var size struct{ W, H float64 }
	if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const m = document.querySelector("#map"); return {W: m.clientWidth, H: m.clientHeight}; })()`, &size)); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 15*time.Second, "the imported drone is drawn inside the visible map", func() bool {
		d = droneOnMap(t, ctx, 1)
		return d.Drawn && d.X > 0 && d.Y > 0 && d.X < size.W && d.Y < size.H
	})
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

func TestBrowser_Admin_AddsSupervisorWhoSeesReplayAndAuditOnly(t *testing.T) {
	ctx, console := newBrowser(t)
	sys, _, _ := startTestSystem(t, 1)
	browserLoginAs(t, ctx, sys, auth.RoleAdmin)
	name, pw := "sup"+authtest.Password()[:6], authtest.Password()
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`.bw-tab[data-tab="admin"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-user-add`, chromedp.ByQuery),
		chromedp.SendKeys(`#bw-user-name`, name, chromedp.ByQuery),
		chromedp.SetValue(`#bw-user-newrole`, "supervisor", chromedp.ByQuery),
		chromedp.SendKeys(`#bw-user-password`, pw, chromedp.ByQuery),
		chromedp.Click(`#bw-user-add-btn`, chromedp.ByQuery),
		chromedp.WaitReady(fmt.Sprintf(`#bw-users-body tr[data-user=%q]`, name), chromedp.ByQuery),
		chromedp.WaitReady(`#bw-signing-body tr[data-vehicle="1"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("adding a supervisor in the UI: %v (console: %v)", err, console.list())
	}
	var role string
	if err := chromedp.Run(ctx, chromedp.Value(fmt.Sprintf(`#bw-users-body tr[data-user=%q] select`, name), &role, chromedp.ByQuery)); err != nil || role != "supervisor" {
		t.Fatalf("the new user's role: %q %v", role, err)
	}
	// Provisioning shows the warning that the key travels in clear.
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(`#bw-signing-body tr[data-vehicle="1"] .bw-sign-provision`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-sign-warning`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if w := textOf(t, ctx, "#bw-sign-warning"); !strings.Contains(w, "in clear") {
		t.Fatalf("signing warning: %q", w)
	}
	dir := screenshotDir(t)
	for _, sz := range [][2]int64{{1280, 800}, {1024, 768}} {
		setViewport(t, ctx, sz[0], sz[1])
		screenshot(t, ctx, dir, fmt.Sprintf("admin-%dx%d", sz[0], sz[1]))
	}
	setViewport(t, ctx, 1280, 800)

	if err := runWithin(ctx, 10*time.Second, chromedp.Click(`#bw-logout`, chromedp.ByQuery), chromedp.WaitVisible(`#bw-login`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	browserLogin(t, ctx, sys.web.URL(), name, pw)
	if err := runWithin(ctx, 10*time.Second, chromedp.WaitReady(`.bw-tab[data-tab="replay"]`, chromedp.ByQuery)); err != nil {
		t.Fatalf("the supervisor has no replay tab: %v", err)
	}
	for _, tab := range []string{"admin", "plan"} {
		if n := count(t, ctx, fmt.Sprintf(`.bw-tab[data-tab=%q]`, tab)); n != 0 {
			t.Fatalf("the supervisor sees the %s tab", tab)
		}
	}
	// The audit trail shows the admin's user_add with its arguments.
	if err := runWithin(ctx, 15*time.Second,
		chromedp.Click(`.bw-tab[data-tab="audit"]`, chromedp.ByQuery),
		chromedp.WaitReady(`#bw-audit-body tr[data-action="user_add"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("audit trail: %v (console: %v)", err, console.list())
	}
	if d := textOf(t, ctx, `#bw-audit-body tr[data-action="user_add"] .bw-audit-detail`); !strings.Contains(d, "name="+name) || !strings.Contains(d, "role=supervisor") {
		t.Fatalf("the audit entry lacks the arguments: %q", d)
	}
	if err := chromedp.Run(ctx, chromedp.Click(`.bw-tab[data-tab="replay"]`, chromedp.ByQuery), chromedp.WaitReady(`#bw-sorties-body`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	// No command controls anywhere: open the drone's panel in the fleet view.
	if err := runWithin(ctx, 15*time.Second,
		chromedp.Click(`.bw-tab[data-tab="fleet"]`, chromedp.ByQuery),
		chromedp.WaitReady(`#bw-fleet-body tr[data-sysid="1"] td.bw-callsign`, chromedp.ByQuery),
		chromedp.Click(`#bw-fleet-body tr[data-sysid="1"] td.bw-callsign`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-vehicle`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{".bw-commands", `button[data-command]`, "#bw-user-add", "#bw-sign-form"} {
		if n := count(t, ctx, s); n != 0 {
			t.Fatalf("the supervisor sees %s", s)
		}
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
