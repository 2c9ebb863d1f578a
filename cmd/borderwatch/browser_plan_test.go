package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
)

// The plan editor, its validation, upload, download and the corridor
// wizard, driven in Chromium the way an operator drives them: clicks and
// drags on the map, buttons in the Plan tab, against the demo (server,
// simulated drones and the demo border) run in-process.

// planPage is one browser page on a running demo, logged in as its
// operator (the page, and apiClient for the test's own API calls).
type planPage struct {
	t       *testing.T
	ctx     context.Context
	base    string
	console *consoleErrors
}

// startPlanDemo runs `borderwatch demo` in-process with n drones, logs in
// as its operator and opens the Plan tab in Chromium at 1280×800.
func startPlanDemo(t *testing.T, drones int) *planPage {
	t.Helper()
	ctx, console := newBrowser(t)
	runCtx, stop := context.WithCancel(context.Background())
	ready := make(chan map[string]string, 1)
	out := &syncBuffer{}
	var wg sync.WaitGroup
	wg.Add(1)
	exited := make(chan struct{})
	go func() {
		defer wg.Done()
		defer close(exited)
		e := &env{stdout: out, stderr: testWriter{t}, ready: func(i map[string]string) { ready <- i }}
		if code := run(runCtx, e, []string{"demo", "--http", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "demo.db"),
			"--drones", fmt.Sprint(drones)}); code != 0 {
			t.Errorf("demo exited with %d", code)
		}
	}()
	t.Cleanup(func() { stop(); wg.Wait() })
	info := waitDemoReady(t, ready, exited)
	p := &planPage{t: t, ctx: ctx, base: info["url"], console: console}
	demoLogin(t, p.base, out.String(), "operator")
	t.Cleanup(func() {
		// What the page showed when a step failed, for the one who debugs it.
		if t.Failed() {
			screenshot(t, ctx, os.TempDir(), "borderwatch-"+t.Name()+"-failed")
			t.Logf("console: %v", console.list())
		}
	})
	setViewport(t, ctx, 1280, 800)
	op := demoLogins(t, out.String())["operator"]
	p.run(
		chromedp.Navigate(p.base+"/"),
		chromedp.WaitVisible(`#bw-login`, chromedp.ByQuery),
		chromedp.SendKeys(`#bw-login input[name="user"]`, op[0], chromedp.ByQuery),
		chromedp.SendKeys(`#bw-login input[type="password"]`, op[1], chromedp.ByQuery),
		chromedp.Click(`#bw-login button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.bw-tab[data-tab="plan"]`, chromedp.ByQuery),
		chromedp.Click(`.bw-tab[data-tab="plan"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.bw-plan`, chromedp.ByQuery),
	)
	testenv.Eventually(t, 20*time.Second, "the demo drones fly", func() bool {
		vs := getVehicles(t, p.base)
		return len(vs) == drones && vs[0].HasPosition
	})
	return p
}

func (p *planPage) run(actions ...chromedp.Action) {
	p.t.Helper()
	if err := chromedp.Run(p.ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v (console: %v)", err, p.console.list())
	}
}

func (p *planPage) eval(js string, out any) {
	p.t.Helper()
	p.run(chromedp.Evaluate(js, out))
}

// mapBox is the map's place on the page, in CSS pixels.
type mapBox struct{ X, Y, W, H float64 }

func (p *planPage) mapBox() mapBox {
	var b mapBox
	p.eval(`(() => { const r = document.querySelector('.leaflet-container').getBoundingClientRect();
		return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`, &b)
	return b
}

// at is a point of the map by its share of the map's width and height.
func (b mapBox) at(fx, fy float64) (float64, float64) { return b.X + fx*b.W, b.Y + fy*b.H }

// click moves the mouse to x, y and clicks there, as a person does:
// geoman's drawing tools follow the mouse before the click.
func (p *planPage) click(x, y float64) {
	p.t.Helper()
	p.run(chromedp.ActionFunc(func(ctx context.Context) error {
		if err := input.DispatchMouseEvent(input.MouseMoved, x, y).Do(ctx); err != nil {
			return err
		}
		return chromedp.MouseClickXY(x, y).Do(ctx)
	}))
}

