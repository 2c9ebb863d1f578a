package missions

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// QGC WPL 110 text files, as Mission Planner, MAVProxy and QGroundControl
// write them (mavlink.io file formats): a "QGC WPL 110" header, then one item
// per line, tab-separated:
//
//	INDEX CURRENT FRAME COMMAND P1 P2 P3 P4 LAT LON ALT AUTOCONTINUE
//
// One file holds one list: a mission (item 0 is home when written by
// Mission Planner or ArduPilot), a fence (5000-5004) or rally points (5100).

// WPLHome says how ReadWPL treats item 0 of a mission file.
type WPLHome int

const (
	// WPLHomeAuto takes item 0 as home when it is a NAV_WAYPOINT in the
	// absolute frame (0), which is how Mission Planner, MAVProxy and
	// ArduPilot write home; anything else (a TAKEOFF in a relative frame,
	// as in PX4-style files) is the first mission item.
	WPLHomeAuto WPLHome = iota
	// WPLHomeFirst always takes item 0 as home.
	WPLHomeFirst
	// WPLHomeNone never does: item 0 is the first mission item.
	WPLHomeNone
)

// wplMaxLines bounds what one file may hold, far above any autopilot's
// limit (ArduPilot stores at most a few thousand items), so that a corrupt
// file cannot exhaust memory.
const wplMaxLines = 100000

// ReadWPL reads a QGC WPL 110 file. Lines may end in CRLF; empty lines and
// lines starting with '#' are skipped. The file's list kind is decided by
// its commands: all of 5000-5099 is a fence, all 5100 rally points, anything
// else a mission. A fence or rally command inside a mission is refused, as
// is a fence list that a vehicle could not hold (see PlanFromItems).
func ReadWPL(data []byte, home WPLHome) (*Plan, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var items []Item
	var lines []int
	lineNo, header := 0, false
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !header {
			f := strings.Fields(line)
			if len(f) != 3 || f[0] != "QGC" || f[1] != "WPL" {
				return nil, planErr("line %d: %q is not a \"QGC WPL 110\" header", lineNo, quoteClip(line))
			}
			if f[2] != "110" {
				return nil, planErr("line %d: QGC WPL version %s is not supported (only 110)", lineNo, quoteClip(f[2]))
			}
			header = true
			continue
		}
		if len(items) >= wplMaxLines {
			return nil, planErr("line %d: more than %d items; no autopilot holds that many", lineNo, wplMaxLines)
		}
		it, idx, err := parseWPLLine(line)
		if err != nil {
			return nil, planErr("line %d: %v", lineNo, err)
		}
		if idx != len(items) {
			return nil, planErr("line %d: item index %d, expected %d (items are numbered from 0 without gaps)", lineNo, idx, len(items))
		}
		items = append(items, it)
		lines = append(lines, lineNo)
	}
	if err := sc.Err(); err != nil {
		return nil, planErr("line %d: %v", lineNo+1, err)
	}
	if !header {
		return nil, planErr("empty file: no \"QGC WPL 110\" header")
	}
	return planFromWPLItems(items, lines, home)
}

func planFromWPLItems(items []Item, lines []int, home WPLHome) (*Plan, error) {
	nFence, nRally := 0, 0
	for _, it := range items {
		switch {
		case it.Command == CmdRallyPoint:
			nRally++
		case it.Command >= 5000 && it.Command < 5100:
			nFence++
		}
	}
	switch {
	case len(items) > 0 && nFence == len(items):
		p, err := PlanFromItems(nil, items, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: fence file: %w", ErrBadPlanFile, err)
		}
		return p, nil
	case len(items) > 0 && nRally == len(items):
		p, err := PlanFromItems(nil, nil, items)
		if err != nil {
			return nil, fmt.Errorf("%w: rally file: %w", ErrBadPlanFile, err)
		}
		return p, nil
	}
	for i, it := range items {
		if it.Command >= 5000 && it.Command <= 5100 {
			return nil, planErr("line %d: %s in a mission file; fence and rally points go in files of their own", lines[i], cmdLabel(it.Command))
		}
	}
	p := &Plan{}
	skip := 0
	if len(items) > 0 {
		first := items[0]
		isHome := home == WPLHomeFirst || (home == WPLHomeAuto && first.Command == CmdNavWaypoint && first.Frame == FrameGlobal)
		if isHome {
			skip = 1
			if first.Params[4] != 0 || first.Params[5] != 0 {
				pos, err := itemPosition(first)
				if err != nil {
					return nil, planErr("line %d (home): %v", lines[0], err)
				}
				p.Home = &pos
			}
		}
	}
	p.Mission = make([]Item, 0, len(items)-skip)
	for i, it := range items[skip:] {
		if it.HasPosition() {
			if err := checkLatLon(it.Params[4], it.Params[5]); err != nil {
				return nil, planErr("line %d (%s): %v", lines[i+skip], cmdLabel(it.Command), err)
			}
		}
		// DO_JUMP names a file index; the model numbers from 1 with home 0.
		if it.Command == CmdDoJump && skip == 0 {
			it.Params[0]++
		}
		p.Mission = append(p.Mission, it)
	}
	return p, nil
}

