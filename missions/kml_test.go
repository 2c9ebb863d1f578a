package missions

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/paulmach/orb"
)

func readShared(t *testing.T, rel string) []byte { return readSharedTB(t, rel) }

func readSharedTB(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.SharedData(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestReadKML_SharedGoodFiles(t *testing.T) {
	cases := []struct {
		file   string
		kind   string
		points int
		near   orb.Point
	}{
		{"PolygonGood.kml", "Polygon", 5, orb.Point{-122.1, 47.6}},
		{"PolygonAreaTest.kml", "Polygon", 5, orb.Point{-122.1, 47.6}},
		{"polygon.kml", "Polygon", 5, orb.Point{-121.5, 37.5}},
		{"polyline.kml", "LineString", 9, orb.Point{11.326, 46.474}},
	}
	for _, c := range cases {
		pms, err := ReadKML(readShared(t, "kml/mavlink_qgroundcontrol/"+c.file))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if len(pms) != 1 || pms[0].Geometry.GeoJSONType() != c.kind {
			t.Fatalf("%s: want one %s, got %+v", c.file, c.kind, pms)
		}
		var n int
		switch g := pms[0].Geometry.(type) {
		case orb.Polygon:
			n = len(g[0])
		case orb.LineString:
			n = len(g)
		}
		if n != c.points {
			t.Errorf("%s: %d points, want %d", c.file, n, c.points)
		}
		b := pms[0].Geometry.Bound()
		if c0 := b.Center(); math.Hypot(c0[0]-c.near[0], c0[1]-c.near[1]) > 1.5 {
			t.Errorf("%s: geometry at %v, want near %v (lon/lat swapped?)", c.file, b.Center(), c.near)
		}
	}
}

func TestReadKML_SharedMalformedFilesRefusedWithReason(t *testing.T) {
	cases := map[string]string{
		"PolygonBadXml.kml":             "not well-formed XML",
		"PolygonBadCoordinatesNode.kml": "not well-formed XML",
		"PolygonMissingNode.kml":        `Placemark 1 "Untitled Polygon" (line 33) has no Point, LineString, Polygon or MultiGeometry`,
	}
	for file, want := range cases {
		_, err := ReadKML(readShared(t, "kml/mavlink_qgroundcontrol/"+file))
		if err == nil {
			t.Errorf("%s: accepted", file)
		} else if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q does not say %q", file, err, want)
		}
	}
}

func TestReadKML_RefusesBadStructure(t *testing.T) {
	wrap := func(pm string) string {
		return `<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>x</name>` + pm + `</Placemark></Document></kml>`
	}
	cases := map[string]string{
		// PolygonBadCoordinatesNode.kml without its non-XML first line: the
		// structural fault QGC's test file was written for.
		wrap(`<Polygon><outerBoundaryIs><coordinates>1,2 3,4 5,6 1,2</coordinates></outerBoundaryIs></Polygon>`): "outerBoundaryIs has no LinearRing",
		wrap(`<LineString><coordinates>1,2</coordinates></LineString>`):                                          "has 1 positions, needs at least 2",
		wrap(`<LineString><coordinates>1,2 3;4</coordinates></LineString>`):                                      `"3;4" is not lon,lat`,
		wrap(`<LineString><coordinates>1,2 3,x</coordinates></LineString>`):                                      `"x" is not a number`,
		wrap(`<LineString><coordinates>1,2 200,4</coordinates></LineString>`):                                    "out of range",
		wrap(`<Polygon></Polygon>`): "has no outerBoundaryIs",
		wrap(`<Point><coordinates>1,2</coordinates></Point><Point><coordinates>1,2</coordinates></Point>`): "KML allows one",
		`<gpx></gpx>`:                      "root element is <gpx>",
		`<kml><Document></Document></kml>`: "no Placemark",
		``:                                 "no <kml> element",
		`<kml><Placemark>`:                 "not well-formed XML",
	}
	for in, want := range cases {
		_, err := ReadKML([]byte(in))
		if err == nil {
			t.Errorf("accepted %q", in)
		} else if !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %q does not say %q", in, err, want)
		}
	}
}

