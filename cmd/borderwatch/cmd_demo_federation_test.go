package main

import (
	"bytes"
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions/geo"
)

// demo --federation runs a headquarters and two stations in one process:
// the HQ shows a drone of each station, the demo's login works at the HQ
// and at a station, and it stops on cancel.
func TestDemo_Federation_HQSeesBothStations(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	infos := make(chan map[string]string, 1)
	e := &env{stdout: &out, stderr: &errOut, ready: func(info map[string]string) { infos <- info }}
	var wg sync.WaitGroup
	wg.Add(1)
	code := -1
	exited := make(chan struct{})
	go func() {
		defer wg.Done()
		defer close(exited)
		code = run(ctx, e, []string{"demo", "--federation", "--http", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "demo.db"), "--drones", "1", "--speedup", "5"})
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	info := waitDemoReady(t, infos, exited)
	base := info["url"]
	c := demoLogin(t, base, out.String(), "supervisor")
	pos := map[string]orb.Point{}
	testenv.Eventually(t, 60*time.Second, "east/1 and west/1 at the HQ", func() bool {
		vs := hqVehicles(c, base)
		keys := map[any]bool{}
		for _, v := range vs {
			keys[v["key"]] = v["stale"] == false
			// A vehicle's state is flat in its object (docs/api.md).
			lat, okLat := v["lat"].(float64)
			lon, okLon := v["lon"].(float64)
			if k, ok := v["key"].(string); ok && v["has_position"] == true && okLat && okLon {
				pos[k] = orb.Point{lon, lat}
			}
		}
		return keys["east/1"] && keys["west/1"] && len(pos) == 2
	})
	// Each station patrols its own stretch of the border: the two fleets
	// are apart on the HQ's map, not one on top of the other.
	if km := geo.Distance(pos["east/1"], pos["west/1"]) / 1000; km < 5 {
		t.Fatalf("east/1 at %v and west/1 at %v are only %.1f km apart on the HQ's map", pos["east/1"], pos["west/1"], km)
	}
	demoLogin(t, info["east"], out.String(), "operator")
	cancel()
	wg.Wait()
	if code != 0 {
		t.Fatalf("demo --federation exited %d: %s", code, errOut.String())
	}
	for _, want := range []string{base, info["east"], info["west"], "Station east:"} {
		if !bytes.Contains([]byte(out.String()), []byte(want)) {
			t.Fatalf("demo --federation did not print %q: %q", want, out.String())
		}
	}
}
