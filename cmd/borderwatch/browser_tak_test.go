package main

import (
	"fmt"
	"html"
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

// takClientEvent is a marker as ATAK sends it (its own XML, not our
// encoder's), with the callsign and remarks escaped as XML requires.
func takClientEvent(uid, callsign, remarks string, lat, lon float64, stale time.Time) []byte {
	now := time.Now().UTC()
	const f = "2006-01-02T15:04:05.000Z"
	return []byte(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<event version="2.0" uid="%s" type="b-m-p-s-m" how="h-g-i-g-o" time="%s" start="%s" stale="%s">
<point lat="%.7f" lon="%.7f" hae="9999999.0" ce="9999999.0" le="9999999.0"/>
<detail><contact callsign="%s"/><remarks>%s</remarks><precisionlocation altsrc="???"/></detail></event>`,
		html.EscapeString(uid), now.Format(f), now.Format(f), stale.UTC().Format(f), lat, lon,
		html.EscapeString(callsign), html.EscapeString(remarks)))
}

// A TAK client on a real UDP socket shares a marker with a hostile
// callsign: it appears on the map as text (no HTML made of it), the
// operator sends a drone to it from its popup through the proposal and
// confirmation, and the drone flies there. A marker that goes stale leaves
// the map.
func TestBrowser_Operator_TAKMarkerOnMapAndSendADroneToIt(t *testing.T) {
	ctx, console := newBrowser(t)
	dbPath := filepath.Join(t.TempDir(), "bw.db")
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: dbPath,
		tak: takOptions{listen: stringList{"udp://127.0.0.1:0"}, station: "borderwatch"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	authedSystem(t, sys)
	base := sys.web.URL()
	port := sys.fleet.LinkAddrs()[0].(*net.UDPAddr).Port
	sim := &simulator.Fleet{Drones: 1, GCS: fmt.Sprintf("udp://127.0.0.1:%d", port), Rate: 20, Speedup: 5}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)

	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	waitDroneDrawn(t, ctx, 1)
	testenv.Eventually(t, 30*time.Second, "the drone flies", func() bool {
		v := getVehicles(t, base)
		return len(v) == 1 && v[0].Armed && v[0].RelAltM > 20
	})

	client, err := net.Dial("udp", sys.tak.receiver.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	const hostile = `<img src=x onerror="document.title='pwned'">`
	v := getVehicles(t, base)[0]
	lat, lon := v.Lat-0.0027, v.Lon+0.0010 // about 300 m south
	if _, err := client.Write(takClientEvent("POI-1", hostile, hostile+" seen at the gate", lat, lon, time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	// A second marker that goes stale soon.
	if _, err := client.Write(takClientEvent("POI-brief", "brief", "", lat+0.001, lon, time.Now().Add(20*time.Second))); err != nil {
		t.Fatal(err)
	}
	const sel = `.bw-tak[data-uid="POI-1"]`
	if err := runWithin(ctx, 15*time.Second, chromedp.WaitReady(sel, chromedp.ByQuery), chromedp.WaitReady(`.bw-tak[data-uid="POI-brief"]`, chromedp.ByQuery)); err != nil {
		screenshot(t, ctx, screenshotDir(t), "failed-tak-marker")
		t.Fatalf("TAK marker not drawn: %v (console %v)", err, console.list())
	}
	if got := textOf(t, ctx, sel+` .bw-tak-label`); got != hostile {
		t.Fatalf("marker label %q, want the callsign as text", got)
	}

	// Bring the drone (and the marker beside it) to the middle of the map.
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(`.bw-tab[data-tab="fleet"]`, chromedp.ByQuery),
		chromedp.Click(`#bw-fleet-body tr[data-sysid="1"] td.bw-callsign`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-vehicle`, chromedp.ByQuery),
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotPresent(`#bw-vehicle`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("centring the map: %v", err)
	}
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(sel, chromedp.ByQuery),
		chromedp.WaitVisible(`.bw-tak-popup .bw-tak-send`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, screenshotDir(t), "failed-tak-popup")
		t.Fatalf("marker popup: %v (console %v)", err, console.list())
	}
	if got := textOf(t, ctx, `.bw-tak-popup`); !strings.Contains(got, hostile+" seen at the gate") {
		t.Fatalf("popup %q lacks the remarks as text", got)
	}
	if n := count(t, ctx, `.bw-tak img, .leaflet-tooltip img, .leaflet-popup img, #bw-send-box img`); n != 0 {
		t.Fatalf("TAK text became %d HTML elements", n)
	}
	screenshot(t, ctx, screenshotDir(t), "tak-marker-popup")
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`.bw-tak-popup .bw-tak-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-send-confirm`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("send a drone to the marker: %v (%s) (console %v)", err, textOf(t, ctx, "#bw-send-box"), console.list())
	}
	if got := textOf(t, ctx, `#bw-send-box`); !strings.Contains(got, "TAK "+hostile) || !strings.Contains(got, "Drone 1") {
		t.Fatalf("send box %q: want the marker's callsign as text and drone 1", got)
	}
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`#bw-send-confirm`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#bw-send-box`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("confirm: %v (%s)", err, textOf(t, ctx, "#bw-send-box"))
	}
	testenv.Eventually(t, 90*time.Second, "drone 1 reaches the TAK marker", func() bool {
		v := getVehicles(t, base)
		return metresBetween(v[0].Lat, v[0].Lon, lat, lon) < 60
	})
	// The stale marker has left the map; the live one stays.
	if err := runWithin(ctx, 30*time.Second, chromedp.WaitNotPresent(`.bw-tak[data-uid="POI-brief"]`, chromedp.ByQuery)); err != nil {
		t.Fatalf("stale TAK marker still drawn: %v", err)
	}
	if count(t, ctx, sel) != 1 {
		t.Fatal("the live TAK marker left the map")
	}
	var title string
	if err := chromedp.Run(ctx, chromedp.Title(&title)); err != nil || title == "pwned" {
		t.Fatalf("title %q (%v): TAK text ran as script", title, err)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
