package missions

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// Format names a plan file format.
type Format string

// The plan file formats.
const (
	FormatQGC       Format = "plan"       // QGroundControl .plan (JSON)
	FormatWPL       Format = "wpl"        // QGC WPL 110 text (one list per file)
	FormatFenceList Format = "fence-list" // legacy ArduPilot/MAVProxy fence list
	FormatRallyList Format = "rally-list" // legacy MAVProxy RALLY list
	FormatGeoJSON   Format = "geojson"    // GeoJSON FeatureCollection (Borderwatch's plan export)
	FormatKML       Format = "kml"        // KML (export; import reads polygons as a fence)
)

// Formats lists every format, for help texts.
var Formats = []Format{FormatQGC, FormatWPL, FormatFenceList, FormatRallyList, FormatGeoJSON, FormatKML}

// ParseFormat checks a format name given by a user.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w %q: want one of %s", ErrUnknownFormat, s, formatList())
}

func formatList() string {
	s := make([]string, len(Formats))
	for i, f := range Formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// FormatForName picks the format a file name's extension names: .plan,
// .waypoints/.txt (QGC WPL), .fence, .rally, .geojson/.json, .kml.
func FormatForName(name string) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".plan":
		return FormatQGC, nil
	case ".waypoints", ".txt":
		return FormatWPL, nil
	case ".fence":
		return FormatFenceList, nil
	case ".rally":
		return FormatRallyList, nil
	case ".geojson", ".json":
		return FormatGeoJSON, nil
	case ".kml":
		return FormatKML, nil
	}
	return "", fmt.Errorf("%w: cannot tell the format of %q from its extension (.plan, .waypoints, .txt, .fence, .rally, .geojson, .kml); name it with --format", ErrUnknownFormat, filepath.Base(name))
}

// DetectFormat tells a plan file's format from its content: JSON with
// "fileType" is a .plan, other JSON GeoJSON, XML KML, a "QGC WPL" header a
// waypoint file, RALLY lines a rally list, and lines of two numbers a
// legacy fence list.
func DetectFormat(data []byte) (Format, error) {
	s := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(s) == 0:
		return "", fmt.Errorf("%w: the file is empty", ErrUnknownFormat)
	case s[0] == '{':
		if !bytes.Contains(s, []byte(`"fileType"`)) && bytes.Contains(s, []byte(`"Feature`)) {
			return FormatGeoJSON, nil
		}
		return FormatQGC, nil
	case s[0] == '<' || bytes.Contains(s[:min(len(s), 4096)], []byte("<kml")):
		// A KML file with junk before its XML is still meant as KML: let
		// the KML reader say what is wrong with it.
		return FormatKML, nil
	}
	for line := range strings.Lines(string(s)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "QGC WPL"):
			return FormatWPL, nil
		case f[0] == "RALLY":
			return FormatRallyList, nil
		case len(f) == 2:
			return FormatFenceList, nil
		}
		return "", fmt.Errorf("%w: the first line %q is no plan format's (a .plan, \"QGC WPL 110\", a RALLY list, a fence list of \"lat lon\" lines, GeoJSON or KML)", ErrUnknownFormat, quoteClip(line))
	}
	return "", fmt.Errorf("%w: the file holds only comments", ErrUnknownFormat)
}

// ReadPlanData reads a plan file in format f, or in the format its content
// shows when f is "".
func ReadPlanData(data []byte, f Format) (*Plan, error) {
	if f == "" {
		var err error
		if f, err = DetectFormat(data); err != nil {
			return nil, err
		}
	}
	switch f {
	case FormatQGC:
		return ReadQGCPlan(data)
	case FormatWPL:
		return ReadWPL(data, WPLHomeAuto)
	case FormatFenceList:
		return ReadFenceList(data)
	case FormatRallyList:
		return ReadRallyList(data)
	case FormatGeoJSON:
		return ReadPlanGeoJSON(data)
	case FormatKML:
		return ReadPlanKML(data)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownFormat, f)
}

// WritePlanData writes the plan in format f. Formats that hold one list
// (QGC WPL) write the mission; use WriteWPL for the fence and rally lists.
func WritePlanData(p *Plan, f Format) ([]byte, error) {
	switch f {
	case FormatQGC:
		return WriteQGCPlan(p)
	case FormatWPL:
		return WriteWPL(p, TypeMission)
	case FormatFenceList:
		return WriteFenceList(p)
	case FormatRallyList:
		return WriteRallyList(p)
	case FormatGeoJSON:
		return WritePlanGeoJSON(p)
	case FormatKML:
		return WritePlanKML(p)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownFormat, f)
}

// Merge adds other's fence and rally points to p's (for a mission, fence and
// rally read from separate files), refusing a second fence return point.
func (p *Plan) Merge(other *Plan) error {
	if len(other.Mission) > 0 && len(p.Mission) > 0 {
		return fmt.Errorf("both files hold a mission (%d and %d items); a plan holds one", len(p.Mission), len(other.Mission))
	}
	if len(p.Mission) == 0 {
		p.Mission = other.Mission
	}
	if p.Home == nil {
		p.Home = other.Home
	}
	if other.Fence.Return != nil {
		if p.Fence.Return != nil {
			return fmt.Errorf("both files hold a fence return point; a fence has one")
		}
		p.Fence.Return = other.Fence.Return
	}
	p.Fence.Polygons = append(p.Fence.Polygons, other.Fence.Polygons...)
	p.Fence.Circles = append(p.Fence.Circles, other.Fence.Circles...)
	p.Rally = append(p.Rally, other.Rally...)
	p.Notes = append(p.Notes, other.Notes...)
	return nil
}
