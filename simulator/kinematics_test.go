package simulator

import (
	"math"
	"testing"
	"time"
)

func TestArduCopter_Kinematics_RespectSpeedClimbAccelAndYawLimits(t *testing.T) {
	sc := groundScenario("arducopter")
	v0 := &sc.Vehicles[0]
	v0.Start, v0.StartAltM = "flying", 20
	la, lo := at(0, 600)
	lb, lob := at(400, 0)
	v0.Mission = []ItemSpec{
		{Cmd: "waypoint", Lat: la, Lon: lo, AltM: 80},
		{Cmd: "waypoint", Lat: lb, Lon: lob, AltM: 10},
	}
	sc.Wind = Wind{SpeedMS: 8, FromDeg: 0, GustMS: 3}
	f, _ := startFleet(t, sc, nil)
	v := vehicleBy(f, 1)
	maxH, maxUp, maxDn, maxAcc, maxYaw := 0.0, 0.0, 0.0, 0.0, 0.0
	var pvn, pve, phdg float64
	first := true
	stepUntil(t, f, 100*time.Millisecond, 5*time.Minute, "both waypoints", func() bool {
		if !first {
			maxAcc = math.Max(maxAcc, math.Hypot(v.vn-pvn, v.ve-pve)/0.1)
			maxYaw = math.Max(maxYaw, math.Abs(wrap180(v.hdg-phdg))/0.1)
		}
		first = false
		pvn, pve, phdg = v.vn, v.ve, v.hdg
		maxH = math.Max(maxH, math.Hypot(v.vn, v.ve))
		maxUp = math.Max(maxUp, -v.vd)
		maxDn = math.Max(maxDn, v.vd)
		return len(v.Stats.Reached) >= 2
	})
	p := v.params
	if maxH > p.get("WPNAV_SPEED")/100+0.01 || maxH < p.get("WPNAV_SPEED")/100*0.95 {
		t.Errorf("top speed %.2f m/s, WPNAV_SPEED %.1f", maxH, p.get("WPNAV_SPEED")/100)
	}
	if maxUp > p.get("WPNAV_SPEED_UP")/100+0.01 || maxDn > p.get("WPNAV_SPEED_DN")/100+0.01 {
		t.Errorf("climb %.2f / descent %.2f m/s over the limits", maxUp, maxDn)
	}
	if maxAcc > p.get("WPNAV_ACCEL")/100+0.01 {
		t.Errorf("acceleration %.2f m/s², WPNAV_ACCEL %.1f", maxAcc, p.get("WPNAV_ACCEL")/100)
	}
	if maxYaw > p.get("ATC_RATE_Y_MAX")+0.01 || maxYaw < 30 {
		t.Errorf("yaw rate %.1f °/s, limit %.0f", maxYaw, p.get("ATC_RATE_Y_MAX"))
	}
}

func TestArduPlane_Crosswind_TrackHeldWithCrab(t *testing.T) {
	sc := groundScenario("arduplane")
	v0 := &sc.Vehicles[0]
	v0.Start, v0.StartAltM, v0.HeadingDeg = "flying", 100, 0
	la, lo := at(4000, 0)
	v0.Mission = []ItemSpec{{Cmd: "waypoint", Lat: la, Lon: lo, AltM: 100}}
	sc.Wind = Wind{SpeedMS: 8, FromDeg: 270} // from the west, across a northbound leg
	f, _ := startFleet(t, sc, nil)
	v := vehicleBy(f, 1)
	maxXTE, crab := 0.0, 0.0
	stepUntil(t, f, 100*time.Millisecond, 5*time.Minute, "waypoint", func() bool {
		n, e := northEast(v.home.lat, v.home.lon, v.lat, v.lon)
		if n > 800 && n < 3000 { // settled on the leg
			maxXTE = math.Max(maxXTE, math.Abs(e))
			crab = wrap180(v.hdg)
		}
		return len(v.Stats.Reached) >= 1
	})
	if maxXTE > 25 {
		t.Fatalf("cross-track error %.0f m in a crosswind", maxXTE)
	}
	// Wind from the west: the nose points left of the track (west of north) by about asin(8/20) = 24°.
	if crab > -15 || crab < -30 {
		t.Fatalf("heading %.1f° on a northbound track with a westerly wind, want about -24°", crab)
	}
}

func TestBattery_Draw_GrowsWithSpeedAndClimb(t *testing.T) {
	f := &Fleet{Rate: 10}
	spec := VehicleSpec{SysID: 1, Home: Home{Lat: 31, Lon: -110, AltM: 1000}}
	v := newVehicle(f, spec, &link{})
	v.armed, v.landed = true, false
	draw := func(air, vd float64) float64 {
		v.airspeed, v.vd = air, vd
		before := v.batt.consumedMAh
		v.batt.update(v, 1)
		return v.batt.consumedMAh - before
	}
	hover, cruise, climb := draw(0, 0), draw(15, 0), draw(0, -3)
	if !(cruise > hover && climb > hover && hover > 0) {
		t.Fatalf("mAh/s hover %.2f cruise %.2f climb %.2f", hover, cruise, climb)
	}
	v.armed = false
	if idle := draw(0, 0); idle >= hover/10 {
		t.Fatalf("disarmed draw %.3f mAh/s", idle)
	}
}
