package missions

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
)

// roundTrips checks that a plan survives every format that can hold it:
// the .plan, GeoJSON and KML of the whole plan, and QGC WPL per list.
func roundTrips(t *testing.T, p *Plan) {
	t.Helper()
	type codec struct {
		name  string
		write func(*Plan) ([]byte, error)
		read  func([]byte) (*Plan, error)
	}
	codecs := []codec{
		{"plan", WriteQGCPlan, ReadQGCPlan},
		{"geojson", WritePlanGeoJSON, ReadPlanGeoJSON},
		{"kml", WritePlanKML, ReadPlanKML},
	}
	for _, c := range codecs {
		out, err := c.write(p)
		if err != nil {
			t.Fatalf("%s: write: %v", c.name, err)
		}
		q, err := c.read(out)
		if err != nil {
			t.Fatalf("%s: re-read: %v\n%s", c.name, err, out)
		}
		if d := p.Diff(q); d != "" {
			t.Fatalf("%s round trip differs: %s", c.name, d)
		}
	}
	// WPL holds one list per file: write each and merge them back.
	back := &Plan{}
	for _, lt := range []MissionType{TypeMission, TypeFence, TypeRally} {
		if lt == TypeFence && p.Fence.IsEmpty() || lt == TypeRally && len(p.Rally) == 0 {
			continue
		}
		out, err := WriteWPL(p, lt)
		if err != nil {
			t.Fatalf("wpl %s: %v", lt, err)
		}
		q, err := ReadWPL(out, WPLHomeAuto)
		if err != nil {
			t.Fatalf("wpl %s: re-read: %v\n%s", lt, err, out)
		}
		if err := back.Merge(q); err != nil {
			t.Fatal(err)
		}
	}
	if d := p.Diff(back); d != "" {
		t.Fatalf("wpl round trip differs: %s", d)
	}
}

func TestReadWPL_SharedFiles_ImportAndRoundTrip(t *testing.T) {
	type want struct {
		mission, fenceItems, rally int
		home                       bool
	}
	wants := map[string]want{
		"ArduPlane-Missions__KSFO-VTOL.txt":                  {mission: 12, home: true},
		"CANGPSCopterMission__copter_mission.txt":            {mission: 13, home: true},
		"KalaupapaCanyonRun__mission.txt":                    {mission: 32, home: true},
		"MissionItemTypes__items.txt":                        {mission: 28, home: true},
		"Mission__Dalby-OBC2016.txt":                         {mission: 35, home: true},
		"copter_terrain_mission.txt":                         {mission: 5, home: true},
		"100Waypoints.waypoints.txt":                         {mission: 100, home: true},
		"MissionPlanner.waypoints":                           {mission: 6, home: true},
		"MissionPlanner.waypoints.txt":                       {mission: 15, home: true},
		"fence-110.txt":                                      {fenceItems: 10},
		"rally-110.txt":                                      {rally: 2},
		"AC_Avoidance_Proximity__copter-avoidance-fence.txt": {fenceItems: 4},
		"FenceRTL__CMAC-fence.txt":                           {fenceItems: 5},
		"HorizontalFence__fence-in-middle-of-nowhere.txt":    {fenceItems: 5},
		"Mission__Dalby-OBC2016-fence.txt":                   {fenceItems: 17},
		"fence.txt":                                          {fenceItems: 5},
		"rally.txt":                                          {rally: 2},
	}
	seen := 0
	for _, f := range sharedFiles(t, "waypoints", "*/*") {
		base := filepath.Base(f)
		if base == "HomeCircleInclusionFence__single_home_circle.txt" {
			continue // the unknown command 5005: see the malformed test
		}
		w, ok := wants[base]
		if !ok {
			t.Errorf("%s: new shared file without expectations", base)
			continue
		}
		seen++
		t.Run(base, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ReadPlanData(data, "")
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if len(p.Mission) != w.mission-boolInt(w.home) || len(p.Items(TypeFence)) != w.fenceItems || len(p.Rally) != w.rally || (p.Home != nil) != w.home {
				t.Fatalf("got %d mission items, %d fence items, %d rally points, home %v; want %+v (mission counts home)",
					len(p.Mission), len(p.Items(TypeFence)), len(p.Rally), p.Home, w)
			}
			roundTrips(t, p)
		})
	}
	if seen != len(wants) {
		t.Fatalf("saw %d of the %d expected shared files", seen, len(wants))
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestReadWPL_Details(t *testing.T) {
	dir := testenv.SharedData(t)
	read := func(name string) *Plan {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, "waypoints", name))
		if err != nil {
			t.Fatal(err)
		}
		p, err := ReadPlanData(data, "")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// CRLF, home at CMAC, then waypoints in Japan in the terrain frame.
	p := read("ardupilot_autotest/copter_terrain_mission.txt")
	if p.Home.Lat != -35.363262 || p.Home.AltM != 985 || p.Mission[1].Frame != FrameGlobalTerrainAlt || p.Mission[1].Params[4] != 36.31924 {
		t.Fatalf("copter_terrain_mission: home %+v, item 2 %+v", p.Home, p.Mission[1])
	}
	// DO_JUMP targets keep ArduPilot's numbering (home 0) = model's index+1.
	p = read("ardupilot_autotest/CANGPSCopterMission__copter_mission.txt")
	if j := p.Mission[9]; j.Command != CmdDoJump || j.Params[0] != 8 {
		t.Fatalf("DO_JUMP: %+v", j)
	}
	// The pymavlink fence: 8 inclusion vertices and two 20 m exclusion circles.
	p = read("pymavlink/fence-110.txt")
	if len(p.Fence.Polygons) != 1 || len(p.Fence.Polygons[0].Vertices) != 8 || !p.Fence.Polygons[0].Inclusion ||
		len(p.Fence.Circles) != 2 || p.Fence.Circles[0].Inclusion || p.Fence.Circles[0].RadiusM != 20 {
		t.Fatalf("fence-110: %+v", p.Fence)
	}
	// Legacy list: return point, then a polygon closed by repeating vertex 1.
	p = read("ardupilot_autotest/Mission__Dalby-OBC2016-fence.txt")
	if p.Fence.Return == nil || p.Fence.Return.Lat != -27.302433 || len(p.Fence.Polygons[0].Vertices) != 16 {
		t.Fatalf("Dalby fence: return %+v, %d vertices", p.Fence.Return, len(p.Fence.Polygons[0].Vertices))
	}
	p = read("pymavlink/rally.txt")
	if p.Rally[1].Lat != 40.072265 || p.Rally[1].Lon != -105.231136 {
		t.Fatalf("rally: %+v", p.Rally)
	}
}

