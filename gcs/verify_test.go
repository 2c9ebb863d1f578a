package gcs

import (
	"errors"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/autopilot"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
)

// everyCommandItem is an item for a command the plan formats, planners and
// editor can emit (missions.KnownCommand), with fractional and signed
// parameters, so that each autopilot's packing (whole numbers, signs, bytes)
// shows in the read-back.
func everyCommandItem(cmd uint16) missions.Item {
	it := missions.Item{Command: cmd, Frame: missions.FrameMission, Autocontinue: true,
		Params: [7]float64{2.5, 3.25, -7.5, 0, 0, 0, 0}}
	switch {
	case cmd < 100 && cmd != missions.CmdNavReturnToLaunch && cmd != missions.CmdNavDelay,
		cmd == missions.CmdDoSetROILocation, cmd == missions.CmdDoSetHome, cmd == missions.CmdDoLandStart:
		it.Frame = missions.FrameGlobalRelativeAlt
		it.Params[4], it.Params[5], it.Params[6] = 31.3531234, -110.9512345, 61.37
	case cmd == missions.CmdDoSetROI:
		it.Params[0] = 0 // ROI_NONE: the mode both autopilots take in frame 2
	case cmd == missions.CmdDoJump:
		it.Params = [7]float64{1, 2}
	}
	if cmd == missions.CmdNavLand || cmd == missions.CmdNavTakeoff || cmd == missions.CmdNavWaypoint {
		it.Params[3] = 0 // the planners write yaw 0
	}
	return it
}

// TestFleet_Upload_EveryCommandVerifiesOnBothFlavours uploads, one by one,
// every mission command the plan formats, planners and editor can emit to
// the simulated ArduCopter, ArduPlane and PX4 (which store through the same
// table as the real autopilots' sources) with verification on: each either
// verifies or is refused before anything is sent, with the autopilot's reason.
func TestFleet_Upload_EveryCommandVerifiesOnBothFlavours(t *testing.T) {
	t.Parallel()
	for _, flavor := range []string{"arducopter", "arduplane", "px4"} {
		t.Run(flavor, func(t *testing.T) {
			t.Parallel()
			f := fastFleet(t, &telemetry.Hub{})
			startSim(t, f, simOpts{flavor: flavor})
			v, _, _ := f.Vehicle(ctxT(t, 5*time.Second), 1)
			fl := FlavourArduPilot
			if flavor == "px4" {
				fl = FlavourPX4
			}
			k := kindOf(fl, v.VehicleType)
			verified, refused := 0, 0
			for c := 0; c < 1<<16; c++ {
				cmd := uint16(c)
				if !missions.KnownCommand(cmd) || cmd >= missions.CmdFenceReturnPoint && cmd <= missions.CmdRallyPoint {
					continue
				}
				items := []missions.Item{missions.Takeoff(0, 0, 30), everyCommandItem(cmd)}
				wire := toWire(fl, 0, items, nil)
				want := autopilot.Store(k, common.MAV_MISSION_TYPE_MISSION, *wire[len(wire)-1])
				rep, err := f.Upload(ctxT(t, 30*time.Second), 1, missions.TypeMission, items, TransferOptions{})
				switch {
				case !want.Accepted() && want.Exact:
					if !errors.Is(err, ErrBadInput) {
						t.Errorf("%s: %s refuses it (%v), but the upload answered %v", missions.CommandName(cmd), k, want.Refusal, err)
					}
					refused++
				case err != nil || !rep.Verified:
					t.Errorf("%s: %v (report %+v)", missions.CommandName(cmd), err, rep)
				default:
					verified++
				}
			}
			if verified < 20 {
				t.Fatalf("only %d commands verified (%d refused before sending)", verified, refused)
			}
			t.Logf("%s: %d commands verified, %d refused before sending", k, verified, refused)
		})
	}
}

// TestFleet_UploadPlan_FenceFirstAndWhatTheVehicleHolds: a plan whose
// mission the vehicle refuses leaves the new fence and rally points verified
// on board, and the answer says so list by list, with no mixed_plan alert
// (PX4 writes a mission atomically: its old mission is intact).
func TestFleet_UploadPlan_FenceFirstAndWhatTheVehicleHolds(t *testing.T) {
	t.Parallel()
	hub := &telemetry.Hub{}
	events := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, 256)
	defer events.Close()
	f := fastFleet(t, hub)
	startSim(t, f, simOpts{flavor: "px4"})
	ctx := ctxT(t, 60*time.Second)
	plan := testPlan()
	if rep, err := f.UploadPlan(ctx, 1, plan, TransferOptions{}); err != nil || !rep.Verified {
		t.Fatalf("first upload: %v", err)
	}
	events.Drain(nil)
	// A mission with more items than PX4's simulated storage takes: refused at MISSION_COUNT.
	big := *plan
	big.Mission = bigMission(800)
	big.Rally = plan.Rally[:1]
	rep, err := f.UploadPlan(ctx, 1, &big, TransferOptions{})
	if err == nil || rep.Verified {
		t.Fatal("an 800-item mission verified on a vehicle that holds 700")
	}
	msg := err.Error()
	for _, want := range []string{"mission upload failed", "this plan's fence (10 items) (verified)", "this plan's rally (1 items) (verified)", "The vehicle now holds", "7 mission items"} {
		if !containsStr(msg, want) {
			t.Errorf("the answer does not say %q: %s", want, msg)
		}
	}
	if !rep.Fence.Verified || !rep.Rally.Verified || rep.Mission.Verified || !rep.Mission.Sent {
		t.Errorf("report %+v", rep)
	}
	for _, m := range events.Drain(nil) {
		if a, ok := m.(telemetry.Alert); ok && a.Type == telemetry.AlertMixedPlan {
			t.Fatalf("mixed_plan alert though the read-back shows the old mission intact: %s", a.Text)
		}
	}
}

func containsStr(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s[:len(sub)] == sub || containsStr(s[1:], sub))
}

// A fence the vehicle refuses stops the plan there: the rally points and the
// mission are not sent, and the answer says so and what the vehicle holds.
func TestExchanger_UploadPlan_FenceFailureSendsNothingElse(t *testing.T) {
	for _, fl := range []Flavour{FlavourArduPilot, FlavourPX4} {
		veh := newFakeAutopilot(fl)
		veh.failAt = 2 // NO_SPACE at the third fence item
		h := newHarness(t, 1, veh)
		x := harnessExchanger(h, fl, false)
		var rep PlanReport
		err := x.uploadPlan(testPlan(), nil, TransferOptions{}, &rep, nil, func() time.Time { return h.now })
		if err == nil {
			t.Fatalf("%s: a refused fence uploaded", fl)
		}
		msg := err.Error()
		for _, want := range []string{"fence upload failed", "no_space", "its earlier rally and mission, untouched: not sent"} {
			if !containsStr(msg, want) {
				t.Errorf("%s: the answer does not say %q: %s", fl, want, msg)
			}
		}
		if !rep.Fence.Sent || rep.Rally.Sent || rep.Mission.Sent || rep.Verified {
			t.Errorf("%s: report %+v", fl, rep)
		}
		for _, m := range h.toVehicle {
			if c, ok := m.(*common.MessageMissionCount); ok && c.MissionType != common.MAV_MISSION_TYPE_FENCE {
				t.Fatalf("%s: %v list sent after the fence failed", fl, c.MissionType)
			}
		}
	}
}
