package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/web/auth"
)

// openAlertsLive starts a server without drones and an operator's page on
// its Alerts tab, on the live stream.
func openAlertsLive(t *testing.T) (context.Context, *consoleErrors, *server) {
	t.Helper()
	ctx, console := newBrowser(t)
	sys := startBareServer(t)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	waitText(t, ctx, 20*time.Second, "#bw-conn", "live")
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(`.bw-tab[data-tab="alerts"]`, chromedp.ByQuery),
		chromedp.WaitReady(`#bw-alerts`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("alerts tab: %v (console: %v)", err, console.list())
	}
	return ctx, console, sys
}

// A fleet that appears at once brings one link-up alert per drone within a
// second: the alerts list shows them as one row ("Link up — 50 vehicles")
// that opens to the 50 rows, each still selecting its drone and taking an
// acknowledgement; a warning that comes later is a row of its own above
// it (web/ui/src/alertgroups.js). Real UDP from the load generator's fleet.
func TestBrowser_Alerts_LinkUpBurstIsOneGroupedRow(t *testing.T) {
	const drones = 50
	ctx, console, sys := openAlertsLive(t)
	// The page is on the live stream before the fleet appears: the link-ups
	// arrive as a burst, not from the history.
	runLoadFleet(t, sys, drones, 5)

	group := fmt.Sprintf(`#bw-alerts > li[data-type="group"][data-alert-type="link_restored"][data-count="%d"]`, drones)
	testenv.Eventually(t, 60*time.Second, "one grouped row of the 50 link-ups", func() bool {
		return count(t, ctx, group) == 1
	})
	if n := count(t, ctx, `#bw-alerts > li`); n != 1 {
		t.Fatalf("the list has %d rows, want the one group: %q", n, textOf(t, ctx, "#bw-alerts"))
	}
	if got := textOf(t, ctx, group+" .bw-alert-group-title"); got != "Link up — 50 vehicles" {
		t.Fatalf("group row says %q", got)
	}
	if got := textOf(t, ctx, group+" .bw-alert-group-open"); got != "50 open" {
		t.Fatalf("group row's open count says %q", got)
	}
	if n := count(t, ctx, `#bw-alerts li.bw-alert`); n != 0 {
		t.Fatalf("%d alert rows shown before the group is opened", n)
	}
	dir := screenshotDir(t)
	screenshot(t, ctx, dir, "alerts-group-folded")

	// Opened: the 50 rows, one per drone.
	rows := group + ` ul li.bw-alert[data-alert-type="link_restored"]`
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(group+` .bw-alert-expand`, chromedp.ByQuery),
		chromedp.WaitReady(rows, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("opening the group: %v (console: %v)", err, console.list())
	}
	var vehicles []string
	if err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`[...document.querySelectorAll(%q)].map((e) => e.dataset.vehicle)`, rows), &vehicles)); err != nil {
		t.Fatal(err)
	}
	distinct := map[string]bool{}
	for _, v := range vehicles {
		distinct[v] = true
	}
	if len(vehicles) != drones || len(distinct) != drones {
		t.Fatalf("the opened group shows %d rows of %d drones, want %d of %d", len(vehicles), len(distinct), drones, drones)
	}
	screenshot(t, ctx, dir, "alerts-group-open")

	// A row in the group selects its drone (its panel opens) …
	row7 := rows + `[data-vehicle="7"]`
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(row7+` .bw-alert-who`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-vehicle`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("selecting drone 7 from its alert: %v (console: %v)", err, console.list())
	}
	if got := textOf(t, ctx, `#bw-vehicle`); strings.Contains(got, "not heard") {
		t.Fatalf("drone 7's panel: %q", got)
	}
	// … and takes an acknowledgement, which the group's open count follows.
	if err := runWithin(ctx, 20*time.Second,
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotPresent(`#bw-vehicle`, chromedp.ByQuery),
		chromedp.Click(row7+` .bw-ack`, chromedp.ByQuery),
		chromedp.SendKeys(row7+` .bw-ack-note`, "radio back", chromedp.ByQuery),
		chromedp.Click(row7+` .bw-ack-form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitReady(row7+`[data-state="acknowledged"]`, chromedp.ByQuery),
		chromedp.WaitReady(group+`[data-open="49"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("acknowledging drone 7's link-up in the group: %v (console: %v)", err, console.list())
	}

	// A warning of one drone later is its own row, on top, never in a group.
	sys.hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(time.Now(), 12),
		Type: telemetry.AlertLowBattery, Severity: telemetry.SeverityWarning, Text: "battery 19 %"})
	first := `#bw-alerts > li:first-child`
	testenv.Eventually(t, 20*time.Second, "the warning is the first row", func() bool {
		return count(t, ctx, first+`[data-type="alert"][data-alert-type="low_battery"][data-vehicle="12"]`) == 1
	})
	if n := count(t, ctx, `#bw-alerts > li`); n != 2 || count(t, ctx, group) != 1 {
		t.Fatalf("after the warning the list has %d rows (want the warning and the group of %d): %q", n, drones, textOf(t, ctx, "#bw-alerts"))
	}
	if err := runWithin(ctx, 10*time.Second, chromedp.Click(group+` .bw-alert-expand`, chromedp.ByQuery), chromedp.WaitNotPresent(rows, chromedp.ByQuery)); err != nil {
		t.Fatalf("folding the group again: %v", err)
	}
	for _, size := range [][2]int64{{1280, 800}, {1024, 768}} {
		setViewport(t, ctx, size[0], size[1])
		screenshot(t, ctx, dir, fmt.Sprintf("alerts-group-warning-%dx%d", size[0], size[1]))
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

// A flood of events faster than the server lets one page take them (512
// between two writes, web/live.go) loses the oldest on the stream; the
// page says how many it missed and reads them again from the store, so the
// critical alert among the lost ones is there after all, as its own row.
func TestBrowser_Alerts_MissedLiveEventsAreReadAgain(t *testing.T) {
	const flood = 4000
	ctx, console, sys := openAlertsLive(t)
	// An event the page has from this connection: the re-read starts there.
	start := time.Now()
	sys.hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(start, 1),
		Type: telemetry.AlertLowBattery, Severity: telemetry.SeverityWarning, Text: "battery 25 %"})
	waitText(t, ctx, 20*time.Second, "#bw-alerts", "battery 25 %")

	// Far more than 512 events within one of the server's 20 ms batches:
	// the oldest of them, the critical one among them, are let go.
	base := start.Add(time.Second)
	for i := range flood {
		if i == 10 {
			sys.hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(base.Add(time.Duration(i)*100*time.Microsecond), 99),
				Type: telemetry.AlertFenceBreach, Severity: telemetry.SeverityCritical, Text: "fence breached by drone 99"})
		}
		sys.hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(base.Add(time.Duration(i)*100*time.Microsecond), telemetry.VehicleID(1000+i)),
			Type: telemetry.AlertStatusText, Severity: telemetry.SeverityInfo, Text: fmt.Sprintf("flood %d", i)})
	}
	missed := `#bw-alerts-missed[data-state="done"]`
	if err := runWithin(ctx, 30*time.Second, chromedp.WaitReady(missed, chromedp.ByQuery)); err != nil {
		screenshot(t, ctx, screenshotDir(t), "failed-missed")
		t.Fatalf("no word of missed events: %v (list %q, console %v)", err, textOf(t, ctx, ".bw-view-tools"), console.list())
	}
	var n int
	if err := chromedp.Run(ctx, chromedp.Evaluate(`Number(document.querySelector("#bw-alerts-missed").dataset.count)`, &n)); err != nil {
		t.Fatal(err)
	}
	if n < 1 || n > flood+1 {
		t.Fatalf("the page says %d events were missed of %d", n, flood+1)
	}
	// Every alert is in the list: the warning, the critical one (its own
	// row) and the whole flood in one group.
	testenv.Eventually(t, 20*time.Second, "every alert is in the list after the re-read", func() bool {
		return strings.HasPrefix(textOf(t, ctx, ".bw-view-tools"), fmt.Sprintf("%d alerts", flood+2))
	})
	if c := count(t, ctx, `#bw-alerts > li[data-type="alert"][data-alert-type="fence_breach"][data-vehicle="99"]`); c != 1 {
		t.Fatalf("the missed critical alert is %d rows of its own, want 1: %q", c, textOf(t, ctx, "#bw-alerts"))
	}
	if c := count(t, ctx, fmt.Sprintf(`#bw-alerts > li[data-type="group"][data-alert-type="status_text"][data-count="%d"]`, flood)); c != 1 {
		t.Fatalf("the flood is not one group of %d: %q", flood, textOf(t, ctx, "#bw-alerts"))
	}
	if got := textOf(t, ctx, "#bw-alerts-missed"); !strings.Contains(got, fmt.Sprintf("%d live events missed", n)) || !strings.Contains(got, "read again from the server") {
		t.Fatalf("the missed-events line says %q", got)
	}
	screenshot(t, ctx, screenshotDir(t), "alerts-missed-reread")
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
