package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// The CLI plans a section of the real US–Mexico line and writes .plan files
// that read back as QGroundControl plans, each passing the plan checks and
// the spatial checks against the border at the standoff.
func TestPlanCorridor_CLI_WritesCheckedQGCPlans(t *testing.T) {
	border := filepath.Join(testenv.SharedData(t), "borders", "extracts", "us_mexico_border_lines_ne10m.geojson")
	dir := t.TempDir()
	code, out, errOut := runPlanCmd(t, "corridor", "--border", border, "--side", "United States of America",
		"--from", "31.34,-111.2", "--to", "31.33,-110.5", "--standoff", "0.6km", "--alt", "100", "--drones", "2",
		"--speed", "15", "--endurance", "2h", "--site", "Nogales@31.35,-110.94", "-o", filepath.Join(dir, "patrol.plan"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Revisit time:") || !strings.Contains(out, "from Nogales") {
		t.Fatalf("summary: %s", out)
	}
	layer, err := missions.ParseLayer(mustRead(t, border), "b", "b", missions.LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := missions.NewBorderIndex(layer)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "patrol-d*.plan"))
	if len(files) == 0 {
		t.Fatalf("no plan written: %s", out)
	}
	for _, f := range files {
		p, err := missions.ReadQGCPlan(mustRead(t, f))
		if err != nil {
			t.Fatalf("%s does not read back: %v", f, err)
		}
		if len(p.Mission) < 3 || len(p.Fence.Polygons) != 1 || p.Home == nil || p.Vehicle.FirmwareType != missions.FirmwareArduPilot {
			t.Fatalf("%s: %d items, %d fence polygons, home %v", f, len(p.Mission), len(p.Fence.Polygons), p.Home)
		}
		if ps := missions.Validate(p, missions.Limits{}); ps.Err() != nil {
			t.Fatalf("%s: %v", f, ps.Err())
		}
		if ps := missions.ValidateGeo(p, missions.GeoRules{Border: ix, MinBorderDistM: 599}); len(ps) > 0 {
			t.Fatalf("%s: %v", f, ps)
		}
	}
}

