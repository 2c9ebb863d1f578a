package simulator

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// fenceState is the compiled fence and its breach record.
type fenceState struct {
	polys     []fencePoly
	circles   []fenceCircle
	breached  bool
	lastCheck time.Duration // ArduCopter checks its fence at 1 Hz
	checked   bool
	count     uint16
	lastType  common.FENCE_BREACH
	lastTime  uint32
	actionHit bool
}

type fencePoly struct {
	inclusion bool
	pts       [][2]float64 // lat, lon
}

type fenceCircle struct {
	inclusion bool
	lat, lon  float64
	radius    float64
}

// compile turns the stored fence items into shapes. It fails on vertex
// counts that do not add up, as both autopilots do.
func (fs *fenceState) compile(v *vehicle) error {
	fs.polys, fs.circles = nil, nil
	items := v.lists[missionTypeFence]
	for i := 0; i < len(items); {
		it := items[i]
		switch it.Command {
		case 5001, 5002:
			n := int(it.P1)
			if n < 3 || i+n > len(items) {
				return fmt.Errorf("polygon at item %d needs %d vertices, %d items left", i, n, len(items)-i)
			}
			p := fencePoly{inclusion: it.Command == 5001}
			for j := i; j < i+n; j++ {
				if items[j].Command != it.Command || int(items[j].P1) != n {
					return fmt.Errorf("item %d breaks the polygon that starts at item %d", j, i)
				}
				p.pts = append(p.pts, [2]float64{items[j].lat(), items[j].lon()})
			}
			fs.polys = append(fs.polys, p)
			i += n
		case 5003, 5004:
			if it.P1 <= 0 {
				return fmt.Errorf("circle at item %d has radius %g", i, it.P1)
			}
			fs.circles = append(fs.circles, fenceCircle{inclusion: it.Command == 5003, lat: it.lat(), lon: it.lon(), radius: float64(it.P1)})
			i++
		case 5000:
			i++
		default:
			return errors.New("not a fence item")
		}
	}
	return nil
}

// enabled says whether the vehicle enforces its fence: ArduPilot only with
// FENCE_ENABLE=1, PX4 whenever a fence is loaded and GF_ACTION is not 0.
func (fs *fenceState) enabled(v *vehicle) bool {
	if v.flavor.ardupilot() {
		if v.fenceOverride != nil {
			return *v.fenceOverride // DO_FENCE_ENABLE at run time (vehicle.go)
		}
		return v.params.get("FENCE_ENABLE") == 1
	}
	return v.params.get("GF_ACTION") != 0 && (len(fs.polys) > 0 || len(fs.circles) > 0 ||
		v.params.get("GF_MAX_HOR_DIST") > 0 || v.params.get("GF_MAX_VER_DIST") > 0)
}

// outside returns the breach type at a position, 0 when inside.
func (fs *fenceState) outside(v *vehicle, lat, lon, alt float64) common.FENCE_BREACH {
	rel := alt - v.home.alt
	if v.flavor.ardupilot() {
		typ := int(v.params.get("FENCE_TYPE"))
		if typ&1 != 0 && rel > v.params.get("FENCE_ALT_MAX") {
			return common.FENCE_BREACH_MAXALT
		}
		if typ&2 != 0 && distance(v.home.lat, v.home.lon, lat, lon) > v.params.get("FENCE_RADIUS") {
			return common.FENCE_BREACH_BOUNDARY
		}
		if typ&4 == 0 {
			return common.FENCE_BREACH_NONE
		}
	} else {
		if m := v.params.get("GF_MAX_VER_DIST"); m > 0 && rel > m {
			return common.FENCE_BREACH_MAXALT
		}
		if m := v.params.get("GF_MAX_HOR_DIST"); m > 0 && distance(v.home.lat, v.home.lon, lat, lon) > m {
			return common.FENCE_BREACH_BOUNDARY
		}
	}
	hasIncl, inIncl := false, false
	for _, p := range fs.polys {
		in := pointInPolygon(lat, lon, p.pts)
		if p.inclusion {
			hasIncl = true
			inIncl = inIncl || in
		} else if in {
			return common.FENCE_BREACH_BOUNDARY
		}
	}
	for _, c := range fs.circles {
		in := distance(c.lat, c.lon, lat, lon) <= c.radius
		if c.inclusion {
			hasIncl = true
			inIncl = inIncl || in
		} else if in {
			return common.FENCE_BREACH_BOUNDARY
		}
	}
	if hasIncl && !inIncl {
		return common.FENCE_BREACH_BOUNDARY
	}
	return common.FENCE_BREACH_NONE
}

