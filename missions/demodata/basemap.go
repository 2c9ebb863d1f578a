package demodata

import _ "embed"

// The demo's sketch of the Nogales area for its basemap: roads, the wash
// and the river, the two towns and the ports of entry. Drawn for this
// project from general knowledge of the place; plausible, not survey data
// (every feature says so in its "sketch" property).
var (
	//go:embed nogales_roads.geojson
	NogalesRoads []byte
	//go:embed nogales_water.geojson
	NogalesWater []byte
	//go:embed nogales_settlements.geojson
	NogalesSettlements []byte
	//go:embed nogales_checkpoints.geojson
	NogalesCheckpoints []byte
)
