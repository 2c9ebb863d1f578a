package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/loadtest"
)

// screenshotDir is where browser tests save their screenshots for review:
// $BORDERWATCH_SCREENSHOTS when set (kept after the run), else a test
// temporary folder (its path is logged).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("BORDERWATCH_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// setViewport sizes the page as a screen of w×h CSS pixels.
func setViewport(t *testing.T, ctx context.Context, w, h int64) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(w, h, chromedp.EmulateScale(1)),
		chromedp.ActionFunc(func(ctx context.Context) error {
			return emulation.SetDeviceMetricsOverride(w, h, 1, false).Do(ctx)
		})); err != nil {
		t.Fatal(err)
	}
}

// screenshot saves the page as NAME.png into dir and logs where.
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// clickDrone clicks the map where the canvas layer drew drone id. It first
// brings the drone to the middle of the map (through the fleet list, then
// Escape to close the panel again), so that no panel covers it.
func clickDrone(t *testing.T, ctx context.Context, id int) {
	t.Helper()
	waitDroneDrawn(t, ctx, id)
	row := fmt.Sprintf(`#bw-fleet-body tr[data-sysid="%d"] td.bw-callsign`, id)
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(`.bw-tab[data-tab="fleet"]`, chromedp.ByQuery),
		chromedp.Click(row, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-vehicle`, chromedp.ByQuery),
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotPresent(`#bw-vehicle`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("bringing drone %d to the middle of the map: %v", id, err)
	}
	waitMapStill(t, ctx, id)
	var off struct{ X, Y float64 }
	if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const r = document.querySelector("#map").getBoundingClientRect(); return {X: r.left, Y: r.top}; })()`, &off)); err != nil {
		t.Fatal(err)
	}
	// Read the position right before clicking: the drone flies.
	d := droneOnMap(t, ctx, id)
	if err := chromedp.Run(ctx, chromedp.MouseClickXY(off.X+d.X, off.Y+d.Y)); err != nil {
		t.Fatal(err)
	}
}

// waitMapStill waits for a pan or zoom to end: drone id then stays
// (almost) where it is drawn.
func waitMapStill(t *testing.T, ctx context.Context, id int) {
	t.Helper()
	prev := droneOnMap(t, ctx, id)
	testenv.Eventually(t, 10*time.Second, "the map stops panning", func() bool {
		d := droneOnMap(t, ctx, id)
		still := math.Abs(d.X-prev.X) < 1 && math.Abs(d.Y-prev.Y) < 1
		prev = d
		return still
	})
}

// textOf answers the text content of the first element matching sel ("" if none).
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.textContent : ""; })()`, sel)
	if err := chromedp.Run(ctx, chromedp.Evaluate(js, &s)); err != nil {
		t.Fatal(err)
	}
	return s
}

// waitText waits until the element sel's text contains want.
func waitText(t *testing.T, ctx context.Context, timeout time.Duration, sel, want string) {
	t.Helper()
	testenv.Eventually(t, timeout, fmt.Sprintf("%s shows %q", sel, want), func() bool {
		return strings.Contains(textOf(t, ctx, sel), want)
	})
}

// count answers how many elements match sel.
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	var n int
	if err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel), &n)); err != nil {
		t.Fatal(err)
	}
	return n
}

// runWithin runs actions with their own time limit, so that a wait that
// fails leaves the browser usable (for a screenshot of what went wrong).
func runWithin(ctx context.Context, d time.Duration, actions ...chromedp.Action) error {
	// At least testenv.MinWait: the actions wait for conditions (an element
	// visible, ready) and end as soon as they hold; a tight bound only made
	// the tests fail on a loaded machine.
	c, cancel := context.WithTimeout(ctx, max(d, testenv.MinWait))
	defer cancel()
	return chromedp.Run(c, actions...)
}

// demoStartBound only catches a demo that hangs: the wait for it ends at its
// ready signal, or at once when it exits. Starting the demo plans its
// corridors and builds its store, which on a loaded 2-core machine under
// -race took longer than the 10 s and 20 s these tests used to allow.
const demoStartBound = 3 * time.Minute

// waitDemoReady waits for the ready signal of a demo started in-process, or
// fails the test when the demo exits first (exited is closed when its run
// returns) or hangs past demoStartBound.
func waitDemoReady[T any](t *testing.T, ready <-chan T, exited <-chan struct{}) T {
	t.Helper()
	tm := time.NewTimer(demoStartBound)
	defer tm.Stop()
	select {
	case v := <-ready:
		return v
	case <-exited:
		t.Fatal("demo exited before it was ready")
	case <-tm.C:
		t.Fatalf("demo not ready after %v", demoStartBound)
	}
	var zero T
	return zero
}

// labelsUnderDetections lists the drone labels the map drew (their boxes,
// web/ui/src/map/drones.js) that a detection icon covers: detections are
// drawn above the drones on purpose, so a label under one cannot be read.
func labelsUnderDetections(t *testing.T, ctx context.Context) []string {
	t.Helper()
	var out []string
	js := `(() => {
	  const c = document.querySelector("canvas.bw-drones");
	  const m = document.querySelector("#map").getBoundingClientRect();
	  if (!c || !c.bwLabels) return ["no labels drawn"];
	  const bad = [];
	  for (const el of document.querySelectorAll(".bw-detection")) {
	    const r = el.getBoundingClientRect();
	    const l = r.left - m.left, t = r.top - m.top, rr = r.right - m.left, b = r.bottom - m.top;
	    for (const [id, [x0, y0, x1, y1]] of c.bwLabels) {
	      if (x0 < rr && l < x1 && y0 < b && t < y1) bad.push("drone " + id + "'s label [" + [x0, y0, x1, y1].map(Math.round) + "] under detection " + el.dataset.key + " [" + [l, t, rr, b].map(Math.round) + "]");
	    }
	  }
	  return bad;
	})()`
	if err := chromedp.Run(ctx, chromedp.Evaluate(js, &out)); err != nil {
		t.Fatal(err)
	}
	return out
}

// startBareServer runs serve with one UDP MAVLink link on loopback, a
// store in the test's folder and the test accounts, and no drone: the
// test brings its own.
func startBareServer(t *testing.T) *server {
	t.Helper()
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: t.TempDir() + "/bw.db"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	authedSystem(t, sys)
	return sys
}

// runLoadFleet sends the load generator's fleet of n drones (positions at
// rate Hz, a heartbeat a second, over real UDP) to sys's first link until
// the test ends.
func runLoadFleet(t *testing.T, sys *server, n int, rate float64) {
	t.Helper()
	fleet, err := loadtest.NewFleet([]string{sys.fleet.LinkAddrs()[0].String()}, n, rate, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fleet.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
}