// destinationInFence is ArduCopter's guard on a GUIDED destination
// (ArduCopter/mode_guided.cpp ModeGuided::set_destination calls
// AC_Fence::check_destination_within_fence, which tests the enabled fences —
// maximum altitude, circle, polygons — at the destination): a go-to outside
// an enabled fence is refused (DO_REPOSITION answers MAV_RESULT_FAILED, a
// SET_POSITION_TARGET is ignored), so the copter never heads for it. The
// other flavours rely on the breach action alone.
func (v *vehicle) destinationInFence(target pos) bool {
	if v.flavor != ArduCopter || !v.fence.enabled(v) {
		return true
	}
	return v.fence.outside(v, target.lat, target.lon, target.alt) == common.FENCE_BREACH_NONE
}

// check runs once per step: on a new breach it reports FENCE_STATUS and takes
// the configured action (RTL by default).
func (fs *fenceState) check(v *vehicle, now time.Duration) {
	if !fs.enabled(v) {
		fs.breached = false
		return
	}
	// ArduCopter runs fence_check at 1 Hz (ArduCopter/fence.cpp), so a
	// breach is seen up to a second late.
	if v.flavor == ArduCopter {
		if fs.checked && now-fs.lastCheck < time.Second {
			return
		}
		fs.checked, fs.lastCheck = true, now
	}
	typ := fs.outside(v, v.lat, v.lon, v.alt)
	if typ == common.FENCE_BREACH_NONE {
		if fs.breached {
			fs.breached = false
			v.sendFenceStatus(now)
		}
		return
	}
	if fs.breached || !v.flying() {
		return
	}
	fs.breached = true
	fs.count++
	fs.lastType = typ
	fs.lastTime = v.bootMs(now)
	v.Stats.FenceBreaches++
	v.sendFenceStatus(now)
	if v.flavor == ArduCopter {
		v.statusText(common.MAV_SEVERITY_CRITICAL, "Fence Breached")
		// ArduCopter/fence.cpp: more than AC_FENCE_GIVE_UP_DISTANCE (100 m)
		// outside, land; else FENCE_ACTION: 0 report only, 2 land, 4 brake
		// (hold here), 3 and 5 SmartRTL (flown as RTL here: the simulator
		// keeps no breadcrumbs), 1 and any other RTL.
		act := int(v.params.get("FENCE_ACTION"))
		switch {
		case act == 0:
		case fs.breachDistance(v, typ) > 100 || act == 2:
			v.setMode(bLand, now)
		case act == 4:
			v.setMode(bHold, now)
		case v.beh != bRTL && v.beh != bLand:
			v.setMode(bRTL, now)
		}
		return
	}
	if v.flavor.ardupilot() {
		v.statusText(common.MAV_SEVERITY_CRITICAL, "Fence Breached")
		switch int(v.params.get("FENCE_ACTION")) {
		case 1, 3, 6:
			if v.beh != bRTL && v.beh != bLand {
				v.setMode(bRTL, now)
			}
		case 2, 5:
			v.setMode(bLand, now)
		case 4:
			v.setMode(bHold, now)
		}
		return
	}
	v.statusText(common.MAV_SEVERITY_CRITICAL, "Geofence violated")
	switch int(v.params.get("GF_ACTION")) {
	case 2:
		v.setMode(bHold, now)
	case 3:
		if v.beh != bRTL && v.beh != bLand {
			v.setMode(bRTL, now)
		}
	case 5:
		v.setMode(bLand, now)
	}
}