// drag presses at one point, moves in steps and releases at another.
func (p *planPage) drag(x1, y1, x2, y2 float64) {
	p.t.Helper()
	p.run(chromedp.ActionFunc(func(ctx context.Context) error {
		if err := input.DispatchMouseEvent(input.MouseMoved, x1, y1).Do(ctx); err != nil {
			return err
		}
		if err := input.DispatchMouseEvent(input.MousePressed, x1, y1).WithButton(input.Left).WithClickCount(1).Do(ctx); err != nil {
			return err
		}
		for i := 1; i <= 10; i++ {
			f := float64(i) / 10
			if err := input.DispatchMouseEvent(input.MouseMoved, x1+(x2-x1)*f, y1+(y2-y1)*f).WithButton(input.Left).Do(ctx); err != nil {
				return err
			}
		}
		return input.DispatchMouseEvent(input.MouseReleased, x2, y2).WithButton(input.Left).WithClickCount(1).Do(ctx)
	}))
}

func (p *planPage) clickSel(sel string) {
	p.t.Helper()
	p.run(chromedp.Click(sel, chromedp.ByQuery))
}

func (p *planPage) count(sel string) int { return count(p.t, p.ctx, sel) }

// vehicleRowAligned checks the upload list's row of vehicle id: its
// Download button lies within the row and centred on the vehicle's name
// (it once sat a few pixels below it).
func (p *planPage) vehicleRowAligned(id int) {
	p.t.Helper()
	var box struct{ RowTop, RowBottom, LabelMid, ButtonTop, ButtonBottom, ButtonMid float64 }
	p.eval(fmt.Sprintf(`(() => {
		const row = document.querySelector('.bw-plan-vehicles tr[data-sysid="%d"]');
		const r = row.getBoundingClientRect();
		const l = row.querySelector('.bw-plan-check').getBoundingClientRect();
		const b = row.querySelector('[data-download]').getBoundingClientRect();
		return {RowTop: r.top, RowBottom: r.bottom, LabelMid: (l.top + l.bottom) / 2, ButtonTop: b.top, ButtonBottom: b.bottom, ButtonMid: (b.top + b.bottom) / 2};
	})()`, id), &box)
	if box.ButtonTop < box.RowTop || box.ButtonBottom > box.RowBottom || math.Abs(box.ButtonMid-box.LabelMid) > 1.5 {
		p.t.Fatalf("vehicle %d's Download button %.1f-%.1f (middle %.1f) in its row %.1f-%.1f, the name's middle at %.1f", id, box.ButtonTop, box.ButtonBottom, box.ButtonMid, box.RowTop, box.RowBottom, box.LabelMid)
	}
}

func (p *planPage) waitCount(sel string, want int, what string) {
	p.t.Helper()
	testenv.Eventually(p.t, 20*time.Second, what, func() bool { return p.count(sel) == want })
}

func (p *planPage) text(sel string) string { return textOf(p.t, p.ctx, sel) }

// screenshot saves the page at a window size for review (BORDERWATCH_SCREENSHOTS).
func (p *planPage) screenshot(name string, w, h int64) {
	p.t.Helper()
	setViewport(p.t, p.ctx, w, h)
	screenshot(p.t, p.ctx, screenshotDir(p.t), fmt.Sprintf("%s-%dx%d", name, w, h))
}

// markerCenters are the page positions of the plan's numbered waypoints.
func (p *planPage) markerCenters() [][2]float64 {
	var pts [][2]float64
	p.eval(`[...document.querySelectorAll('.bw-plan-wp:not(.bw-plan-hint) .bw-plan-icon-label[data-index]')]
		.map(e => { const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })`, &pts)
	return pts
}

const (
	waypointSel = `.bw-plan-wp:not(.bw-plan-hint) .bw-plan-icon-label[data-index]`
	badWPSel    = `.bw-plan-wp.bw-plan-bad .bw-plan-icon-label[data-index]`
	rallySel    = `.bw-plan-rp:not(.bw-plan-hint) .bw-plan-icon-label[data-rally]`
	inclSel     = `path.bw-plan-fence.bw-plan-inclusion`
)

