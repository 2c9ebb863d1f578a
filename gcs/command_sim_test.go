package gcs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
)

// takeoffTo arms the simulated vehicle in its guided mode and climbs to relAlt.
func takeoffTo(t *testing.T, f *Fleet, flavor string, relAlt float64) {
	t.Helper()
	ctx := ctxT(t, 60*time.Second)
	guided := map[string]string{"arducopter": "GUIDED", "px4": "AUTO_LOITER"}[flavor]
	if _, err := f.SetMode(ctx, 1, guided); err != nil {
		t.Fatalf("set mode %s: %v", guided, err)
	}
	if _, err := f.Arm(ctx, 1, true, false); err != nil {
		t.Fatalf("arm: %v", err)
	}
	if _, err := f.Takeoff(ctx, 1, relAlt); err != nil {
		t.Fatalf("takeoff: %v", err)
	}
	testenv.Eventually(t, 30*time.Second, "the vehicle climbs to its takeoff altitude", func() bool {
		v, _, _ := f.Vehicle(ctx, 1)
		return v.RelAltM > relAlt-2
	})
}

// A go-to "30 m above home" must climb on both autopilots. PX4 reads
// DO_REPOSITION's altitude as AMSL: sent as is, it flew the drone into the
// ground (issue 11 §4).
func TestFleet_Goto_AltitudeAboveHomeOnBothAutopilots(t *testing.T) {
	t.Parallel()
	for _, flavor := range []string{"arducopter", "px4"} {
		t.Run(flavor, func(t *testing.T) {
			f := fastFleet(t, &telemetry.Hub{})
			sim := startSim(t, f, simOpts{flavor: flavor, speedup: 5})
			takeoffTo(t, f, flavor, 15)
			ctx := ctxT(t, 60*time.Second)
			if _, err := f.Goto(ctx, 1, 31.3522, -110.9502, 30); err != nil {
				t.Fatalf("goto: %v", err)
			}
			testenv.Eventually(t, 30*time.Second, "the vehicle climbs to 30 m above home", func() bool {
				st := sim.Status()
				if len(st) == 1 && st[0].Landed {
					t.Fatalf("the vehicle landed after a go-to 30 m above home (mode %s)", st[0].Mode)
				}
				return len(st) == 1 && st[0].RelAltM > 28 && st[0].RelAltM < 32
			})
		})
	}
}

func TestFleet_Goto_PX4WithoutAltitudeReferenceRefusedEarly(t *testing.T) {
	t.Parallel()
	f := fastFleet(t, &telemetry.Hub{})
	startSim(t, f, simOpts{flavor: "px4", ready: time.Hour})
	// No position estimate: PX4 sends no home and no position.
	_, err := f.Goto(ctxT(t, 10*time.Second), 1, 31.3522, -110.9502, 30)
	if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "above mean sea level") {
		t.Fatalf("a PX4 go-to without a home or a position must be refused before sending: %v", err)
	}
}

// PX4 answers DO_SET_MODE with ACCEPTED and then with its real result: a
// refused mode must come back as refused.
func TestFleet_SetMode_PX4RefusalAfterAcceptedIsReported(t *testing.T) {
	t.Parallel()
	f := fastFleet(t, &telemetry.Hub{})
	startSim(t, f, simOpts{flavor: "px4"})
	// No mission loaded: PX4 cannot run AUTO_MISSION.
	res, err := f.SetMode(ctxT(t, 30*time.Second), 1, "AUTO_MISSION")
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Result != common.MAV_RESULT_TEMPORARILY_REJECTED {
		t.Fatalf("PX4 refused AUTO_MISSION after an ACCEPTED: want TEMPORARILY_REJECTED, got %+v, %v", res, err)
	}
	if !strings.Contains(err.Error(), "Switching to Mission is currently not available") {
		t.Fatalf("the refusal does not carry PX4's reason: %v", err)
	}
	v, _, _ := f.Vehicle(ctxT(t, 5*time.Second), 1)
	if v.Mode == "AUTO_MISSION" {
		t.Fatalf("the vehicle switched after all: %s", v.Mode)
	}
	if _, err := f.SetMode(ctxT(t, 30*time.Second), 1, "AUTO_LOITER"); err != nil {
		t.Fatalf("an available mode: %v", err)
	}
}

