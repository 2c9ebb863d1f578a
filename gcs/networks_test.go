package gcs

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
)

func TestLinkNetwork_NamesAndRefusals(t *testing.T) {
	for u, want := range map[string]string{
		"udp://0.0.0.0:14550":                          "",
		"udp://0.0.0.0:14550?network=east":             "east",
		"udpc://10.0.0.1:14550?network=net_2":          "net_2",
		"tcp://127.0.0.1:5760?network=a-b":             "a-b",
		"tcps://0.0.0.0:5760?network=west":             "west",
		"serial:///dev/ttyUSB0?baud=115200&network=r1": "r1",
	} {
		if got, err := LinkNetwork(u); err != nil || got != want {
			t.Errorf("LinkNetwork(%q) = %q, %v; want %q", u, got, err, want)
		}
	}
	for u, why := range map[string]string{
		"udp://0.0.0.0:14550?network=East":                       "only a-z",
		"udp://0.0.0.0:14550?network=":                           "needs a name",
		"udp://0.0.0.0:14550?network=a&network=b":                "one network per link",
		"udp://0.0.0.0:14550?network=" + strings.Repeat("a", 33): "longer than 32",
		"udp://0.0.0.0:14550?network=a%20b":                      "only a-z",
		"udp://0.0.0.0:14550?baud=9600":                          "unknown option",
		"udp://0.0.0.0:14550?net=east":                           "unknown option",
	} {
		_, err := LinkNetwork(u)
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("LinkNetwork(%q) = %v; want an error saying %q", u, err, why)
		}
	}
}

// Any link URL either is refused with an error or names a valid network that
// a link URL rebuilt from it names again.
func FuzzLinkNetwork(f *testing.F) {
	for _, s := range []string{"udp://0.0.0.0:14550?network=east", "tcp://h:1?network=a_b-c", "serial:///dev/x?baud=1&network=z", "udp://h:1?network=%E2%82%AC", "udp://h:1?network=a;b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, err := LinkNetwork(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "link ") {
				t.Fatalf("error %q does not name the link", err)
			}
			return
		}
		if telemetry.CheckNetworkName(name) != nil {
			t.Fatalf("LinkNetwork(%q) accepted the network name %q", s, name)
		}
		if name != "" {
			again, err := LinkNetwork("udp://127.0.0.1:1?network=" + name)
			if err != nil || again != name {
				t.Fatalf("network %q from %q does not survive a URL of its own: %q, %v", name, s, again, err)
			}
		}
	})
}

