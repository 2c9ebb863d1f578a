package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/web/auth"
)

func TestBrowser_Operator_SelectsDroneOnMapAndRTLsIt(t *testing.T) {
	ctx, console := newBrowser(t)
	sys, _, _ := startTestSystem(t, 2)
	base := sys.web.URL()
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	waitDroneDrawn(t, ctx, 2)
	clickDrone(t, ctx, 1)
	if err := runWithin(ctx, 10*time.Second, chromedp.WaitVisible(`#bw-vehicle[data-id="1"]`, chromedp.ByQuery)); err != nil {
		screenshot(t, ctx, screenshotDir(t), "failed-select")
		t.Fatalf("vehicle panel: %v (console %v)", err, console.list())
	}
	// The clicked drone is highlighted in the list too.
	if n := count(t, ctx, `#bw-fleet-body tr.bw-row-selected[data-sysid="1"]`); n != 1 {
		t.Fatalf("selected rows for drone 1: %d", n)
	}
	if err := chromedp.Run(ctx,
		chromedp.Click(`#bw-vehicle [data-command="rtl"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-confirm`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	// The confirmation names the target vehicle, and only it.
	if got := textOf(t, ctx, `#bw-confirm .bw-confirm-targets`); !strings.Contains(got, "Drone 1") || strings.Contains(got, "Drone 2") {
		t.Fatalf("confirmation targets: %q", got)
	}
	if err := chromedp.Run(ctx, chromedp.Click(`#bw-confirm-ok`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, 20*time.Second, `#bw-vehicle-answer`, "accepted")
	waitText(t, ctx, 20*time.Second, `#bw-vehicle .bw-vehicle-mode`, "RTL")
	if v := getVehicles(t, base); v[0].Mode != "RTL" || v[1].Mode == "RTL" {
		t.Fatalf("modes after RTL of drone 1: %q, %q", v[0].Mode, v[1].Mode)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

func TestBrowser_Operator_DisarmInFlightNeedsSecondStep(t *testing.T) {
	ctx, console := newBrowser(t)
	sys, _, _ := startTestSystem(t, 1)
	base := sys.web.URL()
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	testenv.Eventually(t, 20*time.Second, "the drone flies", func() bool {
		v := getVehicles(t, base)
		return len(v) == 1 && v[0].Armed && v[0].RelAltM > 5
	})
	clickDrone(t, ctx, 1)
	if err := runWithin(ctx, 10*time.Second,
		chromedp.WaitVisible(`#bw-vehicle[data-id="1"]`, chromedp.ByQuery),
		chromedp.Click(`#bw-vehicle [data-command="disarm"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-confirm.bw-modal-danger`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, screenshotDir(t), "failed-disarm")
		t.Fatalf("disarm confirmation: %v (console %v)", err, console.list())
	}
	if got := textOf(t, ctx, `#bw-confirm`); !strings.Contains(got, "in the air") {
		t.Fatalf("the confirmation does not warn of the flight: %q", got)
	}
	// The first confirmation only arms the second step; nothing is sent yet.
	if err := chromedp.Run(ctx, chromedp.Click(`#bw-confirm-ok`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, 5*time.Second, `#bw-confirm`, "Second step")
	if v := getVehicles(t, base); !v[0].Armed {
		t.Fatal("the drone disarmed after the first confirmation")
	}
	// Cancelling the second step sends nothing either.
	if err := chromedp.Run(ctx, chromedp.Click(`#bw-confirm-cancel`, chromedp.ByQuery), chromedp.WaitNotPresent(`#bw-confirm`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, `#bw-vehicle-answer`); n != 0 {
		t.Fatalf("a command answer is shown although nothing was sent")
	}
	if v := getVehicles(t, base); !v[0].Armed {
		t.Fatal("the drone disarmed although the operator cancelled")
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

func TestBrowser_Operator_DetectionListZoomsToTrack(t *testing.T) {
	ctx, console := newBrowser(t)
	sys, _, _ := startTestSystem(t, 1)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	waitDroneDrawn(t, ctx, 1)
	lat, lon := simulator.DefaultCenterLat-0.02, simulator.DefaultCenterLon+0.02
	sys.hub.Publish(telemetry.Detection{EventHeader: telemetry.Header(time.Now(), 1),
		TrackID: 7, Class: "vehicle", ConfidencePct: 91, Lat: lat, Lon: lon})
	if err := chromedp.Run(ctx,
		chromedp.Click(`.bw-tab[data-tab="detections"]`, chromedp.ByQuery),
		chromedp.WaitReady(`#bw-detections-body tr[data-key="1/7"]`, chromedp.ByQuery),
		chromedp.Click(`#bw-detections-body tr[data-key="1/7"] td`, chromedp.ByQuery),
		chromedp.WaitReady(`.bw-detection.bw-detection-hl[data-key="1/7"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("detection list: %v (console %v)", err, console.list())
	}
	row := textOf(t, ctx, `#bw-detections-body tr[data-key="1/7"]`)
	for _, want := range []string{"vehicle", "91%", "7"} {
		if !strings.Contains(row, want) {
			t.Fatalf("detection row %q lacks %q", row, want)
		}
	}
	// The map is centred on the detection, zoomed in.
	testenv.Eventually(t, 5*time.Second, "the map centres on the detection", func() bool {
		var c struct{ Lat, Lng, Zoom float64 }
		if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const r = document.querySelector(".bw-detection-hl").getBoundingClientRect();
			const m = document.querySelector("#map").getBoundingClientRect();
			return {Lat: (r.top + r.height/2) - (m.top + m.height/2), Lng: (r.left + r.width/2) - (m.left + m.width/2), Zoom: 0}; })()`, &c)); err != nil {
			t.Fatal(err)
		}
		return c.Lat*c.Lat+c.Lng*c.Lng < 4*4
	})
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
