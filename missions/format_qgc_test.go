package missions

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
)

func sharedFiles(t *testing.T, sub, pattern string) []string {
	t.Helper()
	dir := testenv.SharedData(t)
	files, err := filepath.Glob(filepath.Join(dir, sub, pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s files under %s: %v", pattern, filepath.Join(dir, sub), err)
	}
	return files
}

func TestReadQGCPlan_SharedFiles_RoundTrip(t *testing.T) {
	for _, f := range sharedFiles(t, "qgc_plans", "*/*.plan") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ReadQGCPlan(data)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			out, err := WriteQGCPlan(p)
			if err != nil {
				t.Fatalf("write: %v", err)
			}
			q, err := ReadQGCPlan(out)
			if err != nil {
				t.Fatalf("re-read: %v\n%s", err, out)
			}
			if d := p.Diff(q); d != "" {
				t.Fatalf("round trip differs: %s", d)
			}
		})
	}
}

func TestReadQGCPlan_Malformed_RefusedWithReason(t *testing.T) {
	const head = `{"fileType":"Plan","version":1,`
	const mission = `"mission":{"version":2,"firmwareType":12,"plannedHomePosition":[47.1,8.5,400],"items":[`
	wp := func(params string) string {
		return `{"type":"SimpleItem","command":16,"frame":3,"autoContinue":true,"doJumpId":1,"params":` + params + `}`
	}
	okMission := mission + wp(`[0,0,0,null,47.1,8.5,50]`) + `]}`
	cases := []struct{ name, doc, want string }{
		{"not json", `{"fileType": "Plan",`, "not a JSON object: line 1 column"},
		{"array", `[1,2]`, "not a JSON object"},
		{"no fileType", `{"version":1}`, `no "fileType"`},
		{"wrong fileType", `{"fileType":"GeoFence","version":1}`, `fileType is "GeoFence", want "Plan"`},
		{"old .mission", `{"fileType":"Mission","version":2,"items":[]}`, `this is a QGroundControl .mission file`},
		{"wrong version", `{"fileType":"Plan","version":2,` + okMission + `}`, "plan file version 2 is not supported"},
		{"no mission", `{"fileType":"Plan","version":1,"geoFence":{"version":2}}`, `no "mission" object`},
		{"mission version", head + `"mission":{"version":1,"items":[]}}`, "mission version 1 is not supported"},
		{"no items", head + `"mission":{"version":2,"firmwareType":3}}`, `mission: no "items"`},
		{"six params", head + mission + wp(`[0,0,0,47.1,8.5,50]`) + `]}}`, "mission item 1 (WAYPOINT): params has 6 values, want 7"},
		{"params string", head + mission + wp(`"0,0,0"`) + `]}}`, `mission item 1 (WAYPOINT): "params" is a JSON string, want an array of numbers or nulls`},
		{"off earth", head + mission + wp(`[0,0,0,null,95.5,8.5,50]`) + `]}}`, "mission item 1 (WAYPOINT): position (lat 95.5, lon 8.5) is off the Earth"},
		{"bad command", head + mission + `{"type":"SimpleItem","command":70000,"frame":3,"params":[0,0,0,0,0,0,0]}]}}`, "mission item 1: command 70000 is not a MAV_CMD"},
		{"bad type", head + mission + `{"type":"FancyItem"}]}}`, `mission item 1: type "FancyItem" is neither`},
		{"survey without items", head + mission + `{"type":"ComplexItem","complexItemType":"survey","version":5,"polygon":[]}]}}`, "ComplexItem survey has no TransectStyleComplexItem.Items"},
		{"structure scan", head + mission + `{"type":"ComplexItem","complexItemType":"StructureScan","version":3}]}}`, "ComplexItem StructureScan carries no generated mission items"},
		// QGroundControl refuses these versions; so do we (issue 12: a version 9 survey was written back unchanged).
		{"survey version 9", head + mission + `{"type":"ComplexItem","complexItemType":"survey","version":9,"TransectStyleComplexItem":{"Items":[` + wp(`[0,0,0,null,47.1,8.5,50]`) + `]}}]}}`, "Survey items do not support version 9"},
		{"survey version 1", head + mission + `{"type":"ComplexItem","complexItemType":"survey","version":1,"TransectStyleComplexItem":{"Items":[` + wp(`[0,0,0,null,47.1,8.5,50]`) + `]}}]}}`, "Survey items do not support version 1"},
		{"corridor version 3", head + mission + `{"type":"ComplexItem","complexItemType":"CorridorScan","version":3,"TransectStyleComplexItem":{"Items":[` + wp(`[0,0,0,null,47.1,8.5,50]`) + `]}}]}}`, "CorridorScan complex item version 3 not supported"},
		{"complex no version", head + mission + `{"type":"ComplexItem","complexItemType":"survey","TransectStyleComplexItem":{"Items":[` + wp(`[0,0,0,null,47.1,8.5,50]`) + `]}}]}}`, `ComplexItem survey: no "version"`},
		{"bad generated item", head + mission + `{"type":"ComplexItem","complexItemType":"survey","version":5,"TransectStyleComplexItem":{"Items":[` + wp(`[1]`) + `]}}]}}`, "ComplexItem survey: generated item 1 (WAYPOINT): params has 1 values"},
		{"fence version", head + okMission + `,"geoFence":{"version":3}}`, "geoFence version 3 is not supported"},
		{"fence two vertices", head + okMission + `,"geoFence":{"version":2,"polygons":[{"inclusion":true,"polygon":[[47,8],[47.1,8]],"version":1}]}}`, "geoFence polygon 1: 2 vertices; a fence polygon needs at least 3"},
		{"fence bad vertex", head + okMission + `,"geoFence":{"version":2,"polygons":[{"polygon":[[47,8],[47.1,8],[47,"x"]]}]}}`, "geoFence polygon 1 vertex 3: want [lat, lon] numbers"},
		{"circle radius", head + okMission + `,"geoFence":{"version":2,"circles":[{"circle":{"center":[47,8],"radius":0},"inclusion":false}]}}`, "geoFence circle 1: radius 0 m; it must be above 0"},
		{"circle no center", head + okMission + `,"geoFence":{"version":2,"circles":[{"circle":{"radius":10}}]}}`, `geoFence circle 1: no "center"`},
		{"rally short", head + okMission + `,"rallyPoints":{"version":2,"points":[[47]]}}`, "rally point 1: has 1 values"},
		{"rally version", head + okMission + `,"rallyPoints":{"version":7,"points":[]}}`, "rallyPoints version 7 is not supported"},
		{"home string", head + `"mission":{"version":2,"plannedHomePosition":"here","items":[]}}`, "plannedHomePosition: want [lat, lon, alt] numbers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ReadQGCPlan([]byte(c.doc))
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			if !errors.Is(err, ErrBadPlanFile) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want one containing %q", err, c.want)
			}
		})
	}
}

