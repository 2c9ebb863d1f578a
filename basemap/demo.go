package basemap

import (
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
