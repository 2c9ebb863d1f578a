package missions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// GeoJSON export of a plan (RFC 7946): one FeatureCollection whose features
// say what they are in a "kind" property, so that GIS tools can draw the plan
// and ReadPlanGeoJSON can read it back without loss:
//
//	home          Point [lon, lat, alt]           alt_m
//	mission_item  Point, or null for items without a position; seq, command,
//	              command_name, frame, params (7, null = unused), autocontinue
//	mission_path  LineString through the positional items (drawing only)
//	fence_polygon Polygon (closed ring)             inclusion
//	fence_circle  Point (centre)                    inclusion, radius_m
//	fence_return  Point                             alt_m
//	rally_point   Point                             alt_m
//
// The vehicle and the plan's metadata travel in a foreign member
// "borderwatch_plan" of the collection.

type gjCollection struct {
	Type     string      `json:"type"`
	Plan     *gjPlanInfo `json:"borderwatch_plan,omitempty"`
	Features []gjFeature `json:"features"`
}

type gjPlanInfo struct {
	Vehicle Vehicle `json:"vehicle"`
	Meta    Meta    `json:"meta"`
}

type gjFeature struct {
	Type       string      `json:"type"`
	Geometry   *gjGeometry `json:"geometry"`
	Properties gjProps     `json:"properties"`
}

type gjGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

type gjProps struct {
	Kind         string     `json:"kind"`
	Seq          *int       `json:"seq,omitempty"`
	Command      *uint16    `json:"command,omitempty"`
	CommandName  string     `json:"command_name,omitempty"`
	Frame        *uint8     `json:"frame,omitempty"`
	Params       []*float64 `json:"params,omitempty"`
	Autocontinue *bool      `json:"autocontinue,omitempty"`
	Inclusion    *bool      `json:"inclusion,omitempty"`
	RadiusM      *float64   `json:"radius_m,omitempty"`
	AltM         *float64   `json:"alt_m,omitempty"`
}

func gjPoint(lon, lat float64, alt *float64) *gjGeometry {
	c := []float64{lon, lat}
	if alt != nil {
		c = append(c, *alt)
	}
	raw, _ := json.Marshal(c)
	return &gjGeometry{Type: "Point", Coordinates: raw}
}

func gjAny(typ string, coords any) *gjGeometry {
	raw, _ := json.Marshal(coords)
	return &gjGeometry{Type: typ, Coordinates: raw}
}

// WritePlanGeoJSON writes the plan as a GeoJSON FeatureCollection.
func WritePlanGeoJSON(p *Plan) ([]byte, error) {
	fc := gjCollection{Type: "FeatureCollection", Plan: &gjPlanInfo{Vehicle: p.Vehicle, Meta: p.Meta}, Features: []gjFeature{}}
	add := func(g *gjGeometry, props gjProps) {
		fc.Features = append(fc.Features, gjFeature{Type: "Feature", Geometry: g, Properties: props})
	}
	if h := p.Home; h != nil {
		add(gjPoint(h.Lon, h.Lat, nullableNum(h.AltM)), gjProps{Kind: "home", AltM: nullableNum(h.AltM)})
	}
	var path [][3]float64
	for i, it := range p.Mission {
		var g *gjGeometry
		if it.HasPosition() {
			if err := checkLatLon(it.Params[4], it.Params[5]); err != nil {
				return nil, fmt.Errorf("mission item %d (%s): %v", i+1, CommandName(it.Command), err)
			}
			g = gjPoint(it.Params[5], it.Params[4], nullableNum(it.Params[6]))
			alt := it.Params[6]
			if math.IsNaN(alt) {
				alt = 0
			}
			path = append(path, [3]float64{it.Params[5], it.Params[4], alt})
		}
		params := make([]*float64, 7)
		for k, v := range it.Params {
			params[k] = nullableNum(v)
		}
		add(g, gjProps{Kind: "mission_item", Seq: &i, Command: &it.Command, CommandName: CommandName(it.Command),
			Frame: &it.Frame, Params: params, Autocontinue: &it.Autocontinue})
	}
	if len(path) >= 2 {
		add(gjAny("LineString", path), gjProps{Kind: "mission_path"})
	}
	for i, poly := range p.Fence.Polygons {
		ring := make([][2]float64, 0, len(poly.Vertices)+1)
		for j, v := range poly.Vertices {
			if err := checkLatLon(v.Lat(), v.Lon()); err != nil {
				return nil, fmt.Errorf("fence polygon %d vertex %d: %v", i+1, j+1, err)
			}
			ring = append(ring, [2]float64{v.Lon(), v.Lat()})
		}
		if len(ring) > 0 {
			ring = append(ring, ring[0])
		}
		add(gjAny("Polygon", [][][2]float64{ring}), gjProps{Kind: "fence_polygon", Inclusion: &poly.Inclusion})
	}
	for _, c := range p.Fence.Circles {
		add(gjPoint(c.Center.Lon(), c.Center.Lat(), nil), gjProps{Kind: "fence_circle", Inclusion: &c.Inclusion, RadiusM: &c.RadiusM})
	}
	if r := p.Fence.Return; r != nil {
		add(gjPoint(r.Lon, r.Lat, nullableNum(r.AltM)), gjProps{Kind: "fence_return", AltM: nullableNum(r.AltM)})
	}
	for _, r := range p.Rally {
		add(gjPoint(r.Lon, r.Lat, nullableNum(r.AltM)), gjProps{Kind: "rally_point", AltM: nullableNum(r.AltM)})
	}
	out, err := json.MarshalIndent(fc, "", " ")
	if err != nil {
		return nil, fmt.Errorf("writing GeoJSON: %w", err)
	}
	return append(out, '\n'), nil
}

