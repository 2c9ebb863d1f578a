package simulator

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

type goalKind int

const (
	gIdle   goalKind = iota // stay on the ground / do nothing
	gGoto                   // fly to p (copters stop there; planes circle it)
	gClimb                  // climb to p.alt where the vehicle is (take-off)
	gLoiter                 // circle p at radius (planes, copter LOITER_TURNS)
	gLand                   // descend and land at p
)

type goal struct {
	kind   goalKind
	p      pos
	speed  float64
	radius float64
}

// navState is where the vehicle is in its mission.
type navState struct {
	cur      int
	jumps    map[int]int // DO_JUMP repeats left, by item seq
	stage    int         // 0 approaching the item, 1 holding/loitering, 2 RTL inside AUTO
	stageAt  time.Duration
	angle    float64 // radians circled in LOITER_TURNS
	lastBrg  float64
	complete bool
}

func (n *navState) reset() { *n = navState{} }

// enter is called on a switch into AUTO: resume at the current item, or
// start again once the mission has completed.
func (n *navState) enter(v *vehicle) {
	if n.complete {
		n.reset()
	}
	n.stage = 0
	n.cur = max(n.cur, v.firstSeq())
}

func (n *navState) jump(v *vehicle, seq int) {
	n.cur, n.stage, n.complete, n.angle = seq, 0, false, 0
}

// rtlState is the return-to-launch sequence: climb, return, loiter, land.
type rtlState struct {
	started time.Duration
	stage   int
	stageAt time.Duration
	dest    pos
	alt     float64
}

// rtlDestination is the nearest rally point, or home, as ArduPilot and PX4 choose it.
func (v *vehicle) rtlDestination() pos {
	best := v.home
	bestD := math.Inf(1)
	if !v.flavor.ardupilot() || v.params.get("RALLY_INCL_HOME") == 1 || len(v.lists[2]) == 0 {
		bestD = distance(v.lat, v.lon, v.home.lat, v.home.lon)
	}
	for _, r := range v.rallyPoints() {
		if d := distance(v.lat, v.lon, r.lat, r.lon); d < bestD {
			best, bestD = r, d
		}
	}
	return best
}

func (v *vehicle) acceptRadius(it item) float64 {
	if it.P2 > 0 {
		return float64(it.P2)
	}
	switch v.flavor {
	case ArduPlane:
		return v.params.get("WP_RADIUS")
	case PX4Copter:
		return v.params.get("NAV_ACC_RAD")
	}
	return math.Max(v.params.get("WPNAV_RADIUS")/100, 0.5)
}

func (v *vehicle) loiterRadius(r float32) float64 {
	if r != 0 && !math.IsNaN(float64(r)) && !math.IsInf(float64(r), 0) { // NaN means "default" in MAVLink
		return math.Abs(float64(r))
	}
	if v.flavor.plane() {
		return v.params.get("WP_LOITER_RAD")
	}
	return 0
}

func (v *vehicle) here() pos { return pos{v.lat, v.lon, v.alt} }

// itemPos: latitude and longitude 0 mean "where the vehicle is", as in ArduPilot.
func (v *vehicle) itemPos(it item) pos {
	p := pos{it.lat(), it.lon(), v.altOf(it)}
	if it.X == 0 && it.Y == 0 {
		p.lat, p.lon = v.lat, v.lon
	}
	if it.Z == 0 && it.Frame != uint8(common.MAV_FRAME_GLOBAL) {
		p.alt = v.alt
	}
	return p
}

// prevNavPos finds the position of the last positional item before seq (the start of the leg).
func (v *vehicle) prevNavPos(seq int) (pos, bool) {
	for i := seq - 1; i >= v.firstSeq(); i-- {
		it := v.lists[0][i]
		if it.Command == uint16(common.MAV_CMD_NAV_WAYPOINT) && (it.X != 0 || it.Y != 0) {
			return v.itemPos(it), true
		}
	}
	return pos{}, false
}

func (v *vehicle) reached(now time.Duration, seq int) {
	v.Stats.Reached = append(v.Stats.Reached, Reach{Seq: uint16(seq), Lat: v.lat, Lon: v.lon, AltM: v.alt})
	if len(v.Stats.Reached) > 10000 {
		v.Stats.Reached = v.Stats.Reached[5000:]
	}
	v.send(&common.MessageMissionItemReached{Seq: uint16(seq)})
}

