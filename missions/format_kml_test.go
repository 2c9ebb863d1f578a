package missions

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
)

func TestReadPlanKML_SharedFiles(t *testing.T) {
	dir := filepath.Join(testenv.SharedData(t), "kml", "mavlink_qgroundcontrol")
	cases := []struct {
		file     string
		vertices int    // of the one inclusion polygon, when good
		want     string // error text, when refused
	}{
		{file: "PolygonGood.kml", vertices: 4},
		{file: "PolygonAreaTest.kml", vertices: 4},
		{file: "polygon.kml", vertices: 4},
		{file: "polyline.kml", want: "KML: no Polygon to make a fence from"},
		{file: "PolygonBadXml.kml", want: "not well-formed XML"},
		{file: "PolygonBadCoordinatesNode.kml", want: "not well-formed XML"},
		{file: "PolygonMissingNode.kml", want: "has no Point, LineString, Polygon or MultiGeometry"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := ReadPlanData(data, "")
			if c.want != "" {
				if err == nil || !errors.Is(err, ErrBadPlanFile) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("error %v, want one containing %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Fence.Polygons) != 1 || !p.Fence.Polygons[0].Inclusion || len(p.Fence.Polygons[0].Vertices) != c.vertices {
				t.Fatalf("fence: %+v", p.Fence)
			}
			if probs := Validate(p, Limits{}); probs.Err() != nil {
				t.Fatalf("an imported fence polygon should be valid: %v", probs.Err())
			}
			roundTrips(t, p)
		})
	}
}

func TestReadPlanKML_ExclusionByName(t *testing.T) {
	doc := `<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Patrol area</name><Polygon><outerBoundaryIs><LinearRing><coordinates>8.0,47.0 8.1,47.0 8.1,47.1 8.0,47.0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>Airport NO-FLY zone</name><Polygon><outerBoundaryIs><LinearRing><coordinates>8.05,47.01 8.06,47.01 8.06,47.02 8.05,47.01</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>Road</name><LineString><coordinates>8.0,47.0 8.1,47.1</coordinates></LineString></Placemark>
</Document></kml>`
	p, err := ReadPlanKML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Fence.Polygons) != 2 || !p.Fence.Polygons[0].Inclusion || p.Fence.Polygons[1].Inclusion || len(p.Fence.Polygons[0].Vertices) != 3 {
		t.Fatalf("fence: %+v", p.Fence)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "1 placemark(s)") {
		t.Fatalf("notes: %q", p.Notes)
	}
}