func TestReadWPL_ItemZero_HomeOrNot(t *testing.T) {
	takeoffFirst := "QGC WPL 110\r\n0\t0\t3\t22\t0\t0\t0\t0\t47.1\t8.5\t20\t1\r\n1\t0\t3\t16\t0\t0\t0\t0\t47.2\t8.6\t20\t1\r\n2\t0\t2\t177\t1\t2\t0\t0\t0\t0\t0\t1\r\n"
	p, err := ReadWPL([]byte(takeoffFirst), WPLHomeAuto)
	if err != nil {
		t.Fatal(err)
	}
	if p.Home != nil || len(p.Mission) != 3 || p.Mission[0].Command != CmdNavTakeoff {
		t.Fatalf("a TAKEOFF at 0 is the first item, not home: %+v", p)
	}
	if p.Mission[2].Params[0] != 2 {
		t.Fatalf("DO_JUMP to file index 1 is the model's item 2, got %g", p.Mission[2].Params[0])
	}
	p, err = ReadWPL([]byte(takeoffFirst), WPLHomeFirst)
	if err != nil {
		t.Fatal(err)
	}
	if p.Home == nil || p.Home.Lat != 47.1 || len(p.Mission) != 2 {
		t.Fatalf("WPLHomeFirst: %+v", p)
	}
	homeFirst := "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t47.1\t8.5\t400\t1\n1\t0\t3\t16\t0\t0\t0\t0\t47.2\t8.6\t20\t1\n"
	p, err = ReadWPL([]byte(homeFirst), WPLHomeNone)
	if err != nil {
		t.Fatal(err)
	}
	if p.Home != nil || len(p.Mission) != 2 {
		t.Fatalf("WPLHomeNone: %+v", p)
	}
}

