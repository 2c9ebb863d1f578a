package basemap

import (
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/borderwatch/borderwatch/missions/demodata"
)

// DemoLayers are the demo's own sketch of the Nogales area (roads, the
// wash and river, the towns, the ports of entry) and its border line, as
// basemap layers. The demo adds Natural Earth land and countries when the
// UI build holds them (see cmd/borderwatch/cmd_demo.go).
func DemoLayers() ([]Layer, error) {
	var out []Layer
	for _, in := range []struct {
		kind Kind
		name string
		data []byte
	}{
		{KindRoads, "nogales_roads.geojson", demodata.NogalesRoads},
		{KindRivers, "nogales_water.geojson", demodata.NogalesWater},
		{KindSettlements, "nogales_settlements.geojson", demodata.NogalesSettlements},
		{KindCheckpoints, "nogales_checkpoints.geojson", demodata.NogalesCheckpoints},
		{KindBorders, "nogales_border.geojson", demodata.NogalesBorder},
	} {
		l, err := ParseLayer(in.kind, in.name, in.data)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// WorldAtlasDir is where the UI build puts the `world-atlas` npm package's
// TopoJSON (web/ui/build.mjs copies it), inside the UI's embedded files.
const WorldAtlasDir = "dist/world-atlas"

// DemoOptions are the zooms of the demo's basemap: the world's land and
// countries to zoom 6 (built in a few seconds at start-up), the Nogales
// sketch to 14.
var DemoOptions = Options{MaxZoom: 14, BackgroundMaxZoom: 6}

// BuildDemo builds the demo's basemap with opt (the demo passes
// DemoOptions): Natural Earth land and countries from world-atlas in ui
// (when the UI build holds them; world is false when it does not) under
// the Nogales sketch.
func BuildDemo(ui fs.FS, opt Options) (a *Archive, world bool, err error) {
	layers, err := DemoLayers()
	if err != nil {
		return nil, false, err
	}
	wl, err := WorldAtlasLayers(ui)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, false, err
	default:
		layers, world = append(wl, layers...), true
	}
	a, _, err = Build(layers, opt)
	return a, world, err
}

// WorldAtlasLayers reads world-atlas's 1:50m land and countries from ui.
func WorldAtlasLayers(ui fs.FS) ([]Layer, error) {
	var out []Layer
	for _, in := range []struct {
		kind         Kind
		file, object string
	}{{KindLand, "land-50m.json", "land"}, {KindCountries, "countries-50m.json", "countries"}} {
		data, err := fs.ReadFile(ui, path.Join(WorldAtlasDir, in.file))
		if err != nil {
			return nil, err
		}
		fc, err := ParseTopoJSON(data, in.object)
		if err != nil {
			return nil, fmt.Errorf("world-atlas %s: %w", in.file, err)
		}
		out = append(out, Layer{Kind: in.kind, Name: "world-atlas " + in.file, Features: fc})
	}
	return out, nil
}