func TestParseLayer_KMLAndGeoJSON(t *testing.T) {
	l, err := ParseLayer(readShared(t, "kml/mavlink_qgroundcontrol/PolygonGood.kml"), "k", "kml no-fly", LayerNoFly)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Features.Features) != 1 || l.Features.Features[0].Properties["name"] != "Untitled Polygon" {
		t.Fatalf("KML layer: %+v", l.Features.Features[0])
	}
	if _, err := ParseLayer(readShared(t, "kml/mavlink_qgroundcontrol/polyline.kml"), "k", "kml border", LayerBorder); err != nil {
		t.Fatal(err)
	}
	// A polygon is not a border, a line is not a no-fly zone.
	if _, err := ParseLayer(readShared(t, "kml/mavlink_qgroundcontrol/PolygonGood.kml"), "k", "wrong", LayerBorder); err == nil || !strings.Contains(err.Error(), "holds lines, not a Polygon") {
		t.Fatalf("polygon as border: %v", err)
	}
	if _, err := ParseLayer(readShared(t, "kml/mavlink_qgroundcontrol/polyline.kml"), "k", "wrong", LayerNoFly); err == nil || !strings.Contains(err.Error(), "holds polygons") {
		t.Fatalf("line as no-fly: %v", err)
	}
	if _, err := ParseLayer([]byte("\ufeff{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4]]}"), "k", "bom", LayerBorder); err != nil {
		t.Fatalf("GeoJSON after a byte-order mark: %v", err)
	}
	if _, err := ParseLayer([]byte("  \n"), "k", "blank", LayerBorder); err == nil {
		t.Fatal("blank accepted")
	}
	if _, err := ParseLayer([]byte("QGC WPL 110"), "k", "wpl", LayerBorder); err == nil || !strings.Contains(err.Error(), "neither GeoJSON") {
		t.Fatalf("WPL as layer: %v", err)
	}
}

func FuzzReadKML(f *testing.F) {
	dir := filepath.Join("..", "..", "shared", "data", "kml", "mavlink_qgroundcontrol")
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if data, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(`<kml><Placemark><MultiGeometry><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1</coordinates></LinearRing></outerBoundaryIs><innerBoundaryIs><LinearRing><coordinates>0.1,0.1 0.2,0.1 0.2,0.2</coordinates></LinearRing></innerBoundaryIs></Polygon><LineString><coordinates>0,0,5 1,1,5</coordinates></LineString></MultiGeometry></Placemark></kml>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pms, err := ReadKML(data)
		if err != nil {
			return
		}
		for _, pm := range pms {
			if pm.Geometry == nil {
				t.Fatal("placemark accepted without geometry")
			}
		}
		if l, err := ParseKMLLayer(data, "f", "fuzz", LayerUnclassified); err == nil {
			if err := checkCoords(l.Features.Features[0].Geometry); err != nil {
				t.Fatalf("accepted out-of-range coordinates: %v", err)
			}
		}
	})
}

// FuzzParseLayer is the HTTP import's path: either format, any kind.
func FuzzParseLayer(f *testing.F) {
	f.Add([]byte(`{"type":"LineString","coordinates":[[-110.9,31.3],[-111.0,31.3]]}`), uint8(0))
	f.Add([]byte(`<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>`), uint8(2))
	f.Add([]byte("\ufeff  {\"type\":\"FeatureCollection\",\"features\":[]}"), uint8(4))
	kinds := []LayerKind{LayerBorder, LayerOwnTerritory, LayerNoFly, LayerPatrolSector, LayerUnclassified}
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := kinds[int(k)%len(kinds)]
		l, err := ParseLayer(data, "f", "fuzz", kind)
		if err != nil {
			return
		}
		if len(l.Features.Features) == 0 {
			t.Fatal("accepted a layer with no features")
		}
		for _, ft := range l.Features.Features {
			if err := checkKindShape(kind, ft.Geometry); err != nil {
				t.Fatalf("accepted a feature of the wrong shape: %v", err)
			}
		}
		_ = l.Bound()
	})
}