// Two simulated fleets with the same system ids on two MAVLink networks (two
// real UDP links on loopback) are two sets of vehicles: a mode command to one
// network's system id 1 is acknowledged by that drone and changes no other,
// and each network's drone 1 verifies a plan of its own.
func TestFleet_TwoNetworks_SameSysIDsAreTwoVehicles(t *testing.T) {
	hub := &telemetry.Hub{}
	frames := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindFrame}}, 1<<14)
	defer frames.Close()
	f := fastFleet(t, hub, func(f *Fleet) {
		f.Links = []string{"udp://127.0.0.1:0?network=east", "udp://127.0.0.1:0?network=west"}
	})
	east, west := telemetry.VehicleOf(1, 1), telemetry.VehicleOf(2, 1)
	sc := &simulator.Scenario{Name: "two networks", Vehicles: []simulator.VehicleSpec{{Flavor: "arducopter",
		Home: simulator.Home{Lat: 31.352, Lon: -110.95, AltM: 1200}}}}
	sim := &simulator.Fleet{GCS: udpURL(f, 0) + "," + udpURL(f, 1), Networks: 2, Drones: 4, Scenario: sc,
		Rate: 5, StepPeriod: time.Millisecond}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	ctx := ctxT(t, 90*time.Second)
	want := []telemetry.VehicleID{telemetry.VehicleOf(1, 1), telemetry.VehicleOf(1, 2), telemetry.VehicleOf(2, 1), telemetry.VehicleOf(2, 2)}
	testenv.Eventually(t, 15*time.Second, "four vehicles, two per network", func() bool {
		vs, _ := f.Vehicles(ctx)
		var ids []telemetry.VehicleID
		for _, v := range vs {
			if v.Autopilot != "ardupilot" {
				return false
			}
			ids = append(ids, v.ID)
		}
		return slices.Equal(ids, want)
	})
	for _, id := range want {
		v, _, _ := f.Vehicle(ctx, id)
		wantNet := map[uint32]string{1: "east", 2: "west"}[id.Network()]
		if v.SysID != id.SysID() || v.Network != wantNet {
			t.Fatalf("vehicle %d: sysid %d network %q; want %d on %q", id, v.SysID, v.Network, id.SysID(), wantNet)
		}
	}
	simOf := func(gcsIdx int, sysid uint8) simulator.VehicleStatus {
		for _, s := range sim.Status() {
			if s.SysID == sysid && s.GCS == udpURL(f, gcsIdx) {
				return s
			}
		}
		t.Fatalf("no simulated drone %d towards link %d", sysid, gcsIdx)
		return simulator.VehicleStatus{}
	}
	before := simOf(1, 1).Mode
	if before == "GUIDED" {
		t.Fatalf("the simulated drones start in GUIDED: the test cannot tell them apart")
	}
	res, err := f.SetMode(ctx, east, "GUIDED")
	if err != nil || res.Status != "accepted" {
		t.Fatalf("set mode on east's drone 1: %+v, %v", res, err)
	}
	if got := simOf(0, 1).Mode; got != "GUIDED" {
		t.Fatalf("east's simulated drone 1 is in %s after the command; want GUIDED", got)
	}
	for _, other := range [][2]int{{1, 1}, {0, 2}, {1, 2}} {
		if got := simOf(other[0], uint8(other[1])); got.Mode == "GUIDED" {
			t.Fatalf("simulated drone %d towards link %d went GUIDED: the command reached another network's drone", other[1], other[0])
		}
	}
	testenv.Eventually(t, 5*time.Second, "east's drone 1 shows GUIDED and west's does not", func() bool {
		e, _, _ := f.Vehicle(ctx, east)
		w, _, _ := f.Vehicle(ctx, west)
		return e.Mode == "GUIDED" && w.Mode == before
	})

	// A plan of its own to each network's drone 1, both verified, each
	// read back from its own drone.
	planEast, planWest := testPlan(), testPlan()
	planWest.Mission = append(planWest.Mission[:2:2], missions.Waypoint(31.357, -110.948, 70, 0), missions.ReturnToLaunch())
	for id, p := range map[telemetry.VehicleID]*missions.Plan{east: planEast, west: planWest} {
		rep, err := f.UploadPlan(ctx, id, p, TransferOptions{})
		if err != nil || !rep.Verified {
			t.Fatalf("upload to %d: %v (report %+v)", id, err, rep)
		}
	}
	for id, p := range map[telemetry.VehicleID]*missions.Plan{east: planEast, west: planWest} {
		got, err := f.DownloadPlan(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffPlanItems(FlavourArduPilot, 0, p.Mission, got.Mission); d != "" {
			t.Fatalf("vehicle %d holds another plan (%d items): %s", id, len(got.Mission), d)
		}
	}
	for _, id := range []telemetry.VehicleID{telemetry.VehicleOf(1, 2), telemetry.VehicleOf(2, 2)} {
		if items, _, err := f.Download(ctx, id, missions.TypeMission, nil); err != nil || len(items) != 0 {
			t.Fatalf("drone %d got a mission it was never sent: %d items, %v", id, len(items), err)
		}
	}
	// Every recorded frame names the vehicle of its link's network.
	for _, m := range frames.Drain(nil) {
		fr := m.(telemetry.Frame)
		if fr.Network != uint32(fr.Link)+1 || fr.Vehicle().Network() != fr.Network {
			t.Fatalf("frame of system %d on link %d is on network %d (vehicle %d)", fr.SystemID, fr.Link, fr.Network, fr.Vehicle())
		}
	}
}

// Networks are numbered through the registry once per name, in link order;
// links without a name share the default network.
func TestFleet_NumberNetworks_RegistryAndDefault(t *testing.T) {
	reg := &memRegistry{numbers: map[string]uint32{"west": 7}}
	f := &Fleet{Links: []string{"udp://127.0.0.1:0?network=east", "udp://127.0.0.1:0", "udp://127.0.0.1:0?network=west", "udp://127.0.0.1:0?network=east"}, Networks: reg}
	got, err := f.numberNetworks()
	if err != nil || !slices.Equal(got, []uint32{8, 0, 7, 8}) {
		t.Fatalf("numbers %v, %v; want [8 0 7 8]", got, err)
	}
	if reg.asked["east"] != 1 || reg.asked[""] != 0 {
		t.Fatalf("registry asked %v; want east once and never the default network", reg.asked)
	}
	if name, ok := f.NetworkName(8); !ok || name != "east" {
		t.Fatalf("NetworkName(8) = %q, %v", name, ok)
	}
	f = &Fleet{Links: []string{"udp://127.0.0.1:0?network=b", "udp://127.0.0.1:0?network=a"}}
	if got, err := f.numberNetworks(); err != nil || !slices.Equal(got, []uint32{1, 2}) {
		t.Fatalf("without a registry: %v, %v; want [1 2]", got, err)
	}
}

// memRegistry stands in for the store's registry (store.Store.NetworkNumber),
// which this package must not import; internal/e2e runs the real one.
type memRegistry struct {
	numbers map[string]uint32
	asked   map[string]int
}

func (m *memRegistry) NetworkNumber(name string) (uint32, error) {
	if m.asked == nil {
		m.asked = map[string]int{}
	}
	m.asked[name]++
	if n, ok := m.numbers[name]; ok {
		return n, nil
	}
	n := uint32(len(m.numbers) + 7)
	m.numbers[name] = n
	return n, nil
}
