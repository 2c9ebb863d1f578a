// Package demodata holds the demo's own small border layer: a coarse sketch,
// drawn for this project, of the US–Mexico border at Nogales, Arizona (the
// straight line east of Nogales along 31.3322° N and the line running
// west-north-west towards the Colorado River), with a sketch of the US side as
// own territory.
package demodata

import _ "embed"

// NogalesBorder is a GeoJSON FeatureCollection with one border LineString.
//
//go:embed nogales_border.geojson
var NogalesBorder []byte

// NogalesTerritory is a GeoJSON FeatureCollection with one own-territory Polygon.
//
//go:embed nogales_territory.geojson
var NogalesTerritory []byte
