package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/demodata"
)

func runPlanCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), &env{stdout: &out, stderr: &errOut}, append([]string{"plan"}, args...))
	return code, out.String(), errOut.String()
}

func readPlanT(t *testing.T, name string) *missions.Plan {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := missions.ReadPlanData(data, "")
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

func TestPlanConvert_QGCPlanToEveryFormatAndBack_SamePlan(t *testing.T) {
	src := filepath.Join(testenv.SharedData(t), "qgc_plans/px4_autopilot/multicopter_mission_geofence_avoid.plan")
	want := readPlanT(t, src)
	dir := t.TempDir()
	for _, ext := range []string{".plan", ".geojson", ".kml"} {
		out := filepath.Join(dir, "converted"+ext)
		code, stdout, stderr := runPlanCmd(t, "convert", src, out)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", ext, code, stderr)
		}
		if !strings.Contains(stdout, "wrote "+out) {
			t.Fatalf("%s: stdout %q", ext, stdout)
		}
		if d := want.Diff(readPlanT(t, out)); d != "" {
			t.Fatalf("%s: %s", ext, d)
		}
	}
	// QGC WPL holds one list per file: the fence goes beside the mission,
	// and --fence reads it back in.
	out := filepath.Join(dir, "mission.waypoints")
	code, stdout, stderr := runPlanCmd(t, "convert", src, out)
	fenceFile := filepath.Join(dir, "mission.fence.waypoints")
	if code != 0 || !strings.Contains(stdout, "wrote "+fenceFile) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	back := filepath.Join(dir, "back.plan")
	if code, _, stderr := runPlanCmd(t, "convert", out, back, "--fence", fenceFile); code != 0 {
		t.Fatalf("back: exit %d: %s", code, stderr)
	}
	if d := want.Diff(readPlanT(t, back)); d != "" {
		t.Fatal(d)
	}
}

