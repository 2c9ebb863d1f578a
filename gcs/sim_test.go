package gcs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
)

// memSigningStore keeps signing keys in memory. The real SigningStore is
// telemetry/store's bbolt bucket; the gcs tests cannot import it without
// depending on the store package, and what is tested here is the fleet's use
// of the interface, not persistence.
type memSigningStore struct {
	mu   sync.Mutex
	keys map[telemetry.VehicleID][32]byte
	ts   uint64
}

func (m *memSigningStore) SigningKey(id telemetry.VehicleID) ([32]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[id]
	return k, ok, nil
}

func (m *memSigningStore) SigningKeys() (map[telemetry.VehicleID][32]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.keys), nil
}

func (m *memSigningStore) SetSigningKey(id telemetry.VehicleID, k [32]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = map[telemetry.VehicleID][32]byte{}
	}
	m.keys[id] = k
	return nil
}

func (m *memSigningStore) DeleteSigningKey(id telemetry.VehicleID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, id)
	return nil
}

func (m *memSigningStore) SigningTimestamp() (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ts, nil
}

func (m *memSigningStore) SaveSigningTimestamp(ts uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ts = ts
	return nil
}

// fastTimeouts make loopback tests quick: the floors are for radio links,
// and the simulator on 127.0.0.1 answers in well under a millisecond.
func fastFleet(t testing.TB, hub *telemetry.Hub, mods ...func(*Fleet)) *Fleet {
	t.Helper()
	f := &Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub, RequestTimeout: 300 * time.Millisecond, ItemTimeout: 20 * time.Millisecond,
		StallTimeout: 10 * time.Second, NoStreamRequests: true, Logger: discardLogger()}
	for _, m := range mods {
		m(f)
	}
	if err := f.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

func udpURL(f *Fleet, i int) string {
	return fmt.Sprintf("udp://127.0.0.1:%d", f.LinkAddrs()[i].(*net.UDPAddr).Port)
}

type simOpts struct {
	quiet   bool // ArduPilot streams nothing until asked, as a real one
	flavor  string
	faults  *simulator.Faults
	key     *[32]byte
	sysid   uint8
	ready   time.Duration
	speedup float64
}

