package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/web/auth"
)

// TestBrowser_Layout_MainViewsFitAndAreSaved opens the main views at the
// sizes operators use (a 1280×800 laptop, a 1024×768 tablet), checks that
// nothing spills out of the window, and saves screenshots for review
// ($BORDERWATCH_SCREENSHOTS keeps them).
func TestBrowser_Layout_MainViewsFitAndAreSaved(t *testing.T) {
	ctx, console := newBrowser(t)
	sys, _, _ := startTestSystem(t, 3)
	dir := screenshotDir(t)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	waitDroneDrawn(t, ctx, 3)
	now := time.Now()
	sys.hub.Publish(telemetry.Detection{EventHeader: telemetry.Header(now, 2),
		TrackID: 5, Class: "person", ConfidencePct: 77, Lat: simulator.DefaultCenterLat - 0.004, Lon: simulator.DefaultCenterLon + 0.004})
	sys.hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(now, 1),
		Type: telemetry.AlertFenceBreach, Severity: telemetry.SeverityCritical, Text: "fence breached"})
	sys.hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(now, 3),
		Type: telemetry.AlertLowBattery, Severity: telemetry.SeverityWarning, Text: "battery 22 %"})

	for _, size := range []struct{ w, h int64 }{{1280, 800}, {1024, 768}} {
		setViewport(t, ctx, size.w, size.h)
		name := func(view string) string { return fmt.Sprintf("%s-%dx%d", view, size.w, size.h) }
		fits := func(view string) {
			t.Helper()
			var over []string
			js := `(() => { const out = [];
				if (document.documentElement.scrollWidth > innerWidth) out.push("page is wider than the window");
				if (document.documentElement.scrollHeight > innerHeight) out.push("page is taller than the window");
				for (const el of document.querySelectorAll(".bw-tab-body, .bw-vehicle"))
					if (el.scrollWidth > el.clientWidth + 1) out.push((el.id || el.className) + " scrolls sideways");
				for (const el of document.querySelectorAll(".bw-header > *, .bw-tab, .bw-vehicle, .bw-layerlist, .bw-modal")) {
					const r = el.getBoundingClientRect();
					if (r.width && (r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5 || r.left < -0.5))
						out.push((el.id || el.className) + " reaches past the window");
				}
				return out; })()`
			if err := chromedp.Run(ctx, chromedp.Evaluate(js, &over)); err != nil {
				t.Fatal(err)
			}
			if len(over) > 0 {
				screenshot(t, ctx, dir, name(view)+"-clipped")
				t.Fatalf("%s at %dx%d: %v", view, size.w, size.h, over)
			}
			screenshot(t, ctx, dir, name(view))
		}
		if err := runWithin(ctx, 10*time.Second,
			chromedp.Click(`.bw-tab[data-tab="fleet"]`, chromedp.ByQuery),
			chromedp.Click(`#bw-fleet-body tr[data-sysid="1"] td.bw-callsign`, chromedp.ByQuery),
			chromedp.WaitVisible(`#bw-vehicle[data-id="1"]`, chromedp.ByQuery),
		); err != nil {
			screenshot(t, ctx, dir, name("failed"))
			t.Fatal(err)
		}
		fits("fleet-vehicle")
		// "Less" leaves the summary and the commands: most of the map is free.
		if err := runWithin(ctx, 10*time.Second,
			chromedp.Click(`#bw-vehicle-details-toggle`, chromedp.ByQuery),
			chromedp.WaitReady(`#bw-vehicle.bw-vehicle-compact`, chromedp.ByQuery),
		); err != nil {
			t.Fatal(err)
		}
		fits("fleet-vehicle-compact")
		var share struct{ W, H float64 }
		if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const p = document.querySelector("#bw-vehicle").getBoundingClientRect();
			const m = document.querySelector("#map").getBoundingClientRect(); return {W: p.width / m.width, H: p.height / m.height}; })()`, &share)); err != nil {
			t.Fatal(err)
		}
		if share.W*share.H > 0.25 {
			t.Fatalf("at %dx%d the compact vehicle panel covers %.0f %% of the map (%.0f %% wide, %.0f %% high)", size.w, size.h, 100*share.W*share.H, 100*share.W, 100*share.H)
		}
		if err := runWithin(ctx, 10*time.Second,
			chromedp.Click(`#bw-vehicle-details-toggle`, chromedp.ByQuery),
			chromedp.WaitReady(`#bw-vehicle:not(.bw-vehicle-compact)`, chromedp.ByQuery),
		); err != nil {
			t.Fatal(err)
		}
		if err := runWithin(ctx, 10*time.Second,
			chromedp.Click(`#bw-vehicle [data-command="rtl"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#bw-confirm`, chromedp.ByQuery),
		); err != nil {
			t.Fatal(err)
		}
		fits("confirm")
		if err := runWithin(ctx, 10*time.Second,
			chromedp.Click(`#bw-confirm-cancel`, chromedp.ByQuery),
			chromedp.Click(`.bw-tab[data-tab="alerts"]`, chromedp.ByQuery),
			chromedp.WaitReady(`#bw-alerts li[data-type="alert"]`, chromedp.ByQuery),
			chromedp.Click(`.bw-layerlist summary`, chromedp.ByQuery),
		); err != nil {
			t.Fatal(err)
		}
		fits("alerts-layers")
		if err := runWithin(ctx, 10*time.Second,
			chromedp.Click(`.bw-layerlist summary`, chromedp.ByQuery),
			chromedp.Click(`.bw-tab[data-tab="detections"]`, chromedp.ByQuery),
			chromedp.WaitReady(`#bw-detections-body tr[data-key="2/5"]`, chromedp.ByQuery),
		); err != nil {
			t.Fatal(err)
		}
		fits("detections")
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
