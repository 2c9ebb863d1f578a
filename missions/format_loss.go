package missions

import (
	"fmt"
	"math"
)

// LostInFormat says, one sentence each, what of p a file in format f cannot
// hold, so that a conversion or an export never drops data silently: the
// CLI prints these on stderr and the API returns them with the file.
// A format that holds everything (a .plan, GeoJSON) returns nothing.
func LostInFormat(p *Plan, f Format) []string {
	var out []string
	vehicle := p.Vehicle != (Vehicle{})
	meta := p.Meta.Name != "" || p.Meta.Author != "" || p.Meta.Comment != "" || p.Meta.Revision != 0 || !p.Meta.CreatedAt.IsZero()
	unknownHomeAlt := p.Home != nil && math.IsNaN(p.Home.AltM)
	switch f {
	case FormatQGC, FormatGeoJSON:
		return nil
	case FormatKML:
		if vehicle {
			out = append(out, "the firmware type, vehicle type and cruise/hover speeds are not written: KML has no place for them (a .plan or GeoJSON keeps them)")
		}
		if meta {
			out = append(out, "the plan's author, revision and comment are not written, and its name only as the document title")
		}
	case FormatWPL:
		if vehicle {
			out = append(out, "the firmware type, vehicle type and cruise/hover speeds are not written: QGC WPL 110 holds only items")
		}
		if meta {
			out = append(out, "the plan's name, author, revision and comment are not written: QGC WPL 110 holds only items")
		}
		if unknownHomeAlt {
			out = append(out, "the home altitude is unknown (null) and QGC WPL 110 writes it as 0")
		}
	case FormatFenceList:
		if len(p.Mission) > 0 || len(p.Rally) > 0 || p.Home != nil {
			out = append(out, fmt.Sprintf("the mission (%d items), home and rally points (%d) are not written: a fence list holds only a fence", len(p.Mission), len(p.Rally)))
		}
		if r := p.Fence.Return; r != nil && r.AltM != 0 && !math.IsNaN(r.AltM) {
			out = append(out, "the fence return point's altitude is not written: a fence list holds latitude and longitude only")
		}
	case FormatRallyList:
		if len(p.Mission) > 0 || !p.Fence.IsEmpty() || p.Home != nil {
			out = append(out, fmt.Sprintf("the mission (%d items), home and the fence are not written: a RALLY list holds only rally points", len(p.Mission)))
		}
	}
	if (f == FormatFenceList || f == FormatRallyList) && (vehicle || meta) {
		out = append(out, "the plan's vehicle and name are not written: the legacy lists hold only positions")
	}
	return out
}
