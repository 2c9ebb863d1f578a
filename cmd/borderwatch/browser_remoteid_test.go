package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/web/auth"
)

// A Remote ID drone reaches the live map with its path, its id and its
// operator; what it broadcast is shown as text, never run as HTML (the
// events go to the hub directly, past the decoder's cleaning, to prove the
// page's own defence).
func TestBrowser_Operator_RemoteIDTrackOnMapAsText(t *testing.T) {
	ctx, console := newBrowser(t)
	sys, _, _ := startTestSystem(t, 1)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	waitDroneDrawn(t, ctx, 1)
	const hostile = `<img src=x onerror="document.title='pwned'">`
	lat, lon := simulator.DefaultCenterLat-0.01, simulator.DefaultCenterLon+0.01
	for i := range 3 {
		sys.hub.Publish(telemetry.RemoteID{EventHeader: telemetry.Header(time.Now(), 1),
			UASID: hostile, Key: "K1", UAType: "aeroplane", Status: "airborne", HasPosition: true,
			Lat: lat + float64(i)*0.001, Lon: lon, CourseDeg: 0, GroundspeedMS: 10, HasOperator: true,
			OperatorLat: lat - 0.01, OperatorLon: lon, OperatorID: hostile, SelfID: hostile})
	}
	if err := runWithin(ctx, 20*time.Second,
		chromedp.WaitReady(`.bw-remoteid[data-key="K1"]`, chromedp.ByQuery),
		chromedp.WaitReady(`path.bw-remoteid-track`, chromedp.ByQuery),
		chromedp.WaitReady(`path.bw-remoteid-operator`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, screenshotDir(t), "failed-remoteid")
		t.Fatalf("Remote ID track not drawn: %v (console %v)", err, console.list())
	}
	if got := textOf(t, ctx, `.bw-remoteid[data-key="K1"] .bw-remoteid-label`); got != hostile {
		t.Fatalf("label %q, want the broadcast id as text", got)
	}
	if n := count(t, ctx, `.bw-remoteid img, .leaflet-tooltip img`); n != 0 {
		t.Fatalf("broadcast text became %d HTML elements", n)
	}
	var title string
	if err := chromedp.Run(ctx, chromedp.Title(&title)); err != nil || title == "pwned" {
		t.Fatalf("title %q (%v): broadcast text ran as script", title, err)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
