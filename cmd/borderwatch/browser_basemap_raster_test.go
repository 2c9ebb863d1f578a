package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/borderwatch/borderwatch/basemap"
	"github.com/borderwatch/borderwatch/web/auth"
)

// A raster PMTiles basemap (PNG tiles, built here with our writer) is served
// and drawn in Chromium as images under the layers: the map's tiles show
// the archive's colour, read back from their pixels.
func TestBrowser_Basemap_RasterTilesDrawn(t *testing.T) {
	ctx, console := newBrowser(t)
	// One 256 px PNG in a colour no other layer uses, for every tile over
	// the Nogales area at zooms 0-14 (the writer stores identical tiles once).
	want := color.RGBA{R: 12, G: 200, B: 34, A: 255}
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := range 256 {
		for x := range 256 {
			img.Set(x, y, want)
		}
	}
	var tile bytes.Buffer
	if err := png.Encode(&tile, img); err != nil {
		t.Fatal(err)
	}
	area := orb.Bound{Min: orb.Point{-111.10, 31.25}, Max: orb.Point{-110.80, 31.45}}
	a := &basemap.Archive{TileType: basemap.TileTypePNG, TileCompression: basemap.CompressionNone,
		Bounds: area, Center: area.Center(), CenterZoom: 12, Metadata: map[string]any{"name": "raster test"}}
	for z := maptile.Zoom(0); z <= 14; z++ {
		nw, se := maptile.At(orb.Point{area.Min[0], area.Max[1]}, z), maptile.At(orb.Point{area.Max[0], area.Min[1]}, z)
		for x := nw.X; x <= se.X; x++ {
			for y := nw.Y; y <= se.Y; y++ {
				a.Put(uint8(z), x, y, tile.Bytes())
			}
		}
	}
	out := filepath.Join(t.TempDir(), "raster.pmtiles")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0",
		data: filepath.Join(t.TempDir(), "bw.db"), basemap: out})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	authedSystem(t, sys)
	setViewport(t, ctx, 1280, 800)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)

	// Read the loaded tile images' pixels (blob URLs of this page: the
	// canvas is not tainted).
	js := `(() => {
		const imgs = [...document.querySelectorAll(".leaflet-tile-pane img.leaflet-tile-loaded")];
		const c = document.createElement("canvas");
		c.width = c.height = 8;
		const g = c.getContext("2d");
		let match = 0;
		for (const im of imgs) {
			if (!im.naturalWidth) continue;
			g.clearRect(0, 0, 8, 8);
			g.drawImage(im, 0, 0, 8, 8);
			const d = g.getImageData(4, 4, 1, 1).data;
			if (d[0] === 12 && d[1] === 200 && d[2] === 34 && d[3] === 255) match++;
		}
		return { tiles: imgs.length, match };
	})()`
	var got struct{ Tiles, Match int }
	drawn := `(() => { const r = ` + js + `; return r.tiles >= 4 && r.match === r.tiles ? r : null; })()`
	if err := chromedp.Run(ctx, chromedp.Poll(drawn, &got, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		chromedp.Run(ctx, chromedp.Evaluate(js, &got))
		screenshot(t, ctx, screenshotDir(t), "basemap-raster-failed")
		t.Fatalf("raster basemap not drawn (%v): %d tiles, %d of the archive's colour; console: %v", err, got.Tiles, got.Match, console.list())
	}
	screenshot(t, ctx, screenshotDir(t), "basemap-raster-1280x800")
	if errs := console.list(); len(errs) > 0 {
		t.Errorf("browser console: %v", errs)
	}
}
