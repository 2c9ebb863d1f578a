package basemap

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// TopoJSON (github.com/topojson/topojson-specification): shared, optionally
// quantized and delta-encoded arcs that geometries refer to by index. The
// `world-atlas` npm package ships Natural Earth land and countries in it;
// the demo's basemap reads them from the UI build.

type topology struct {
	Type      string                  `json:"type"`
	Objects   map[string]topoGeometry `json:"objects"`
	Arcs      [][][2]float64          `json:"arcs"`
	Transform *topoTransform          `json:"transform"`
}

type topoTransform struct {
	Scale     [2]float64 `json:"scale"`
	Translate [2]float64 `json:"translate"`
}

type topoGeometry struct {
	Type        string          `json:"type"`
	Arcs        json.RawMessage `json:"arcs"`
	Coordinates json.RawMessage `json:"coordinates"`
	Properties  map[string]any  `json:"properties"`
	Geometries  []topoGeometry  `json:"geometries"`
}

// maxTopoArcs and maxTopoDepth bound a hostile file's work.
const (
	maxTopoArcs  = 1 << 20
	maxTopoDepth = 8
)

// ParseTopoJSON reads the object named object of a TopoJSON topology as
// GeoJSON features (what topojson-client's feature() does).
func ParseTopoJSON(data []byte, object string) (*geojson.FeatureCollection, error) {
	var t topology
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("topojson: %w", err)
	}
	if t.Type != "Topology" {
		return nil, fmt.Errorf("topojson: type is %q, want \"Topology\"", t.Type)
	}
	obj, ok := t.Objects[object]
	if !ok {
		names := make([]string, 0, len(t.Objects))
		for n := range t.Objects {
			names = append(names, n)
		}
		return nil, fmt.Errorf("topojson: no object %q (the file has %v)", object, names)
	}
	if len(t.Arcs) > maxTopoArcs {
		return nil, fmt.Errorf("topojson: %d arcs, more than %d", len(t.Arcs), maxTopoArcs)
	}
	arcs := make([][]orb.Point, len(t.Arcs))
	for i, a := range t.Arcs {
		pts := make([]orb.Point, len(a))
		var x, y float64
		for j, p := range a {
			if t.Transform != nil {
				x, y = x+p[0], y+p[1] // delta-encoded when quantized
				pts[j] = orb.Point{x*t.Transform.Scale[0] + t.Transform.Translate[0], y*t.Transform.Scale[1] + t.Transform.Translate[1]}
			} else {
				pts[j] = orb.Point{p[0], p[1]}
			}
		}
		arcs[i] = pts
	}
	fc := geojson.NewFeatureCollection()
	var walk func(g topoGeometry, depth int) error
	walk = func(g topoGeometry, depth int) error {
		if depth > maxTopoDepth {
			return fmt.Errorf("topojson: geometry collections nest deeper than %d", maxTopoDepth)
		}
		if g.Type == "GeometryCollection" {
			for _, c := range g.Geometries {
				if err := walk(c, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		geom, err := topoGeom(g, arcs, t.Transform)
		if err != nil {
			return err
		}
		if geom == nil {
			return nil // a null geometry (allowed by the spec): nothing to draw
		}
		if err := checkGeometry(geom); err != nil {
			return fmt.Errorf("topojson: %w", err)
		}
		geom = splitAntimeridian(geom)
		fc.Append(&geojson.Feature{Geometry: geom, Properties: scalarProperties(g.Properties)})
		return nil
	}
	if err := walk(obj, 0); err != nil {
		return nil, err
	}
	return fc, nil
}

func topoGeom(g topoGeometry, arcs [][]orb.Point, tr *topoTransform) (orb.Geometry, error) {
	line := func(idx []int) (orb.LineString, error) {
		var out orb.LineString
		for k, i := range idx {
			j := i
			if i < 0 {
				j = ^i // a negative index is the arc reversed
			}
			if j >= len(arcs) {
				return nil, fmt.Errorf("topojson: arc %d of %d does not exist", j, len(arcs))
			}
			a := arcs[j]
			pts := make([]orb.Point, len(a))
			copy(pts, a)
			if i < 0 {
				for l, r := 0, len(pts)-1; l < r; l, r = l+1, r-1 {
					pts[l], pts[r] = pts[r], pts[l]
				}
			}
			if k > 0 && len(pts) > 0 {
				pts = pts[1:] // arcs share their end points
			}
			out = append(out, pts...)
		}
		return out, nil
	}
	polygon := func(rings [][]int) (orb.Polygon, error) {
		var p orb.Polygon
		for _, r := range rings {
			l, err := line(r)
			if err != nil {
				return nil, err
			}
			if len(l) < 4 {
				return nil, fmt.Errorf("topojson: a ring has %d points, fewer than 4", len(l))
			}
			p = append(p, orb.Ring(l))
		}
		return p, nil
	}
	unmarshal := func(raw json.RawMessage, v any) error {
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("topojson: %s: %w", g.Type, err)
		}
		return nil
	}
	point := func(c []float64) (orb.Point, error) {
		if len(c) < 2 {
			return orb.Point{}, fmt.Errorf("topojson: a position has %d numbers", len(c))
		}
		if tr != nil { // quantized, not delta-encoded
			return orb.Point{c[0]*tr.Scale[0] + tr.Translate[0], c[1]*tr.Scale[1] + tr.Translate[1]}, nil
		}
		return orb.Point{c[0], c[1]}, nil
	}
	switch g.Type {
	case "":
		return nil, nil
	case "LineString":
		var idx []int
		if err := unmarshal(g.Arcs, &idx); err != nil {
			return nil, err
		}
		return line(idx)
	case "MultiLineString":
		var idx [][]int
		if err := unmarshal(g.Arcs, &idx); err != nil {
			return nil, err
		}
		var m orb.MultiLineString
		for _, i := range idx {
			l, err := line(i)
			if err != nil {
				return nil, err
			}
			m = append(m, l)
		}
		return m, nil
	case "Polygon":
		var idx [][]int
		if err := unmarshal(g.Arcs, &idx); err != nil {
			return nil, err
		}
		return polygon(idx)
	case "MultiPolygon":
		var idx [][][]int
		if err := unmarshal(g.Arcs, &idx); err != nil {
			return nil, err
		}
		var m orb.MultiPolygon
		for _, i := range idx {
			p, err := polygon(i)
			if err != nil {
				return nil, err
			}
			m = append(m, p)
		}
		return m, nil
	case "Point":
		var c []float64
		if err := unmarshal(g.Coordinates, &c); err != nil {
			return nil, err
		}
		return point(c)
	}
	return nil, fmt.Errorf("topojson: geometry type %q is not supported", g.Type)
}