// After a reboot the old position, battery and pre-arm result must go, and
// 0,0 must never be shown as a position (issue 11 §3).
func TestFleet_Reboot_SimulatorResetsDerivedState(t *testing.T) {
	t.Parallel()
	f := fastFleet(t, &telemetry.Hub{})
	startSim(t, f, simOpts{flavor: "arducopter", ready: 2 * time.Second, speedup: 4})
	ctx := ctxT(t, 60*time.Second)
	testenv.Eventually(t, 20*time.Second, "position, battery and pre-arm known", func() bool {
		v, _, _ := f.Vehicle(ctx, 1)
		return v.HasPosition && v.BatteryPct > 0 && v.PreArm == "ok"
	})
	if _, err := f.SendCommand(ctx, 1, cmdLong(common.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN, 1)); err != nil {
		t.Fatalf("reboot: %v", err)
	}
	testenv.Eventually(t, 20*time.Second, "the reboot is seen and the derived state reset", func() bool {
		v, _, _ := f.Vehicle(ctx, 1)
		if v.Reboots == 1 && v.PreArm == "ok" && !v.HasPosition {
			t.Fatalf("after the reboot the vehicle still says prearm ok without a position: %+v", v)
		}
		return v.Reboots == 1 && !v.HasPosition && v.PreArm != "ok"
	})
	v, _, _ := f.Vehicle(ctx, 1)
	if v.HasPosition && v.Lat == 0 && v.Lon == 0 {
		t.Fatalf("0,0 shown as a position")
	}
	testenv.Eventually(t, 20*time.Second, "position and pre-arm back after the estimate", func() bool {
		v, _, _ := f.Vehicle(ctx, 1)
		return v.HasPosition && v.Lat != 0 && v.PreArm == "ok"
	})
}

// A disarmed ArduCopter accepts MISSION_START and does nothing, then refuses
// to arm in AUTO: refused before sending. PX4 arms and takes off, and its
// pause/continue are modes (it answers DO_PAUSE_CONTINUE UNSUPPORTED).
func TestFleet_MissionStart_TellsWhatTheVehicleWillDo(t *testing.T) {
	t.Parallel()
	for _, flavor := range []string{"arducopter", "px4"} {
		t.Run(flavor, func(t *testing.T) {
			f := fastFleet(t, &telemetry.Hub{})
			startSim(t, f, simOpts{flavor: flavor, speedup: 5})
			ctx := ctxT(t, 90*time.Second)
			plan := &missions.Plan{Mission: []missions.Item{missions.Takeoff(31.352, -110.95, 30), missions.Waypoint(31.355, -110.951, 40, 0)}}
			if _, err := f.UploadPlan(ctx, 1, plan, TransferOptions{}); err != nil {
				t.Fatalf("upload: %v", err)
			}
			res, err := f.MissionStart(ctx, 1)
			if flavor == "arducopter" {
				if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "GUIDED") {
					t.Fatalf("mission_start on a disarmed ArduCopter must be refused with what to do: %+v %v", res, err)
				}
				if v, _, _ := f.Vehicle(ctx, 1); v.Mode == "AUTO" {
					t.Fatalf("the refusal sent the command anyway: mode %s", v.Mode)
				}
				return
			}
			if err != nil || !strings.Contains(res.Note, "arms and takes off") {
				t.Fatalf("PX4 mission_start: %+v %v", res, err)
			}
			testenv.Eventually(t, 30*time.Second, "PX4 armed and flying the mission", func() bool {
				v, _, _ := f.Vehicle(ctx, 1)
				return v.Armed && v.RelAltM > 5 && v.Mode == "AUTO_MISSION"
			})
			if res, err := f.MissionPause(ctx, 1, true); err != nil || !strings.Contains(res.Note, "AUTO_LOITER") {
				t.Fatalf("PX4 pause: %+v %v", res, err)
			}
			if res, err := f.MissionPause(ctx, 1, false); err != nil || !strings.Contains(res.Note, "AUTO_MISSION") {
				t.Fatalf("PX4 continue: %+v %v", res, err)
			}
			if res, err := f.SetFenceEnable(ctx, 1, false); err != nil || !strings.Contains(res.Note, "GF_ACTION") {
				t.Fatalf("PX4 fence disable: %+v %v", res, err)
			}
			testenv.Eventually(t, 10*time.Second, "the state shows the PX4 fence disabled", func() bool {
				v, _, _ := f.Vehicle(ctx, 1)
				return v.FenceEnabled == "disabled"
			})
		})
	}
}

// ArduPilot: DO_FENCE_ENABLE enables the fence without changing FENCE_ENABLE;
// the state shows the real one.
func TestFleet_FenceEnable_ArduPilotStateShowsTheTruth(t *testing.T) {
	t.Parallel()
	f := fastFleet(t, &telemetry.Hub{})
	startSim(t, f, simOpts{flavor: "arducopter", speedup: 4})
	ctx := ctxT(t, 60*time.Second)
	testenv.Eventually(t, 10*time.Second, "fence state known", func() bool {
		v, _, _ := f.Vehicle(ctx, 1)
		return v.FenceEnabled == "disabled"
	})
	if _, err := f.SetFenceEnable(ctx, 1, true); err != nil {
		t.Fatalf("fence enable: %v", err)
	}
	testenv.Eventually(t, 10*time.Second, "the state shows the fence enabled", func() bool {
		v, _, _ := f.Vehicle(ctx, 1)
		return v.FenceEnabled == "enabled"
	})
	if p, err := f.ReadParam(ctx, 1, "FENCE_ENABLE"); err != nil || p.Value != 0 {
		t.Fatalf("FENCE_ENABLE after DO_FENCE_ENABLE: %+v %v (ArduPilot leaves it unchanged)", p, err)
	}
}