func TestPlanConvert_WaypointsAndLegacyLists_ToPlan(t *testing.T) {
	wp := filepath.Join(testenv.SharedData(t), "waypoints")
	dir := t.TempDir()
	out := filepath.Join(dir, "dalby.plan")
	code, _, stderr := runPlanCmd(t, "convert", "--fence", filepath.Join(wp, "ardupilot_autotest/Mission__Dalby-OBC2016-fence.txt"),
		filepath.Join(wp, "ardupilot_autotest/Mission__Dalby-OBC2016.txt"), out,
		"--rally", filepath.Join(wp, "pymavlink/rally.txt"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	p := readPlanT(t, out)
	if len(p.Mission) != 34 || p.Home == nil || len(p.Fence.Polygons) != 1 || p.Fence.Return == nil || len(p.Rally) != 2 {
		t.Fatalf("merged plan: %d items, home %v, fence %+v, %d rally", len(p.Mission), p.Home, p.Fence, len(p.Rally))
	}
	// Back to a legacy fence list: the mission cannot go there, and the
	// command says so.
	code, _, stderr = runPlanCmd(t, "convert", out, filepath.Join(dir, "dalby.fence"))
	if code != 0 || !strings.Contains(stderr, "note: the mission (34 items), home and rally points (2) are not written") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestPlanConvert_BadInput_ExitsWithReason(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.plan")
	if err := os.WriteFile(bad, []byte(`{"fileType":"Plan","version":1,"mission":{"version":2,"items":[{"type":"SimpleItem","command":16,"frame":3,"params":[1,2]}]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "keep.plan")
	if err := os.WriteFile(existing, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runPlanCmd(t, "convert", bad, existing)
	if code != 1 || !strings.Contains(stderr, "bad.plan: bad plan file: mission item 1 (WAYPOINT): params has 2 values, want 7") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if data, _ := os.ReadFile(existing); string(data) != "precious" {
		t.Fatalf("a failed convert must not touch the output: %q", data)
	}
	code, _, stderr = runPlanCmd(t, "convert", existing)
	if code != 1 || !strings.Contains(stderr, "want IN and OUT, got 1 argument(s)") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runPlanCmd(t, "convert", bad, filepath.Join(dir, "out.xyz"))
	if code != 1 || !strings.Contains(stderr, "bad plan file") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	src := filepath.Join(testenv.SharedData(t), "qgc_plans/mavlink_qgroundcontrol/simple_square.plan")
	code, _, stderr = runPlanCmd(t, "convert", src, filepath.Join(dir, "out.xyz"))
	if code != 1 || !strings.Contains(stderr, `cannot tell the format of "out.xyz"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runPlanCmd(t, "convert", src, filepath.Join(dir, "out.xyz"), "--format", "gpx")
	if code != 1 || !strings.Contains(stderr, `unknown plan file format "gpx"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestPlanValidate_GoodAndBadPlans(t *testing.T) {
	good := filepath.Join(testenv.SharedData(t), "qgc_plans/mavlink_qgroundcontrol/ArduPilotSITL-ArduCopter.plan")
	code, stdout, stderr := runPlanCmd(t, "validate", good)
	if code != 0 || !strings.Contains(stdout, "11 mission items, 0 fence items, 0 rally points: 0 error(s), 0 warning(s)") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runPlanCmd(t, "validate", good, "--max-alt", "50")
	if code != 1 || !strings.Contains(stdout, "error: mission item 2 (WAYPOINT): altitude 60 m is above the 50 m limit") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	// A fence polygon drawn as a bow tie.
	dir := t.TempDir()
	bow := filepath.Join(dir, "bow.plan")
	doc := `{"fileType":"Plan","version":1,"mission":{"version":2,"firmwareType":12,"items":[]},
"geoFence":{"version":2,"polygons":[{"inclusion":true,"polygon":[[47,8],[47.1,8.1],[47,8.1],[47.1,8]]}]}}`
	if err := os.WriteFile(bow, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runPlanCmd(t, "validate", bow)
	if code != 1 || !strings.Contains(stdout, "error: fence polygon 1 (inclusion): edges 1-2 and 3-4 cross") || !strings.Contains(stderr, "1 error(s) found") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// Warnings pass unless --strict.
	big := filepath.Join(testenv.SharedData(t), "waypoints/mavlink_qgroundcontrol/100Waypoints.waypoints.txt")
	if code, stdout, _ := runPlanCmd(t, "validate", big, "--max-items", "50"); code != 0 || !strings.Contains(stdout, "warning: mission: 99 items, above the 50") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	if code, _, stderr := runPlanCmd(t, "validate", big, "--max-items", "50", "--strict"); code != 1 || !strings.Contains(stderr, "--strict is set") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestPlan_Usage(t *testing.T) {
	if code, _, stderr := runPlanCmd(t); code != 2 || !strings.Contains(stderr, "convert ") || !strings.Contains(stderr, "validate ") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runPlanCmd(t, "nosuch"); code != 2 || !strings.Contains(stderr, `unknown subcommand "nosuch"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if code, stdout, _ := runPlanCmd(t, "validate", "--help"); code != 0 || !strings.Contains(stdout, "-max-alt") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	if code, _, stderr := runPlanCmd(t, "validate", "--nosuchflag", "x"); code != 2 || !strings.Contains(stderr, "flag provided but not defined") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestPlanValidate_BorderAndFence_ReportsWhereThePlanFlies(t *testing.T) {
	dir := t.TempDir()
	border := filepath.Join(dir, "border.geojson")
	if err := os.WriteFile(border, demodata.NogalesBorder, 0o644); err != nil {
		t.Fatal(err)
	}
	// A patrol leg from north of the Nogales line (31.3322° N) to 250 m north of it,
	// inside an inclusion fence whose south edge it leaves on the way back.
	plan := filepath.Join(dir, "patrol.plan")
	doc := `{"fileType":"Plan","version":1,"groundStation":"test",
"mission":{"version":2,"firmwareType":3,"vehicleType":2,"cruiseSpeed":15,"hoverSpeed":5,
 "plannedHomePosition":[31.35,-110.95,1180],
 "items":[
  {"type":"SimpleItem","autoContinue":true,"command":22,"frame":3,"doJumpId":1,"params":[0,0,0,null,31.35,-110.95,100]},
  {"type":"SimpleItem","autoContinue":true,"command":16,"frame":3,"doJumpId":2,"params":[0,0,0,null,31.3345,-110.95,100]},
  {"type":"SimpleItem","autoContinue":true,"command":16,"frame":3,"doJumpId":3,"params":[0,0,0,null,31.33,-110.95,100]}]},
"geoFence":{"version":2,"circles":[],"polygons":[{"inclusion":true,"version":1,
 "polygon":[[31.334,-111.0],[31.37,-111.0],[31.37,-110.9],[31.334,-110.9]]}]},
"rallyPoints":{"version":2,"points":[]}}`
	if err := os.WriteFile(plan, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runPlanCmd(t, "validate", plan, "--border", border, "--min-border-dist", "500m")
	if code != 1 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, want := range []string{"leaves the inclusion fence", "of the border (minimum 500 m)", "inclusion polygon 1: edge 4-1 comes within", "of the border (minimum 250 m)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("validate output lacks %q:\n%s", want, stdout)
		}
	}
	// Without the border rule the fence problem remains; --min-border-dist alone is refused.
	if code, stdout, _ := runPlanCmd(t, "validate", plan); code != 1 || strings.Contains(stdout, "border") || !strings.Contains(stdout, "leaves the inclusion fence") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	if code, _, stderr := runPlanCmd(t, "validate", plan, "--min-border-dist", "500m"); code != 1 || !strings.Contains(stderr, "needs --border") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}
