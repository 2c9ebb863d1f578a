package main

import (
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/web/auth"
)

// A headquarters' map shows a station's drone under its station-qualified
// key, live; when the station stops, the drone turns stale (grey, "stale"
// in its label) instead of staying live on the map.
func TestBrowser_HQ_StationDroneLiveThenStale(t *testing.T) {
	ctx, console := newBrowser(t)
	dir := t.TempDir()
	hq, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: filepath.Join(dir, "hq.db"),
		fed: fedOptions{listen: "127.0.0.1:0", hq: true, hqName: "hq", staleAfter: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hq.Close)
	st, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: filepath.Join(dir, "east.db"),
		tak: takOptions{station: "east"}, fed: fedOptions{nats: hq.fed.embedded.ClientURL()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	sim := &simulator.Fleet{Drones: 1, GCS: fmt.Sprintf("udp://127.0.0.1:%d", st.fleet.LinkAddrs()[0].(*net.UDPAddr).Port), Rate: 10, Speedup: 5}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)

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
	if got := textOf(t, ctx, stale+" .bw-remote-label"); got != "east/1 stale" {
		t.Fatalf("label %q, want \"east/1 stale\"", got)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
