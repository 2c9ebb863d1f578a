package decode

import (
	"slices"
	"testing"

	"github.com/borderwatch/borderwatch/telemetry"
)

// The admission rule over a whole recording: an autopilot's heartbeat makes
// a vehicle, as live; the other systems are companions.
func TestCensus_Vehicles_AutopilotHeartbeatDecides(t *testing.T) {
	var c Census
	for _, id := range []telemetry.VehicleID{1, 2, 255, 9} {
		c.Frame(id, true)
	}
	c.Heartbeat(1, copterHB)
	c.Heartbeat(255, gcsHB)
	// System 2 sent verified frames but no heartbeat: beside a vehicle that
	// did, it is not one (live would not admit it either).
	vehicles, others := c.Vehicles()
	if !slices.Equal(vehicles, []telemetry.VehicleID{1}) || !slices.Equal(others, []telemetry.VehicleID{2, 9, 255}) {
		t.Fatalf("vehicles %v, others %v; want [1] and [2 9 255]", vehicles, others)
	}
}

// A fragment without any autopilot heartbeat (the rule import had of its own
// before it moved here, issue 12): every system with a verified frame that
// never sent a GCS's or a component's heartbeat is a vehicle; a system heard
// only in frames that could not be verified (noise read as records) is not.
func TestCensus_Vehicles_FragmentWithoutAutopilotHeartbeat(t *testing.T) {
	var c Census
	c.Frame(1, false)
	c.Frame(1, true) // one verified frame is enough
	c.Frame(3, true)
	c.Frame(255, true)
	c.Heartbeat(255, gcsHB)
	c.Frame(100, true)
	c.Heartbeat(100, cameraHB)
	c.Frame(77, false) // never verified
	vehicles, others := c.Vehicles()
	if !slices.Equal(vehicles, []telemetry.VehicleID{1, 3}) || !slices.Equal(others, []telemetry.VehicleID{77, 100, 255}) {
		t.Fatalf("vehicles %v, others %v; want [1 3] and [77 100 255]", vehicles, others)
	}
	// The first autopilot heartbeat ends the fragment rule for everyone.
	c.Heartbeat(3, copterHB)
	vehicles, _ = c.Vehicles()
	if !slices.Equal(vehicles, []telemetry.VehicleID{3}) {
		t.Fatalf("after an autopilot heartbeat: vehicles %v, want [3]", vehicles)
	}
}

func TestCensus_Vehicles_Empty(t *testing.T) {
	var c Census
	if v, o := c.Vehicles(); v != nil || o != nil {
		t.Fatalf("empty census: %v %v", v, o)
	}
}