// breachDistance is how far outside the fence the vehicle is, in metres
// (AC_Fence::get_breach_distance): above the ceiling, beyond the circle, or
// from the nearest edge of the inclusion zones it has left.
func (fs *fenceState) breachDistance(v *vehicle, typ common.FENCE_BREACH) float64 {
	switch typ {
	case common.FENCE_BREACH_MAXALT:
		return v.alt - v.home.alt - v.params.get("FENCE_ALT_MAX")
	case common.FENCE_BREACH_BOUNDARY:
	default:
		return 0
	}
	if r := v.params.get("FENCE_RADIUS"); int(v.params.get("FENCE_TYPE"))&2 != 0 {
		if d := distance(v.home.lat, v.home.lon, v.lat, v.lon) - r; d > 0 {
			return d
		}
	}
	best := math.Inf(1)
	for _, p := range fs.polys {
		if !p.inclusion {
			continue
		}
		for i := range p.pts {
			a, b := p.pts[i], p.pts[(i+1)%len(p.pts)]
			best = math.Min(best, segmentDistance(v.lat, v.lon, a, b))
		}
	}
	for _, c := range fs.circles {
		if c.inclusion {
			best = math.Min(best, math.Max(0, distance(c.lat, c.lon, v.lat, v.lon)-c.radius))
		}
	}
	if math.IsInf(best, 1) {
		return 0
	}
	return best
}

// segmentDistance is the distance in metres from a position to a segment
// (local flat-earth projection around the position).
func segmentDistance(lat, lon float64, a, b [2]float64) float64 {
	an, ae := northEast(lat, lon, a[0], a[1])
	bn, be := northEast(lat, lon, b[0], b[1])
	dn, de := bn-an, be-ae
	t := 0.0
	if l2 := dn*dn + de*de; l2 > 0 {
		t = clamp(-(an*dn+ae*de)/l2, 0, 1)
	}
	return math.Hypot(an+t*dn, ae+t*de)
}

func (v *vehicle) sendFenceStatus(now time.Duration) {
	st := uint8(0)
	if v.fence.breached {
		st = 1
	}
	v.send(&common.MessageFenceStatus{BreachStatus: st, BreachCount: v.fence.count, BreachType: v.fence.lastType, BreachTime: v.fence.lastTime})
}

// battery is a simple coulomb counter: current from hover or cruise power
// plus terms for speed and climb.
type battery struct {
	capacityMAh float64
	consumedMAh float64
	currentA    float64
	cells       float64
	lowDone     bool
	critDone    bool
}

func (b *battery) init(v *vehicle, startPct float64) {
	if v.flavor == PX4Copter {
		b.capacityMAh = v.params.get("BAT1_CAPACITY")
	} else {
		b.capacityMAh = v.params.get("BATT_CAPACITY")
	}
	if startPct <= 0 || startPct > 100 {
		startPct = 100
	}
	b.consumedMAh = b.capacityMAh * (1 - startPct/100)
	b.cells = 6
}

func (b *battery) remainingFrac() float64 {
	if b.capacityMAh <= 0 {
		return 0
	}
	return clamp(1-b.consumedMAh/b.capacityMAh, 0, 1)
}

func (b *battery) voltage() float64 {
	return b.cells*(3.5+0.7*b.remainingFrac()) - 0.01*b.currentA
}

// update draws current for dt. Copters pay for hover and climb; planes for
// drag, which grows with the square of airspeed.
func (b *battery) update(v *vehicle, dt float64) {
	switch {
	case !v.armed:
		b.currentA = 0.4
	case v.landed:
		b.currentA = 2
	case v.flavor.plane():
		b.currentA = 6 + 0.015*v.airspeed*v.airspeed + 3*math.Max(0, -v.vd)
	default:
		b.currentA = 18 + 0.04*v.airspeed*v.airspeed + 4*math.Max(0, -v.vd)
	}
	b.consumedMAh += b.currentA * dt / 3.6
}