func startSim(t testing.TB, f *Fleet, o simOpts) *simulator.Fleet {
	t.Helper()
	if o.sysid == 0 {
		o.sysid = 1
	}
	spec := simulator.VehicleSpec{SysID: o.sysid, Flavor: o.flavor, Home: simulator.Home{Lat: 31.352, Lon: -110.95, AltM: 1200},
		SigningKey: o.key, ReadyAfter: simulator.Duration(o.ready)}
	sim := &simulator.Fleet{GCS: udpURL(f, 0), Scenario: &simulator.Scenario{Name: "test", Vehicles: []simulator.VehicleSpec{spec}},
		Faults: o.faults, QuietStreams: o.quiet, Rate: 5, StepPeriod: time.Millisecond, Speedup: max(o.speedup, 1), Flavor: o.flavor}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	testenv.Eventually(t, 10*time.Second, "the simulated vehicle is heard", func() bool {
		v, ok, _ := f.Vehicle(context.Background(), telemetry.VehicleID(o.sysid))
		return ok && v.LinkOK && v.Autopilot != "generic"
	})
	return sim
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func testPlan() *missions.Plan {
	p := &missions.Plan{
		Mission: []missions.Item{missions.Takeoff(31.352, -110.95, 30), missions.Waypoint(31.355, -110.951, 60, 0),
			missions.LoiterTime(31.356, -110.949, 60, 10, 30), missions.ChangeSpeed(8), missions.Waypoint(31.354, -110.947, 50, 2),
			missions.DoJump(2, 1), missions.ReturnToLaunch()},
		Fence: missions.Fence{
			Polygons: []missions.FencePolygon{
				{Inclusion: true, Vertices: []orb.Point{{-110.96, 31.34}, {-110.94, 31.34}, {-110.94, 31.36}, {-110.96, 31.36}}},
				{Inclusion: false, Vertices: []orb.Point{{-110.951, 31.351}, {-110.949, 31.351}, {-110.95, 31.353}}},
			},
			Circles: []missions.FenceCircle{{Inclusion: true, Center: orb.Point{-110.95, 31.35}, RadiusM: 2500},
				{Inclusion: false, Center: orb.Point{-110.955, 31.345}, RadiusM: 60}},
			Return: &missions.Position{Lat: 31.352, Lon: -110.95, AltM: 40},
		},
		Rally: []missions.Position{{Lat: 31.351, Lon: -110.951, AltM: 30}, {Lat: 31.349, Lon: -110.949, AltM: 35}},
	}
	return p
}

func TestFleet_UploadPlan_SimulatorBothFlavours(t *testing.T) {
	t.Parallel()
	for _, flavor := range []string{"arducopter", "px4"} {
		t.Run(flavor, func(t *testing.T) {
			hub := &telemetry.Hub{}
			events := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, 256)
			defer events.Close()
			f := fastFleet(t, hub)
			startSim(t, f, simOpts{flavor: flavor})
			ctx := ctxT(t, 60*time.Second)
			plan := testPlan()
			rep, err := f.UploadPlan(ctx, 1, plan, TransferOptions{})
			if err != nil || !rep.Verified {
				t.Fatalf("upload: %v (report %+v)", err, rep)
			}
			got, err := f.DownloadPlan(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			fl := FlavourArduPilot
			if flavor == "px4" {
				fl = FlavourPX4
			}
			if d := diffPlanItems(fl, 0, plan.Mission, got.Mission); d != "" {
				t.Fatalf("downloaded mission: %d items, %s", len(got.Mission), d)
			}
			if len(got.Fence.Polygons) != 2 || len(got.Fence.Circles) != 2 || got.Fence.Return == nil || len(got.Rally) != 2 {
				t.Fatalf("downloaded fence %+v rally %+v", got.Fence, got.Rally)
			}
			if got.Fence.Polygons[0].Inclusion == got.Fence.Polygons[1].Inclusion || got.Fence.Circles[1].Inclusion || got.Fence.Circles[0].RadiusM != 2500 {
				t.Fatalf("inclusion/exclusion or radius lost: %+v", got.Fence)
			}
			for _, mt := range []missions.MissionType{missions.TypeMission, missions.TypeFence, missions.TypeRally} {
				if err := f.Clear(ctx, 1, mt); err != nil {
					t.Fatalf("clear %s: %v", mt, err)
				}
				items, _, err := f.Download(ctx, 1, mt, nil)
				if err != nil || len(items) != 0 {
					t.Fatalf("after clear %s: %d items, %v", mt, len(items), err)
				}
			}
			// The hub saw a verified TransferResult for each list.
			verified := map[string]bool{}
			for _, m := range events.Drain(nil) {
				if tr, ok := m.(telemetry.TransferResult); ok && tr.Direction == "upload" && tr.Verified {
					verified[tr.MissionType] = true
				}
			}
			if len(verified) != 3 {
				t.Fatalf("verified TransferResult events for %v, want mission, fence and rally", verified)
			}
		})
	}
}

func TestFleet_UploadPlan_SharedQGCPlans(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testenv.SharedData(t), "qgc_plans", "mavlink_qgroundcontrol")
	files, err := filepath.Glob(filepath.Join(dir, "*.plan"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .plan files in %s: %v", dir, err)
	}
	for _, flavor := range []string{"arducopter", "px4"} {
		t.Run(flavor, func(t *testing.T) {
			f := fastFleet(t, &telemetry.Hub{})
			startSim(t, f, simOpts{flavor: flavor})
			tested, refused := 0, 0
			for _, file := range files {
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				p, err := missions.ReadQGCPlan(data)
				if err != nil {
					t.Fatalf("%s: %v", filepath.Base(file), err)
				}
				if len(p.Mission) == 0 {
					continue
				}
				tested++
				rep, err := f.UploadPlan(ctxT(t, 60*time.Second), 1, p, TransferOptions{})
				if errors.Is(err, ErrBadInput) && strings.Contains(err.Error(), "not set") {
					// QGC's test plans hold terrain-following items whose
					// altitude QGC never computed (null): refused before
					// sending, naming the item, so the vehicle keeps its
					// old mission intact instead of a mixed one.
					t.Logf("%s refused before upload: %v", filepath.Base(file), err)
					refused++
					continue
				}
				if err != nil || !rep.Verified {
					t.Fatalf("%s (%d items): %v", filepath.Base(file), len(p.Mission), err)
				}
				back, err := f.DownloadPlan(ctxT(t, 30*time.Second), 1)
				if err != nil || len(back.Mission) != len(p.Mission) || len(back.Rally) != len(p.Rally) ||
					len(back.Fence.Polygons) != len(p.Fence.Polygons) || len(back.Fence.Circles) != len(p.Fence.Circles) {
					t.Fatalf("%s: download: %v", filepath.Base(file), err)
				}
			}
			if tested-refused < 2 {
				t.Fatalf("%d shared plans carry a mission, %d refused", tested, refused)
			}
			t.Logf("%d plans with a mission: %d uploaded, verified and downloaded; %d refused before upload", tested, tested-refused, refused)
		})
	}
}

func lossyFaults(loss float64, seed uint64) *simulator.Faults {
	// A 10 ms round trip: on bare loopback a reordered copy held back 5 ms
	// would arrive several items late, which no radio link does (each item
	// costs a round trip) and which PX4 answers by dropping the transfer.
	lf := simulator.LinkFaults{Loss: loss, Latency: 5 * time.Millisecond, Duplicate: 0.1, Reorder: 0.1, ReorderDelay: 5 * time.Millisecond, Jitter: time.Millisecond}
	return &simulator.Faults{Up: lf, Down: lf, Seed: seed}
}

func bigMission(n int) []missions.Item {
	items := make([]missions.Item, 0, n)
	items = append(items, missions.Takeoff(31.352, -110.95, 30))
	for i := 1; i < n; i++ {
		items = append(items, missions.Waypoint(31.352+float64(i)*1e-4, -110.95+float64(i%9)*1e-4, 40+float64(i%5), 0))
	}
	return items
}

func TestFleet_Upload_ThirtyPercentLossVerifiesEveryTime(t *testing.T) {
	t.Parallel()
	for _, flavor := range []string{"arducopter", "px4"} {
		t.Run(flavor, func(t *testing.T) {
			t.Parallel()
			f := fastFleet(t, &telemetry.Hub{})
			startSim(t, f, simOpts{flavor: flavor, faults: lossyFaults(0.3, 7)})
			for run := range 1 {
				rep, err := f.Upload(ctxT(t, 120*time.Second), 1, missions.TypeMission, bigMission(100), TransferOptions{})
				if err != nil || !rep.Verified {
					t.Fatalf("run %d: 100 items at 30 %% loss: %v", run, err)
				}
				t.Logf("run %d: 100 items verified in %s", run, rep.Duration.Round(time.Millisecond))
			}
		})
	}
}

func TestFleet_Upload_SixtyPercentLossVerifiesOrFailsClearly(t *testing.T) {
	t.Parallel()
	f := fastFleet(t, &telemetry.Hub{}, func(f *Fleet) { f.StallTimeout = 3 * time.Second })
	startSim(t, f, simOpts{flavor: "arducopter", faults: lossyFaults(0.6, 3)})
	rep, err := f.Upload(ctxT(t, 120*time.Second), 1, missions.TypeMission, bigMission(40), TransferOptions{})
	switch {
	case err == nil && rep.Verified:
		t.Logf("40 items at 60 %% loss verified in %s", rep.Duration.Round(time.Millisecond))
	case err == nil:
		t.Fatal("an upload without error must be verified")
	case errors.Is(err, ErrTimeout) || errors.Is(err, ErrMixedMission) || errors.Is(err, ErrVerify):
		t.Logf("60 %% loss: clear failure: %v", err)
	default:
		t.Fatalf("unclear failure: %v", err)
	}
}

func TestFleet_Commands_SimulatorRefusesWithReason(t *testing.T) {
	t.Parallel()
	for _, flavor := range []string{"arducopter", "px4"} {
		t.Run(flavor, func(t *testing.T) {
			f := fastFleet(t, &telemetry.Hub{})
			startSim(t, f, simOpts{flavor: flavor, ready: time.Hour})
			ctx := ctxT(t, 30*time.Second)
			// No position estimate for an hour: the arm is refused, and the error says why.
			_, err := f.Arm(ctx, 1, true, false)
			if !IsRefused(err) {
				t.Fatalf("arm without a position estimate: want a refusal, got %v", err)
			}
			want := map[string]string{"arducopter": "Arm: Need Position Estimate", "px4": "Arming denied"}[flavor]
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("refusal does not carry the vehicle's %q text: %v", want, err)
			}
			if _, err := f.SetMode(ctx, 1, "NO_SUCH_MODE"); !errors.Is(err, ErrBadInput) {
				t.Fatalf("unknown mode: %v", err)
			}
		})
	}
}

