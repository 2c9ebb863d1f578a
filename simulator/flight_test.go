package simulator

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// upload sends a list with the mission protocol, answering requests in
// whatever order and message type the vehicle uses.
func (g *rawGCS) upload(sys uint8, mtype common.MAV_MISSION_TYPE, items []*common.MessageMissionItemInt) {
	g.t.Helper()
	g.send(&common.MessageMissionCount{TargetSystem: sys, TargetComponent: 1, Count: uint16(len(items)), MissionType: mtype})
	for {
		r := g.expect(sys, wait, "request or ACK", func(m message.Message) bool {
			switch m := m.(type) {
			case *common.MessageMissionRequest, *common.MessageMissionRequestInt:
				return true
			case *common.MessageMissionAck:
				return m.MissionType == mtype
			}
			return false
		})
		switch m := r.msg.(type) {
		case *common.MessageMissionAck:
			if m.Type != common.MAV_MISSION_ACCEPTED {
				g.t.Fatalf("upload of %v: ACK %v", mtype, m.Type)
			}
			return
		case *common.MessageMissionRequest:
			it := *items[m.Seq]
			it.TargetSystem, it.Seq, it.MissionType = sys, m.Seq, mtype
			g.send(&it)
		case *common.MessageMissionRequestInt:
			it := *items[m.Seq]
			it.TargetSystem, it.Seq, it.MissionType = sys, m.Seq, mtype
			g.send(&it)
		}
	}
}

func at(north, east float64) (lat, lon float64) {
	return offset(DefaultCenterLat, DefaultCenterLon, north, east)
}

func navItem(cmd common.MAV_CMD, north, east float64, alt float32) *common.MessageMissionItemInt {
	lat, lon := at(north, east)
	if north == 0 && east == 0 {
		lat, lon = 0, 0
	}
	return &common.MessageMissionItemInt{Frame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, Command: cmd, Autocontinue: 1,
		X: int32(math.Round(lat * 1e7)), Y: int32(math.Round(lon * 1e7)), Z: alt}
}

func doItem(cmd common.MAV_CMD, p1, p2 float32) *common.MessageMissionItemInt {
	return &common.MessageMissionItemInt{Frame: common.MAV_FRAME_MISSION, Command: cmd, Autocontinue: 1, Param1: p1, Param2: p2}
}