func parseWPLLine(line string) (Item, int, error) {
	f := strings.Fields(line)
	if len(f) != 12 {
		return Item{}, 0, fmt.Errorf("%d fields, want 12 (INDEX CURRENT FRAME COMMAND P1 P2 P3 P4 LAT LON ALT AUTOCONTINUE)", len(f))
	}
	ints := [4]int{}
	names := [4]string{"index", "current", "frame", "command"}
	limits := [4]int{wplMaxLines, 1, 255, 65535}
	for k := range 4 {
		v, err := strconv.Atoi(f[k])
		if err != nil {
			// Some writers print integers as floats ("16.000000").
			x, ferr := strconv.ParseFloat(f[k], 64)
			if ferr != nil || x != math.Trunc(x) || math.Abs(x) > 1e9 {
				return Item{}, 0, fmt.Errorf("%s %q is not a whole number", names[k], quoteClip(f[k]))
			}
			v = int(x)
		}
		if v < 0 || v > limits[k] {
			return Item{}, 0, fmt.Errorf("%s %d is out of range 0-%d", names[k], v, limits[k])
		}
		ints[k] = v
	}
	it := Item{Frame: uint8(ints[2]), Command: uint16(ints[3])}
	for k := range 7 {
		v, err := strconv.ParseFloat(f[4+k], 64)
		if err != nil || math.IsInf(v, 0) {
			return Item{}, 0, fmt.Errorf("%s: param%d %q is not a number", cmdLabel(it.Command), k+1, quoteClip(f[4+k]))
		}
		it.Params[k] = v
	}
	ac, err := strconv.ParseFloat(f[11], 64)
	if err != nil || (ac != 0 && ac != 1) {
		return Item{}, 0, fmt.Errorf("%s: autocontinue %q is not 0 or 1", cmdLabel(it.Command), quoteClip(f[11]))
	}
	it.Autocontinue = ac == 1
	return it, ints[0], nil
}

// WriteWPL writes one list of the plan as a QGC WPL 110 file with CRLF-free
// lines. A mission is written with home as item 0 (Mission Planner's
// convention; 0,0 when the plan has no home) and DO_JUMP targets in that
// numbering; fence and rally lists start at index 0.
func WriteWPL(p *Plan, t MissionType) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("QGC WPL 110\n")
	items := p.Items(t)
	if t == TypeMission {
		h := Item{Command: CmdNavWaypoint, Frame: FrameGlobal, Autocontinue: true}
		if p.Home != nil {
			h.Params[4], h.Params[5], h.Params[6] = p.Home.Lat, p.Home.Lon, p.Home.AltM
			if math.IsNaN(h.Params[6]) {
				h.Params[6] = 0
			}
		}
		items = append([]Item{h}, items...)
	}
	for i, it := range items {
		current := 0
		if t == TypeMission && i == 0 {
			current = 1
		}
		ac := 0
		if it.Autocontinue {
			ac = 1
		}
		fmt.Fprintf(&b, "%d\t%d\t%d\t%d", i, current, it.Frame, it.Command)
		for k, v := range it.Params {
			b.WriteByte('\t')
			b.WriteString(wplNum(v, k))
		}
		fmt.Fprintf(&b, "\t%d\n", ac)
	}
	return b.Bytes(), nil
}

// wplNum prints latitude and longitude with 8 decimals (1 mm) and other
// values with 6, as Mission Planner does; NaN ("unused") as "NaN", which
// Mission Planner, MAVProxy and QGroundControl all parse.
func wplNum(v float64, k int) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	if k == 4 || k == 5 {
		return strconv.FormatFloat(v, 'f', 8, 64)
	}
	s := strconv.FormatFloat(v, 'f', 6, 64)
	if f, _ := strconv.ParseFloat(s, 64); f != v {
		// Keep every digit of values that 6 decimals would round.
		s = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return s
}

// cmdLabel names a command for messages: "16 (WAYPOINT)" or "command 5005".
func cmdLabel(cmd uint16) string {
	if KnownCommand(cmd) {
		return fmt.Sprintf("command %d (%s)", cmd, CommandName(cmd))
	}
	return fmt.Sprintf("command %d", cmd)
}

// clip shortens user text quoted in messages.
func quoteClip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