func (v *vehicle) sendMissionCurrent(now time.Duration) {
	v.send(v.missionCurrent())
}

// silently executed DO commands: they act on payloads the simulator does not model.
var noopCommands = map[common.MAV_CMD]bool{
	common.MAV_CMD_DO_SET_SERVO: true, common.MAV_CMD_DO_SET_RELAY: true, common.MAV_CMD_DO_DIGICAM_CONTROL: true,
	common.MAV_CMD_DO_SET_CAM_TRIGG_DIST: true, common.MAV_CMD_DO_SET_ROI_LOCATION: true, common.MAV_CMD_DO_SET_ROI_NONE: true,
	common.MAV_CMD_CONDITION_YAW: true, common.MAV_CMD_DO_MOUNT_CONTROL: true, common.MAV_CMD_DO_LAND_START: true,
	common.MAV_CMD_IMAGE_START_CAPTURE: true, common.MAV_CMD_IMAGE_STOP_CAPTURE: true, common.MAV_CMD_VIDEO_START_CAPTURE: true,
	common.MAV_CMD_VIDEO_STOP_CAPTURE: true, common.MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW: true,
}

// autoGoal runs the mission: DO items take effect at once, a NAV item is
// flown until done.
func (v *vehicle) autoGoal(now time.Duration) goal {
	n := &v.nav
	items := v.lists[0]
	for guard := 0; guard < 64; guard++ {
		n.cur = max(n.cur, v.firstSeq())
		if n.cur >= len(items) {
			return v.missionEnd(now)
		}
		it := items[n.cur]
		switch common.MAV_CMD(it.Command) {
		case common.MAV_CMD_DO_JUMP:
			target, repeat := int(it.P1), int(it.P2)
			if n.jumps == nil {
				n.jumps = map[int]int{}
			}
			left, ok := n.jumps[n.cur]
			if !ok {
				left = repeat
			}
			if target >= v.firstSeq() && target < len(items) && (repeat < 0 || left > 0) {
				n.jumps[n.cur] = left - 1
				n.cur, n.stage = target, 0
			} else {
				n.cur++
			}
			v.sendMissionCurrent(now)
			continue
		case common.MAV_CMD_DO_CHANGE_SPEED:
			if it.P2 > 0 {
				v.cruise = float64(it.P2)
			}
			n.cur++
			continue
		case common.MAV_CMD_NAV_WAYPOINT, common.MAV_CMD_NAV_LOITER_UNLIM, common.MAV_CMD_NAV_LOITER_TIME,
			common.MAV_CMD_NAV_LOITER_TURNS, common.MAV_CMD_NAV_TAKEOFF, common.MAV_CMD_NAV_LAND,
			common.MAV_CMD_NAV_RETURN_TO_LAUNCH:
			g, done := v.navItem(now, it)
			if !done {
				return g
			}
			v.reached(now, n.cur)
			n.cur++
			n.stage, n.angle = 0, 0
			v.sendMissionCurrent(now)
			continue
		default:
			if !noopCommands[common.MAV_CMD(it.Command)] {
				v.statusText(common.MAV_SEVERITY_WARNING, "Mission: skipping unsupported cmd %d at %d", it.Command, n.cur)
			}
			n.cur++
			continue
		}
	}
	return goal{kind: gGoto, p: v.here(), speed: v.cruise}
}

// missionEnd: copters hold where they are, ArduPlane returns home (its
// behaviour at the end of a mission), PX4 loiters.
func (v *vehicle) missionEnd(now time.Duration) goal {
	if !v.nav.complete {
		v.nav.complete = true
		v.guided = v.here()
		v.sendMissionCurrent(now)
		if v.flavor.plane() && v.flying() {
			v.setMode(bRTL, now)
			return v.rtlGoal(now)
		}
	}
	if !v.flying() {
		return goal{kind: gIdle}
	}
	return goal{kind: gGoto, p: v.guided, speed: v.cruise, radius: v.loiterRadius(0)}
}

