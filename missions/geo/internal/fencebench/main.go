// Command fencebench measures point-in-fence checks side by side: Borderwatch's
// geo.FenceIndex and GEOS prepared geometry through Debian's python3-shapely,
// on the same 10 000-vertex fence, 500 exclusion zones and points, in one run.
//
//	go run ./missions/geo/internal/fencebench [-points 1000000]
//
// It needs python3 with shapely and numpy (apt-get install python3-shapely);
// it is a benchmark procedure, not part of `go test`.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/borderwatch/borderwatch/missions/geo/internal/fencedata"
	"github.com/paulmach/orb"
)

func main() {
	points := flag.Int("points", 1_000_000, "query points")
	script := flag.String("script", "", "the shapely script (default: testdata/shapely_fence.py beside this package)")
	python := flag.String("python", defaultPython(), "the Python that has Debian's python3-shapely")
	flag.Parse()
	if err := run(*points, *script, *python); err != nil {
		fmt.Fprintln(os.Stderr, "fencebench:", err)
		os.Exit(1)
	}
}

// defaultPython prefers Debian's interpreter: a pyenv or venv python3 earlier
// on PATH does not see the apt-installed shapely.
func defaultPython() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

func run(points int, script, python string) error {
	if script == "" {
		_, file, _, _ := runtime.Caller(0)
		script = filepath.Join(filepath.Dir(file), "..", "..", "testdata", "shapely_fence.py")
	}
	set := fencedata.Make(1, 10_000, 500, points)
	dir, err := os.MkdirTemp("", "fencebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	shapes := map[string]any{"fence": set.Fence, "zones": set.Zones}
	js, err := json.Marshal(shapes)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "fence.json"), js, 0o600); err != nil {
		return err
	}
	buf := make([]byte, 16*len(set.Points))
	for i, p := range set.Points {
		binary.LittleEndian.PutUint64(buf[16*i:], math.Float64bits(p[0]))
		binary.LittleEndian.PutUint64(buf[16*i+8:], math.Float64bits(p[1]))
	}
	if err := os.WriteFile(filepath.Join(dir, "points.f64"), buf, 0o600); err != nil {
		return err
	}

	t0 := time.Now()
	f := geo.NewFenceIndex([]orb.Polygon{set.Fence}, set.Zones, nil, nil)
	build := time.Since(t0)
	fenceOnly := geo.NewPolygonIndex(set.Fence)
	var best, bestFence time.Duration
	allowed, inside := 0, 0
	for range 3 {
		n := 0
		t := time.Now()
		for _, p := range set.Points {
			if f.Allowed(p) {
				n++
			}
		}
		if d := time.Since(t); best == 0 || d < best {
			best = d
		}
		allowed = n
		n = 0
		t = time.Now()
		for _, p := range set.Points {
			if fenceOnly.Contains(p) {
				n++
			}
		}
		if d := time.Since(t); bestFence == 0 || d < bestFence {
			bestFence = d
		}
		inside = n
	}

	cmd := exec.Command(python, script, filepath.Join(dir, "fence.json"), filepath.Join(dir, "points.f64"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("the shapely half failed (apt-get install python3-shapely?): %w", err)
	}
	var py struct {
		Seconds      float64 `json:"seconds"`
		FenceSeconds float64 `json:"fence_seconds"`
		Points       int     `json:"points"`
		Allowed      int     `json:"allowed"`
		Inside       int     `json:"inside"`
		Shapely      string  `json:"shapely"`
	}
	if err := json.Unmarshal(out, &py); err != nil {
		return fmt.Errorf("shapely output %q: %w", out, err)
	}
	goRate := float64(len(set.Points)) / best.Seconds()
	pyRate := float64(py.Points) / py.Seconds
	goFence := float64(len(set.Points)) / bestFence.Seconds()
	pyFence := float64(py.Points) / py.FenceSeconds
	fmt.Printf("data: fence 10000 vertices, 500 exclusion zones, %d points (%d allowed by Go, %d by GEOS)\n", len(set.Points), allowed, py.Allowed)
	fmt.Printf("fence + 500 zones: geo.FenceIndex %6.2f M checks/s (built in %v) | GEOS prepared (shapely %s) %6.2f M checks/s | ratio %.2fx\n",
		goRate/1e6, build.Round(time.Millisecond), py.Shapely, pyRate/1e6, goRate/pyRate)
	fmt.Printf("fence only:        geo.PolygonIndex %6.2f M checks/s | GEOS prepared %6.2f M checks/s | ratio %.2fx (%d / %d inside)\n",
		goFence/1e6, pyFence/1e6, goFence/pyFence, inside, py.Inside)
	if allowed != py.Allowed {
		// Points within rounding of an edge may differ; more than a handful is a bug.
		fmt.Printf("note: %d points answered differently\n", abs(allowed-py.Allowed))
	}
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
