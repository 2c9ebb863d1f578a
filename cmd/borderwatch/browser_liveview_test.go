package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/web/auth"
)

// The page tells the server what its map shows and what is selected
// (docs/api.md, "The view"): after it opened, the server holds a view whose
// bbox holds the drone the map shows; selecting a drone in the fleet list
// sends a view naming it; the server refused none of the page's messages.
// The page asks for compact updates and merges them: the drones keep
// moving on motion updates alone, and keep their status (mode) meanwhile.
func TestBrowser_LiveMap_SendsItsViewAndSelection(t *testing.T) {
	ctx, console := newBrowser(t)
	sys := startBareServer(t)
	runLoadFleet(t, sys, 20, 5)

	browserLoginAs(t, ctx, sys, auth.RoleSupervisor)
	waitDroneDrawn(t, ctx, 1)
	type view struct {
		BBox     []float64 `json:"bbox"`
		Selected []int     `json:"selected"`
		RateHz   float64   `json:"rate_hz"`
		Compact  bool      `json:"compact"`
	}
	current := func() (v view) {
		if err := chromedp.Run(ctx, chromedp.Evaluate(`window.bwLiveView || {}`, &v)); err != nil {
			t.Fatal(err)
		}
		return v
	}
	testenv.Eventually(t, 30*time.Second, "the server applied a view holding drone 1", func() bool {
		v := current()
		vs := getVehicles(t, sys.web.URL())
		for _, x := range vs {
			if x.ID == 1 && len(v.BBox) == 4 {
				return x.Lon >= v.BBox[0] && x.Lat >= v.BBox[1] && x.Lon <= v.BBox[2] && x.Lat <= v.BBox[3] && v.RateHz == 10 && v.Compact
			}
		}
		return false
	})
	if err := chromedp.Run(ctx, chromedp.Click(`#bw-fleet-body tr[data-id="7"]`, chromedp.ByQuery)); err != nil {
		t.Fatalf("selecting drone 7 in the fleet list: %v (console: %v)", err, console.list())
	}
	testenv.Eventually(t, 10*time.Second, "a view selecting drone 7", func() bool {
		v := current()
		return len(v.Selected) == 1 && v.Selected[0] == 7
	})
	// Motion updates merged: drone 7's heading (the load generator's tick)
	// moves while its row keeps the mode only whole states carry.
	if n := liveMetric(t, sys.web.URL(), "borderwatch_live_encoded_motion_total"); n == "0" {
		t.Fatal("no motion update was sent: the page did not ask for compact updates")
	}
	h0 := droneOnMap(t, ctx, 7).Heading
	testenv.Eventually(t, 10*time.Second, "drone 7 moves on motion updates and keeps its mode", func() bool {
		return droneOnMap(t, ctx, 7).Heading != h0 && strings.Contains(textOf(t, ctx, `#bw-fleet-body tr[data-id="7"]`), "AUTO")
	})
	if n := liveMetric(t, sys.web.URL(), "borderwatch_live_view_errors_total"); n != "0" {
		t.Fatalf("the server refused %s of the page's messages", n)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}

// liveMetric reads one unlabelled metric's value from the server's /metrics.
func liveMetric(t *testing.T, base, name string) string {
	t.Helper()
	resp, err := apiClient(t, base).Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return ""
}