func TestVehicle_Mission_FlownAsUploaded(t *testing.T) {
	for _, fl := range []string{"arducopter", "px4"} {
		t.Run(fl, func(t *testing.T) {
			f, g := startFleet(t, groundScenario(fl), nil)
			v := vehicleBy(f, 1)
			first := uint16(v.firstSeq())
			wpA := navItem(common.MAV_CMD_NAV_WAYPOINT, 300, 0, 40)
			wpA.Param2 = 3 // acceptance radius
			wpB := navItem(common.MAV_CMD_NAV_WAYPOINT, 300, 300, 40)
			wpB.Param2 = 3
			wpC := navItem(common.MAV_CMD_NAV_WAYPOINT, 0, 300, 40)
			wpC.Param2 = 3
			mission := []*common.MessageMissionItemInt{
				navItem(common.MAV_CMD_NAV_TAKEOFF, 0, 0, 40),
				doItem(common.MAV_CMD_DO_CHANGE_SPEED, 1, 12),
				wpA, wpB, wpC,
				doItem(common.MAV_CMD_DO_JUMP, float32(first+2), 1), // back to A once
				doItem(common.MAV_CMD_DO_SET_CAM_TRIGG_DIST, 0, 0),  // a command the flight code ignores (both autopilots refuse unknown ones at upload)
				doItem(common.MAV_CMD_NAV_RETURN_TO_LAUNCH, 0, 0),
			}
			if v.flavor.ardupilot() {
				mission = append([]*common.MessageMissionItemInt{navItem(common.MAV_CMD_NAV_WAYPOINT, 0, 0, 0)}, mission...)
			}
			// Two rally points: the near one (by C) is where RTL must end.
			rally := []*common.MessageMissionItemInt{
				navItem(common.MAV_CMD_NAV_RALLY_POINT, -80, 320, 20),
				navItem(common.MAV_CMD_NAV_RALLY_POINT, 0, -1500, 20),
			}
			g.upload(1, common.MAV_MISSION_TYPE_MISSION, mission)
			g.upload(1, common.MAV_MISSION_TYPE_RALLY, rally)

			if fl == "px4" {
				g.send(command(1, common.MAV_CMD_DO_SET_MODE, 1, px4MainAuto, px4SubLoiter))
			} else {
				g.send(command(1, common.MAV_CMD_DO_SET_MODE, 1, copterGuided))
			}
			g.ack(1, common.MAV_CMD_DO_SET_MODE)
			g.send(command(1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1))
			if a := g.ack(1, common.MAV_CMD_COMPONENT_ARM_DISARM); a.Result != common.MAV_RESULT_ACCEPTED {
				t.Fatalf("arm: %v", a.Result)
			}
			g.send(command(1, common.MAV_CMD_MISSION_START))
			if a := g.ack(1, common.MAV_CMD_MISSION_START); a.Result != common.MAV_RESULT_ACCEPTED {
				t.Fatalf("mission start: %v", a.Result)
			}
			stepUntil(t, f, 100*time.Millisecond, 15*time.Minute, "mission flown and landed", func() bool {
				return len(v.Stats.Reached) >= 7 && v.landed && !v.armed
			})

			// Reached in order, DO_JUMP repeating A-B-C once.
			s := first
			want := []uint16{s, s + 2, s + 3, s + 4, s + 2, s + 3, s + 4}
			var got []uint16
			for _, r := range v.Stats.Reached {
				got = append(got, r.Seq)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("reached %v, want %v", got, want)
			}
			// Each waypoint within its acceptance radius when it was reached.
			for _, r := range v.Stats.Reached[1:] {
				it := mission[r.Seq]
				if d := distance(r.Lat, r.Lon, float64(it.X)/1e7, float64(it.Y)/1e7); d > 3 {
					t.Errorf("item %d reached %.1f m from its position (radius 3 m)", r.Seq, d)
				}
			}
			// RTL ended landed at the nearest rally point, not at home.
			rlat, rlon := at(-80, 320)
			if d := distance(v.lat, v.lon, rlat, rlon); d > 3 {
				t.Fatalf("landed %.1f m from the nearest rally point", d)
			}
			if v.alt != v.groundAlt {
				t.Fatalf("landed at %.1f m, ground is %.1f", v.alt, v.groundAlt)
			}
			// The GCS saw the same progress.
			var seen []uint16
			for {
				select {
				case r := <-g.ch:
					if m, ok := r.msg.(*common.MessageMissionItemReached); ok {
						seen = append(seen, m.Seq)
					}
					continue
				default:
				}
				break
			}
			if !slices.Equal(seen, want) {
				t.Fatalf("MISSION_ITEM_REACHED seen by the GCS: %v, want %v", seen, want)
			}
		})
	}
}

func TestArduPlane_Mission_WaypointsInOrderThenLoitersAtRally(t *testing.T) {
	sc := groundScenario("arduplane")
	v0 := &sc.Vehicles[0]
	v0.Start, v0.StartAltM = "flying", 100
	la, loa := at(1500, 0)
	lb, lob := at(1500, 1500)
	rl, rlo := at(200, 1600)
	v0.Mission = []ItemSpec{
		{Cmd: "waypoint", Lat: la, Lon: loa, AltM: 100},
		{Cmd: "waypoint", Lat: lb, Lon: lob, AltM: 120},
		{Cmd: "loiter_turns", Lat: lb, Lon: lob, AltM: 120, Turns: 2, RadiusM: 80},
		{Cmd: "rtl"},
	}
	v0.Rally = []Home{{Lat: rl, Lon: rlo, AltM: 80}}
	sc.Wind = Wind{SpeedMS: 5, FromDeg: 270}
	f, _ := startFleet(t, sc, nil)
	v := vehicleBy(f, 1)
	stepUntil(t, f, 100*time.Millisecond, 20*time.Minute, "three items reached", func() bool { return len(v.Stats.Reached) >= 3 })
	var got []uint16
	for _, r := range v.Stats.Reached {
		got = append(got, r.Seq)
	}
	if !slices.Equal(got, []uint16{1, 2, 3}) {
		t.Fatalf("reached %v", got)
	}
	if d := distance(v.Stats.Reached[0].Lat, v.Stats.Reached[0].Lon, la, loa); d > v.params.get("WP_RADIUS") {
		t.Fatalf("first waypoint reached %.0f m away (WP_RADIUS %v)", d, v.params.get("WP_RADIUS"))
	}
	// RTL: ArduPlane circles the nearest rally point at RTL_ALTITUDE.
	stepUntil(t, f, 100*time.Millisecond, 10*time.Minute, "circling the rally point", func() bool {
		d := distance(v.lat, v.lon, rl, rlo)
		return v.beh == bRTL && d > 30 && d < 110 && math.Abs(v.alt-v.home.alt-100) < 5
	})
	// A plane turns with bounded bank.
	if math.Abs(v.roll) > 46*deg {
		t.Fatalf("bank %.0f°, limit 45°", v.roll/deg)
	}
}

