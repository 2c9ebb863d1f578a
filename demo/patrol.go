package demo

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

const (
	// patrolPoll is how often a patrolling drone's state is looked at.
	patrolPoll = 250 * time.Millisecond
	// launchTries is how often Patrol tries to upload and launch a leg.
	launchTries = 3
)

// Patrol keeps the launched drones patrolling their whole share of the
// corridor, as the planner scheduled it: when a drone has landed at its
// site at the end of a leg, the ground crew changes its battery
// (simulator.Fleet.SwapBattery: the autopilot reboots with a full pack),
// and Borderwatch uploads the drone's next leg (round its Legs), verifies
// it by read-back and launches it again, through the same calls as the
// first launch. A drone that came back early in RTL (its battery failsafe,
// a fence breach, an operator's RTL) stays on the ground for the crew to
// look at, as does one whose launch failed. first are LaunchAll's results.
// Patrol returns when ctx ends.
func (d *Demo) Patrol(ctx context.Context, first []Launch) {
	var wg sync.WaitGroup
	for i, l := range first {
		if l.Err != nil || i >= len(d.drones) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.patrol(ctx, d.drones[i], l.Leg)
		}()
	}
	wg.Wait()
}

// patrol flies one drone's legs in turn, from the one after leg.
func (d *Demo) patrol(ctx context.Context, dr Drone, leg int) {
	for {
		end, err := d.awaitLegOver(ctx, dr.SysID)
		if err != nil {
			return // ctx ended
		}
		if strings.Contains(strings.ToUpper(end.Mode), "RTL") {
			d.Logger.Warn("demo: drone came back early in RTL; it stays on the ground", "sysid", dr.SysID,
				"plan", dr.Legs[leg].Name, "battery_pct", end.BatteryPct)
			return
		}
		if err := d.swapBattery(ctx, dr.SysID, end.Reboots); err != nil {
			d.Logger.Warn("demo: battery change failed; the drone stays on the ground", "sysid", dr.SysID, "err", err)
			return
		}
		leg = (leg + 1) % len(dr.Legs)
		// A failed upload is uploaded again, as an operator would: an
		// autopilot cancels a transfer that stalls (ArduPilot after 8 s of
		// silence), and a plan is verified or not flown.
		var l Launch
		for try := 1; try <= launchTries; try++ {
			if l = d.launch(ctx, dr, leg); l.Err == nil || ctx.Err() != nil {
				break
			}
		}
		if d.OnLaunch != nil {
			d.OnLaunch(l)
		}
		if l.Err != nil {
			return
		}
	}
}

// awaitLegOver waits until the drone has been in the air and is disarmed
// again (it landed at the end of its leg, or after an RTL), and returns
// its state then.
func (d *Demo) awaitLegOver(ctx context.Context, id uint8) (gcs.VehicleState, error) {
	t := time.NewTicker(patrolPoll)
	defer t.Stop()
	flown := false
	for {
		v, ok, err := d.Fleet.Vehicle(ctx, telemetry.VehicleID(id))
		if err != nil {
			return gcs.VehicleState{}, err
		}
		if ok && v.LinkOK {
			if v.Armed && v.RelAltM > 5 {
				flown = true
			}
			if flown && !v.Armed {
				return v, nil
			}
		}
		select {
		case <-ctx.Done():
			return gcs.VehicleState{}, ctx.Err()
		case <-t.C:
		}
	}
}

// swapBattery has the crew change the drone's battery and waits until the
// ground station has seen the autopilot boot again (its reboot count past
// reboots).
func (d *Demo) swapBattery(ctx context.Context, id uint8, reboots int) error {
	if err := d.sim.SwapBattery(id); err != nil {
		return err
	}
	t := time.NewTicker(patrolPoll)
	defer t.Stop()
	for {
		v, ok, err := d.Fleet.Vehicle(ctx, telemetry.VehicleID(id))
		if err != nil {
			return err
		}
		if ok && v.Reboots > reboots {
			d.Logger.Info("demo: battery changed", "sysid", id)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("vehicle %d was not heard booting after its battery change: %w", id, ctx.Err())
		case <-t.C:
		}
	}
}