func TestFleet_Commands_SimulatorArmTakeoffRTL(t *testing.T) {
	t.Parallel()
	for _, flavor := range []string{"arducopter", "px4"} {
		t.Run(flavor, func(t *testing.T) {
			f := fastFleet(t, &telemetry.Hub{})
			startSim(t, f, simOpts{flavor: flavor, speedup: 5})
			ctx := ctxT(t, 60*time.Second)
			guided := map[string]string{"arducopter": "GUIDED", "px4": "AUTO_LOITER"}[flavor]
			if _, err := f.SetMode(ctx, 1, guided); err != nil {
				t.Fatalf("set mode %s: %v", guided, err)
			}
			testenv.Eventually(t, 5*time.Second, "the heartbeat shows "+guided, func() bool {
				v, _, _ := f.Vehicle(ctx, 1)
				return v.Mode == guided
			})
			if _, err := f.Arm(ctx, 1, true, false); err != nil {
				t.Fatalf("arm: %v", err)
			}
			if _, err := f.Takeoff(ctx, 1, 20); err != nil {
				t.Fatalf("takeoff: %v", err)
			}
			testenv.Eventually(t, 30*time.Second, "the vehicle climbs", func() bool {
				v, _, _ := f.Vehicle(ctx, 1)
				return v.Armed && v.RelAltM > 5
			})
			if _, err := f.Goto(ctx, 1, 31.353, -110.951, 30); err != nil {
				t.Fatalf("goto: %v", err)
			}
			if _, err := f.ChangeSpeed(ctx, 1, 6); err != nil && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("change speed: %v", err)
			}
			if _, err := f.RTL(ctx, 1); err != nil {
				t.Fatalf("rtl: %v", err)
			}
			if v, _, _ := f.Vehicle(ctx, 1); v.Link.RTTMs <= 0 {
				t.Fatalf("no round-trip time measured from the command ACKs: %+v", v.Link)
			}
			testenv.Eventually(t, 5*time.Second, "the mode shows RTL", func() bool {
				v, _, _ := f.Vehicle(ctx, 1)
				return strings.Contains(v.Mode, "RTL")
			})
		})
	}
}

