package gcs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/internal/testenv"
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
