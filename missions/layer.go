// Package missions holds plans (waypoints, fences, rally points), border GIS
// layers, geofence geometry, route planners and the plan file formats. It knows
// nothing of MAVLink links or HTTP.
package missions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// LayerKind says what a GIS layer means to a patrol.
type LayerKind string

// Layer kinds.
const (
	LayerBorder       LayerKind = "border"        // border lines
	LayerOwnTerritory LayerKind = "own_territory" // our side, as polygons
	LayerNoFly        LayerKind = "no_fly"        // exclusion zones
	LayerPatrolSector LayerKind = "patrol_sector" // areas assigned to a patrol
	LayerUnclassified LayerKind = "unclassified"  // anything else
)

// ValidLayerKind reports whether k is one of the layer kinds.
func ValidLayerKind(k LayerKind) bool {
	switch k {
	case LayerBorder, LayerOwnTerritory, LayerNoFly, LayerPatrolSector, LayerUnclassified:
		return true
	}
	return false
}

// Layer is a named set of features of one kind.
type Layer struct {
	ID       string                     `json:"id"`
	Name     string                     `json:"name"`
	Kind     LayerKind                  `json:"kind"`
	Features *geojson.FeatureCollection `json:"features"`
}

// Bound is the layer's bounding box.
func (l *Layer) Bound() orb.Bound {
	var b orb.Bound
	for i, f := range l.Features.Features {
		if i == 0 {
			b = f.Geometry.Bound()
		} else {
			b = b.Union(f.Geometry.Bound())
		}
	}
	return b
}

// ErrEmptyLayer means a file had no usable geometry.
var ErrEmptyLayer = errors.New("layer has no LineString, MultiLineString, Polygon or MultiPolygon feature")

// ParseGeoJSONLayer reads a GeoJSON FeatureCollection, Feature or bare geometry
// into a layer. Only line and polygon geometries are kept; coordinates must be
// [lon, lat] within range.
func ParseGeoJSONLayer(data []byte, id, name string, kind LayerKind) (*Layer, error) {
	if !ValidLayerKind(kind) {
		return nil, fmt.Errorf("layer %q: unknown kind %q", name, kind)
	}
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("layer %q: not JSON: %w", name, err)
	}
	if err := checkNoNullCoordinates(data); err != nil {
		return nil, fmt.Errorf("layer %q: %w", name, err)
	}
	fc := geojson.NewFeatureCollection()
	switch probe.Type {
	case "FeatureCollection":
		in, err := geojson.UnmarshalFeatureCollection(data)
		if err != nil {
			return nil, fmt.Errorf("layer %q: bad FeatureCollection: %w", name, err)
		}
		for i, f := range in.Features {
			if f == nil || f.Geometry == nil {
				return nil, fmt.Errorf("layer %q: feature %d has no geometry", name, i+1)
			}
			fc.Append(f)
		}
	case "Feature":
		f, err := geojson.UnmarshalFeature(data)
		if err != nil {
			return nil, fmt.Errorf("layer %q: bad Feature: %w", name, err)
		}
		if f.Geometry == nil {
			return nil, fmt.Errorf("layer %q: feature has no geometry", name)
		}
		fc.Append(f)
	case "":
		return nil, fmt.Errorf("layer %q: GeoJSON object has no \"type\"", name)
	default:
		g, err := geojson.UnmarshalGeometry(data)
		if err != nil {
			return nil, fmt.Errorf("layer %q: bad geometry: %w", name, err)
		}
		if g.Coordinates == nil {
			return nil, fmt.Errorf("layer %q: geometry %q has no coordinates", name, probe.Type)
		}
		fc.Append(geojson.NewFeature(g.Geometry()))
	}
	return newLayer(fc, id, name, kind)
}

