package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/web/auth"
)

// The headquarters' UI over two stations: an operator at the HQ sees both
// stations' drones arrive on the map through /ws/federation, the stations
// and the fleet across them, a detection and an alert of each station in
// the HQ alerts tab, and sends a forwarded mode change to a simulated
// drone that the map then shows; a supervisor sees every station's
// sorties but no command panel. Screenshots at 1280×800 and 1024×768.
func TestBrowser_HQ_TwoStations_StreamViewsAndForwardedCommand(t *testing.T) {
	ctx, console := newBrowser(t)
	hq, sts, _ := startHQAndStations(t, 5*time.Second, "east", "west")
	shots := screenshotDir(t)
	setViewport(t, ctx, 1280, 800)

	browserLoginAs(t, ctx, hq, auth.RoleOperator)
	for _, key := range []string{"east/1", "west/1"} {
		sel := fmt.Sprintf(`.bw-remote[data-key=%q][data-stale="false"]`, key)
		if err := runWithin(ctx, 40*time.Second, chromedp.WaitReady(sel, chromedp.ByQuery)); err != nil {
			screenshot(t, ctx, shots, "failed-hq-map")
			t.Fatalf("%s is not live on the HQ's map: %v (console %v)", key, err, console.list())
		}
	}
	// An HQ without drones of its own offers no local tabs (Fleet, Alerts,
	// Detections, Plan would be empty there).
	waitTabs(t, ctx, "hq-stations", "hq-events")

	// Stations and the fleet across them; the map is fed by the stream.
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`.bw-tab[data-tab="hq-stations"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-hq-stations tr[data-station="east"][data-stale="false"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-hq-stations tr[data-station="west"][data-stale="false"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.bw-hq-stream[data-stream="live"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-hq-fleet tr[data-key="west/1"]`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, shots, "failed-hq-stations")
		t.Fatalf("the stations tab: %v (console %v)", err, console.list())
	}

	// A forwarded mode change: select east/1, pick LOITER, confirm.
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`#bw-hq-fleet tr[data-key="east/1"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-hq-command[data-key="east/1"] [data-command="rtl"]`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, shots, "failed-hq-command")
		t.Fatalf("the command panel of east/1: %v (console %v)", err, console.list())
	}
	// The modes come from the HQ's modes route of the station's vehicle.
	testenv.Eventually(t, 20*time.Second, "LOITER among east/1's modes", func() bool {
		var ok bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll("#bw-hq-command .bw-mode-select option")].some((o) => o.value === "LOITER")`, &ok)); err != nil {
			t.Fatal(err)
		}
		return ok
	})
	if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const s = document.querySelector("#bw-hq-command .bw-mode-select");
		s.value = "LOITER"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`, nil)); err != nil {
		t.Fatal(err)
	}
	if err := runWithin(ctx, 20*time.Second,
		chromedp.WaitEnabled(`#bw-hq-command [data-command="mode"]`, chromedp.ByQuery),
		chromedp.Click(`#bw-hq-command [data-command="mode"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-confirm li[data-id="east/1"]`, chromedp.ByQuery),
		chromedp.Click(`#bw-confirm-ok`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, shots, "failed-hq-confirm")
		t.Fatalf("confirming the mode change: %v", err)
	}
	waitText(t, ctx, 30*time.Second, `#bw-hq-answer`, "accepted")
	// It takes effect: the station's next state, streamed, shows LOITER.
	waitText(t, ctx, 30*time.Second, `#bw-hq-fleet tr[data-key="east/1"]`, "LOITER")
	if got := textOf(t, ctx, `#bw-hq-fleet tr[data-key="west/1"]`); strings.Contains(got, "LOITER") {
		t.Fatalf("west/1 changed mode too: %q", got)
	}
	// Arm it: the sim disarms on the ground a few seconds later, which makes
	// a sortie at the station for the supervisor's list.
	if err := runWithin(ctx, 20*time.Second,
		chromedp.WaitEnabled(`#bw-hq-command [data-command="arm"]`, chromedp.ByQuery),
		chromedp.Click(`#bw-hq-command [data-command="arm"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-confirm-ok`, chromedp.ByQuery),
		chromedp.Click(`#bw-confirm-ok`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("arming east/1: %v", err)
	}
	waitText(t, ctx, 30*time.Second, `#bw-hq-answer`, "Arm")
	// The two stations' drones patrol apart (startHQAndStations): their
	// labels on the map read, neither over the other.
	noOverlap(t, ctx, `.bw-remote-label`, 2)
	screenshot(t, ctx, shots, "hq-stations-1280x800")
	setViewport(t, ctx, 1024, 768)
	noOverlap(t, ctx, `.bw-remote-label`, 2)
	screenshot(t, ctx, shots, "hq-stations-1024x768")
	setViewport(t, ctx, 1280, 800)

	// A detection and an alert at each station reach the HQ alerts tab,
	// each with its station's name; outside text stays text.
	for i, st := range sts {
		now := time.Now()
		st.hub.Publish(telemetry.Detection{EventHeader: telemetry.EventHeader{Time: now, VehicleID: 1, SystemID: 1}, TrackID: uint32(10 + i), Class: "person", ConfidencePct: 88, Lat: 31.34, Lon: -110.94, Sensor: "eo"})
		st.hub.Publish(telemetry.Alert{EventHeader: telemetry.EventHeader{Time: now, VehicleID: 1, SystemID: 1}, Type: telemetry.AlertStatusText, Severity: telemetry.SeverityWarning, Text: "<img src=x onerror=alert(1)> check"})
	}
	if err := runWithin(ctx, 30*time.Second,
		chromedp.Click(`.bw-tab[data-tab="hq-events"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-hq-events li[data-station="east"][data-type="detection"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-hq-events li[data-station="west"][data-type="detection"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-hq-events li[data-station="west"][data-type="alert"]`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, shots, "failed-hq-events")
		t.Fatalf("the HQ alerts tab: %v (console %v)", err, console.list())
	}
	if n := count(t, ctx, `#bw-hq-events img`); n != 0 {
		t.Fatalf("an alert's text became HTML (%d img elements)", n)
	}
	waitText(t, ctx, 5*time.Second, `#bw-hq-events li[data-station="east"][data-type="alert"]`, "<img src=x onerror=alert(1)> check")
	screenshot(t, ctx, shots, "hq-events-1280x800")
	setViewport(t, ctx, 1024, 768)
	screenshot(t, ctx, shots, "hq-events-1024x768")
	setViewport(t, ctx, 1280, 800)
	if n := count(t, ctx, `.bw-tab[data-tab="hq-sorties"]`); n != 0 {
		t.Fatal("an operator (no replay permission) is offered the HQ sorties tab")
	}

	// A supervisor: every station's sorties, no command panel.
	if err := runWithin(ctx, 10*time.Second, chromedp.Click(`#bw-logout`, chromedp.ByQuery), chromedp.WaitVisible(`#bw-login`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	browserLoginAs(t, ctx, hq, auth.RoleSupervisor)
	waitTabs(t, ctx, "hq-stations", "hq-events", "hq-sorties", "replay", "audit")
	if err := runWithin(ctx, 60*time.Second,
		chromedp.Click(`.bw-tab[data-tab="hq-sorties"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-hq-sorties tr[data-station="east"]`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, shots, "failed-hq-sorties")
		t.Fatalf("the supervisor's HQ sorties tab: %v (console %v)", err, console.list())
	}
	screenshot(t, ctx, shots, "hq-sorties-1280x800")
	oneLine(t, ctx, `#bw-hq-sorties td.bw-hq-duration`)
	setViewport(t, ctx, 1024, 768)
	screenshot(t, ctx, shots, "hq-sorties-1024x768")
	oneLine(t, ctx, `#bw-hq-sorties td.bw-hq-duration`)
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`.bw-tab[data-tab="hq-stations"]`, chromedp.ByQuery),
		// The stations table above the fleet loads by its own request; a
		// click before it arrives lands where the row was (a layout shift).
		chromedp.WaitVisible(`#bw-hq-stations tr[data-station="west"]`, chromedp.ByQuery),
		chromedp.Click(`#bw-hq-fleet tr[data-key="east/1"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-hq-fleet tr[data-key="east/1"][aria-selected="true"]`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, shots, "failed-hq-supervisor-select")
		t.Fatalf("the supervisor selecting east/1: %v (console %v)", err, console.list())
	}
	if n := count(t, ctx, `#bw-hq-command, #bw-hq-command [data-command]`); n != 0 {
		t.Fatal("a supervisor is offered the HQ command panel")
	}
	testenv.Eventually(t, 5*time.Second, "no console errors", func() bool { return len(console.list()) == 0 })

	// A station's operator still has the local tabs and none of the HQ's.
	if err := runWithin(ctx, 10*time.Second, chromedp.Click(`#bw-logout`, chromedp.ByQuery), chromedp.WaitVisible(`#bw-login`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	browserLoginAs(t, ctx, sts[0], auth.RoleOperator)
	waitTabs(t, ctx, "fleet", "alerts", "detections", "plan")
}

// noOverlap fails the test unless at least n elements match sel and no
// two of their boxes overlap.
func noOverlap(t *testing.T, ctx context.Context, sel string, n int) {
	t.Helper()
	var boxes []struct {
		Text                     string
		Left, Top, Right, Bottom float64
	}
	js := fmt.Sprintf(`[...document.querySelectorAll(%q)].map((e) => { const r = e.getBoundingClientRect();
		return {Text: e.textContent, Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom}; })`, sel)
	if err := chromedp.Run(ctx, chromedp.Evaluate(js, &boxes)); err != nil {
		t.Fatal(err)
	}
	if len(boxes) < n {
		t.Fatalf("%d of %s, want at least %d", len(boxes), sel, n)
	}
	for i, a := range boxes {
		for _, b := range boxes[i+1:] {
			if a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom {
				t.Fatalf("%s %q %v overlaps %q %v", sel, a.Text, []float64{a.Left, a.Top, a.Right, a.Bottom}, b.Text, []float64{b.Left, b.Top, b.Right, b.Bottom})
			}
		}
	}
}

// oneLine fails the test unless the text of every element matching sel
// (at least one) is laid out on one line.
func oneLine(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	var lines []int
	js := fmt.Sprintf(`[...document.querySelectorAll(%q)].map((e) => {
		const r = document.createRange();
		r.selectNodeContents(e);
		return new Set([...r.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.top))).size;
	})`, sel)
	if err := chromedp.Run(ctx, chromedp.Evaluate(js, &lines)); err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 {
		t.Fatalf("no %s to check", sel)
	}
	for i, n := range lines {
		if n != 1 {
			t.Fatalf("%s number %d is laid out on %d lines: %q", sel, i+1, n, textOf(t, ctx, sel))
		}
	}
}

// waitTabs waits until the sidebar offers exactly these tabs, in order.
func waitTabs(t *testing.T, ctx context.Context, want ...string) {
	t.Helper()
	var got []string
	testenv.Eventually(t, 20*time.Second, fmt.Sprintf("the tabs %v", want), func() bool {
		if err := chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll(".bw-tab")].map((b) => b.dataset.tab)`, &got)); err != nil {
			t.Fatal(err)
		}
		return strings.Join(got, ",") == strings.Join(want, ",")
	})
}
