package missions

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// The text lists ArduPilot used before fences and rally points travelled in
// the mission protocol, still written by MAVProxy ("fence save", "rally
// save") and found in ArduPilot's autotest:
//
//	fence list: "lat lon" per line; line 1 is the return point, the others
//	            one inclusion polygon whose last vertex repeats the first.
//	rally list: "RALLY lat lon alt break_alt land_dir flags" per line.
//
// Values are separated by tabs or spaces; empty lines and '#' comments are
// skipped.

// legacyMaxLines bounds the lists; ArduPilot's legacy fence held at most 84
// points and its rally list 10 or so.
const legacyMaxLines = 10000

// ReadFenceList reads a legacy fence list into a plan holding only a fence:
// the return point and one inclusion polygon.
func ReadFenceList(data []byte) (*Plan, error) {
	var pts []Position
	err := eachLegacyLine(data, func(lineNo int, f []string) error {
		if len(f) != 2 {
			return fmt.Errorf("%d values, want \"lat lon\"", len(f))
		}
		pos, err := parseLatLon(f[0], f[1])
		if err != nil {
			return err
		}
		pts = append(pts, pos)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: fence list: %w", ErrBadPlanFile, err)
	}
	verts := pts[min(1, len(pts)):]
	if len(verts) > 1 && verts[0] == verts[len(verts)-1] {
		verts = verts[:len(verts)-1]
	}
	if len(verts) < 3 {
		return nil, planErr("fence list: %d polygon vertices after the return point (line 1); a fence polygon needs at least 3", len(verts))
	}
	ret := pts[0]
	p := &Plan{Fence: Fence{Return: &ret}}
	poly := FencePolygon{Inclusion: true, Vertices: make([]orb.Point, len(verts))}
	for i, v := range verts {
		poly.Vertices[i] = orb.Point{v.Lon, v.Lat}
	}
	p.Fence.Polygons = []FencePolygon{poly}
	return p, nil
}

// WriteFenceList writes the plan's fence as a legacy fence list. The list
// holds exactly one inclusion polygon and a return point, so a fence with
// anything else is refused; a missing return point is replaced by the
// polygon's vertex average, as MAVProxy does.
func WriteFenceList(p *Plan) ([]byte, error) {
	f := p.Fence
	if len(f.Polygons) != 1 || !f.Polygons[0].Inclusion || len(f.Circles) != 0 {
		return nil, fmt.Errorf("%w: a legacy fence list holds one inclusion polygon and a return point; this fence has %d polygon(s) and %d circle(s): write a QGC WPL fence or a .plan instead",
			ErrUnknownFormat, len(f.Polygons), len(f.Circles))
	}
	verts := f.Polygons[0].Vertices
	ret := f.Return
	if ret == nil {
		var c Position
		for _, v := range verts {
			c.Lat += v.Lat() / float64(len(verts))
			c.Lon += v.Lon() / float64(len(verts))
		}
		ret = &c
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%.6f\t%.6f\n", ret.Lat, ret.Lon)
	for _, v := range append(verts, verts[0]) {
		fmt.Fprintf(&b, "%.6f\t%.6f\n", v.Lat(), v.Lon())
	}
	return b.Bytes(), nil
}

// ReadRallyList reads a MAVProxy RALLY list into a plan holding only rally
// points. break_alt, land_dir and flags are checked as numbers but not kept
// (the model's rally point is a position).
func ReadRallyList(data []byte) (*Plan, error) {
	p := &Plan{}
	err := eachLegacyLine(data, func(lineNo int, f []string) error {
		if f[0] != "RALLY" {
			return fmt.Errorf("%q is not a RALLY line", quoteClip(f[0]))
		}
		if len(f) != 7 {
			return fmt.Errorf("RALLY has %d values, want 6 (lat lon alt break_alt land_dir flags)", len(f)-1)
		}
		pos, err := parseLatLon(f[1], f[2])
		if err != nil {
			return err
		}
		for k, name := range []string{"alt", "break_alt", "land_dir", "flags"} {
			v, err := strconv.ParseFloat(f[3+k], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%s %q is not a number", name, quoteClip(f[3+k]))
			}
			if k == 0 {
				pos.AltM = v
			}
		}
		p.Rally = append(p.Rally, pos)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: rally list: %w", ErrBadPlanFile, err)
	}
	if len(p.Rally) == 0 {
		return nil, planErr("rally list: no RALLY line")
	}
	return p, nil
}

// WriteRallyList writes the plan's rally points as a MAVProxy RALLY list,
// with break_alt, land_dir and flags 0.
func WriteRallyList(p *Plan) ([]byte, error) {
	if len(p.Rally) == 0 {
		return nil, fmt.Errorf("%w: the plan has no rally points to write as a RALLY list", ErrUnknownFormat)
	}
	var b bytes.Buffer
	for _, r := range p.Rally {
		fmt.Fprintf(&b, "RALLY %.6f\t%.6f\t%.6f\t0.000000\t0.000000\t0\n", r.Lat, r.Lon, r.AltM)
	}
	return b.Bytes(), nil
}

func eachLegacyLine(data []byte, fn func(lineNo int, fields []string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	lineNo, n := 0, 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if n++; n > legacyMaxLines {
			return fmt.Errorf("line %d: more than %d lines", lineNo, legacyMaxLines)
		}
		if err := fn(lineNo, strings.Fields(line)); err != nil {
			return fmt.Errorf("line %d: %w", lineNo, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line %d: %w", lineNo+1, err)
	}
	if n == 0 {
		return fmt.Errorf("the file is empty")
	}
	return nil
}

func parseLatLon(a, b string) (Position, error) {
	lat, err1 := strconv.ParseFloat(a, 64)
	lon, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil {
		return Position{}, fmt.Errorf("%q %q is not a latitude and longitude", quoteClip(a), quoteClip(b))
	}
	if err := checkLatLon(lat, lon); err != nil {
		return Position{}, err
	}
	return Position{Lat: lat, Lon: lon}, nil
}
