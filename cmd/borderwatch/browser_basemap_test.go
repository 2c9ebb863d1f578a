package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/web/auth"
)

// The basemap end to end: `basemap build` from the demo's sketch layers and
// the shared US–Mexico countries, `serve --basemap` (startServer), and the
// UI drawing it in Chromium with protomaps-leaflet over the `pmtiles`
// package — an independent PMTiles reader — by range requests to our server.
func TestBrowser_Basemap_BuiltServedAndDrawn(t *testing.T) {
	ctx, console := newBrowser(t)
	shared := testenv.SharedData(t)
	out := filepath.Join(t.TempDir(), "nogales.pmtiles")
	demo := filepath.Join("..", "..", "missions", "demodata")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), &env{stdout: &stdout, stderr: &stderr}, []string{"basemap", "build",
		"--layer", "countries:" + filepath.Join(shared, "borders/extracts/us_mexico_countries_ne50m_clip_border_region.geojson"),
		"--layer", "roads:" + filepath.Join(demo, "nogales_roads.geojson"),
		"--layer", "rivers:" + filepath.Join(demo, "nogales_water.geojson"),
		"--layer", "settlements:" + filepath.Join(demo, "nogales_settlements.geojson"),
		"--layer", "checkpoints:" + filepath.Join(demo, "nogales_checkpoints.geojson"),
		"--layer", "borders:" + filepath.Join(demo, "nogales_border.geojson"),
		"-o", out})
	if code != 0 || !strings.Contains(stdout.String(), "tiles") {
		t.Fatalf("basemap build: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	openBasemapPage(t, ctx, out)

	// Wait until protomaps-leaflet has drawn tiles, then read their pixels:
	// land, roads, the wash and the town are different colours, so a drawn
	// basemap shows several; an empty or unreadable archive shows none.
	js := `(() => {
		const tiles = [...document.querySelectorAll(".leaflet-tile-pane canvas.leaflet-tile-loaded")];
		const colours = new Set();
		for (const c of tiles) {
			const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
			for (let i = 0; i < d.length; i += 4 * 97) if (d[i + 3] > 0) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
		}
		const pending = document.querySelectorAll(".leaflet-tile-pane canvas:not(.leaflet-tile-loaded)").length;
		return { tiles: tiles.length, colours: colours.size, pending };
	})()`
	// The 877×760 map at zoom 12 takes at least 12 tiles of 256 px.
	var got struct{ Tiles, Colours, Pending int }
	drawn := `(() => { const r = ` + js + `; return r.tiles >= 12 && r.pending === 0 && r.colours >= 4 ? r : null; })()`
	if err := chromedp.Run(ctx, chromedp.Poll(drawn, &got, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		chromedp.Run(ctx, chromedp.Evaluate(js, &got))
		screenshot(t, ctx, screenshotDir(t), "basemap-failed-1280x800")
		t.Fatalf("basemap not drawn (%v): %d tiles, %d colours; console: %v", err, got.Tiles, got.Colours, console.list())
	}
	t.Logf("basemap drawn: %d tiles, %d colours", got.Tiles, got.Colours)
	screenshot(t, ctx, screenshotDir(t), "basemap-1280x800")
	if errs := console.list(); len(errs) > 0 {
		t.Errorf("browser console: %v", errs)
	}
}

// openBasemapPage serves the PMTiles file with `serve --basemap` (in
// process) and logs an operator in at 1280×800.
func openBasemapPage(t *testing.T, ctx context.Context, file string) {
	t.Helper()
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0",
		data: filepath.Join(t.TempDir(), "bw.db"), basemap: file})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	authedSystem(t, sys)
	setViewport(t, ctx, 1280, 800)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
}