func TestReadWPL_Malformed_RefusedWithReason(t *testing.T) {
	const h = "QGC WPL 110\n"
	cases := []struct{ name, doc, want string }{
		{"empty", "", `empty file: no "QGC WPL 110" header`},
		{"no header", "0\t1\t0\t16\t0\t0\t0\t0\t1\t2\t3\t1\n", `line 1: "0\t1\t0\t16\t0\t0\t0\t0\t1\t2\t3\t1" is not a "QGC WPL 110" header`},
		{"version", "QGC WPL 120\n", "QGC WPL version 120 is not supported"},
		{"fields", h + "0\t1\t0\t16\t0\t0\t0\t0\t1\t2\t3\n", "line 2: 11 fields, want 12"},
		{"index gap", h + "0\t1\t0\t16\t0\t0\t0\t0\t1\t2\t3\t1\n2\t0\t3\t16\t0\t0\t0\t0\t1\t2\t3\t1\n", "line 3: item index 2, expected 1"},
		{"bad number", h + "0\t1\t0\t16\t0\tx\t0\t0\t1\t2\t3\t1\n", `line 2: command 16 (WAYPOINT): param2 "x" is not a number`},
		{"inf", h + "0\t1\t0\t16\t0\t0\t0\t0\t1\t2\tinf\t1\n", `param7 "inf" is not a number`},
		{"bad command", h + "0\t1\t0\t99999\t0\t0\t0\t0\t1\t2\t3\t1\n", "line 2: command 99999 is out of range 0-65535"},
		{"autocontinue", h + "0\t1\t0\t16\t0\t0\t0\t0\t1\t2\t3\t7\n", `autocontinue "7" is not 0 or 1`},
		{"off earth", h + "0\t1\t0\t16\t0\t0\t0\t0\t1\t2\t3\t1\n1\t0\t3\t16\t0\t0\t0\t0\t91\t2\t3\t1\n", "line 3 (command 16 (WAYPOINT)): position (lat 91, lon 2) is off the Earth"},
		{"fence in mission", h + "0\t1\t0\t16\t0\t0\t0\t0\t1\t2\t3\t1\n1\t0\t3\t5001\t3\t0\t0\t0\t1\t2\t3\t1\n", "line 3: command 5001 (FENCE_POLYGON_VERTEX_INCLUSION) in a mission file"},
		{"short polygon", h + "0\t0\t0\t5001\t4\t0\t0\t0\t1\t2\t0\t1\n1\t0\t0\t5001\t4\t0\t0\t0\t1\t2.1\t0\t1\n", "fence file: inconsistent mission items: fence item 1 (FENCE_POLYGON_VERTEX_INCLUSION): polygon of 4 vertices, but only 2 fence items follow"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadWPL([]byte(c.doc), WPLHomeAuto)
			if err == nil || !errors.Is(err, ErrBadPlanFile) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// ArduPilot's autotest file with the command 5005, which is in no MAVLink
// dialect: the file is a fence list by its command range and is refused
// naming the command.
func TestReadWPL_UnknownFenceCommand5005_Refused(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.SharedData(t), "waypoints/ardupilot_autotest/HomeCircleInclusionFence__single_home_circle.txt"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ReadPlanData(data, "")
	if err == nil || !strings.Contains(err.Error(), "fence item 1: command 5005 is not a fence command (5000-5004)") {
		t.Fatalf("got %v", err)
	}
}

func TestReadFenceAndRallyLists_Malformed_RefusedWithReason(t *testing.T) {
	cases := []struct {
		name string
		read func([]byte) (*Plan, error)
		doc  string
		want string
	}{
		{"fence empty", ReadFenceList, "\n# nothing\n", "fence list: the file is empty"},
		{"fence three values", ReadFenceList, "1 2\n1 2 3\n", "fence list: line 2: 3 values, want \"lat lon\""},
		{"fence not numbers", ReadFenceList, "1 2\na b\n", `line 2: "a" "b" is not a latitude and longitude`},
		{"fence too few", ReadFenceList, "1 2\n1 2\n1.1 2\n1 2\n", "2 polygon vertices after the return point"},
		{"fence off earth", ReadFenceList, "1 2\n1 200\n", "off the Earth"},
		{"rally wrong word", ReadRallyList, "RALY 1 2 3 4 5 6\n", `line 1: "RALY" is not a RALLY line`},
		{"rally short", ReadRallyList, "RALLY 1 2 3\n", "RALLY has 3 values, want 6"},
		{"rally bad alt", ReadRallyList, "RALLY 1 2 x 4 5 6\n", `alt "x" is not a number`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.read([]byte(c.doc))
			if err == nil || !errors.Is(err, ErrBadPlanFile) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestWriteFenceList_FenceItCannotHold_Refused(t *testing.T) {
	p := testPlan() // two polygons and a circle
	if _, err := WriteFenceList(p); err == nil || !strings.Contains(err.Error(), "holds one inclusion polygon and a return point; this fence has 2 polygon(s) and 1 circle(s)") {
		t.Fatalf("got %v", err)
	}
	p.Fence.Polygons, p.Fence.Circles = p.Fence.Polygons[:1], nil
	p.Fence.Return.AltM = 0 // the list has no altitudes
	out, err := WriteFenceList(p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ReadFenceList(out)
	if err != nil {
		t.Fatal(err)
	}
	if d := (&Plan{Fence: p.Fence}).Diff(q); d != "" {
		t.Fatal(d)
	}
}

func TestPlan_AllFormats_RoundTrip(t *testing.T) {
	roundTrips(t, testPlan())
}
