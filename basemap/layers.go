package basemap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Kind says what a basemap layer shows; it is the layer's name in the
// vector tiles, so the UI styles by kind (web/ui/src/map/basemap.js).
type Kind string

// The kinds a basemap layer may have. Background kinds (land, countries) are
// tiled only to BackgroundMaxZoom on their own; the others drive tiles down
// to MaxZoom.
const (
	KindLand        Kind = "land"
	KindCountries   Kind = "countries"
	KindBorders     Kind = "borders"
	KindWater       Kind = "water"
	KindRivers      Kind = "rivers"
	KindRoads       Kind = "roads"
	KindSettlements Kind = "settlements"
	KindCheckpoints Kind = "checkpoints"
	KindSectors     Kind = "sectors"
)

// Kinds lists every kind, in drawing order (bottom first).
var Kinds = []Kind{KindLand, KindCountries, KindWater, KindSectors, KindRivers, KindRoads, KindBorders, KindSettlements, KindCheckpoints}

func (k Kind) valid() bool {
	for _, v := range Kinds {
		if v == k {
			return true
		}
	}
	return false
}

func (k Kind) background() bool { return k == KindLand || k == KindCountries }

// Layer is one input layer: features of one kind.
type Layer struct {
	Kind Kind
	// Name is where the layer came from (a file name), for messages.
	Name     string
	Features *geojson.FeatureCollection
}

// ParseLayerSpec splits a "KIND:FILE" argument.
func ParseLayerSpec(spec string) (Kind, string, error) {
	k, file, ok := strings.Cut(spec, ":")
	if !ok || file == "" {
		return "", "", fmt.Errorf("layer %q: want KIND:FILE, e.g. roads:roads.geojson", spec)
	}
	kind := Kind(strings.ToLower(k))
	if !kind.valid() {
		return "", "", fmt.Errorf("layer %q: unknown kind %q; kinds are %s", spec, k, kindList())
	}
	return kind, file, nil
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// ReadLayerFile reads a GeoJSON or KML file as a layer of kind.
func ReadLayerFile(kind Kind, path string) (Layer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Layer{}, fmt.Errorf("layer %s: %w", path, err)
	}
	return ParseLayer(kind, filepath.Base(path), data)
}