func flyingScenario(flavor string) *Scenario {
	sc := groundScenario(flavor)
	v0 := &sc.Vehicles[0]
	v0.Start, v0.StartAltM = "flying", 50
	var mission []ItemSpec
	for i := 1; i <= 6; i++ { // a long patrol northwards
		lat, lon := at(float64(i)*500, 0)
		mission = append(mission, ItemSpec{Cmd: "waypoint", Lat: lat, Lon: lon, AltM: 50})
	}
	v0.Mission = mission
	return sc
}

func TestVehicle_LowBattery_TriggersRTL(t *testing.T) {
	for _, tc := range []struct{ flavor, text string }{
		{"arducopter", "Battery 1 is low"},
		{"px4", "Critical battery level"},
	} {
		t.Run(tc.flavor, func(t *testing.T) {
			sc := flyingScenario(tc.flavor)
			sc.Vehicles[0].BatteryPct = 21
			if tc.flavor == "px4" {
				sc.Vehicles[0].BatteryPct = 8
			}
			f, g := startFleet(t, sc, nil)
			v := vehicleBy(f, 1)
			stepUntil(t, f, 100*time.Millisecond, 3*time.Minute, "battery failsafe", func() bool { return v.beh == bRTL })
			if !hasText(v, tc.text) {
				t.Fatalf("no %q STATUSTEXT; got %q", tc.text, v.Stats.StatusTexts)
			}
			if err := f.Step(1100 * time.Millisecond); err != nil {
				t.Fatal(err)
			}
			g.expect(1, wait, "heartbeat in RTL", isMsg(func(m *common.MessageHeartbeat) bool {
				return m.CustomMode == v.flavor.customMode(bRTL)
			}))
			stepUntil(t, f, 100*time.Millisecond, 10*time.Minute, "landed at home", func() bool { return v.landed && !v.armed })
			if d := distance(v.lat, v.lon, v.home.lat, v.home.lon); d > 3 {
				t.Fatalf("landed %.1f m from home", d)
			}
		})
	}
}

func TestVehicle_FenceBreach_TriggersRTLWhenEnabled(t *testing.T) {
	for _, fl := range []string{"arducopter", "px4"} {
		t.Run(fl, func(t *testing.T) {
			sc := flyingScenario(fl)
			v0 := &sc.Vehicles[0]
			v0.Fence = []FenceSpec{{Inclusion: true, Polygon: polygonAt([][2]float64{{-300, -300}, {700, -300}, {700, 300}, {-300, 300}})}}
			v0.Params = map[string]float64{"FENCE_ENABLE": 1}
			f, g := startFleet(t, sc, nil)
			v := vehicleBy(f, 1)
			stepUntil(t, f, 100*time.Millisecond, 3*time.Minute, "fence breach", func() bool { return v.fence.breached })
			n, _ := northEast(v.home.lat, v.home.lon, v.lat, v.lon)
			if n < 695 || n > 720 {
				t.Fatalf("breach declared %.0f m north of home; the fence is at 700 m", n)
			}
			if v.beh != bRTL {
				t.Fatalf("after the breach the vehicle is in %v, want RTL", v.flavor.ModeName(v.custom))
			}
			fs := g.expect(1, wait, "FENCE_STATUS breach", isMsg(func(m *common.MessageFenceStatus) bool { return m.BreachStatus == 1 })).msg.(*common.MessageFenceStatus)
			if fs.BreachCount != 1 || fs.BreachType != common.FENCE_BREACH_BOUNDARY {
				t.Fatalf("FENCE_STATUS %+v", fs)
			}
			stepUntil(t, f, 100*time.Millisecond, 10*time.Minute, "back home and landed", func() bool { return v.landed && !v.armed })
		})
	}
}

func TestArduCopter_FenceStoredButNotEnforcedUntilEnabled(t *testing.T) {
	sc := flyingScenario("arducopter")
	lat, lon := at(700, 0)
	sc.Vehicles[0].Fence = []FenceSpec{{Inclusion: false, Circle: &struct {
		Lat     float64 `json:"lat"`
		Lon     float64 `json:"lon"`
		RadiusM float64 `json:"radius_m"`
	}{lat, lon, 100}}}
	f, _ := startFleet(t, sc, nil)
	v := vehicleBy(f, 1)
	stepUntil(t, f, 100*time.Millisecond, 3*time.Minute, "past the exclusion zone", func() bool {
		n, _ := northEast(v.home.lat, v.home.lon, v.lat, v.lon)
		return n > 900
	})
	if v.fence.count != 0 || v.beh != bAuto {
		t.Fatalf("fence acted with FENCE_ENABLE=0: %d breaches, mode %s", v.fence.count, v.flavor.ModeName(v.custom))
	}
}