func (v *vehicle) navItem(now time.Duration, it item) (goal, bool) {
	n := &v.nav
	p := v.itemPos(it)
	switch common.MAV_CMD(it.Command) {
	case common.MAV_CMD_NAV_TAKEOFF:
		if !v.armed {
			return goal{kind: gIdle}, false
		}
		target := v.altOf(it)
		if v.alt >= target-1 {
			return goal{}, true
		}
		return goal{kind: gClimb, p: pos{v.lat, v.lon, target}, speed: v.cruise}, false
	case common.MAV_CMD_NAV_WAYPOINT:
		if n.stage == 0 {
			r := v.acceptRadius(it)
			if distance(v.lat, v.lon, p.lat, p.lon) <= r && (v.flavor.plane() || math.Abs(v.alt-p.alt) <= math.Max(2, r)) {
				n.stage, n.stageAt = 1, now
			} else {
				return goal{kind: gGoto, p: p, speed: v.cruise}, false
			}
		}
		if v.flavor.plane() || now-n.stageAt >= time.Duration(float64(it.P1)*float64(time.Second)) {
			return goal{}, true
		}
		return goal{kind: gGoto, p: p, speed: v.cruise}, false
	case common.MAV_CMD_NAV_LOITER_UNLIM, common.MAV_CMD_NAV_LOITER_TIME, common.MAV_CMD_NAV_LOITER_TURNS:
		r := v.loiterRadius(it.P3)
		if it.Command == uint16(common.MAV_CMD_NAV_LOITER_TURNS) && r == 0 {
			r = 20 // a copter circles too; ArduCopter's CIRCLE_RADIUS default is 5 m, too tight to see
		}
		if n.stage == 0 {
			if distance(v.lat, v.lon, p.lat, p.lon) <= math.Max(r, 2)+v.acceptRadius(item{}) && math.Abs(v.alt-p.alt) < 3 {
				n.stage, n.stageAt, n.angle = 1, now, 0
				n.lastBrg = v.bearingFrom(p)
			} else {
				return goal{kind: gGoto, p: p, speed: v.cruise}, false
			}
		}
		g := goal{kind: gLoiter, p: p, speed: v.cruise, radius: r}
		if r == 0 {
			g.kind = gGoto
		}
		switch common.MAV_CMD(it.Command) {
		case common.MAV_CMD_NAV_LOITER_TIME:
			return g, now-n.stageAt >= time.Duration(float64(it.P1)*float64(time.Second))
		case common.MAV_CMD_NAV_LOITER_TURNS:
			b := v.bearingFrom(p)
			n.angle += math.Abs(wrap180(b-n.lastBrg)) * deg
			n.lastBrg = b
			return g, n.angle >= float64(it.P1)*2*math.Pi
		}
		return g, false
	case common.MAV_CMD_NAV_RETURN_TO_LAUNCH:
		if v.flavor != ArduCopter {
			v.setMode(bRTL, now)
			return v.rtlGoal(now), false
		}
		if n.stage != 2 {
			n.stage = 2
			v.rtl = rtlState{started: now, dest: v.rtlDestination()}
		}
		return v.rtlGoal(now), false
	case common.MAV_CMD_NAV_LAND:
		if v.landed {
			return goal{kind: gIdle}, v.armed == false
		}
		p.alt = v.groundAlt
		return goal{kind: gLand, p: p, speed: v.cruise}, false
	}
	return goal{}, true
}

func (v *vehicle) bearingFrom(c pos) float64 {
	n, e := northEast(c.lat, c.lon, v.lat, v.lon)
	return math.Atan2(e, n) / deg
}

// rtlGoal: climb to the return altitude, fly to the nearest rally point or
// home, loiter, land (planes circle there instead of landing).
func (v *vehicle) rtlGoal(now time.Duration) goal {
	r := &v.rtl
	if r.alt == 0 {
		switch v.flavor {
		case ArduCopter:
			r.alt = math.Max(v.alt, v.home.alt+v.params.get("RTL_ALT")/100)
		case ArduPlane:
			r.alt = v.home.alt + v.params.get("RTL_ALTITUDE")
		default:
			r.alt = math.Max(v.alt, v.home.alt+v.params.get("RTL_RETURN_ALT"))
		}
	}
	if !v.flying() {
		return goal{kind: gIdle}
	}
	dest := pos{r.dest.lat, r.dest.lon, r.alt}
	if v.flavor.plane() {
		rad := v.params.get("RTL_RADIUS")
		if rad == 0 {
			rad = v.params.get("WP_LOITER_RAD")
		}
		return goal{kind: gLoiter, p: dest, speed: v.cruise, radius: rad}
	}
	switch r.stage {
	case 0: // climb
		if v.alt >= r.alt-1 {
			r.stage = 1
		}
		return goal{kind: gClimb, p: pos{v.lat, v.lon, r.alt}, speed: v.cruise}
	case 1: // return
		if distance(v.lat, v.lon, dest.lat, dest.lon) < 2 {
			r.stage, r.stageAt = 2, now
		}
		return goal{kind: gGoto, p: dest, speed: v.cruise}
	case 2: // loiter before landing
		wait := time.Duration(v.params.get("RTL_LOIT_TIME")) * time.Millisecond
		if !v.flavor.ardupilot() {
			wait = time.Duration(v.params.get("RTL_LAND_DELAY") * float64(time.Second))
		}
		if now-r.stageAt >= wait {
			r.stage = 3
		}
		return goal{kind: gGoto, p: dest, speed: v.cruise}
	}
	return goal{kind: gLand, p: pos{dest.lat, dest.lon, v.groundAlt}, speed: v.cruise}
}