// ParseLayer reads a GeoJSON or KML layer, telling them apart by the first
// character that is not white space ('{' or '<').
func ParseLayer(data []byte, id, name string, kind LayerKind) (*Layer, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	switch {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("layer %q: empty file", name)
	case trimmed[0] == '{':
		return ParseGeoJSONLayer(trimmed, id, name, kind) // encoding/json refuses a byte-order mark
	case trimmed[0] == '<':
		return ParseKMLLayer(trimmed, id, name, kind)
	}
	return nil, fmt.Errorf("layer %q: neither GeoJSON (starts with '{') nor KML (starts with '<')", name)
}

// newLayer keeps the line and polygon features of fc that suit kind: a border
// is lines, the area kinds are polygons, unclassified takes both. A feature of
// the wrong shape is refused rather than dropped, because a border drawn as a
// polygon (or a no-fly zone drawn as a line) is a mistake the operator must see.
func newLayer(fc *geojson.FeatureCollection, id, name string, kind LayerKind) (*Layer, error) {
	out := geojson.NewFeatureCollection()
	for i, f := range fc.Features {
		switch g := f.Geometry.(type) {
		case orb.LineString, orb.MultiLineString, orb.Polygon, orb.MultiPolygon:
			if err := checkCoords(g); err != nil {
				return nil, fmt.Errorf("layer %q: feature %d: %w", name, i+1, err)
			}
			if err := checkKindShape(kind, g); err != nil {
				return nil, fmt.Errorf("layer %q: feature %d: %w", name, i+1, err)
			}
			out.Append(f)
		}
	}
	if len(out.Features) == 0 {
		return nil, fmt.Errorf("layer %q: %w", name, ErrEmptyLayer)
	}
	return &Layer{ID: id, Name: name, Kind: kind, Features: out}, nil
}

// checkNoNullCoordinates refuses a "coordinates" array that holds null
// anywhere. orb's reader (like encoding/json) reads null as 0, which put a
// border vertex on the equator and stretched its bounding box there; a GIS
// file with a hole in its data must be fixed, not guessed at.
func checkNoNullCoordinates(data []byte) error {
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	var walk func(v any, path string, inCoords bool) error
	walk = func(v any, path string, inCoords bool) error {
		switch v := v.(type) {
		case nil:
			if inCoords {
				return fmt.Errorf("%s is null; every position needs numbers for longitude and latitude", path)
			}
		case []any:
			for i, e := range v {
				if err := walk(e, fmt.Sprintf("%s[%d]", path, i), inCoords); err != nil {
					return err
				}
			}
		case map[string]any:
			for k, e := range v {
				if k == "properties" {
					continue // property values may be null
				}
				if err := walk(e, path+"."+k, inCoords || k == "coordinates"); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(doc, "$", false)
}

func checkKindShape(kind LayerKind, g orb.Geometry) error {
	isLine := g.Dimensions() == 1
	switch kind {
	case LayerBorder:
		if !isLine {
			return fmt.Errorf("a %s layer holds lines, not a %s", kind, g.GeoJSONType())
		}
	case LayerOwnTerritory, LayerNoFly, LayerPatrolSector:
		if isLine {
			return fmt.Errorf("a %s layer holds polygons, not a %s", kind, g.GeoJSONType())
		}
	}
	return nil
}

func checkCoords(g orb.Geometry) error {
	var bad error
	visit := func(ls []orb.Point, minLen int, what string) {
		if bad != nil {
			return
		}
		if len(ls) < minLen {
			bad = fmt.Errorf("%s has %d points, needs at least %d", what, len(ls), minLen)
			return
		}
		for j, p := range ls {
			lon, lat := p[0], p[1]
			if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
				bad = fmt.Errorf("%s point %d (%g, %g) is not a [lon, lat] position", what, j+1, lon, lat)
				return
			}
		}
	}
	switch g := g.(type) {
	case orb.LineString:
		visit(g, 2, "line")
	case orb.MultiLineString:
		for _, l := range g {
			visit(l, 2, "line")
		}
	case orb.Polygon:
		for _, r := range g {
			visit(r, 4, "polygon ring")
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				visit(r, 4, "polygon ring")
			}
		}
	}
	return bad
}