func TestFleet_FleetCommand_ManyVehiclesConcurrently(t *testing.T) {
	t.Parallel()
	f := fastFleet(t, &telemetry.Hub{})
	sim := &simulator.Fleet{GCS: udpURL(f, 0), Drones: 6, Flavor: "arducopter", Rate: 2}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	testenv.Eventually(t, 10*time.Second, "six vehicles heard", func() bool {
		vs, _ := f.Vehicles(context.Background())
		return len(vs) == 6
	})
	ids := []telemetry.VehicleID{1, 2, 3, 4, 5, 6, 77}
	res := f.FleetCommand(ctxT(t, 30*time.Second), ids, func(ctx context.Context, id telemetry.VehicleID) (CommandResult, error) {
		return f.SetMode(ctx, id, "LOITER")
	})
	for _, r := range res[:6] {
		if r.Err != nil {
			t.Fatalf("vehicle %d: %v", r.SysID, r.Err)
		}
	}
	if !errors.Is(res[6].Err, ErrNoVehicle) {
		t.Fatalf("unknown vehicle 77: %v", res[6].Err)
	}
}

func TestFleet_Params_Simulator(t *testing.T) {
	t.Parallel()
	for _, flavor := range []string{"arducopter", "px4"} {
		t.Run(flavor, func(t *testing.T) {
			f := fastFleet(t, &telemetry.Hub{})
			startSim(t, f, simOpts{flavor: flavor, faults: lossyFaults(0.2, 5)})
			ctx := ctxT(t, 60*time.Second)
			var progress int
			ps, err := f.ReadParams(ctx, 1, func(d, n int) { progress = d })
			if err != nil || len(ps) == 0 || progress != len(ps) {
				t.Fatalf("read all: %d params, progress %d, %v", len(ps), progress, err)
			}
			name := ps[0].Name
			want := ps[0].Value + 1
			if ps[0].Type <= 6 { // integer types: keep it in range
				want = math.Max(0, ps[0].Value)
			}
			p, err := f.SetParam(ctx, 1, name, want)
			if err != nil || p.Value != want {
				t.Fatalf("set %s = %g: got %+v, %v", name, want, p, err)
			}
			one, err := f.ReadParam(ctx, 1, name)
			if err != nil || one.Value != want {
				t.Fatalf("read %s back: %+v, %v", name, one, err)
			}
			cached, _ := f.CachedParams(ctx, 1)
			if len(cached) < len(ps) {
				t.Fatalf("cache holds %d of %d", len(cached), len(ps))
			}
		})
	}
}