// goal picks what to fly this step from the mode.
func (v *vehicle) goal(now time.Duration) goal {
	if !v.armed {
		return goal{kind: gIdle}
	}
	if v.paused {
		return goal{kind: gGoto, p: v.pauseAt, speed: v.cruise, radius: v.loiterRadius(0)}
	}
	switch v.beh {
	case bAuto:
		return v.autoGoal(now)
	case bRTL:
		return v.rtlGoal(now)
	case bLand:
		return goal{kind: gLand, p: pos{v.guided.lat, v.guided.lon, v.groundAlt}, speed: v.cruise}
	case bTakeoff:
		if v.alt >= v.guided.alt-1 {
			v.setMode(bHold, now)
			v.guided = v.here()
		}
		return goal{kind: gClimb, p: v.guided, speed: v.cruise}
	case bGuided, bHold, bManual:
		if !v.guidedSet || v.landed && v.guided.alt <= v.groundAlt+0.5 {
			return goal{kind: gIdle}
		}
		g := goal{kind: gGoto, p: v.guided, speed: v.cruise}
		if v.flavor.plane() {
			g.kind, g.radius = gLoiter, v.loiterRadius(0)
		}
		return g
	}
	return goal{kind: gIdle}
}

// step advances one vehicle by dt of simulated time.
func (v *vehicle) step(now time.Duration, dt float64, wind [2]float64) {
	v.tickReboot(now)
	v.tickMission(now)
	if v.calibUntil > 0 && now >= v.calibUntil {
		v.calibUntil = 0
		v.send(&common.MessageCommandAck{Command: common.MAV_CMD_PREFLIGHT_CALIBRATION, Result: common.MAV_RESULT_ACCEPTED,
			Progress: 100, TargetSystem: v.calibFrom[0], TargetComponent: v.calibFrom[1]})
	}
	g := v.goal(now)
	wasLanded := v.landed
	if v.flavor.plane() {
		v.flyPlane(g, dt, wind)
	} else {
		v.flyCopter(g, dt, wind)
	}
	if v.landed && !wasLanded {
		v.landedAt = now
		if v.armed && (g.kind == gLand || v.beh == bLand || v.beh == bRTL || v.nav.stage == 2) {
			v.disarm(now) // both autopilots disarm on touch-down in LAND and RTL
			if v.beh == bAuto {
				v.nav.complete = true
			}
		}
	}
	v.batt.update(v, dt)
	v.batt.check(v, now)
	v.fence.check(v, now)
	v.checkGCSLink(now)
	// Armed on the ground without taking off: disarm after the delay, as both do.
	if v.armed && v.landed {
		delay := v.params.get("DISARM_DELAY")
		if !v.flavor.ardupilot() {
			delay = v.params.get("COM_DISARM_PRFLT")
		}
		if d := time.Duration(delay * float64(time.Second)); delay > 0 && now-max(v.armedAt, v.landedAt) > d {
			v.disarm(now)
			if v.flavor.ardupilot() {
				v.statusText(common.MAV_SEVERITY_INFO, "Disarming motors")
			}
		}
	}
}

