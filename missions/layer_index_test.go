package missions

import (
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

func loadNE10m(t testing.TB) *Layer {
	t.Helper()
	data := readSharedTB(t, "borders/natural_earth/ne_10m_admin_0_boundary_lines_land.json")
	l, err := ParseGeoJSONLayer(data, "ne10m", "Natural Earth 1:10m land borders", LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The whole Natural Earth 1:10m file loads, is indexed, and answers "which
// border segments are near here" with distances and sides that match the
// facts SOURCES.md checked (El Paso is ~150 m north of the line, in the USA).
func TestBorderIndex_Near_NaturalEarth10m(t *testing.T) {
	l := loadNE10m(t)
	if n := len(l.Features.Features); n != 462 {
		t.Fatalf("%d features, want 462", n)
	}
	ix, err := NewBorderIndex(l)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Segments() < 50_000 {
		t.Fatalf("only %d segments indexed", ix.Segments())
	}
	elPaso := orb.Point{-106.49, 31.76}
	near := ix.Near(elPaso, 1_000)
	if len(near) == 0 {
		t.Fatal("no border segment within 1 km of El Paso")
	}
	n0 := near[0]
	if n0.DistM < 50 || n0.DistM > 400 {
		t.Errorf("El Paso is %.0f m from the line, want about 150 m", n0.DistM)
	}
	if n0.Country != "United States of America" || n0.Side != geo.Right {
		t.Errorf("El Paso is on the %v side (%q), want the USA (right)", n0.Side, n0.Country)
	}
	for _, s := range near {
		if s.DistM > 1_000 || s.DistM < n0.DistM {
			t.Fatalf("segment at %.0f m in a 1 km query sorted after %.0f m", s.DistM, n0.DistM)
		}
		// Cross-check the distance with a geodesic to the reported closest point.
		if d := geo.Distance(elPaso, s.Closest); d-s.DistM > 0.5 || s.DistM-d > 0.5 {
			t.Fatalf("distance %.2f m but the closest point is %.2f m away", s.DistM, d)
		}
	}
	// Finland side of the Finland–Russia line near Imatra.
	if s, ok := ix.Nearest(orb.Point{28.70, 61.17}, 50_000); !ok || s.Country != "Finland" {
		t.Errorf("Imatra: %+v %v, want the Finnish side", s, ok)
	}
	if s, ok := ix.Nearest(orb.Point{29.3, 61.17}, 50_000); !ok || s.Country != "Russia" {
		t.Errorf("Svetogorsk side: %+v %v, want the Russian side", s, ok)
	}
	if got := ix.Near(orb.Point{-30, 40}, 100_000); len(got) != 0 {
		t.Errorf("mid-Atlantic: %d segments within 100 km", len(got))
	}
}

func TestNewBorderIndex_NoLines(t *testing.T) {
	l, err := ParseGeoJSONLayer([]byte(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`), "p", "poly", LayerNoFly)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewBorderIndex(l); err == nil || !strings.Contains(err.Error(), "no LineString") {
		t.Fatalf("polygons only: %v", err)
	}
}

func BenchmarkBorderIndex_Near(b *testing.B) {
	ix, err := NewBorderIndex(loadNE10m(b))
	if err != nil {
		b.Fatal(err)
	}
	pts := []orb.Point{{-106.49, 31.76}, {28.7, 61.17}, {8.5, 46.3}, {-30, 40}}
	for i := 0; b.Loop(); i++ {
		ix.Near(pts[i%len(pts)], 5_000)
	}
}

// Andorra is left of its line with France and right of its line with
// Spain: BorderLines turns the lines so that it is on one side of both.
func TestBorderLines_CountryOnOneSide(t *testing.T) {
	data := readShared(t, "borders/extracts/andorra_france_spain_border_lines_ne10m.geojson")
	l, err := ParseGeoJSONLayer(data, "a", "Andorra", LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	lines, side, err := BorderLines(l, "Andorra")
	if err != nil {
		t.Fatal(err)
	}
	// Andorra la Vella is inside Andorra: it must be on that side of the
	// nearest line.
	if loc := geo.LineSide(lines, orb.Point{1.5218, 42.5063}); loc.Side != side {
		t.Fatalf("Andorra la Vella is on the %v side, Andorra is %v", loc.Side, side)
	}
	if _, _, err := BorderLines(l, "Portugal"); err == nil || !strings.Contains(err.Error(), `does not name "Portugal"`) {
		t.Fatalf("Portugal: %v", err)
	}
}
