package missions

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/missions/demodata"
)

// The territory layer decides our side: a plan whose home was placed across
// the border is flagged at its home, and its legs on our side are not (with
// our side taken from the plan's own home, every leg looked across).
func TestValidateGeo_OurSideFromTerritory_HomeAcrossIsTheError(t *testing.T) {
	border, err := ParseGeoJSONLayer(demodata.NogalesBorder, "b", "border", LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	territory, err := ParseGeoJSONLayer(demodata.NogalesTerritory, "t", "territory", LayerOwnTerritory)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := NewBorderIndex(border)
	if err != nil {
		t.Fatal(err)
	}
	ours := ix.OurSide([]*Layer{territory})
	if ours == "" {
		t.Fatal("the demo territory gave no side")
	}
	north, _ := ix.SideOf(orb.Point{-110.95, 31.40})
	south, _ := ix.SideOf(orb.Point{-110.95, 31.25})
	if ours != north || ours == south {
		t.Fatalf("our side %q; north of the line is %q, south %q", ours, north, south)
	}
	if got := ix.OurSide(nil); got != "" {
		t.Fatalf("no territory layer gave side %q", got)
	}

	p := &Plan{Home: &Position{Lat: 31.25, Lon: -110.95}}
	for _, q := range [][2]float64{{31.38, -110.96}, {31.39, -110.94}} {
		p.Mission = append(p.Mission, Item{Command: 16, Frame: 3, Params: [7]float64{0, 0, 0, 0, q[0], q[1], 60}})
	}
	probs := ValidateGeo(p, GeoRules{Border: ix, OurSide: ours})
	var home, legs int
	for _, pr := range probs {
		if strings.Contains(pr.Message, "home") && strings.Contains(pr.Message, "across the border") {
			home++
		}
		if strings.Contains(pr.Message, "mission item") && strings.Contains(pr.Message, "is across the border") {
			legs++
		}
	}
	if home != 1 || legs != 0 {
		t.Fatalf("home across flagged %d times, items across %d times; want 1 and 0: %v", home, legs, probs)
	}
	// Without our side the plan's home decides, and the items look across:
	// the reason the server passes the territory's side.
	legs = 0
	for _, pr := range ValidateGeo(p, GeoRules{Border: ix}) {
		if strings.Contains(pr.Message, "mission item") && strings.Contains(pr.Message, "is across the border") {
			legs++
		}
	}
	if legs != 2 {
		t.Fatalf("without our side, %d items across; want 2 (home's side taken as ours)", legs)
	}
}