// ReadPlanGeoJSON reads a plan from GeoJSON: Borderwatch's export as
// written by WritePlanGeoJSON, or any FeatureCollection of Polygons (read
// as inclusion fences unless a feature's "inclusion" property is false),
// which is how GIS staff hand over a fence. Features of other kinds are
// skipped with a note.
func ReadPlanGeoJSON(data []byte) (*Plan, error) {
	var fc gjCollection
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, planErr("GeoJSON: %s", jsonErrWhere(data, err))
	}
	if fc.Type != "FeatureCollection" {
		return nil, planErr("GeoJSON: type is %q; a plan is a FeatureCollection", quoteClip(fc.Type))
	}
	p := &Plan{}
	if fc.Plan != nil {
		p.Vehicle, p.Meta = fc.Plan.Vehicle, fc.Plan.Meta
	}
	skipped := 0
	for i, f := range fc.Features {
		pr := f.Properties
		where := fmt.Sprintf("GeoJSON feature %d (%s)", i+1, pr.Kind)
		if pr.Kind == "" && f.Geometry != nil && f.Geometry.Type == "Polygon" {
			pr.Kind = "fence_polygon"
		}
		switch pr.Kind {
		case "home", "fence_return", "rally_point":
			pos, err := gjReadPoint(f.Geometry)
			if err != nil {
				return nil, planErr("%s: %v", where, err)
			}
			if pr.AltM != nil {
				pos.AltM = *pr.AltM
			} else if pr.Kind == "home" && !gjHasAlt(f.Geometry) {
				pos.AltM = math.NaN() // an unknown home altitude stays unknown, not 0 AMSL
			}
			switch pr.Kind {
			case "home":
				if p.Home != nil {
					return nil, planErr("%s: a second home", where)
				}
				p.Home = &pos
			case "fence_return":
				if p.Fence.Return != nil {
					return nil, planErr("%s: a second fence return point", where)
				}
				p.Fence.Return = &pos
			default:
				p.Rally = append(p.Rally, pos)
			}
		case "mission_item":
			if pr.Command == nil || pr.Frame == nil || len(pr.Params) != 7 {
				return nil, planErr("%s: needs command, frame and 7 params", where)
			}
			if pr.Seq != nil && *pr.Seq != len(p.Mission) {
				return nil, planErr("%s: seq %d, expected %d (mission items in order)", where, *pr.Seq, len(p.Mission))
			}
			it := Item{Command: *pr.Command, Frame: *pr.Frame, Autocontinue: pr.Autocontinue == nil || *pr.Autocontinue}
			for k, v := range pr.Params {
				if v == nil {
					it.Params[k] = math.NaN()
				} else {
					it.Params[k] = *v
				}
			}
			if it.HasPosition() {
				if err := checkLatLon(it.Params[4], it.Params[5]); err != nil {
					return nil, planErr("%s: %v", where, err)
				}
			}
			p.Mission = append(p.Mission, it)
		case "fence_polygon":
			if f.Geometry == nil || f.Geometry.Type != "Polygon" {
				return nil, planErr("%s: geometry is not a Polygon", where)
			}
			var rings [][]gjCoord
			if err := json.Unmarshal(f.Geometry.Coordinates, &rings); err != nil || len(rings) == 0 {
				return nil, planErr("%s: Polygon coordinates are not rings of [lon, lat]%s", where, nullNote(err))
			}
			if len(rings) > 1 {
				return nil, planErr("%s: the Polygon has %d holes; a fence polygon has none (make each hole an exclusion polygon)", where, len(rings)-1)
			}
			ring := rings[0]
			if len(ring) > 1 && slicesEqual(ring[0], ring[len(ring)-1]) {
				ring = ring[:len(ring)-1]
			}
			if len(ring) < 3 {
				return nil, planErr("%s: %d vertices; a fence polygon needs at least 3", where, len(ring))
			}
			poly := FencePolygon{Inclusion: pr.Inclusion == nil || *pr.Inclusion}
			for j, c := range ring {
				if len(c) < 2 {
					return nil, planErr("%s: vertex %d is not [lon, lat]", where, j+1)
				}
				if err := checkLatLon(c[1], c[0]); err != nil {
					return nil, planErr("%s: vertex %d: %v", where, j+1, err)
				}
				poly.Vertices = append(poly.Vertices, orb.Point{c[0], c[1]})
			}
			p.Fence.Polygons = append(p.Fence.Polygons, poly)
		case "fence_circle":
			pos, err := gjReadPoint(f.Geometry)
			if err != nil {
				return nil, planErr("%s: %v", where, err)
			}
			if pr.RadiusM == nil || !(*pr.RadiusM > 0) {
				return nil, planErr("%s: radius_m must be above 0", where)
			}
			p.Fence.Circles = append(p.Fence.Circles, FenceCircle{Inclusion: pr.Inclusion == nil || *pr.Inclusion, Center: orb.Point{pos.Lon, pos.Lat}, RadiusM: *pr.RadiusM})
		default:
			skipped++
		}
	}
	if skipped > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("GeoJSON: %d feature(s) that are not part of a plan (mission_path lines, other geometry) skipped", skipped))
	}
	return p, nil
}