func TestReadQGCPlan_CommentsAndOldForms_Read(t *testing.T) {
	doc := `// written by hand
{"fileType":"Plan","version":1, /* block
comment */ "mission":{"version":2,"firmwareType":12,"plannedHomePosition":[47.1,8.5,null],"items":[
 {"type":"SimpleItem","command":16,"frame":3,"params":[0,0,0,null],"coordinate":[47.2,8.6,30],"autoContinue":true}, // "//" in a comment
 {"type":"SimpleItem","command":16,"frame":3,"params":[0,0,0,null,47.3,8.7,30],"autoContinue":false,"Altitude":30,"AltitudeMode":1}
]},
"geoFence":{"version":1,"polygon":[[47,8],[47.1,8],[47,8.1]]},
"rallyPoints":{"version":2,"points":[[47.15,8.55,20]]},"note":"a // that is not a comment"}`
	p, err := ReadQGCPlan(append([]byte("\xef\xbb\xbf"), doc...)) // with a byte-order mark
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Mission) != 2 || p.Mission[0].Params[4] != 47.2 || !math.IsNaN(p.Mission[0].Params[3]) || p.Mission[1].Autocontinue {
		t.Fatalf("mission read wrong: %+v", p.Mission)
	}
	if p.Home == nil || !math.IsNaN(p.Home.AltM) {
		t.Fatalf("home with null altitude: %+v", p.Home)
	}
	if !p.Fence.IsEmpty() || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "geoFence version 1 (a 3-vertex polygon) ignored") {
		t.Fatalf("geoFence v1 must be ignored with a note, got fence %+v notes %q", p.Fence, p.Notes)
	}
	if len(p.Rally) != 1 || p.Rally[0].AltM != 20 {
		t.Fatalf("rally: %+v", p.Rally)
	}
	out, err := WriteQGCPlan(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"note": "a // that is not a comment"`, `"AltitudeMode": 1`, `"plannedHomePosition": [`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("written plan lacks %s:\n%s", want, out)
		}
	}
}

func TestWriteQGCPlan_SurveyKeptWhileUnchanged(t *testing.T) {
	data, err := os.ReadFile("testdata/plans/survey_rally.plan")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadQGCPlan(data)
	if err != nil {
		t.Fatal(err)
	}
	// takeoff + 4 transects of (2 waypoints + camera trigger) + DO_JUMP + RTL
	if len(p.Mission) != 1+12+2 {
		t.Fatalf("mission has %d items, want 15 (the survey read through its generated items)", len(p.Mission))
	}
	if p.Mission[13].Command != CmdDoJump || p.Mission[13].Params[0] != 2 {
		t.Fatalf("DO_JUMP should target item 2 (the survey's first), got %+v", p.Mission[13])
	}
	if len(p.Fence.Circles) != 1 || !p.Fence.Circles[0].Inclusion || p.Fence.Return == nil || len(p.Rally) != 2 {
		t.Fatalf("fence/rally: %+v %+v", p.Fence, p.Rally)
	}
	out, err := WriteQGCPlan(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"complexItemType": "survey"`) {
		t.Fatalf("unchanged survey should be written back as a ComplexItem")
	}
	q, err := ReadQGCPlan(out)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(q); d != "" {
		t.Fatal(d)
	}
	// Edit one generated item: the survey can no longer stand for the
	// items, so they are written as SimpleItems.
	p.Mission[3].Params[6] = 80
	out, err = WriteQGCPlan(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), `"complexItemType"`) {
		t.Fatalf("an edited survey must not be written back as the old ComplexItem")
	}
	q, err = ReadQGCPlan(out)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(q); d != "" {
		t.Fatal(d)
	}
}