func TestArduCopter_GCSLinkLoss_RTLAfterTimeout(t *testing.T) {
	sc := flyingScenario("arducopter")
	f, g := startFleet(t, sc, nil)
	v := vehicleBy(f, 1)
	g.send(&common.MessageHeartbeat{Type: common.MAV_TYPE_GCS, Autopilot: common.MAV_AUTOPILOT_INVALID})
	g.send(&common.MessageParamRequestRead{TargetSystem: 1, TargetComponent: 1, ParamId: "FS_GCS_TIMEOUT", ParamIndex: -1})
	g.expect(1, wait, "PARAM_VALUE", isMsg[*common.MessageParamValue](nil)) // the heartbeat before it has been handled
	used := stepUntil(t, f, 100*time.Millisecond, time.Minute, "GCS failsafe", func() bool { return v.beh == bRTL })
	if used < 5*time.Second || used > 6*time.Second {
		t.Fatalf("RTL after %v of silence, want 5 s (FS_GCS_TIMEOUT)", used)
	}
	if !hasText(v, "GCS Failsafe") {
		t.Fatalf("texts %q", v.Stats.StatusTexts)
	}
}

func TestVehicle_GuidedGoto_PauseAndContinue(t *testing.T) {
	for _, fl := range []string{"arducopter", "px4"} {
		t.Run(fl, func(t *testing.T) {
			f, g := startFleet(t, flyingScenario(fl), nil)
			v := vehicleBy(f, 1)
			lat, lon := at(-200, 200)
			g.send(&common.MessageCommandInt{TargetSystem: 1, TargetComponent: 1, Command: common.MAV_CMD_DO_REPOSITION,
				Frame: common.MAV_FRAME_GLOBAL, Param1: -1, Param2: float32(common.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE),
				X: int32(math.Round(lat * 1e7)), Y: int32(math.Round(lon * 1e7)), Z: 1180 + 60})
			if a := g.ack(1, common.MAV_CMD_DO_REPOSITION); a.Result != common.MAV_RESULT_ACCEPTED {
				t.Fatalf("reposition: %v", a.Result)
			}
			stepUntil(t, f, 100*time.Millisecond, 3*time.Minute, "at the go-to point", func() bool {
				return distance(v.lat, v.lon, lat, lon) < 1 && math.Abs(v.alt-1240) < 1
			})
			// Back to the mission, then pause: the vehicle stops where it is.
			g.send(command(1, common.MAV_CMD_MISSION_START))
			g.ack(1, common.MAV_CMD_MISSION_START)
			stepUntil(t, f, 100*time.Millisecond, time.Minute, "moving again", func() bool { return math.Hypot(v.vn, v.ve) > 4 })
			// PX4 has no DO_PAUSE_CONTINUE (UNSUPPORTED, observed on v1.17): it pauses in AUTO_LOITER.
			pause, resume := command(1, common.MAV_CMD_DO_PAUSE_CONTINUE, 0), command(1, common.MAV_CMD_DO_PAUSE_CONTINUE, 1)
			if fl == "px4" {
				g.send(command(1, common.MAV_CMD_DO_PAUSE_CONTINUE, 0))
				if a := g.ack(1, common.MAV_CMD_DO_PAUSE_CONTINUE); a.Result != common.MAV_RESULT_UNSUPPORTED {
					t.Fatalf("PX4 pause: %v, want UNSUPPORTED", a.Result)
				}
				pause = command(1, common.MAV_CMD_DO_SET_MODE, 1, px4MainAuto, px4SubLoiter)
				resume = command(1, common.MAV_CMD_DO_SET_MODE, 1, px4MainAuto, px4SubMission)
			}
			g.send(pause)
			if a := g.ack(1, pause.Command); a.Result != common.MAV_RESULT_ACCEPTED {
				t.Fatalf("pause: %v", a.Result)
			}
			stepUntil(t, f, 100*time.Millisecond, time.Minute, "stopped", func() bool { return math.Hypot(v.vn, v.ve) < 0.1 })
			g.send(resume)
			g.ack(1, resume.Command)
			stepUntil(t, f, 100*time.Millisecond, time.Minute, "continuing", func() bool { return math.Hypot(v.vn, v.ve) > 4 })
		})
	}
}
