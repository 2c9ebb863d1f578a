package missions

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestUploadWarnings_FarOtherAutopilotClearsMission(t *testing.T) {
	home := &Position{Lat: 31.35, Lon: -110.95}
	near := &Plan{Mission: []Item{Takeoff(0, 0, 50), Waypoint(31.36, -110.95, 100, 0), ReturnToLaunch()}, Vehicle: Vehicle{FirmwareType: FirmwareArduPilot}}
	if w := UploadWarnings(near, UploadTarget{FirmwareType: FirmwareArduPilot, Home: home, MissionItems: 12}); len(w) != 0 {
		t.Fatalf("a near plan for the right autopilot: %+v", w)
	}
	// 0.5° of latitude is about 55 km.
	far := &Plan{Mission: []Item{Waypoint(31.85, -110.95, 100, 0), Waypoint(31.9, -110.95, 100, 0)}, Vehicle: Vehicle{FirmwareType: FirmwarePX4}}
	w := UploadWarnings(far, UploadTarget{FirmwareType: FirmwareArduPilot, Home: home})
	if len(w) != 2 || w[0].Code != WarnFarFromHome || !strings.Contains(w[0].Message, "item 1") || w[1].Code != WarnOtherAutopilot {
		t.Fatalf("far PX4 plan to an ArduPilot: %+v", w)
	}
	if w := UploadWarnings(far, UploadTarget{FirmwareType: FirmwarePX4, Home: home, FarFromHomeM: 60000}); len(w) != 0 {
		t.Fatalf("within a larger FarFromHomeM: %+v", w)
	}
	fenceOnly := &Plan{Fence: Fence{Polygons: []FencePolygon{{Inclusion: true, Vertices: []orb.Point{{-111, 31}, {-110, 31}, {-110, 32}}}}}}
	w = UploadWarnings(fenceOnly, UploadTarget{FirmwareType: FirmwarePX4, Home: home, MissionItems: 4})
	if len(w) != 1 || w[0].Code != WarnClearsMission || !strings.Contains(w[0].Message, "4 mission items") {
		t.Fatalf("fence-only plan over a mission: %+v", w)
	}
	if w := UploadWarnings(fenceOnly, UploadTarget{FirmwareType: FirmwarePX4}); len(w) != 0 {
		t.Fatalf("fence-only plan to a vehicle without a mission: %+v", w)
	}
}
