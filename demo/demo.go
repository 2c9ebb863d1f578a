package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
)

// Demo runs the demo scenario against a running ground station: it plans
// the fleet's legs, starts the simulated fleet on the ground at its sites,
// and launches every drone through the ground station.
type Demo struct {
	// Fleet is the ground station's fleet the drones talk to (required).
	Fleet *gcs.Fleet
	// GCS is the address the simulated drones send to, udp://HOST:PORT of
	// one of Fleet's links (required).
	GCS string
	// (optional) Drones limits the fleet to the first N planned drones
	// (ArduCopters first, then PX4, then the ArduPlane). Defaults to all.
	Drones int
	// (optional) Speedup runs simulated time this many times faster than
	// the wall clock. Defaults to 1.
	Speedup float64
	// (optional) ShiftLonDeg moves the whole scenario this many degrees of
	// longitude east along the border, e.g. EastStretchLonDeg: the patrol
	// (corridors and launch sites, planned there by the planner) and every
	// intruder and Remote ID drone of the built-in scenario
	// (ScenarioStretch). Defaults to 0 (Nogales).
	ShiftLonDeg float64
	// (optional) Now stamps the plans. Defaults to time.Now.
	Now func() time.Time
	// (optional) Logger. Defaults to slog.Default().
	Logger *slog.Logger
	// (optional) OnLaunch is told of every launch Patrol makes after the
	// first (a drone's next leg).
	OnLaunch func(Launch)

	drones []Drone
	sim    *simulator.Fleet
	once   sync.Once
}

// Initialize plans the legs and starts the simulated fleet on the ground.
func (d *Demo) Initialize() error {
	if d.Fleet == nil || d.GCS == "" {
		return errors.New("demo: Fleet and GCS are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	drones, err := PlanStretch(d.Now(), d.ShiftLonDeg)
	if err != nil {
		return err
	}
	if d.Drones < 0 || d.Drones > len(drones) {
		return fmt.Errorf("demo: %d drones: the demo plans legs for 1 to %d", d.Drones, len(drones))
	}
	if d.Drones > 0 {
		drones = drones[:d.Drones]
	}
	sc, err := ScenarioStretch(drones, d.ShiftLonDeg)
	if err != nil {
		return err
	}
	d.drones = drones
	d.sim = &simulator.Fleet{Scenario: sc, GCS: d.GCS, Speedup: d.Speedup, Logger: d.Logger}
	if err := d.sim.Initialize(); err != nil {
		d.sim = nil
		return fmt.Errorf("demo: starting the simulated fleet: %w", err)
	}
	return nil
}

// Close stops the simulated fleet. It is idempotent.
func (d *Demo) Close() {
	d.once.Do(func() {
		if d.sim != nil {
			d.sim.Close()
		}
	})
}

// Planned are the drones flying, with their planned legs.
func (d *Demo) Planned() []Drone { return d.drones }

// Sim is the simulated fleet (for its status and statistics).
func (d *Demo) Sim() *simulator.Fleet { return d.sim }

// Launch is what launching one drone did.
type Launch struct {
	SysID  uint8
	Flavor string
	Plan   string
	// Leg is the leg's index in the drone's Legs (0 for the first).
	Leg      int
	Verified bool
	// Steps are the commands sent, in order, with the vehicle's answers.
	Steps []string
	Err   error
}

// LaunchAll uploads each drone's plan and launches it, all drones at once,
// and reports per drone; one drone's failure does not stop the others.
func (d *Demo) LaunchAll(ctx context.Context) []Launch {
	out := make([]Launch, len(d.drones))
	var wg sync.WaitGroup
	for i := range d.drones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = d.launch(ctx, d.drones[i], 0)
		}()
	}
	wg.Wait()
	return out
}

// launch waits until the ground station hears the drone, uploads its plan
// (fence, rally, mission; verified by read-back, as PUT
// /api/v1/vehicles/{id}/plan does) and starts it with the commands an
// operator would send through POST /api/v1/vehicles/{id}/commands.
func (d *Demo) launch(ctx context.Context, dr Drone, leg int) (l Launch) {
	plan, name := dr.Legs[leg].Plan, dr.Legs[leg].Name
	l = Launch{SysID: dr.SysID, Flavor: dr.Flavor, Plan: name, Leg: leg}
	defer func() {
		if l.Err != nil {
			d.Logger.Warn("demo: launch failed", "sysid", dr.SysID, "flavor", dr.Flavor, "err", l.Err)
		} else {
			d.Logger.Info("demo: launched", "sysid", dr.SysID, "flavor", dr.Flavor, "plan", name)
		}
	}()
	if l.Err = d.awaitReady(ctx, dr.SysID); l.Err != nil {
		return l
	}
	rep, err := d.Fleet.UploadPlan(ctx, telemetry.VehicleID(dr.SysID), plan, gcs.TransferOptions{})
	l.Verified = rep.Verified
	if err != nil {
		l.Err = fmt.Errorf("uploading %s: %w", name, err)
		return l
	}
	if !rep.Verified {
		l.Err = fmt.Errorf("uploading %s: the read-back did not verify: %s", name, rep.Holds)
		return l
	}
	step := func(name string, run func() (gcs.CommandResult, error)) bool {
		// A result other than ACCEPTED comes back as a *gcs.CommandError.
		if _, err := run(); err != nil {
			l.Err = fmt.Errorf("%s: %w", name, err)
			return false
		}
		l.Steps = append(l.Steps, name)
		return true
	}
	f, id := d.Fleet, telemetry.VehicleID(dr.SysID)
	switch dr.Flavor {
	case "arducopter":
		// ArduCopter refuses MISSION_START while disarmed (gcs.MissionStart
		// says so): GUIDED, arm, take off, then start the mission; its
		// first item (TAKEOFF) completes at once above its altitude.
		alt := plan.Mission[0].Params[6] // the TAKEOFF item's altitude above home
		_ = step("mode GUIDED", func() (gcs.CommandResult, error) { return f.SetMode(ctx, id, "GUIDED") }) &&
			step("arm", func() (gcs.CommandResult, error) { return f.Arm(ctx, id, true, false) }) &&
			step(fmt.Sprintf("takeoff %.0f m", alt), func() (gcs.CommandResult, error) { return f.Takeoff(ctx, id, alt) }) &&
			step("mission_start", func() (gcs.CommandResult, error) { return f.MissionStart(ctx, id) })
	case "arduplane":
		// A disarmed ArduPlane switches to AUTO on MISSION_START and flies
		// the mission (TAKEOFF first) once armed.
		_ = step("mission_start", func() (gcs.CommandResult, error) { return f.MissionStart(ctx, id) }) &&
			step("arm", func() (gcs.CommandResult, error) { return f.Arm(ctx, id, true, false) })
	case "px4":
		// PX4 arms and takes off on MISSION_START.
		_ = step("mission_start", func() (gcs.CommandResult, error) { return f.MissionStart(ctx, id) })
	default:
		l.Err = fmt.Errorf("demo: no launch procedure for flavour %q", dr.Flavor)
	}
	return l
}

// awaitReady polls the ground station until it has heard the drone with a
// position (plans and PX4 altitudes need its home).
func (d *Demo) awaitReady(ctx context.Context, sysid uint8) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		v, ok, err := d.Fleet.Vehicle(ctx, telemetry.VehicleID(sysid))
		if err != nil {
			return err
		}
		if ok && v.HasPosition && v.Home != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("vehicle %d was not heard with a position and a home: %w", sysid, ctx.Err())
		case <-t.C:
		}
	}
}
