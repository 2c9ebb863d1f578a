package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web/auth"
)

// With more than one MAVLink network, the fleet list names each drone's
// network under its name (no wider for it at 1024×768),
// the vehicle panel names the network, and the sortie list tags each
// sortie's drone with its network: two simulated fleets with the same system
// id on east and west, and a tlog imported on north.
func TestBrowser_Supervisor_NetworkNamesInFleetAndSortieLists(t *testing.T) {
	ctx, console := newBrowser(t)
	db := filepath.Join(t.TempDir(), "bw.db")
	st := &store.Store{Path: db}
	if err := st.Initialize(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(testenv.SharedData(t), "tlogs", "borderwatch_sitl", "arducopter_4.7_sitl_fence_breach.tlog"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.ImportTlogNetwork(f, "north", "import:fence_breach.tlog", nil)
	f.Close()
	st.Close()
	if err != nil || len(res.Sorties) == 0 {
		t.Fatalf("import: %v %+v", err, res)
	}
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0?network=east", "udp://127.0.0.1:0?network=west"}, http: "127.0.0.1:0", data: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	authedSystem(t, sys)
	port := func(i int) int { return sys.fleet.LinkAddrs()[i].(*net.UDPAddr).Port }
	sim := &simulator.Fleet{GCS: fmt.Sprintf("udp://127.0.0.1:%d,udp://127.0.0.1:%d", port(0), port(1)), Networks: 2, Drones: 2, Rate: 5}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	testenv.Eventually(t, 20*time.Second, "both networks' drones heard", func() bool {
		vs, _ := sys.fleet.Vehicles(context.Background())
		return len(vs) == 2
	})
	vs, _ := sys.fleet.Vehicles(context.Background())
	setViewport(t, ctx, 1280, 800)
	browserLoginAs(t, ctx, sys, auth.RoleSupervisor)

	cell := func(id uint32) string {
		return fmt.Sprintf(`#bw-fleet-body tr[data-id="%d"] td.bw-callsign .bw-network`, id)
	}
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`.bw-tab[data-tab="fleet"]`, chromedp.ByQuery),
		chromedp.WaitReady(cell(uint32(vs[0].ID)), chromedp.ByQuery),
		chromedp.WaitReady(cell(uint32(vs[1].ID)), chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, screenshotDir(t), "failed-networks-fleet")
		t.Fatalf("fleet list with networks: %v (console %v)", err, console.list())
	}
	for _, v := range vs {
		if got := textOf(t, ctx, cell(uint32(v.ID))); got != v.Network {
			t.Fatalf("vehicle %d: network cell %q, want %q", v.ID, got, v.Network)
		}
	}
	screenshot(t, ctx, screenshotDir(t), "networks-fleet-list-1280x800")
	// At 1024×768 the list just fits its panel: the network names, under the
	// drones' names, make it no wider than it is without them.
	setViewport(t, ctx, 1024, 768)
	screenshot(t, ctx, screenshotDir(t), "networks-fleet-list-1024x768")
	var widths struct{ With, Without float64 }
	if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const t = document.querySelector('.bw-fleet-view table.bw-fleet');
		const with_ = t.getBoundingClientRect().width;
		const names = [...t.querySelectorAll('.bw-network')];
		names.forEach(e => e.style.display = 'none');
		const without = t.getBoundingClientRect().width;
		names.forEach(e => e.style.display = '');
		return {With: with_, Without: without}; })()`, &widths)); err != nil {
		t.Fatal(err)
	}
	if widths.With > widths.Without+0.5 {
		t.Fatalf("at 1024×768 the network names widen the fleet list from %.0f to %.0f px", widths.Without, widths.With)
	}
	setViewport(t, ctx, 1280, 800)
	if err := runWithin(ctx, 10*time.Second,
		chromedp.Click(fmt.Sprintf(`#bw-fleet-body tr[data-id="%d"] td.bw-callsign`, vs[1].ID), chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-vehicle .bw-vehicle-network`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("vehicle panel: %v", err)
	}
	if got := textOf(t, ctx, `#bw-vehicle .bw-vehicle-network`); !strings.Contains(got, "network "+vs[1].Network) {
		t.Fatalf("vehicle panel says %q, want network %s", got, vs[1].Network)
	}

	row := fmt.Sprintf(`#bw-sorties-body tr[data-sortie="%d"]`, res.Sorties[0].ID)
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`.bw-tab[data-tab="replay"]`, chromedp.ByQuery),
		chromedp.WaitReady(row+` .bw-tag-network`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, screenshotDir(t), "failed-networks-sorties")
		t.Fatalf("sortie list with networks: %v (console %v)", err, console.list())
	}
	if got := textOf(t, ctx, row+` .bw-sortie-vehicle`); !strings.HasPrefix(got, fmt.Sprint(res.Sorties[0].Vehicle)) || !strings.Contains(got, "north") {
		t.Fatalf("sortie row's drone %q, want vehicle %d on north", got, res.Sorties[0].Vehicle)
	}
	screenshot(t, ctx, screenshotDir(t), "networks-sortie-list-1280x800")
	if n := count(t, ctx, `.bw-network *, .bw-tag-network *`); n != 0 {
		t.Fatalf("network names became %d elements", n)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
