package telemetry_test

import (
	"strconv"
	"testing"

	"github.com/borderwatch/borderwatch/telemetry"
)

func TestVehicleOf_DefaultNetworkIsTheSystemID(t *testing.T) {
	for sys := 1; sys < 256; sys++ {
		id := telemetry.VehicleOf(0, uint8(sys))
		if uint32(id) != uint32(sys) || id.SysID() != uint8(sys) || id.Network() != 0 {
			t.Fatalf("VehicleOf(0, %d) = %d (sysid %d, network %d)", sys, id, id.SysID(), id.Network())
		}
	}
	id := telemetry.VehicleOf(3, 7)
	if id != 3*256+7 || id.SysID() != 7 || id.Network() != 3 || id.String() != "775" {
		t.Fatalf("VehicleOf(3, 7) = %d", id)
	}
}

func TestParseVehicleID_RefusesWhatIsNoVehicle(t *testing.T) {
	for _, s := range []string{"", "0", "256", "512", "01", "+1", "-1", "1.0", "1e3", " 1", "0x10", "4294967296", "16777217", "abc"} {
		if id, err := telemetry.ParseVehicleID(s); err == nil {
			t.Errorf("ParseVehicleID(%q) = %d; want an error", s, id)
		}
	}
	for s, want := range map[string]telemetry.VehicleID{"1": 1, "255": 255, "257": telemetry.VehicleOf(1, 1), "16777215": telemetry.VehicleOf(65535, 255)} {
		if id, err := telemetry.ParseVehicleID(s); err != nil || id != want {
			t.Errorf("ParseVehicleID(%q) = %d, %v; want %d", s, id, err, want)
		}
	}
}

// Any text either is refused or names a vehicle (system id 1–255, a network
// below MaxNetworks) whose id prints back as the same text.
func FuzzParseVehicleID(f *testing.F) {
	for _, s := range []string{"1", "0", "255", "256", "257", "01", "16777215", "16777216", "-3", "99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := telemetry.ParseVehicleID(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if id.SysID() == 0 || id.Network() >= telemetry.MaxNetworks {
			t.Fatalf("ParseVehicleID(%q) = %d: not a vehicle", s, id)
		}
		if id.String() != s || telemetry.VehicleOf(id.Network(), id.SysID()) != id {
			t.Fatalf("ParseVehicleID(%q) = %d, which prints as %q", s, id, id.String())
		}
		if n, _ := strconv.ParseUint(s, 10, 64); n != uint64(id) {
			t.Fatalf("ParseVehicleID(%q) = %d", s, id)
		}
	})
}
