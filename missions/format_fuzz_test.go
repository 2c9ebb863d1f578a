package missions

import (
	"os"
	"path/filepath"
	"testing"
)

// addSharedSeeds adds the shared sample files as seeds when they are there;
// fuzzing must also work without them, so absence is no failure here.
func addSharedSeeds(f *testing.F, patterns ...string) {
	dir := os.Getenv("BORDERWATCH_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "data")
	}
	for _, pat := range patterns {
		files, _ := filepath.Glob(filepath.Join(dir, pat))
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil {
				f.Add(data)
			}
		}
	}
}

// checkAccepted asserts what every reader promises for input it accepts:
// the plan writes and reads back to the same plan in every format.
func checkAccepted(t *testing.T, p *Plan) {
	t.Helper()
	for _, c := range []struct {
		name  string
		write func(*Plan) ([]byte, error)
		read  func([]byte) (*Plan, error)
	}{{"plan", WriteQGCPlan, ReadQGCPlan}, {"geojson", WritePlanGeoJSON, ReadPlanGeoJSON}} {
		out, err := c.write(p)
		if err != nil {
			t.Fatalf("%s: an accepted plan does not write: %v", c.name, err)
		}
		q, err := c.read(out)
		if err != nil {
			t.Fatalf("%s: a written plan does not read back: %v\n%s", c.name, err, out)
		}
		if d := p.Diff(q); d != "" {
			t.Fatalf("%s: round trip differs: %s", c.name, d)
		}
	}
	_ = Validate(p, Limits{})
}

func FuzzReadQGCPlan(f *testing.F) {
	addSharedSeeds(f, "qgc_plans/*/*.plan")
	if data, err := os.ReadFile("testdata/plans/survey_rally.plan"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"fileType":"Plan","version":1,"mission":{"version":2,"items":[{"type":"SimpleItem","command":16,"frame":3,"params":[0,0,0,null,47,8,20]}]}}`))
	f.Add([]byte(`{"fileType":"Plan","version":1,"mission":{"version":2,"items":[]},"geoFence":{"version":2,"circles":[{"circle":{"center":[1,2],"radius":5}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadQGCPlan(data)
		if err != nil {
			return
		}
		checkAccepted(t, p)
	})
}

func FuzzReadWPL(f *testing.F) {
	addSharedSeeds(f, "waypoints/*/*")
	f.Add([]byte("QGC WPL 110\r\n0\t1\t0\t16\t0\t0\t0\t0\t47.1\t8.5\t400\t1\r\n1\t0\t3\t177\t1\t2\t0\t0\t0\t0\t0\t1\r\n"))
	f.Add([]byte("QGC WPL 110\n# c\n0\t0\t3\t5003\t50\t0\t0\t0\t47.1\t8.5\t0\t1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, h := range []WPLHome{WPLHomeAuto, WPLHomeNone} {
			p, err := ReadWPL(data, h)
			if err != nil {
				continue
			}
			checkAccepted(t, p)
			// A mission read back from WPL holds the same items.
			for _, lt := range []MissionType{TypeMission, TypeFence, TypeRally} {
				out, err := WriteWPL(p, lt)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := ReadWPL(out, WPLHomeAuto); err != nil && len(p.Items(lt)) > 0 {
					t.Fatalf("written %s list does not read back: %v\n%s", lt, err, out)
				}
			}
		}
	})
}

func FuzzReadLegacyLists(f *testing.F) {
	addSharedSeeds(f, "waypoints/pymavlink/fence.txt", "waypoints/pymavlink/rally.txt", "waypoints/ardupilot_autotest/*fence*")
	f.Add([]byte("1 2\n1 2\n1.1 2\n1.1 2.1\n1 2\n"))
	f.Add([]byte("RALLY 1 2 3 4 5 6\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := ReadFenceList(data); err == nil {
			checkAccepted(t, p)
			out, err := WriteFenceList(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ReadFenceList(out); err != nil {
				t.Fatalf("written fence list does not read back: %v\n%s", err, out)
			}
		}
		if p, err := ReadRallyList(data); err == nil {
			checkAccepted(t, p)
		}
	})
}

func FuzzReadPlanGeoJSON(f *testing.F) {
	if out, err := WritePlanGeoJSON(testPlan()); err == nil {
		f.Add(out)
	}
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[8,47],[8.1,47],[8.1,47.1],[8,47]]]},"properties":{}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := ReadPlanGeoJSON(data); err == nil {
			checkAccepted(t, p)
		}
	})
}

// FuzzReadPlanData goes through format detection to every reader, KML
// included.
func FuzzReadPlanData(f *testing.F) {
	addSharedSeeds(f, "kml/*/*.kml", "qgc_plans/*/*.plan", "waypoints/*/*")
	if out, err := WritePlanKML(testPlan()); err == nil {
		f.Add(out)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := ReadPlanData(data, ""); err == nil {
			checkAccepted(t, p)
		}
	})
}
