package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/demo"
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
	// Station east's whole scenario (its drone, the intruders and the
	// Remote ID drones its simulator runs) is on its own stretch: every
	// drone and detection it reports lies there, not at Nogales, where
	// west's lie.
	now := time.Now()
	area := map[string]orb.Bound{}
	for station, shift := range map[string]float64{"east": demo.EastStretchLonDeg, "west": 0} {
		b, err := demo.StretchBound(now, shift)
		if err != nil {
			t.Fatal(err)
		}
		area[station] = b.Pad(0.01) // about 1 km: a detection is where the sensor puts the target
	}
	if area["east"].Intersects(area["west"]) {
		t.Fatalf("the stretches overlap: east %v, west %v", area["east"], area["west"])
	}
	onOwnStretch := func(what, station string, lat, lon float64) {
		t.Helper()
		p := orb.Point{lon, lat}
		for other, b := range area {
			if (other == station) != b.Contains(p) {
				t.Fatalf("%s of station %s at %v: inside %s's stretch %v is %v", what, station, p, other, b, b.Contains(p))
			}
		}
	}
	// Wait for east to detect one of the built-in scenario's intruders
	// (track 107, walking past the first launch site, is the demo's own
	// and always moved with the fleet): until they moved too, east's
	// drones never saw them, 19 km away at Nogales.
	var dets []map[string]any
	testenv.Eventually(t, 3*time.Minute, "a detection by station east of an intruder of the built-in scenario", func() bool {
		dets = hqList(c, base, "detections")
		for _, d := range dets {
			data, _ := d["data"].(map[string]any)
			if d["station"] == "east" && data["track_id"] != nil && data["track_id"] != float64(107) {
				t.Logf("east detected track %v after %v", data["track_id"], time.Since(now))
				return true
			}
		}
		return false
	})
	for _, d := range dets {
		data, _ := d["data"].(map[string]any)
		lat, okLat := data["lat"].(float64)
		lon, okLon := data["lon"].(float64)
		station, _ := d["station"].(string)
		if !okLat || !okLon {
			t.Fatalf("a detection without a position: %v", d)
		}
		onOwnStretch(fmt.Sprintf("detection %v", data["track_id"]), station, lat, lon)
	}
	for _, v := range hqList(c, base, "vehicles") {
		lat, okLat := v["lat"].(float64)
		lon, okLon := v["lon"].(float64)
		station, _ := v["station"].(string)
		if v["has_position"] == true && okLat && okLon {
			onOwnStretch(fmt.Sprintf("drone %v", v["key"]), station, lat, lon)
		}
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
