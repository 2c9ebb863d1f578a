package basemap

import (
	"testing"

	"github.com/paulmach/orb"
)

// A Fiji-like ring crossing the antimeridian becomes two pieces, one each
// side, neither with an edge across the map; a polar ring stays as it is.
func TestSplitAntimeridian_CutsCrossingRings(t *testing.T) {
	fiji := orb.Polygon{{{179, -16}, {-179, -16}, {-179, -17}, {179, -17}, {179, -16}}}
	got, ok := splitAntimeridian(fiji).(orb.MultiPolygon)
	if !ok || len(got) != 2 {
		t.Fatalf("got %v", splitAntimeridian(fiji))
	}
	for _, p := range got {
		b := p.Bound()
		if b.Max[0]-b.Min[0] > 2 {
			t.Errorf("piece %v spans %v° of longitude", p, b.Max[0]-b.Min[0])
		}
	}
	polar := orb.Polygon{{{-180, -80}, {0, -80}, {179, -80}, {-180, -80}}}
	if g := splitAntimeridian(polar); !orb.Equal(g, polar) {
		t.Errorf("polar ring changed: %v", g)
	}
}
