package missions

import (
	"math"
	"testing"
)

// bigMission builds an 829-item mission (home + 828 items) like the large
// ArduPilot autotest mission SOURCES.md mentions; that file is not in the
// shared data set, so the benchmark generates one of the same size: a
// lawnmower of waypoints with a speed change and a camera trigger every 20
// items and NaN ("unused") yaw params, as QGroundControl writes them.
func bigMission() *Plan {
	p := &Plan{Home: &Position{Lat: -35.363261, Lon: 149.165230, AltM: 584}, Vehicle: Vehicle{FirmwareType: FirmwareArduPilot, VehicleType: 2}}
	p.Mission = append(p.Mission, Takeoff(0, 0, 40))
	for i := 1; len(p.Mission) < 828; i++ {
		switch {
		case i%20 == 0:
			p.Mission = append(p.Mission, ChangeSpeed(8+float64(i%5)))
		case i%20 == 10:
			p.Mission = append(p.Mission, SetCamTriggerDistance(25))
		default:
			wp := Waypoint(-35.36+float64(i/40)*0.0005, 149.16+float64(i%40)*0.0005*math.Cos(float64(i)), 60, 0)
			wp.Params[3] = math.NaN()
			p.Mission = append(p.Mission, wp)
		}
	}
	return p
}

func BenchmarkReadWPL_829Items(b *testing.B) {
	data, err := WriteWPL(bigMission(), TypeMission)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadWPL(data, WPLHomeAuto); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteWPL_829Items(b *testing.B) {
	p := bigMission()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WriteWPL(p, TypeMission); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadQGCPlan_829Items(b *testing.B) {
	data, err := WriteQGCPlan(bigMission())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadQGCPlan(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteQGCPlan_829Items(b *testing.B) {
	p := bigMission()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WriteQGCPlan(p); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBigMission_Is829ItemsWithHome(t *testing.T) {
	data, err := WriteWPL(bigMission(), TypeMission)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadWPL(data, WPLHomeAuto)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.Mission) + 1; n != 829 {
		t.Fatalf("%d items with home, want 829", n)
	}
	if d := bigMission().Diff(p); d != "" {
		t.Fatal(d)
	}
}
