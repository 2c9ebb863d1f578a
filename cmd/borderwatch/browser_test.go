package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/ui"
)

// newBrowser starts headless Debian Chromium for one test. The flags keep it
// off the network (this machine's network is closed) and on software 2D
// canvas without SwiftShader, which is 20× slower (BRIEF.md).
func newBrowser(t testing.TB) (context.Context, *consoleErrors) {
	t.Helper()
	bin := testenv.Chromium(t)
	if _, err := fs.Stat(ui.Dist, "dist/index.html"); err != nil {
		msg := "the UI is not built into this test binary: run `make ui` (make test does)"
		if os.Getenv("BORDERWATCH_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// Not t.TempDir: Chromium's helper processes may still write to the
	// profile for a moment after the browser exits, which fails t.TempDir's
	// cleanup. Remove it best effort instead.
	profile, err := os.MkdirTemp("", "borderwatch-chromium")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 180*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	})

	ce := &consoleErrors{}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeAssert {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				ce.add("console." + string(ev.Type) + ": " + strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			ce.add("uncaught exception: " + ev.ExceptionDetails.Error())
		}
	})
	return ctx, ce
}

type consoleErrors struct {
	mu   sync.Mutex
	msgs []string
}

func (c *consoleErrors) add(m string) { c.mu.Lock(); c.msgs = append(c.msgs, m); c.mu.Unlock() }
func (c *consoleErrors) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.msgs...)
}