func TestBrowser_PlanEditor_DrawValidateUploadDownload(t *testing.T) {
	p := startPlanDemo(t, 1)
	b := p.mapBox()

	// All of it north of the demo border, which crosses the map's lower half.
	// An inclusion fence: four clicks, then the first vertex again to close it.
	p.clickSel(`[data-tool="polygon-incl"]`)
	corners := [][2]float64{{0.2, 0.12}, {0.7, 0.12}, {0.7, 0.45}, {0.2, 0.45}, {0.2, 0.12}}
	for _, c := range corners {
		x, y := b.at(c[0], c[1])
		p.click(x, y)
	}
	p.waitCount(inclSel, 1, "the inclusion fence is drawn")

	// Three waypoints inside the fence and one outside it.
	p.clickSel(`[data-tool="waypoint"]`)
	for _, c := range [][2]float64{{0.3, 0.2}, {0.55, 0.22}, {0.45, 0.38}, {0.85, 0.3}} {
		x, y := b.at(c[0], c[1])
		p.click(x, y)
	}
	p.waitCount(waypointSel, 4, "four waypoints are drawn")

	// A rally point inside the fence.
	p.clickSel(`[data-tool="rally"]`)
	x, y := b.at(0.25, 0.4)
	p.click(x, y)
	p.waitCount(rallySel, 1, "the rally point is drawn")
	p.clickSel(`[data-tool="select"]`)

	// The server finds the waypoint outside the fence; the map says so at the waypoint.
	p.waitCount(badWPSel, 1, "the waypoint outside the fence is highlighted")
	var bad int
	p.eval(`+document.querySelector('`+badWPSel+`').dataset.index`, &bad)
	if bad != 3 {
		t.Fatalf("highlighted waypoint is item %d, want item 4 (index 3)", bad+1)
	}
	testenv.Eventually(t, 10*time.Second, "the problem's message is on the map", func() bool {
		var all string
		p.eval(`[...document.querySelectorAll('.bw-plan-problem-tooltip')].map(e => e.textContent).join(' | ')`, &all)
		return strings.Contains(all, "mission item 4 (WAYPOINT) is outside the inclusion fence")
	})
	p.screenshot("plan-editor-problem", 1280, 800)
	p.screenshot("plan-editor-problem", 1024, 768)
	setViewport(t, p.ctx, 1280, 800)
	b = p.mapBox()

	// Dragged inside the fence, the problem clears.
	pts := p.markerCenters()
	tx, ty := b.at(0.6, 0.3)
	p.drag(pts[3][0], pts[3][1], tx, ty)
	p.waitCount(badWPSel, 0, "the moved waypoint is no longer highlighted")
	p.waitCount(`.bw-plan-problem-tooltip`, 0, "no problem is left on the map")
	if n := p.count(`.bw-plan-problems[data-errors="0"]`); n != 1 {
		t.Fatalf("the problem list still shows errors: %q", p.text(`.bw-plan-problems`))
	}

	// Undo brings the problem back; redo clears it again.
	p.clickSel(`[data-action="undo"]`)
	p.waitCount(badWPSel, 1, "undo puts the waypoint back outside")
	p.clickSel(`[data-action="redo"]`)
	p.waitCount(badWPSel, 0, "redo moves it inside again")
	before := p.markerCenters()

	// Upload to the simulated drone: progress, then "verified".
	p.clickSel(`[data-section="upload"]`)
	p.clickSel(`input[name="vehicle-1"]`)
	p.clickSel(`[data-action="upload"]`)
	testenv.Eventually(t, 60*time.Second, "the upload is verified", func() bool {
		switch s := p.text(`[data-upload="1"] .bw-plan-upload-state`); s {
		case "verified":
			return true
		case "failed":
			t.Fatalf("upload failed: %s", p.text(`[data-upload="1"]`))
		}
		if p.count(`[data-action="confirm-upload"]`) > 0 {
			p.clickSel(`[data-action="confirm-upload"]`)
		}
		return false
	})
	var progress string
	p.eval(`[...document.querySelectorAll('[data-upload="1"] .bw-plan-bar')].map(e => e.title).join('; ')`, &progress)
	for _, want := range []string{"mission: 4 of 4", "fence: 4 of 4", "rally: 1 of 1"} {
		if !strings.Contains(progress, want) {
			t.Fatalf("progress %q lacks %q", progress, want)
		}
	}

	// The bars moved with the server's upload_progress messages on /ws/live,
	// before the answer said "verified".
	if p.count(`[data-upload="1"] .bw-plan-bar[data-list="mission"][data-live="1"]`) != 1 {
		t.Fatal("no upload progress arrived on /ws/live while the upload ran")
	}

	// Start afresh, download the drone's plan and see the same plan drawn.
	p.clickSel(`[data-action="new"]`)
	p.waitCount(waypointSel, 0, "the editor is empty")
	p.clickSel(`[data-download="1"]`)
	p.waitCount(waypointSel, 4, "the downloaded plan's waypoints are drawn")
	p.waitCount(inclSel, 1, "the downloaded fence is drawn")
	p.waitCount(rallySel, 1, "the downloaded rally point is drawn")
	after := p.markerCenters()
	for i := range before {
		if math.Hypot(before[i][0]-after[i][0], before[i][1]-after[i][1]) > 1.5 {
			t.Fatalf("waypoint %d drawn at %v after the download, at %v before", i+1, after[i], before[i])
		}
	}
	if errs := p.console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

// setSelect chooses an option of a <select> as a person does (a change event).
func (p *planPage) setSelect(sel, value string) {
	p.t.Helper()
	var ok bool
	p.eval(fmt.Sprintf(`(() => { const s = document.querySelector(%q); if (!s || ![...s.options].some(o => o.value === %q)) return false;
		s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, sel, value, value), &ok)
	if !ok {
		p.t.Fatalf("no option %q in %s", value, sel)
	}
}

// onPath is the page position of the point at a share of an SVG path's length.
func (p *planPage) onPath(sel string, share float64) (float64, float64) {
	p.t.Helper()
	var pt [2]float64
	p.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); const q = e.getPointAtLength(e.getTotalLength() * %f);
		const m = e.getScreenCTM(); return [m.a * q.x + m.c * q.y + m.e, m.b * q.x + m.d * q.y + m.f]; })()`, sel, share), &pt)
	return pt[0], pt[1]
}

func TestBrowser_CorridorWizard_PlansDemoBorderAndUploadsLegsToTwoDrones(t *testing.T) {
	p := startPlanDemo(t, 2)
	p.clickSel(`[data-section="corridor"]`)
	testenv.Eventually(t, 10*time.Second, "the border layers are listed", func() bool {
		return p.count(`select[name="border"] option[value="demo-border"]`) == 1
	})
	p.setSelect(`select[name="border"]`, "demo-border")
	p.waitCount(`path.bw-plan-wizard-border`, 1, "the chosen border is drawn")

	// The section: two clicks on the border line, A then B.
	p.clickSel(`[data-action="pick-section"]`)
	ax, ay := p.onPath(`path.bw-plan-wizard-border`, 0.3)
	p.click(ax, ay)
	testenv.Eventually(t, 5*time.Second, "the wizard waits for B", func() bool {
		return strings.Contains(p.text(`[data-action="pick-section"]`), "end B")
	})
	bx, by := p.onPath(`path.bw-plan-wizard-border`, 0.7)
	p.click(bx, by)
	p.waitCount(`.bw-plan-section-end`, 2, "both ends of the section are marked")

	p.clickSel(`[data-action="plan-corridor"]`)
	testenv.Eventually(t, 60*time.Second, "the corridor is planned", func() bool {
		if e := p.text(`.bw-plan-wizard [role="alert"]`); e != "" {
			t.Fatalf("the wizard says: %s", e)
		}
		return p.count(`.bw-plan-preview`) == 1
	})
	// Every leg drawn, coloured by drone; both drones have legs; the
	// revisit time is stated.
	var legs, drawn, drones int
	p.eval(`+document.querySelector('.bw-plan-preview').dataset.legs`, &legs)
	p.eval(`document.querySelectorAll('path.bw-plan-wizard-leg').length`, &drawn)
	p.eval(`new Set([...document.querySelectorAll('path.bw-plan-wizard-leg')].map(e => e.dataset.drone)).size`, &drones)
	if legs < 2 || drawn != legs || drones != 2 {
		t.Fatalf("%d legs, %d drawn, over %d drones; want every leg drawn over 2 drones", legs, drawn, drones)
	}
	if r := p.text(`.bw-plan-revisit`); !strings.Contains(r, "revisit every") {
		t.Fatalf("no revisit time: %q", r)
	}
	if p.count(`path.bw-plan-wizard-fence`) < legs {
		t.Fatalf("fewer fences than legs: %d", p.count(`path.bw-plan-wizard-fence`))
	}

	// A transit from a launch site to a leg, around the no-fly zones.
	p.clickSel(`[data-action="transit"]`)
	p.waitCount(`path.bw-plan-transit`, 1, "the transit route is drawn")

	p.screenshot("plan-corridor-wizard", 1280, 800)
	p.screenshot("plan-corridor-wizard", 1024, 768)
	setViewport(t, p.ctx, 1280, 800)

	// Each drone's first leg to a vehicle: drone 1 → vehicle 1, drone 2 → vehicle 2.
	for _, d := range []string{"1", "2"} {
		if p.count(`select[name="leg-`+d+`"] option`) < 1 {
			t.Fatalf("no leg to choose for drone %s", d)
		}
	}
	p.setSelect(`select[name="assign-1"]`, "1")
	p.setSelect(`select[name="assign-2"]`, "2")
	p.clickSel(`[data-action="upload-legs"]`)
	for _, id := range []string{"1", "2"} {
		testenv.Eventually(t, 90*time.Second, "vehicle "+id+"'s leg is verified", func() bool {
			switch p.text(`[data-upload="` + id + `"] .bw-plan-upload-state`) {
			case "verified":
				return true
			case "failed":
				t.Fatalf("upload to %s failed: %s", id, p.text(`[data-upload="`+id+`"]`))
			}
			if p.count(`[data-action="confirm-upload"]`) > 0 {
				p.clickSel(`[data-action="confirm-upload"]`)
			}
			return false
		})
	}
	// What the vehicles hold now is their leg: a patrol mission inside an
	// inclusion fence, with rally points.
	for _, id := range []int{1, 2} {
		var doc struct {
			Mission struct {
				Items []json.RawMessage `json:"items"`
			} `json:"mission"`
			GeoFence struct {
				Polygons []struct {
					Inclusion bool `json:"inclusion"`
				} `json:"polygons"`
			} `json:"geoFence"`
			RallyPoints struct {
				Points [][]float64 `json:"points"`
			} `json:"rallyPoints"`
		}
		getJSON(t, p.base, fmt.Sprintf("/api/v1/vehicles/%d/plan", id), &doc)
		incl := 0
		for _, f := range doc.GeoFence.Polygons {
			if f.Inclusion {
				incl++
			}
		}
		if len(doc.Mission.Items) < 3 || incl != 1 || len(doc.RallyPoints.Points) == 0 {
			t.Fatalf("vehicle %d holds %d mission items, %d inclusion fences, %d rally points", id, len(doc.Mission.Items), incl, len(doc.RallyPoints.Points))
		}
	}
	if errs := p.console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

// getJSON reads an API answer as the test's logged-in user.
func getJSON(t *testing.T, base, path string, out any) {
	t.Helper()
	res, err := apiClient(t, base).Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func TestBrowser_PlanFiles_ImportSaveOpenExportAndConfirmWarnings(t *testing.T) {
	file := filepath.Join(testenv.SharedData(t), "qgc_plans", "px4_autopilot", "multicopter_mission_geofence_avoid.plan")
	p := startPlanDemo(t, 1)
	downloads := t.TempDir()
	p.run(browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads).WithEventsEnabled(true))

	// Import: PX4's geofence test plan (takeoff, three waypoints, RTL; an
	// inclusion polygon, an exclusion polygon and an exclusion circle), read
	// by the server.
	p.run(chromedp.SetUploadFiles(`input[name="import-file"]`, []string{file}, chromedp.ByQuery))
	shown := func(what string) {
		p.t.Helper()
		p.waitCount(waypointSel, 4, what+": takeoff and three waypoints")
		p.waitCount(inclSel, 1, what+": the inclusion polygon")
		p.waitCount(`path.bw-plan-fence.bw-plan-exclusion`, 2, what+": the exclusion polygon and circle")
	}
	shown("imported")
	if n := p.count(`.bw-plan-mission tr[data-index]`); n != 5 {
		t.Fatalf("mission list has %d items, want 5 (with the RTL)", n)
	}

	// Save under a name, start afresh, open it from the library.
	p.run(chromedp.SetValue(`input[name="plan-name"]`, "geofence avoid", chromedp.ByQuery))
	p.eval(`document.querySelector('input[name="plan-name"]').dispatchEvent(new Event("change", {bubbles: true}))`, nil)
	p.clickSel(`[data-action="save"]`)
	testenv.Eventually(t, 10*time.Second, "the plan is saved", func() bool {
		return strings.Contains(p.text(`.bw-plan-note`), `Saved "geofence avoid" as version 1`)
	})
	p.clickSel(`[data-action="new"]`)
	p.waitCount(waypointSel, 0, "the editor is empty")
	p.clickSel(`[data-action="open"]`)
	p.waitCount(`[data-open="geofence avoid"]`, 1, "the library lists the plan")
	p.clickSel(`[data-open="geofence avoid"]`)
	shown("opened from the library")

	// Export as KML and as QGC WPL 110 (a mission file and a fence file).
	exported := func(suffix string) string {
		var got string
		testenv.Eventually(t, 10*time.Second, "a "+suffix+" file is downloaded", func() bool {
			ents, _ := os.ReadDir(downloads)
			for _, e := range ents {
				if strings.HasSuffix(e.Name(), suffix) {
					b, err := os.ReadFile(filepath.Join(downloads, e.Name()))
					got = string(b)
					return err == nil && len(b) > 0
				}
			}
			return false
		})
		return got
	}
	p.setSelect(`select[name="export-format"]`, "kml")
	p.clickSel(`[data-action="export"]`)
	if kml := exported(".kml"); !strings.Contains(kml, "<kml") || !strings.Contains(kml, "8.54") {
		t.Fatalf("exported KML: %.200s", kml)
	}
	p.setSelect(`select[name="export-format"]`, "wpl")
	p.clickSel(`[data-action="export"]`)
	if wpl := exported(".fence.waypoints"); !strings.HasPrefix(wpl, "QGC WPL 110") || !strings.Contains(wpl, "\t5001\t") {
		t.Fatalf("exported WPL fence: %.200s", wpl)
	}
	if wpl := exported("avoid.waypoints"); !strings.HasPrefix(wpl, "QGC WPL 110") || !strings.Contains(wpl, "\t22\t") {
		t.Fatalf("exported WPL mission: %.200s", wpl)
	}

	// A fence-only plan would clear the drone's patrol mission: the server
	// warns, the dialog says so, and "Upload anyway" sends it with ?confirm=1.
	p.clickSel(`[data-action="new"]`)
	b := p.mapBox()
	p.clickSel(`[data-tool="polygon-incl"]`)
	for _, c := range [][2]float64{{0.1, 0.1}, {0.9, 0.1}, {0.9, 0.5}, {0.1, 0.5}, {0.1, 0.1}} {
		x, y := b.at(c[0], c[1])
		p.click(x, y)
	}
	p.waitCount(inclSel, 1, "the fence is drawn")
	p.clickSel(`[data-section="upload"]`)
	p.clickSel(`input[name="vehicle-1"]`)
	p.clickSel(`[data-action="upload"]`)
	p.waitCount(`.bw-plan-dialog li[data-code="clears_mission"]`, 1, "the dialog names the warning")
	p.screenshot("plan-upload-warning", 1024, 768)
	setViewport(t, p.ctx, 1280, 800)
	p.clickSel(`[data-action="confirm-upload"]`)
	p.waitCount(`.bw-plan-dialog`, 0, "the dialog closes")
	testenv.Eventually(t, 60*time.Second, "the confirmed upload is verified", func() bool {
		s := p.text(`[data-upload="1"] .bw-plan-upload-state`)
		if s == "failed" {
			t.Fatalf("upload failed: %s", p.text(`[data-upload="1"]`))
		}
		return s == "verified"
	})
	p.screenshot("plan-upload-verified", 1280, 800)
	p.vehicleRowAligned(1)
	p.screenshot("plan-upload-verified", 1024, 768)
	p.vehicleRowAligned(1)
	if errs := p.console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