func gjReadPoint(g *gjGeometry) (Position, error) {
	if g == nil || g.Type != "Point" {
		return Position{}, fmt.Errorf("geometry is not a Point")
	}
	var c gjCoord
	if err := json.Unmarshal(g.Coordinates, &c); err != nil || len(c) < 2 || len(c) > 3 {
		return Position{}, fmt.Errorf("Point coordinates are not [lon, lat] or [lon, lat, alt]%s", nullNote(err))
	}
	pos := Position{Lat: c[1], Lon: c[0]}
	if len(c) == 3 {
		pos.AltM = c[2]
	}
	return pos, checkLatLon(pos.Lat, pos.Lon)
}

// gjHasAlt reports whether a Point carries a third (altitude) coordinate.
func gjHasAlt(g *gjGeometry) bool {
	var c gjCoord
	return g != nil && json.Unmarshal(g.Coordinates, &c) == nil && len(c) == 3
}

// gjCoord is one GeoJSON position. encoding/json reads a null number as 0,
// which would put a fence vertex or a waypoint on the equator or the prime
// meridian; a null in a position is refused instead, as the .plan and KML
// readers refuse a missing coordinate.
type gjCoord []float64

var errNullCoordinate = errors.New("a position holds null where a number belongs")

func (c *gjCoord) UnmarshalJSON(b []byte) error {
	var raw []*float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(gjCoord, len(raw))
	for i, v := range raw {
		if v == nil {
			return errNullCoordinate
		}
		out[i] = *v
	}
	*c = out
	return nil
}

// nullNote says why a position was refused when the reason is a null.
func nullNote(err error) string {
	if errors.Is(err, errNullCoordinate) {
		return " (" + errNullCoordinate.Error() + ")"
	}
	return ""
}

func slicesEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