func TestPlanCorridor_CLI_AsksWhichSide(t *testing.T) {
	border := filepath.Join(testenv.SharedData(t), "borders", "extracts", "finland_russia_border_lines_ne10m.geojson")
	code, _, errOut := runPlanCmd(t, "corridor", "--border", border, "-o", filepath.Join(t.TempDir(), "p.plan"))
	if code == 0 || !strings.Contains(errOut, `names "Russia" on the left and "Finland" on the right: say which side is ours (--side, or "side" in a request)`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, _, errOut = runPlanCmd(t, "corridor", "--border", border, "--side", "Norway", "-o", filepath.Join(t.TempDir(), "p.plan"))
	if code == 0 || !strings.Contains(errOut, `does not name "Norway"`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, _, errOut = runPlanCmd(t, "corridor", "--border", border, "--standoff", "far", "-o", "x.plan")
	if code == 0 || !strings.Contains(errOut, `"far" is not a distance`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestPlanCorridor_CLI_NoFlyLayerBecomesExclusions(t *testing.T) {
	dir := t.TempDir()
	zone := filepath.Join(dir, "airport.geojson")
	if err := os.WriteFile(zone, []byte(`{"type":"Polygon","coordinates":[[[-110.91,31.331],[-110.89,31.331],[-110.89,31.35],[-110.91,31.35],[-110.91,31.331]]]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	border := filepath.Join("..", "..", "missions", "demodata", "nogales_border.geojson")
	code, out, errOut := runPlanCmd(t, "corridor", "--border", border, "--side", "United States of America", "--no-fly", zone, "--no-fly-margin", "150m",
		"--drones", "4", "--vehicle", "plane", "-o", filepath.Join(dir, "p.plan"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "p-d*.plan"))
	excluded := 0
	for _, f := range files {
		p, err := missions.ReadQGCPlan(mustRead(t, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, fp := range p.Fence.Polygons {
			if !fp.Inclusion {
				excluded++
			}
		}
		if ps := missions.ValidateGeo(p, missions.GeoRules{}); len(ps) > 0 {
			t.Fatalf("%s: %v", f, ps)
		}
	}
	if excluded == 0 {
		t.Fatalf("no plan excludes the no-fly zone: %s", out)
	}
	code, _, errOut = runPlanCmd(t, "corridor", "--border", border, "--side", "left", "--no-fly", border, "-o", filepath.Join(dir, "q.plan"))
	if code == 0 || !strings.Contains(errOut, "holds polygons, not a LineString") {
		t.Fatalf("a line as a no-fly layer: exit %d: %s", code, errOut)
	}
}

// plan fence writes a fence-only .plan: our side of the real line, at least
// the standoff from it, each polygon within the vertex limit, the no-fly
// zone excluded.
func TestPlanFence_CLI_WritesFencePlan(t *testing.T) {
	border := filepath.Join(testenv.SharedData(t), "borders", "extracts", "us_mexico_border_lines_ne10m.geojson")
	dir := t.TempDir()
	zone := filepath.Join(dir, "airport.kml")
	if err := os.WriteFile(zone, []byte(`<kml><Placemark><name>airport</name><Polygon><outerBoundaryIs><LinearRing><coordinates>-110.95,31.36 -110.90,31.36 -110.90,31.40 -110.95,31.40</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "fence.plan")
	code, stdout, errOut := runPlanCmd(t, "fence", "--border", border, "--side", "United States of America",
		"--from", "31.5,-111.5", "--to", "31.33,-110.4", "--standoff", "300m", "--depth", "8km",
		"--no-fly", zone, "--max-vertices", "40", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "1 exclusion polygon") {
		t.Fatalf("summary: %s", stdout)
	}
	p, err := missions.ReadQGCPlan(mustRead(t, out))
	if err != nil {
		t.Fatal(err)
	}
	if ps := missions.Validate(p, missions.Limits{}); ps.Err() != nil {
		t.Fatal(ps.Err())
	}
	layer, err := missions.ParseLayer(mustRead(t, border), "b", "b", missions.LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := missions.NewBorderIndex(layer)
	if err != nil {
		t.Fatal(err)
	}
	for _, fp := range p.Fence.Polygons {
		if len(fp.Vertices) > 40 {
			t.Fatalf("polygon of %d vertices", len(fp.Vertices))
		}
		if !fp.Inclusion {
			continue
		}
		for k := range fp.Vertices {
			a, b := fp.Vertices[k], fp.Vertices[(k+1)%len(fp.Vertices)]
			if d := ix.SegmentDistance(a, b, 300); d < 299.5 {
				t.Fatalf("inclusion edge %d comes %.1f m from the border", k, d)
			}
			if s, ok := ix.Nearest(a, 50_000); !ok || s.Country != "United States of America" {
				t.Fatalf("inclusion vertex %v is not on the US side: %+v", a, s)
			}
		}
	}
}

// Issue 11 §1: `plan corridor` near Nogales wrote an inclusion fence with 13
// of its 32 vertices south of the line (down to 1.86 km into Mexico), its
// edges crossing the border just past the section's ends; with a 500 m
// standoff from −111.0 to −110.90, 27 of 60. Every fence must now lie on
// the US side, at least the fence margin (default half the standoff) from
// the line, edges included, and `plan validate` must say so too.
func TestPlanCorridor_CLI_FenceStaysOnOurSide_Issue11(t *testing.T) {
	border := filepath.Join(testenv.SharedData(t), "borders", "extracts", "us_mexico_border_lines_ne10m.geojson")
	ix := borderIndexOf(t, border)
	for _, tc := range []struct {
		name             string
		from, to         string
		standoff, margin float64
		extra            []string
	}{
		{"reported", "31.327,-110.97", "31.327,-110.93", 300, 150, nil},
		{"second", "31.327,-111.0", "31.327,-110.90", 500, 250, nil},
		{"explicit margin", "31.327,-111.0", "31.327,-110.90", 500, 100, []string{"--fence-margin", "100m"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"corridor", "--border", border, "--side", "United States of America",
				"--from", tc.from, "--to", tc.to, "--site", "Home@31.345,-110.95,1190",
				"--standoff", fmt.Sprintf("%gm", tc.standoff), "--alt", "60", "--speed", "10", "--endurance", "20m", "--drones", "1",
				"-o", filepath.Join(dir, "p.plan")}, tc.extra...)
			code, out, errOut := runPlanCmd(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "p-d*.plan"))
			if len(files) == 0 {
				t.Fatalf("no plan written: %s", out)
			}
			for _, f := range files {
				p, err := missions.ReadQGCPlan(mustRead(t, f))
				if err != nil {
					t.Fatal(err)
				}
				if p.Home == nil || p.Home.AltM != 1190 {
					t.Errorf("%s: home %+v, want the site's altitude 1190 m AMSL", f, p.Home)
				}
				assertFenceOnSide(t, f, p, ix, "United States of America", tc.margin)
				if ps := missions.ValidateGeo(p, missions.GeoRules{Border: ix, MinBorderDistM: tc.standoff - 1, MinFenceBorderDistM: tc.margin - 1}); len(ps) > 0 {
					t.Errorf("%s: %v", f, ps)
				}
				code, vout, verr := runPlanCmd(t, "validate", f, "--border", border, "--min-border-dist", fmt.Sprintf("%gm", tc.standoff-1),
					"--min-fence-border-dist", fmt.Sprintf("%gm", tc.margin-1))
				if code != 0 {
					t.Errorf("plan validate %s: exit %d: %s%s", f, code, vout, verr)
				}
			}
		})
	}
}

func borderIndexOf(t *testing.T, path string) *missions.BorderIndex {
	t.Helper()
	layer, err := missions.ParseLayer(mustRead(t, path), "b", "b", missions.LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := missions.NewBorderIndex(layer)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// assertFenceOnSide checks every inclusion polygon of p independently of
// the planner: each vertex, and points every 10 m along each edge (straight
// in lon/lat, as autopilots draw fence edges), on country's side of the
// border and at least marginM from it, and each edge's exact distance too.
func assertFenceOnSide(t *testing.T, name string, p *missions.Plan, ix *missions.BorderIndex, country string, marginM float64) {
	t.Helper()
	incl := 0
	for pi, fp := range p.Fence.Polygons {
		if !fp.Inclusion {
			continue
		}
		incl++
		n := len(fp.Vertices)
		for k := range n {
			a, b := fp.Vertices[k], fp.Vertices[(k+1)%n]
			if d := ix.SegmentDistance(a, b, marginM); d < marginM-0.5 {
				t.Errorf("%s: polygon %d edge %d comes %.1f m from the border (margin %.0f m)", name, pi+1, k+1, d, marginM)
			}
			steps := max(1, int(geo.Distance(a, b)/10))
			for s := 0; s < steps; s++ {
				f := float64(s) / float64(steps)
				q := orb.Point{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f}
				seg, ok := ix.Nearest(q, 100_000)
				if !ok || seg.Country != country {
					t.Fatalf("%s: polygon %d edge %d at %v is not on the %s side: %+v", name, pi+1, k+1, q, country, seg)
				}
				if seg.DistM < marginM-0.5 {
					t.Fatalf("%s: polygon %d edge %d at %v is %.1f m from the border (margin %.0f m)", name, pi+1, k+1, q, seg.DistM, marginM)
				}
			}
		}
	}
	if incl == 0 {
		t.Fatalf("%s: no inclusion fence", name)
	}
}

// Issue 11 §3: --help states the copter and plane defaults of --speed and
// --endurance and the fence margin's default.
func TestPlanCorridor_CLI_HelpStatesVehicleDefaults(t *testing.T) {
	code, out, errOut := runPlanCmd(t, "corridor", "--help")
	help := out + errOut
	for _, want := range []string{"copter 10 m/s and 20m0s", "plane 15 m/s and 1h0m0s", "-fence-margin", "default half the standoff, at least 50m", "-rally-depth", "NAME@LAT,LON[,ALT]"} {
		if !strings.Contains(help, want) {
			t.Errorf("exit %d: --help lacks %q:\n%s", code, want, help)
		}
	}
}