// flyCopter: velocity control with acceleration, climb and yaw-rate limits.
// The wind is compensated by the controller and shows in tilt and power.
func (v *vehicle) flyCopter(g goal, dt float64, wind [2]float64) {
	accel, up, down, yawRate := 2.5, 2.5, 1.5, 90.0
	landSpeed := 0.5
	if v.flavor.ardupilot() {
		accel = v.params.get("WPNAV_ACCEL") / 100
		up, down = v.params.get("WPNAV_SPEED_UP")/100, v.params.get("WPNAV_SPEED_DN")/100
		yawRate = v.params.get("ATC_RATE_Y_MAX")
		landSpeed = v.params.get("LAND_SPEED") / 100
	} else {
		accel = v.params.get("MPC_ACC_HOR")
		up, down = v.params.get("MPC_Z_VEL_MAX_UP"), v.params.get("MPC_Z_VEL_MAX_DN")
		landSpeed = v.params.get("MPC_LAND_SPEED")
	}
	if v.landed {
		v.vn, v.ve, v.vd, v.airspeed = 0, 0, 0, 0
		v.roll, v.pitch = 0, 0
		if !v.armed || g.kind == gIdle || g.kind == gLand || g.p.alt <= v.groundAlt+0.5 {
			return
		}
		v.landed = false
	}
	var dn, de float64
	switch g.kind {
	case gGoto, gLand:
		n, e := northEast(v.lat, v.lon, g.p.lat, g.p.lon)
		d := math.Hypot(n, e)
		if d > 0.05 {
			sp := math.Min(g.speed, math.Sqrt(2*accel*d)*0.8)
			dn, de = n/d*sp, e/d*sp
		}
	case gLoiter:
		n, e := northEast(g.p.lat, g.p.lon, v.lat, v.lon)
		r := math.Hypot(n, e)
		sp := math.Min(g.speed, math.Sqrt(accel*math.Max(g.radius, 1))) // centripetal limit
		if r > 0.1 {
			tn, te := -e/r, n/r // clockwise seen from above
			k := clamp((g.radius-r)/math.Max(g.radius, 1), -1, 1)
			dn, de = tn*sp+n/r*k*sp, te*sp+e/r*k*sp
		}
	}
	if g.kind == gIdle { // armed in the air with nothing to do: brake
		dn, de = 0, 0
	}
	ddn, dde := dn-v.vn, de-v.ve
	if m := math.Hypot(ddn, dde); m > accel*dt {
		ddn, dde = ddn/m*accel*dt, dde/m*accel*dt
	}
	v.vn += ddn
	v.ve += dde
	var vdWant float64
	if g.kind == gLand {
		// Both autopilots fly to a LAND item's position first, then descend.
		if distance(v.lat, v.lon, g.p.lat, g.p.lon) < 2 {
			vdWant = down
			if v.alt-v.groundAlt < 10 {
				vdWant = landSpeed
			}
		}
	} else if g.kind != gIdle {
		vdWant = -clamp(g.p.alt-v.alt, -down, up)
	}
	v.vd += clamp(vdWant-v.vd, -3*dt, 3*dt)
	v.lat, v.lon = offset(v.lat, v.lon, v.vn*dt, v.ve*dt)
	v.alt -= v.vd * dt
	if v.alt <= v.groundAlt {
		v.alt = v.groundAlt
		if g.kind == gLand || v.vd > 0 {
			v.landed = true
			v.vn, v.ve, v.vd = 0, 0, 0
		}
	}
	if sp := math.Hypot(v.vn, v.ve); sp > 1 {
		want := math.Atan2(v.ve, v.vn) / deg
		d := clamp(wrap180(want-v.hdg), -yawRate*dt, yawRate*dt)
		v.hdg = wrap360(v.hdg + d)
	}
	an, ae := v.vn-wind[0], v.ve-wind[1]
	v.airspeed = math.Hypot(an, ae)
	// Tilt = acceleration plus drag against the air, in body axes.
	fn, fe := ddn/dt+0.05*an*math.Abs(an), dde/dt+0.05*ae*math.Abs(ae)
	h := v.hdg * deg
	fwd := fn*math.Cos(h) + fe*math.Sin(h)
	right := -fn*math.Sin(h) + fe*math.Cos(h)
	v.pitch = clamp(-math.Atan(fwd/gravity), -0.6, 0.6)
	v.roll = clamp(math.Atan(right/gravity), -0.6, 0.6)
}