// check raises the low-battery warning and failsafe once each.
func (b *battery) check(v *vehicle, now time.Duration) {
	if !v.flying() {
		return
	}
	left := b.capacityMAh - b.consumedMAh
	if v.flavor.ardupilot() {
		if !b.critDone && left < v.params.get("BATT_CRT_MAH") {
			b.critDone, b.lowDone = true, true
			v.statusText(common.MAV_SEVERITY_CRITICAL, "Battery 1 is critical %.2fV used %.0f mAh", b.voltage(), b.consumedMAh)
			v.battAction(int(v.params.get("BATT_FS_CRT_ACT")), now)
		} else if !b.lowDone && left < v.params.get("BATT_LOW_MAH") {
			b.lowDone = true
			v.Stats.BatteryWarning = true
			v.statusText(common.MAV_SEVERITY_CRITICAL, "Battery 1 is low %.2fV used %.0f mAh", b.voltage(), b.consumedMAh)
			v.battAction(int(v.params.get("BATT_FS_LOW_ACT")), now)
		}
		return
	}
	frac := b.remainingFrac()
	switch {
	case !b.critDone && frac < v.params.get("BAT_CRIT_THR"):
		b.critDone, b.lowDone = true, true
		v.statusText(common.MAV_SEVERITY_CRITICAL, "Critical battery level! Executing RTL")
		if int(v.params.get("COM_LOW_BAT_ACT")) >= 1 && v.beh != bRTL && v.beh != bLand {
			v.setMode(bRTL, now)
		}
	case !b.lowDone && frac < v.params.get("BAT_LOW_THR"):
		b.lowDone = true
		v.Stats.BatteryWarning = true
		v.statusText(common.MAV_SEVERITY_WARNING, "Low battery level! Return advised")
	}
}

// battAction applies ArduPilot's BATT_FS_*_ACT: 1 land, 2 RTL, 3 SmartRTL (RTL here), 0 warn only.
func (v *vehicle) battAction(act int, now time.Duration) {
	switch act {
	case 1:
		v.setMode(bLand, now)
	case 2, 3, 4:
		if v.beh != bRTL && v.beh != bLand {
			v.setMode(bRTL, now)
		}
	}
}

// checkGCSLink is the GCS failsafe: after the configured silence while
// flying, RTL (ArduPilot FS_GCS_ENABLE=1; =2 lets AUTO continue; PX4 NAV_DLL_ACT=2).
func (v *vehicle) checkGCSLink(now time.Duration) {
	if !v.gcsSeen || !v.flying() {
		return
	}
	var timeout time.Duration
	var act int
	if v.flavor.ardupilot() {
		act = int(v.params.get("FS_GCS_ENABLE"))
		key := "FS_GCS_TIMEOUT"
		if v.flavor.plane() {
			key = "FS_LONG_TIMEOUT"
		}
		timeout = time.Duration(v.params.get(key) * float64(time.Second))
	} else {
		act = int(v.params.get("NAV_DLL_ACT"))
		if act == 2 {
			act = 1
		} else if act != 0 {
			act = 3 // other PX4 actions (hold, land) are simulated as hold
		}
		timeout = time.Duration(v.params.get("COM_DL_LOSS_T") * float64(time.Second))
	}
	// The GCS sends its heartbeat once a second of wall time whatever our
	// speed-up, so its silence is judged in wall time too.
	silent := now-v.lastGCS > time.Duration(float64(timeout)*v.f.Speedup)
	if !silent {
		if v.gcsFailsafe {
			v.gcsFailsafe = false
			if v.flavor.ardupilot() {
				v.statusText(common.MAV_SEVERITY_CRITICAL, "GCS Failsafe Cleared")
			} else {
				v.statusText(common.MAV_SEVERITY_INFO, "Data link regained")
			}
		}
		return
	}
	if v.gcsFailsafe || act == 0 {
		return
	}
	v.gcsFailsafe = true
	if v.flavor.ardupilot() {
		v.statusText(common.MAV_SEVERITY_CRITICAL, "GCS Failsafe")
	} else {
		v.statusText(common.MAV_SEVERITY_CRITICAL, "Connection to ground station lost")
	}
	switch {
	case act == 2 && v.beh == bAuto:
	case act == 3:
		v.setMode(bHold, now)
	case v.beh != bRTL && v.beh != bLand:
		v.setMode(bRTL, now)
	}
}
