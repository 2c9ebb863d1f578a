package simulator

import (
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/dialect/borderwatch"
)

func TestVehicle_Detect_TargetCrossingUnderneathDetectedFarOneNot(t *testing.T) {
	sc := groundScenario("arducopter")
	v0 := &sc.Vehicles[0]
	v0.Start, v0.StartAltM = "flying", 100
	v0.Camera = Camera{TrackingStatus: true}
	sLat, sLon := at(-300, 0)
	nLat, nLon := at(300, 0)
	fLat, fLon := at(-300, 2000)
	gLat, gLon := at(300, 2000)
	sc.Targets = []Target{
		{ID: 42, Class: "person", SpeedMS: 2, Path: []LatLon{{sLat, sLon}, {nLat, nLon}}},
		{ID: 7, Class: "vehicle", SpeedMS: 2, Path: []LatLon{{fLat, fLon}, {gLat, gLon}}},
	}
	f, g := startFleet(t, sc, nil)
	for i := 0; i < 300; i++ { // 300 s: the person walks 600 m, under the drone at 150 s
		if err := f.Step(time.Second); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Microsecond) // let the GCS socket keep up
	}
	var near, person, tracking int
	// Everything the steps sent, up to a barrier (a 2 s wall-clock window
	// missed some under load).
	g.barrier(1, func(r rx) {
		switch m := r.msg.(type) {
		case *borderwatch.MessageDetection:
			if m.TrackId != 42 {
				t.Fatalf("detected track %d: the far target is 2 km away, beyond the camera", m.TrackId)
			}
			near++
			if m.TargetClass == borderwatch.BW_TARGET_CLASS_PERSON {
				person++
			}
			// Only inside the footprint: 100 m × tan(30°) ≈ 58 m, i.e. 121-179 s into the walk.
			sec := time.UnixMicro(int64(m.TimeUsec)).Sub(f.epoch).Seconds()
			if sec < 120 || sec > 180 {
				t.Fatalf("detection at %.0f s, when the person was not under the drone", sec)
			}
			lat, lon, _, _, _ := sc.Targets[0].At(time.Duration(sec * float64(time.Second)))
			if d := distance(float64(m.Lat)/1e7, float64(m.Lon)/1e7, lat, lon); d > 10 {
				t.Fatalf("reported position %.1f m from the target", d)
			}
			if m.Confidence == 0 || m.Confidence > 100 || m.Range < 99 {
				t.Fatalf("detection %+v", m)
			}
		case *common.MessageCameraTrackingGeoStatus:
			tracking++
		}
	})
	if near < 25 {
		t.Fatalf("%d detections of the crossing person in ~57 s under the camera, want most of them", near)
	}
	if person < near*8/10 {
		t.Fatalf("%d of %d detections classified as person", person, near)
	}
	if tracking == 0 {
		t.Fatal("no CAMERA_TRACKING_GEO_STATUS although the camera was asked for it")
	}
}

func TestDetectProbability_FallsWithRange(t *testing.T) {
	prev := 1.0
	for r := 0.0; r <= 700; r += 50 {
		p := detectProbability(r, 600)
		if p > prev || p < 0 || p > 1 {
			t.Fatalf("p(%v) = %v after %v", r, p, prev)
		}
		prev = p
	}
	if detectProbability(600, 600) != 0 || detectProbability(0, 600) < 0.9 {
		t.Fatal("want near certainty overhead and nothing at the range limit")
	}
}

func TestTarget_CrossAt_PassesTheCrossingPointOnTime(t *testing.T) {
	sc, err := LoadScenario("crossings")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range sc.Targets[:2] {
		tg.prepare()
		lat, lon, _, _, ok := tg.At(tg.CrossAt.D())
		if !ok {
			t.Fatalf("target %d not present at its crossing time", tg.ID)
		}
		if d := distance(lat, lon, tg.CrossPoint.Lat, tg.CrossPoint.Lon); d > 1 {
			t.Fatalf("target %d is %.1f m from the border point at %v", tg.ID, d, tg.CrossAt.D())
		}
		// The border of the demo layer is the parallel 31.3322: south before, north after.
		before, _, _, _, _ := tg.At(tg.CrossAt.D() - 30*time.Second)
		after, _, _, _, _ := tg.At(tg.CrossAt.D() + 30*time.Second)
		if before >= 31.3322 || after <= 31.3322 {
			t.Fatalf("target %d at %f then %f: does not cross northwards", tg.ID, before, after)
		}
	}
}
