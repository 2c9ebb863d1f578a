package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/web/auth"
)

// A headquarters' map shows a station's drone under its station-qualified
// key, live; when the station stops, the drone turns stale (grey, "stale"
// in its label) instead of staying live on the map.
func TestBrowser_HQ_StationDroneLiveThenStale(t *testing.T) {
	ctx, console := newBrowser(t)
	hq, st, sim := startHQAndStation(t, 2*time.Second)

	browserLoginAs(t, ctx, hq, auth.RoleSupervisor)
	const live = `.bw-remote[data-key="east/1"][data-stale="false"]`
	if err := runWithin(ctx, 30*time.Second, chromedp.WaitReady(live, chromedp.ByQuery)); err != nil {
		screenshot(t, ctx, screenshotDir(t), "failed-hq-live")
		t.Fatalf("the station's drone is not on the HQ's map: %v (console %v)", err, console.list())
	}
	if got := textOf(t, ctx, live+" .bw-remote-label"); got != "east/1" {
		t.Fatalf("label %q, want east/1", got)
	}
	sim.Close()
	st.Close()
	const stale = `.bw-remote[data-key="east/1"][data-stale="true"]`
	if err := runWithin(ctx, 30*time.Second, chromedp.WaitReady(stale, chromedp.ByQuery)); err != nil {
		screenshot(t, ctx, screenshotDir(t), "failed-hq-stale")
		t.Fatalf("the silent station's drone is not shown stale: %v", err)
	}
	if got := textOf(t, ctx, stale+" .bw-remote-label"); !strings.HasPrefix(got, "east/1 stale ") || !strings.HasSuffix(got, " s") {
		t.Fatalf("label %q, want \"east/1 stale N s\"", got)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
