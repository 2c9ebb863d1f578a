package basemap

import (
	"testing"

	"github.com/paulmach/orb"
)

// A quantized topology in the shape world-atlas ships: two polygons
// sharing an arc (one uses it reversed), delta-encoded.
const topoSample = `{"type":"Topology",
 "transform":{"scale":[0.5,0.25],"translate":[-10,20]},
 "objects":{"countries":{"type":"GeometryCollection","geometries":[
   {"type":"Polygon","arcs":[[0,1]],"properties":{"name":"West"}},
   {"type":"Polygon","arcs":[[-1,2]],"properties":{"name":"East"}},
   {"type":null}
 ]}},
 "arcs":[[[4,0],[0,8]],[[4,8],[-4,0],[0,-8],[4,0]],[[4,0],[4,0],[0,8],[-4,0]]]}`

func TestParseTopoJSON_SharedArcsDecoded(t *testing.T) {
	fc, err := ParseTopoJSON([]byte(topoSample), "countries")
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 2 {
		t.Fatalf("%d features", len(fc.Features))
	}
	west := fc.Features[0].Geometry.(orb.Polygon)
	want := orb.Ring{{-8, 20}, {-8, 22}, {-10, 22}, {-10, 20}, {-8, 20}}
	if !orb.Equal(west[0], want) {
		t.Errorf("west ring %v, want %v", west[0], want)
	}
	east := fc.Features[1].Geometry.(orb.Polygon)
	wantE := orb.Ring{{-8, 22}, {-8, 20}, {-6, 20}, {-6, 22}, {-8, 22}}
	if !orb.Equal(east[0], wantE) {
		t.Errorf("east ring %v, want %v", east[0], wantE)
	}
	if fc.Features[1].Properties["name"] != "East" {
		t.Errorf("properties %v", fc.Features[1].Properties)
	}
}

func TestParseTopoJSON_RefusesBadInput(t *testing.T) {
	for name, in := range map[string]string{
		"not topology": `{"type":"FeatureCollection"}`,
		"no object":    `{"type":"Topology","objects":{},"arcs":[]}`,
		"bad arc":      `{"type":"Topology","objects":{"countries":{"type":"LineString","arcs":[5]}},"arcs":[]}`,
		"short ring":   `{"type":"Topology","objects":{"countries":{"type":"Polygon","arcs":[[0]]}},"arcs":[[[0,0],[1,1]]]}`,
		"out of range": `{"type":"Topology","objects":{"countries":{"type":"LineString","arcs":[0]}},"arcs":[[[0,0],[500,1]]]}`,
		"bad type":     `{"type":"Topology","objects":{"countries":{"type":"Sphere"}},"arcs":[]}`,
	} {
		if _, err := ParseTopoJSON([]byte(in), "countries"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParseTopoJSON: any input is refused with an error or gives features
// whose every coordinate is a [lon, lat] in range.
func FuzzParseTopoJSON(f *testing.F) {
	f.Add([]byte(topoSample))
	f.Add([]byte(`{"type":"Topology","objects":{"countries":{"type":"Point","coordinates":[1,2]}},"arcs":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fc, err := ParseTopoJSON(data, "countries")
		if err != nil {
			return
		}
		for _, ft := range fc.Features {
			if err := checkGeometry(ft.Geometry); err != nil {
				t.Fatalf("accepted a bad geometry: %v", err)
			}
		}
	})
}

// FuzzParseLayer: the same property for GeoJSON and KML layers.
func FuzzParseLayer(f *testing.F) {
	f.Add([]byte(`{"type":"Point","coordinates":[-110,31]}`))
	f.Add([]byte(`<kml><Placemark><Point><coordinates>-110,31</coordinates></Point></Placemark></kml>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLayer(KindRoads, "fuzz", data)
		if err != nil {
			return
		}
		if len(l.Features.Features) == 0 {
			t.Fatal("accepted a layer without features")
		}
		for _, ft := range l.Features.Features {
			if err := checkGeometry(ft.Geometry); err != nil {
				t.Fatalf("accepted a bad geometry: %v", err)
			}
		}
	})
}
