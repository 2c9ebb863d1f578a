package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
)

// The plan editor, its validation, upload, download and the corridor
// wizard, driven in Chromium the way an operator drives them: clicks and
// drags on the map, buttons in the Plan tab, against the demo (server,
// simulated drones and the demo border) run in-process.

// planPage is one browser page on a running demo.
type planPage struct {
	t       *testing.T
	ctx     context.Context
	base    string
	console *consoleErrors
}

// startPlanDemo runs `borderwatch demo` in-process with n drones and opens
// the Plan tab in Chromium.
func startPlanDemo(t *testing.T, drones int) *planPage {
	t.Helper()
	ctx, console := newBrowser(t)
	runCtx, stop := context.WithCancel(context.Background())
	ready := make(chan map[string]string, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e := &env{stdout: testWriter{t}, stderr: testWriter{t}, ready: func(i map[string]string) { ready <- i }}
		if code := run(runCtx, e, []string{"demo", "--http", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "demo.db"),
			"--drones", fmt.Sprint(drones)}); code != 0 {
			t.Errorf("demo exited with %d", code)
		}
	}()
	t.Cleanup(func() { stop(); wg.Wait() })
	var info map[string]string
	select {
	case info = <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("demo did not start")
	}
	p := &planPage{t: t, ctx: ctx, base: info["url"], console: console}
	readyLogin(t, info, "operator") // for getVehicles below
	t.Cleanup(func() {
		// What the page showed when a step failed, for the one who debugs it.
		if t.Failed() {
			var buf []byte
			if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&buf)); err == nil {
				file := filepath.Join(os.TempDir(), "borderwatch-"+t.Name()+"-failed.png")
				if os.WriteFile(file, buf, 0o644) == nil {
					t.Logf("page at the failure: %s (console: %v)", file, console.list())
				}
			}
		}
	})
	p.login(info)
	p.run(
		chromedp.WaitVisible(`.bw-tab[data-tab="plan"]`, chromedp.ByQuery),
		chromedp.Click(`[data-tab="plan"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.bw-plan`, chromedp.ByQuery),
	)
	// The demo drones appear in the shell's vehicle list.
	testenv.Eventually(t, 20*time.Second, "the demo drones are listed", func() bool {
		return len(getVehicles(t, p.base)) == drones
	})
	return p
}

// login signs in as the demo's operator when the page asks for a login.
func (p *planPage) login(info map[string]string) {
	p.t.Helper()
	p.run(chromedp.Navigate(p.base + "/"))
	var hasLogin bool
	testenv.Eventually(p.t, 10*time.Second, "the page shows the login form or the app", func() bool {
		var state string
		p.run(chromedp.Evaluate(`document.querySelector('#bw-login') ? 'login' : document.querySelector('[data-tab]') ? 'app' : ''`, &state))
		hasLogin = state == "login"
		return state != ""
	})
	if !hasLogin {
		return
	}
	user, pass := info["operator_user"], info["operator_password"]
	if user == "" {
		p.t.Fatalf("the page asks for a login but the demo gave none (ready info: %v)", keys(info))
	}
	// Through the login view's button: chromedp.Submit would call
	// form.submit(), which skips the page's submit handler and sends the
	// form as a GET with the password in the URL.
	browserLogin(p.t, p.ctx, p.base, user, pass)
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
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

// count is the number of elements a selector matches.
func (p *planPage) count(sel string) int {
	var n int
	p.eval(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel), &n)
	return n
}

func (p *planPage) waitCount(sel string, want int, what string) {
	p.t.Helper()
	testenv.Eventually(p.t, 20*time.Second, what, func() bool { return p.count(sel) == want })
}

func (p *planPage) text(sel string) string {
	var s string
	p.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.textContent : ''; })()`, sel), &s)
	return s
}

// screenshot saves the page at a window size for review, into
// BORDERWATCH_SCREENSHOTS (default the test's temp folder).
func (p *planPage) screenshot(name string, w, h int64) {
	p.t.Helper()
	dir := os.Getenv("BORDERWATCH_SCREENSHOTS")
	if dir == "" {
		dir = p.t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	var buf []byte
	p.run(
		emulation.SetDeviceMetricsOverride(w, h, 1, false),
		chromedp.Sleep(300*time.Millisecond), // layout settles after a resize; a screenshot is not an assertion
		chromedp.CaptureScreenshot(&buf),
	)
	file := filepath.Join(dir, fmt.Sprintf("%s-%dx%d.png", name, w, h))
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot %s", file)
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

	// An inclusion fence: four clicks, then the first vertex again to close it.
	p.clickSel(`[data-tool="polygon-incl"]`)
	corners := [][2]float64{{0.25, 0.25}, {0.65, 0.25}, {0.65, 0.75}, {0.25, 0.75}, {0.25, 0.25}}
	for _, c := range corners {
		x, y := b.at(c[0], c[1])
		p.click(x, y)
	}
	p.waitCount(inclSel, 1, "the inclusion fence is drawn")

	// Three waypoints inside the fence and one outside it.
	p.clickSel(`[data-tool="waypoint"]`)
	for _, c := range [][2]float64{{0.35, 0.35}, {0.55, 0.4}, {0.5, 0.6}, {0.85, 0.5}} {
		x, y := b.at(c[0], c[1])
		p.click(x, y)
	}
	p.waitCount(waypointSel, 4, "four waypoints are drawn")

	// A rally point inside the fence.
	p.clickSel(`[data-tool="rally"]`)
	x, y := b.at(0.3, 0.65)
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
		return strings.Contains(p.text(`.bw-plan-problem-tooltip`), "outside the inclusion fence")
	})
	p.screenshot("plan-editor-problem", 1280, 800)
	p.screenshot("plan-editor-problem", 1024, 768)
	b = p.mapBox()

	// Dragged inside the fence, the problem clears.
	pts := p.markerCenters()
	tx, ty := b.at(0.45, 0.7)
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