func TestBrowser_LiveMap_DrawsBorderAndMovingDrone(t *testing.T) {
	ctx, console := newBrowser(t)

	// The demo command in-process: embedded store, simulated drone, demo border layer.
	runCtx, stop := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	var out syncBuffer
	var wg sync.WaitGroup
	wg.Add(1)
	exited := make(chan struct{})
	go func() {
		defer wg.Done()
		defer close(exited)
		e := &env{stdout: &out, stderr: testWriter{t}, ready: func(i map[string]string) { urls <- i["url"] }}
		// --speedup: the demo launches its drones from the ground (upload,
		// arm, a vertical takeoff) before they fly along the border.
		run(runCtx, e, []string{"demo", "--http", "127.0.0.1:0", "--data", t.TempDir() + "/demo.db", "--drones", "1", "--speedup", "5"})
	}()
	t.Cleanup(func() { stop(); wg.Wait() })
	base := waitDemoReady(t, urls, exited)

	// Log in as the demo's operator with the login it printed, through the
	// page's login form; the API calls below use the supervisor's session.
	operator := demoLogins(t, out.String())["operator"]
	browserLogin(t, ctx, base, operator[0], operator[1])
	demoLogin(t, base, out.String(), "supervisor")
	var borderPaths, territoryPaths int
	if err := chromedp.Run(ctx,
		chromedp.WaitVisible(`#map`, chromedp.ByQuery),
		chromedp.WaitReady(`path.bw-layer-border`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("path.bw-layer-border").length`, &borderPaths),
		chromedp.Evaluate(`document.querySelectorAll("path.bw-layer-own_territory").length`, &territoryPaths),
	); err != nil {
		t.Fatalf("page: %v (console: %v)", err, console.list())
	}
	waitDroneDrawn(t, ctx, 1)
	if borderPaths != 1 || territoryPaths != 1 {
		t.Fatalf("layers drawn: %d border and %d territory paths, want 1 and 1", borderPaths, territoryPaths)
	}
	// The drone moves on screen as it flies (the canvas layer records where
	// it drew each drone), and its arrow points along the drone's heading.
	first := droneOnMap(t, ctx, 1)
	testenv.Eventually(t, 60*time.Second, "the drone moves on the map", func() bool {
		now := droneOnMap(t, ctx, 1)
		return now.Drawn && (now.X != first.X || now.Y != first.Y)
	})
	testenv.Eventually(t, 10*time.Second, "the arrow points along the vehicle's heading", func() bool {
		d := droneOnMap(t, ctx, 1)
		v := getVehicles(t, base)
		if len(v) != 1 || !d.Drawn {
			return false
		}
		diff := math.Mod(math.Abs(d.Heading-v[0].HeadingDeg), 360)
		return math.Min(diff, 360-diff) < 3
	})
	var rows int
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll('#bw-fleet-body tr[data-sysid]').length`, &rows)); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Fatalf("fleet table has %d vehicle rows, want 1", rows)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

// testWriter sends a command's output to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestBrowser_LiveMap_ShowsDetectionsAndAlerts(t *testing.T) {
	ctx, console := newBrowser(t)
	sys, _, _ := startTestSystem(t, 1)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	if err := chromedp.Run(ctx,
		chromedp.WaitReady(`#bw-fleet-body tr[data-sysid="1"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("page: %v (console: %v)", err, console.list())
	}
	waitDroneDrawn(t, ctx, 1)
	// Events enter through the hub as the gcs publishes them; the simulator's
	// intruders cross at scenario times, so this test publishes its own to
	// know exactly what the page must show.
	now := time.Now()
	sys.hub.Publish(telemetry.Detection{EventHeader: telemetry.Header(now, 1),
		TrackID: 42, Class: "person", ConfidencePct: 88, Lat: simulator.DefaultCenterLat - 0.01, Lon: simulator.DefaultCenterLon})
	sys.hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(now, 1),
		Type: telemetry.AlertFenceBreach, Severity: telemetry.SeverityCritical, Text: "fence breached"})

	var count, alert string
	if err := chromedp.Run(ctx,
		chromedp.WaitReady(`.bw-detection[data-class="person"]`, chromedp.ByQuery),
		chromedp.Click(`.bw-tab[data-tab="detections"]`, chromedp.ByQuery),
		chromedp.WaitReady(`#bw-detections-body tr[data-key="1/42"]`, chromedp.ByQuery),
		chromedp.Text(`#bw-detection-count`, &count, chromedp.ByQuery),
		chromedp.Click(`.bw-tab[data-tab="alerts"]`, chromedp.ByQuery),
		chromedp.WaitReady(`#bw-alerts li[data-type="alert"]`, chromedp.ByQuery),
		chromedp.Text(`#bw-alerts li[data-type="alert"]`, &alert, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("events not shown: %v (console: %v)", err, console.list())
	}
	// The simulator's own sensor may have reported a track too: at least ours.
	if count == "" || count == "0" || !strings.Contains(alert, "fence breach") || !strings.Contains(alert, "fence breached") {
		t.Fatalf("detection count %q, alert %q", count, alert)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

func TestBrowser_Replay_PlaysARecordedSortie(t *testing.T) {
	ctx, console := newBrowser(t)
	sys, _, _ := startTestSystem(t, 1)
	base := sys.web.URL()
	// Let the drone fly and the recorder commit a few seconds of its sortie.
	testenv.Eventually(t, 20*time.Second, "a sortie is recorded", func() bool {
		res, err := apiClient(t, base).Get(base + "/api/v1/sorties")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var sorties []struct {
			Frames int `json:"frames"`
		}
		_ = json.NewDecoder(res.Body).Decode(&sorties)
		return len(sorties) == 1 && sorties[0].Frames > 100
	})

	var clock1, clock2 string
	browserLoginAs(t, ctx, sys, auth.RoleSupervisor)
	waitDroneDrawn(t, ctx, 1)
	if err := chromedp.Run(ctx, chromedp.Click(`.bw-tab[data-tab="replay"]`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	// Switching to replay clears the live fleet from the map.
	testenv.Eventually(t, 10*time.Second, "the live drone leaves the map", func() bool { return !droneOnMap(t, ctx, 1).Drawn })
	if err := chromedp.Run(ctx,
		chromedp.WaitReady(`#bw-sorties-body tr[data-sortie] .bw-replay-open`, chromedp.ByQuery),
		chromedp.Click(`#bw-sorties-body tr[data-sortie] .bw-replay-open`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("replay: %v (console: %v)", err, console.list())
	}
	// The replayed drone appears, decoded from the stored frames.
	waitDroneDrawn(t, ctx, 1)
	if err := chromedp.Run(ctx,
		chromedp.WaitVisible(`#bw-replay-controls`, chromedp.ByQuery),
		chromedp.WaitReady(`#bw-replay-clock`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("replay: %v (console: %v)", err, console.list())
	}
	testenv.Eventually(t, 10*time.Second, "the replay clock runs", func() bool {
		if err := chromedp.Run(ctx, chromedp.Text(`#bw-replay-clock`, &clock1, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		return clock1 != "" && clock1 != "opening…"
	})
	testenv.Eventually(t, 10*time.Second, "the replay clock advances while playing", func() bool {
		if err := chromedp.Run(ctx, chromedp.Text(`#bw-replay-clock`, &clock2, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		return clock2 != "" && clock2 != clock1
	})
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

// drawnDrone is where the map's canvas layer last drew a drone (container
// pixels) and how (src/map/drones.js keeps this on its canvas as bwDrawn).
type drawnDrone struct {
	Drawn   bool    `json:"drawn"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
	Heading float64 `json:"heading"`
	State   string  `json:"state"`
}

func droneOnMap(t *testing.T, ctx context.Context, id int) drawnDrone {
	t.Helper()
	var d drawnDrone
	js := fmt.Sprintf(`(() => { const c = document.querySelector("canvas.bw-drones");
		const d = c && c.bwDrawn && c.bwDrawn.get(%d);
		return d ? {drawn: true, x: d.x, y: d.y, heading: d.heading, state: d.state} : {drawn: false}; })()`, id)
	if err := chromedp.Run(ctx, chromedp.Evaluate(js, &d)); err != nil {
		t.Fatal(err)
	}
	return d
}

func waitDroneDrawn(t *testing.T, ctx context.Context, id int) drawnDrone {
	t.Helper()
	var d drawnDrone
	testenv.Eventually(t, 30*time.Second, fmt.Sprintf("drone %d is drawn on the map", id), func() bool {
		d = droneOnMap(t, ctx, id)
		return d.Drawn
	})
	return d
}