// ParseLayer reads GeoJSON (a FeatureCollection, Feature or geometry) or KML.
// Points, lines and polygons are kept, with their scalar properties; a
// coordinate that is not a finite [lon, lat] in range is refused, naming the
// feature.
func ParseLayer(kind Kind, name string, data []byte) (Layer, error) {
	if !kind.valid() {
		return Layer{}, fmt.Errorf("layer %s: unknown kind %q; kinds are %s", name, kind, kindList())
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	fc := geojson.NewFeatureCollection()
	switch {
	case len(trimmed) == 0:
		return Layer{}, fmt.Errorf("layer %s: empty file", name)
	case trimmed[0] == '<':
		pms, err := missions.ReadKML(trimmed)
		if err != nil {
			return Layer{}, fmt.Errorf("layer %s: %w", name, err)
		}
		for _, pm := range pms {
			f := geojson.NewFeature(pm.Geometry)
			if pm.Name != "" {
				f.Properties["name"] = pm.Name
			}
			fc.Append(f)
		}
	case trimmed[0] == '{':
		if bytes.Contains(trimmed, []byte("null")) {
			// orb reads a null coordinate as 0: refuse it rather than draw a
			// line to the equator (a null property value is fine).
			if err := checkNullCoordinates(trimmed); err != nil {
				return Layer{}, fmt.Errorf("layer %s: %w", name, err)
			}
		}
		var probe struct{ Type string }
		if err := json.Unmarshal(trimmed, &probe); err != nil {
			return Layer{}, fmt.Errorf("layer %s: not JSON: %w", name, err)
		}
		switch probe.Type {
		case "FeatureCollection":
			in, err := geojson.UnmarshalFeatureCollection(trimmed)
			if err != nil {
				return Layer{}, fmt.Errorf("layer %s: bad FeatureCollection: %w", name, err)
			}
			fc = in
		case "Feature":
			f, err := geojson.UnmarshalFeature(trimmed)
			if err != nil {
				return Layer{}, fmt.Errorf("layer %s: bad Feature: %w", name, err)
			}
			fc.Append(f)
		default:
			g, err := geojson.UnmarshalGeometry(trimmed)
			if err != nil || g.Coordinates == nil {
				return Layer{}, fmt.Errorf("layer %s: neither a FeatureCollection, a Feature nor a geometry (type %q)", name, probe.Type)
			}
			fc.Append(geojson.NewFeature(g.Geometry()))
		}
	default:
		return Layer{}, fmt.Errorf("layer %s: neither GeoJSON (starts with '{') nor KML (starts with '<')", name)
	}
	out := geojson.NewFeatureCollection()
	for i, f := range fc.Features {
		if f == nil || f.Geometry == nil {
			return Layer{}, fmt.Errorf("layer %s: feature %d has no geometry", name, i+1)
		}
		if err := checkGeometry(f.Geometry); err != nil {
			return Layer{}, fmt.Errorf("layer %s: feature %d: %w", name, i+1, err)
		}
		out.Append(&geojson.Feature{Geometry: f.Geometry, Properties: scalarProperties(f.Properties)})
	}
	if len(out.Features) == 0 {
		return Layer{}, fmt.Errorf("layer %s: no features", name)
	}
	return Layer{Kind: kind, Name: name, Features: out}, nil
}

// checkNullCoordinates refuses a null inside "coordinates" (GeoJSON).
func checkNullCoordinates(data []byte) error {
	var walk func(v any) error
	walk = func(v any) error {
		switch t := v.(type) {
		case map[string]any:
			for k, c := range t {
				if k == "properties" {
					continue
				}
				if k == "coordinates" {
					if hasNull(c) {
						return fmt.Errorf("a coordinate is null")
					}
					continue
				}
				if err := walk(c); err != nil {
					return err
				}
			}
		case []any:
			for _, c := range t {
				if err := walk(c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return walk(v)
}

func hasNull(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case []any:
		for _, c := range t {
			if hasNull(c) {
				return true
			}
		}
	}
	return false
}

func checkGeometry(g orb.Geometry) error {
	var bad error
	check := func(p orb.Point) {
		if bad == nil && (math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90) {
			bad = fmt.Errorf("coordinate %v is not a [lon, lat] in range", p)
		}
	}
	var walk func(g orb.Geometry)
	walk = func(g orb.Geometry) {
		switch t := g.(type) {
		case orb.Point:
			check(t)
		case orb.MultiPoint:
			for _, p := range t {
				check(p)
			}
		case orb.LineString:
			for _, p := range t {
				check(p)
			}
		case orb.MultiLineString:
			for _, l := range t {
				walk(l)
			}
		case orb.Ring:
			for _, p := range t {
				check(p)
			}
		case orb.Polygon:
			for _, r := range t {
				walk(r)
			}
		case orb.MultiPolygon:
			for _, p := range t {
				walk(p)
			}
		case orb.Collection:
			for _, c := range t {
				walk(c)
			}
		case orb.Bound:
			check(t.Min)
			check(t.Max)
		default:
			bad = fmt.Errorf("unsupported geometry %T", g)
		}
	}
	walk(g)
	return bad
}

// maxPropertyLen bounds a string property kept in the tiles: names and
// classes, not documents.
const maxPropertyLen = 200

// scalarProperties keeps string, number and boolean properties (sorted keys
// make the tiles reproducible); nested objects do not fit MVT values.
func scalarProperties(p geojson.Properties) geojson.Properties {
	out := geojson.Properties{}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := p[k].(type) {
		case string:
			if len(v) <= maxPropertyLen {
				out[k] = v
			}
		case float64, bool:
			out[k] = v
		}
	}
	return out
}
