package basemap

import (
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/paulmach/orb"
)

// The demo's basemap from the real world-atlas files the UI build copies
// (web/ui/dist/world-atlas; `make ui`): land and countries at low zoom,
// the sketch and the land around it at Nogales.
func TestBuildDemo_WorldAtlasAndSketch(t *testing.T) {
	ui := os.DirFS("../web/ui")
	if _, err := fs.Stat(ui, WorldAtlasDir+"/land-50m.json"); errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("BORDERWATCH_REQUIRE_BROWSER") == "1" {
			t.Fatal("web/ui/dist/world-atlas is missing: run make ui")
		}
		t.Skip("web/ui/dist/world-atlas is missing: run make ui")
	}
	// The world to zoom 4 only: the same path as the demo's zoom 6, at a
	// sixteenth of the tiles (the race detector makes zoom 6 take minutes).
	a, world, err := BuildDemo(ui, Options{MaxZoom: 14, BackgroundMaxZoom: 4})
	if err != nil || !world {
		t.Fatalf("world=%v err=%v", world, err)
	}
	rd, size := writeAndOpen(t, a)
	t.Logf("demo basemap: %d tiles, %d bytes", a.Len(), size)
	if got := tileLayers(t, rd, orb.Point{2.35, 48.85}, 4); got["land"] == 0 || got["countries"] == 0 {
		t.Errorf("zoom-4 tile over Paris: %v, want land and countries", got)
	}
	if got := tileLayers(t, rd, nogales, 13); got["land"] == 0 || got["roads"] == 0 || got["checkpoints"] == 0 {
		t.Errorf("zoom-13 tile at Nogales: %v, want land, roads and checkpoints", got)
	}
}