func TestFleet_RequestStreams_QuietArduPilotStartsStreaming(t *testing.T) {
	t.Parallel()
	f := fastFleet(t, &telemetry.Hub{}, func(f *Fleet) { f.NoStreamRequests = false })
	startSim(t, f, simOpts{flavor: "arducopter", quiet: true})
	testenv.Eventually(t, 15*time.Second, "position, GPS and battery arrive once asked for", func() bool {
		v, _, _ := f.Vehicle(context.Background(), 1)
		return v.HasPosition && v.GPSFix != "none" && v.BatteryPct >= 0
	})
}

func TestFleet_Upload_CancelledArduPilotUploadIsMixed(t *testing.T) {
	t.Parallel()
	hub := &telemetry.Hub{}
	events := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, 256)
	defer events.Close()
	f := fastFleet(t, hub)
	lf := simulator.LinkFaults{Latency: 5 * time.Millisecond}
	startSim(t, f, simOpts{flavor: "arducopter", faults: &simulator.Faults{Up: lf, Down: lf}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := f.Upload(ctx, 1, missions.TypeMission, bigMission(60), TransferOptions{Progress: func(done, total int) {
		if done == 10 {
			cancel()
		}
	}})
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, ErrMixedMission) || !strings.Contains(err.Error(), "nothing after them") {
		t.Fatalf("a cancelled ArduPilot upload must be read back and reported as a mixed mission, got %v", err)
	}
	var alerts []telemetry.Alert
	eventsOf(events, &alerts)
	mixed := false
	for _, a := range alerts {
		mixed = mixed || a.Type == telemetry.AlertMixedPlan
	}
	if !mixed {
		t.Fatal("no mixed_plan alert for the operator")
	}
}