func TestReadQGCPlan_PX4Geofence_FenceAndExtrasKept(t *testing.T) {
	dir := testenv.SharedData(t)
	data, err := os.ReadFile(filepath.Join(dir, "qgc_plans/px4_autopilot/multicopter_mission_geofence_avoid.plan"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadQGCPlan(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Fence.Polygons) != 2 || p.Fence.Polygons[0].Inclusion || !p.Fence.Polygons[1].Inclusion || len(p.Fence.Circles) != 1 || p.Fence.Circles[0].Inclusion {
		t.Fatalf("fence: %+v", p.Fence)
	}
	if r := p.Fence.Circles[0].RadiusM; math.Abs(r-111.0536) > 0.001 {
		t.Fatalf("circle radius %g", r)
	}
	if p.Vehicle.FirmwareType != FirmwarePX4 || p.Vehicle.VehicleType != 2 || p.Vehicle.CruiseSpeedMS != 15 || p.Vehicle.HoverSpeedMS != 5 {
		t.Fatalf("vehicle: %+v", p.Vehicle)
	}
	out, err := WriteQGCPlan(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"UUID": "024f36c3946f05cba1ef5046e644fc91b6ffd007"`, `"MISSION_ITEM_ID": "2"`, `"globalPlanAltitudeMode": 1`, `"groundStation": "QGroundControl"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("unknown key lost: %s", want)
		}
	}
}

// The model itself is stored and served as JSON (plan store, HTTP API):
// every shared plan must survive encoding/json, NaN params and null home
// altitudes included.
func TestPlan_JSON_RoundTrip(t *testing.T) {
	files := sharedFiles(t, "qgc_plans", "*/*.plan")
	files = append(files, "testdata/plans/survey_rally.plan")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ReadQGCPlan(data)
		if err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		var q Plan
		if err := json.Unmarshal(js, &q); err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		if d := p.Diff(&q); d != "" {
			t.Fatalf("%s: %s", filepath.Base(f), d)
		}
	}
}

func TestReadQGCPlan_CorridorScanAndLandingPattern(t *testing.T) {
	const head = `{"fileType":"Plan","version":1,"mission":{"version":2,"firmwareType":3,"items":[`
	corridor := `{"type":"ComplexItem","complexItemType":"CorridorScan","version":2,"CorridorWidth":50,
"polyline":[[47.0,8.0],[47.01,8.01]],"TransectStyleComplexItem":{"version":1,"Items":[
{"type":"SimpleItem","command":16,"frame":3,"params":[0,0,0,null,47.0,8.0,60],"autoContinue":true,"doJumpId":1},
{"type":"SimpleItem","command":206,"frame":2,"params":[20,0,1,0,0,0,0],"autoContinue":true,"doJumpId":2},
{"type":"SimpleItem","command":16,"frame":3,"params":[0,0,0,null,47.01,8.01,60],"autoContinue":true,"doJumpId":3}]}}`
	p, err := ReadQGCPlan([]byte(head + corridor + `]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Mission) != 3 || p.Mission[1].Command != CmdDoSetCamTriggDist || p.Mission[2].Params[4] != 47.01 {
		t.Fatalf("CorridorScan items: %+v", p.Mission)
	}
	out, err := WriteQGCPlan(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"CorridorWidth": 50`) {
		t.Fatalf("unchanged CorridorScan not kept:\n%s", out)
	}
	_, err = ReadQGCPlan([]byte(head + `{"type":"ComplexItem","complexItemType":"fwLandingPattern","version":2}]}}`))
	if err == nil || !strings.Contains(err.Error(), "ComplexItem fwLandingPattern carries no generated mission items") {
		t.Fatalf("got %v", err)
	}
}
