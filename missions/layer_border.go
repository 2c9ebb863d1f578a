package missions

import (
	"fmt"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// BorderLines returns a border layer's lines and, when country is not empty,
// the side of them that country is on, read from the Natural Earth
// adm0_left/adm0_right (or adm0_a3_l/adm0_a3_r) properties. Features that
// have the country on the other side (Andorra is left of its line with
// France and right of its line with Spain) are returned reversed, so the
// country is on one side of every line.
func BorderLines(l *Layer, country string) ([][]orb.Point, geo.Side, error) {
	var lines [][]orb.Point
	side := geo.OnLine
	for i, f := range l.Features.Features {
		var parts []orb.LineString
		switch g := f.Geometry.(type) {
		case orb.LineString:
			parts = []orb.LineString{g}
		case orb.MultiLineString:
			parts = g
		default:
			continue
		}
		if country == "" {
			for _, p := range parts {
				lines = append(lines, p)
			}
			continue
		}
		s := geo.OnLine
		for _, k := range [][2]string{{"adm0_left", "adm0_right"}, {"adm0_a3_l", "adm0_a3_r"}} {
			if v, _ := f.Properties[k[0]].(string); v == country {
				s = geo.Left
			} else if v, _ := f.Properties[k[1]].(string); v == country {
				s = geo.Right
			}
		}
		if s == geo.OnLine {
			return nil, 0, fmt.Errorf("layer %q: feature %d does not name %q on either side (adm0_left/adm0_right); give the side as left or right", l.Name, i+1, country)
		}
		if side == geo.OnLine {
			side = s
		}
		for _, p := range parts {
			if s != side {
				r := p.Clone()
				r.Reverse()
				p = r
			}
			lines = append(lines, p)
		}
	}
	if len(lines) == 0 {
		return nil, 0, fmt.Errorf("layer %q: %w", l.Name, ErrEmptyLayer)
	}
	return lines, side, nil
}
