package missions

import (
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/missions/demodata"
)

func TestParseGeoJSONLayer_DemoLayers(t *testing.T) {
	l, err := ParseGeoJSONLayer(demodata.NogalesBorder, "b", "border", LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Features.Features) != 1 || l.Features.Features[0].Geometry.GeoJSONType() != "LineString" {
		t.Fatalf("border layer: %+v", l.Features)
	}
	if b := l.Bound(); b.Min[1] < 31.33 || b.Max[1] > 31.44 {
		t.Fatalf("border bbox %v is not at Nogales", b)
	}
	if _, err := ParseGeoJSONLayer(demodata.NogalesTerritory, "t", "territory", LayerOwnTerritory); err != nil {
		t.Fatal(err)
	}
}

func TestParseGeoJSONLayer_RefusesBadInput(t *testing.T) {
	cases := map[string]string{
		"not JSON":         `{"type":`,
		"no type":          `{"features":[]}`,
		"no line/polygon":  `{"type":"Point","coordinates":[1,2]}`,
		"lat/lon swapped":  `{"type":"LineString","coordinates":[[31.3,-110.9],[31.3,-111.0]]}`,
		"one-point line":   `{"type":"LineString","coordinates":[[-110.9,31.3]]}`,
		"feature no geom":  `{"type":"Feature","properties":{}}`,
		"empty collection": `{"type":"FeatureCollection","features":[]}`,
	}
	for name, in := range cases {
		if _, err := ParseGeoJSONLayer([]byte(in), "x", name, LayerBorder); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error does not name the layer: %v", name, err)
		}
	}
	if _, err := ParseGeoJSONLayer(demodata.NogalesBorder, "x", "k", LayerKind("moat")); err == nil {
		t.Error("unknown kind accepted")
	}
}

func FuzzParseGeoJSONLayer(f *testing.F) {
	f.Add(demodata.NogalesBorder)
	f.Add(demodata.NogalesTerritory)
	f.Add([]byte(`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseGeoJSONLayer(data, "f", "fuzz", LayerBorder)
		if err == nil && len(l.Features.Features) == 0 {
			t.Fatal("accepted a layer with no features")
		}
	})
}

// A null in a position was read as 0: a border vertex on the equator
// (issue 12). Both readers refuse it now.
func TestParseLayer_NullCoordinate_Refused(t *testing.T) {
	for _, doc := range []string{
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,"geometry":{"type":"LineString","coordinates":[[-110.9,31.3],[null,31.4]]}}]}`,
		`{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[-110.9,31.3],[-110.8,null]]}}`,
		`{"type":"LineString","coordinates":[[-110.9,31.3],null]}`,
	} {
		_, err := ParseLayer([]byte(doc), "b", "border", LayerBorder)
		if err == nil || !strings.Contains(err.Error(), "null") {
			t.Errorf("%s: err %v, want a refusal naming the null", doc, err)
		}
	}
	// A null property is fine.
	ok := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":null},"geometry":{"type":"LineString","coordinates":[[-110.9,31.3],[-110.8,31.4]]}}]}`
	if _, err := ParseLayer([]byte(ok), "b", "border", LayerBorder); err != nil {
		t.Errorf("null property refused: %v", err)
	}
}

func TestReadPlanGeoJSON_NullCoordinate_Refused(t *testing.T) {
	for _, doc := range []string{
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kind":"fence_polygon"},"geometry":{"type":"Polygon","coordinates":[[[null,31.3],[-110.8,31.3],[-110.8,31.4],[-110.9,31.4]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kind":"rally_point"},"geometry":{"type":"Point","coordinates":[-110.9,null]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kind":"home"},"geometry":{"type":"Point","coordinates":[null,31.3]}}]}`,
	} {
		_, err := ReadPlanGeoJSON([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), "null") {
			t.Errorf("%s: err %v, want a refusal naming the null", doc, err)
		}
	}
}