// flyPlane: constant-airspeed flight with bank-limited turns; the wind
// carries the aircraft, and the controller crabs into it.
func (v *vehicle) flyPlane(g goal, dt float64, wind [2]float64) {
	bank := v.params.get("ROLL_LIMIT_DEG") * deg
	if v.landed {
		v.vn, v.ve, v.vd, v.roll, v.pitch = 0, 0, 0, 0, 0
		if !v.armed || g.kind != gClimb && g.kind != gGoto && g.kind != gLoiter || g.p.alt <= v.groundAlt+1 {
			v.airspeed = 0
			return
		}
		// take-off run along the heading
		v.airspeed += 3 * dt
		h := v.hdg * deg
		v.lat, v.lon = offset(v.lat, v.lon, v.airspeed*math.Cos(h)*dt, v.airspeed*math.Sin(h)*dt)
		v.vn, v.ve = v.airspeed*math.Cos(h), v.airspeed*math.Sin(h)
		if v.airspeed >= 12 {
			v.landed = false
		}
		return
	}
	V := math.Max(v.airspeed, 8)
	course := v.hdg
	switch g.kind {
	case gGoto, gLand:
		n, e := northEast(v.lat, v.lon, g.p.lat, g.p.lon)
		if g.kind == gGoto && g.radius > 0 && math.Hypot(n, e) < g.radius*1.5 {
			g.kind = gLoiter
			break
		}
		course = math.Atan2(e, n) / deg
	}
	if g.kind == gLoiter {
		n, e := northEast(g.p.lat, g.p.lon, v.lat, v.lon)
		r := math.Hypot(n, e)
		brg := math.Atan2(e, n) / deg
		R := math.Max(g.radius, 30)
		course = brg + 90 + 90*clamp((r-R)/R*2, -1, 1)
	}
	// crab into the crosswind so that the ground track follows the course
	c := course * deg
	cross := -wind[0]*math.Sin(c) + wind[1]*math.Cos(c)
	want := course - math.Asin(clamp(cross/V, -0.9, 0.9))/deg
	maxRate := gravity * math.Tan(bank) / V / deg // deg/s
	rate := clamp(wrap180(want-v.hdg)*0.8, -maxRate, maxRate)
	v.hdg = wrap360(v.hdg + rate*dt)
	v.roll = math.Atan(rate * deg * V / gravity)
	target := g.speed
	if target <= 0 {
		target = v.defaultSpeed()
	}
	v.airspeed += clamp(target-v.airspeed, -2*dt, 2*dt)
	h := v.hdg * deg
	v.vn = v.airspeed*math.Cos(h) + wind[0]
	v.ve = v.airspeed*math.Sin(h) + wind[1]
	vdWant := 0.0
	switch g.kind {
	case gLand:
		vdWant = 3
	case gIdle:
	default:
		vdWant = -clamp(g.p.alt-v.alt, -4, 5)
	}
	v.vd += clamp(vdWant-v.vd, -2*dt, 2*dt)
	v.pitch = math.Atan2(-v.vd, V)
	v.lat, v.lon = offset(v.lat, v.lon, v.vn*dt, v.ve*dt)
	v.alt -= v.vd * dt
	if v.alt <= v.groundAlt {
		v.alt = v.groundAlt
		v.landed = true
		v.vn, v.ve, v.vd, v.airspeed, v.roll, v.pitch = 0, 0, 0, 0, 0, 0
	}
}

// missionCurrent is MISSION_CURRENT as the vehicle stands: sent on a change
// of item and at the streamed rate.
func (v *vehicle) missionCurrent() *common.MessageMissionCurrent {
	st := common.MISSION_STATE_ACTIVE
	switch {
	case len(v.missionNav()) == 0:
		st = common.MISSION_STATE_NO_MISSION
	case v.nav.complete:
		st = common.MISSION_STATE_COMPLETE
	case v.beh != bAuto:
		st = common.MISSION_STATE_NOT_STARTED
	case v.paused:
		st = common.MISSION_STATE_PAUSED
	}
	total := uint16(len(v.missionNav())) // ArduPilot: without home (GCS_Common.cpp send_mission_current)
	if total == 0 && !v.flavor.ardupilot() {
		// PX4 sends UINT16_MAX as the total when it holds no mission
		// (src/modules/mavlink/mavlink_mission.cpp, observed on v1.17).
		total = math.MaxUint16
	}
	return &common.MessageMissionCurrent{Seq: uint16(max(v.nav.cur, 0)), Total: total, MissionState: st}
}
