package missions

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// KMLPlacemark is one Placemark of a KML file with its geometry converted to
// orb ([lon, lat]; altitudes are dropped: plans carry their own altitude).
type KMLPlacemark struct {
	Name        string
	Description string
	// Geometry is an orb.Point, LineString, Polygon, or for a MultiGeometry a
	// Collection of those.
	Geometry orb.Geometry
	// Line is where the Placemark starts in the file, for error messages.
	Line int
}

// kmlMaxDepth bounds element nesting. Real files nest Folders a few levels deep;
// the bound keeps a hostile file from building an unbounded tree.
const kmlMaxDepth = 64

// kmlNode is one element of the parsed tree. Namespaces are ignored on purpose:
// files in the wild mix the 2.1, 2.2 and gx namespaces for the same elements.
type kmlNode struct {
	name     string
	text     strings.Builder
	children []*kmlNode
	line     int
}

func (n *kmlNode) child(name string) *kmlNode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// ReadKML reads every Placemark of a KML document. It refuses what is not
// well-formed XML, a root other than <kml>, a Placemark without geometry, a
// Polygon boundary without its LinearRing, and coordinates that are not
// "lon,lat[,alt]" tuples in range, saying where.
func ReadKML(data []byte) ([]KMLPlacemark, error) {
	root, err := parseKMLTree(data)
	if err != nil {
		return nil, err
	}
	var out []KMLPlacemark
	var walk func(n *kmlNode) error
	walk = func(n *kmlNode) error {
		if n.name == "Placemark" {
			pm, err := kmlPlacemark(n, len(out)+1)
			if err != nil {
				return err
			}
			out = append(out, pm)
			return nil
		}
		for _, c := range n.children {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("kml: the document has no Placemark")
	}
	return out, nil
}

func parseKMLTree(data []byte) (*kmlNode, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	// Declared encodings other than UTF-8 are read as UTF-8: KML is UTF-8 by
	// specification, and guessing a charset would hide a broken file.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var stack []*kmlNode
	var root *kmlNode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		line, _ := d.InputPos()
		if err != nil {
			return nil, fmt.Errorf("kml: not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("kml: line %d: a second root element <%s> after </kml>", line, t.Name.Local)
			}
			if len(stack) >= kmlMaxDepth {
				return nil, fmt.Errorf("kml: line %d: elements nested deeper than %d", line, kmlMaxDepth)
			}
			n := &kmlNode{name: t.Name.Local, line: line}
			if root == nil {
				if n.name != "kml" {
					return nil, fmt.Errorf("kml: the root element is <%s>, not <kml>", n.name)
				}
				root = n
			} else {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if s := strings.TrimSpace(string(t)); s != "" {
					return nil, fmt.Errorf("kml: not well-formed XML: line %d: text %q outside the <kml> element", line, clip(s, 40))
				}
				continue
			}
			stack[len(stack)-1].text.Write(t)
		}
	}
	if root == nil {
		return nil, errors.New("kml: no <kml> element (empty or not XML)")
	}
	return root, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func kmlPlacemark(n *kmlNode, index int) (KMLPlacemark, error) {
	pm := KMLPlacemark{Line: n.line}
	if c := n.child("name"); c != nil {
		pm.Name = strings.TrimSpace(c.text.String())
	}
	if c := n.child("description"); c != nil {
		pm.Description = strings.TrimSpace(c.text.String())
	}
	where := fmt.Sprintf("kml: Placemark %d %q (line %d)", index, pm.Name, n.line)
	var geoms []orb.Geometry
	for _, c := range n.children {
		g, ok, err := kmlGeometry(c)
		if err != nil {
			return pm, fmt.Errorf("%s: %w", where, err)
		}
		if ok {
			geoms = append(geoms, g)
		}
	}
	switch len(geoms) {
	case 0:
		return pm, fmt.Errorf("%s has no Point, LineString, Polygon or MultiGeometry", where)
	case 1:
		pm.Geometry = geoms[0]
	default:
		// KML allows one geometry per Placemark; more is malformed.
		return pm, fmt.Errorf("%s has %d geometries; KML allows one (use a MultiGeometry)", where, len(geoms))
	}
	return pm, nil
}

// kmlGeometry converts one geometry element; ok is false for elements that are
// not geometry (name, styleUrl, ExtendedData …).
func kmlGeometry(n *kmlNode) (orb.Geometry, bool, error) {
	switch n.name {
	case "Point":
		pts, err := kmlCoordinates(n, 1)
		if err != nil {
			return nil, false, err
		}
		if len(pts) != 1 {
			return nil, false, fmt.Errorf("Point (line %d) has %d positions, needs exactly 1", n.line, len(pts))
		}
		return pts[0], true, nil
	case "LineString":
		pts, err := kmlCoordinates(n, 2)
		if err != nil {
			return nil, false, err
		}
		return orb.LineString(pts), true, nil
	case "LinearRing":
		r, err := kmlRing(n)
		if err != nil {
			return nil, false, err
		}
		return orb.Polygon{r}, true, nil
	case "Polygon":
		outer := n.child("outerBoundaryIs")
		if outer == nil {
			return nil, false, fmt.Errorf("Polygon (line %d) has no outerBoundaryIs", n.line)
		}
		lr := outer.child("LinearRing")
		if lr == nil {
			return nil, false, fmt.Errorf("Polygon (line %d): outerBoundaryIs has no LinearRing", n.line)
		}
		r, err := kmlRing(lr)
		if err != nil {
			return nil, false, err
		}
		poly := orb.Polygon{r}
		for _, c := range n.children {
			if c.name != "innerBoundaryIs" {
				continue
			}
			lr := c.child("LinearRing")
			if lr == nil {
				return nil, false, fmt.Errorf("Polygon (line %d): innerBoundaryIs (line %d) has no LinearRing", n.line, c.line)
			}
			h, err := kmlRing(lr)
			if err != nil {
				return nil, false, err
			}
			poly = append(poly, h)
		}
		return poly, true, nil
	case "MultiGeometry":
		var col orb.Collection
		for _, c := range n.children {
			g, ok, err := kmlGeometry(c)
			if err != nil {
				return nil, false, err
			}
			if ok {
				col = append(col, g)
			}
		}
		if len(col) == 0 {
			return nil, false, fmt.Errorf("MultiGeometry (line %d) holds no geometry", n.line)
		}
		return col, true, nil
	}
	return nil, false, nil
}

func kmlRing(n *kmlNode) (orb.Ring, error) {
	pts, err := kmlCoordinates(n, 3)
	if err != nil {
		return nil, err
	}
	// KML requires the first position repeated at the end; tools often omit
	// it, and closing it here loses nothing.
	if pts[0] != pts[len(pts)-1] {
		pts = append(pts, pts[0])
	}
	if len(pts) < 4 {
		return nil, fmt.Errorf("LinearRing (line %d) has %d distinct positions, needs at least 3", n.line, len(pts)-1)
	}
	return orb.Ring(pts), nil
}

// kmlCoordinates reads the <coordinates> child of n: whitespace-separated
// "lon,lat[,alt]" tuples.
func kmlCoordinates(n *kmlNode, minPoints int) ([]orb.Point, error) {
	c := n.child("coordinates")
	if c == nil {
		return nil, fmt.Errorf("%s (line %d) has no coordinates", n.name, n.line)
	}
	fields := strings.Fields(c.text.String())
	if len(fields) < minPoints {
		return nil, fmt.Errorf("%s (line %d) has %d positions, needs at least %d", n.name, n.line, len(fields), minPoints)
	}
	pts := make([]orb.Point, 0, len(fields))
	for i, f := range fields {
		parts := strings.Split(f, ",")
		if len(parts) != 2 && len(parts) != 3 {
			return nil, fmt.Errorf("coordinates (line %d) position %d %q is not lon,lat[,alt]", c.line, i+1, clip(f, 40))
		}
		var v [3]float64
		for j, p := range parts {
			x, err := strconv.ParseFloat(p, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("coordinates (line %d) position %d %q: %q is not a number", c.line, i+1, clip(f, 40), clip(p, 20))
			}
			v[j] = x
		}
		if v[0] < -180 || v[0] > 180 || v[1] < -90 || v[1] > 90 {
			return nil, fmt.Errorf("coordinates (line %d) position %d (%g, %g) is out of range for lon,lat", c.line, i+1, v[0], v[1])
		}
		pts = append(pts, orb.Point{v[0], v[1]})
	}
	return pts, nil
}

// ParseKMLLayer reads a KML document into a layer: every Placemark's lines and
// polygons become features (with the Placemark's name and description as
// properties); points are dropped, as layers hold lines and areas.
func ParseKMLLayer(data []byte, id, name string, kind LayerKind) (*Layer, error) {
	if !ValidLayerKind(kind) {
		return nil, fmt.Errorf("layer %q: unknown kind %q", name, kind)
	}
	pms, err := ReadKML(data)
	if err != nil {
		return nil, fmt.Errorf("layer %q: %w", name, err)
	}
	fc := geojson.NewFeatureCollection()
	for _, pm := range pms {
		for _, g := range flattenCollection(pm.Geometry) {
			switch g.(type) {
			case orb.LineString, orb.Polygon:
				f := geojson.NewFeature(g)
				f.Properties["name"] = pm.Name
				if pm.Description != "" {
					f.Properties["description"] = pm.Description
				}
				fc.Append(f)
			}
		}
	}
	return newLayer(fc, id, name, kind)
}

func flattenCollection(g orb.Geometry) []orb.Geometry {
	col, ok := g.(orb.Collection)
	if !ok {
		return []orb.Geometry{g}
	}
	var out []orb.Geometry
	for _, c := range col {
		out = append(out, flattenCollection(c)...)
	}
	return out
}
