package simulator

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

type pos struct{ lat, lon, alt float64 } // alt AMSL, metres

// vehicle is one simulated autopilot. The fleet's loop goroutine owns it.
type vehicle struct {
	f      *Fleet
	spec   VehicleSpec
	id     uint8
	flavor Flavor
	link   *link
	enc    mavwire.Encoder
	out    []byte
	rng    *rand.Rand
	params *params

	readyAt time.Duration // position estimate available (arming needs it)
	bootAt  time.Duration // when the autopilot last (re)started: time_boot_ms counts from here
	// A reboot in progress (MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN): silent from
	// downAt until upAt, then it boots again.
	downAt, upAt time.Duration
	down         bool
	// fenceOverride is ArduPilot's run-time fence switch (DO_FENCE_ENABLE):
	// it overrides FENCE_ENABLE without changing it; nil follows the parameter.
	fenceOverride *bool

	// kinematics
	lat, lon, alt float64 // alt AMSL
	groundAlt     float64 // flat terrain at home altitude
	vn, ve, vd    float64 // ground velocity, m/s (vd positive down)
	hdg           float64 // degrees
	airspeed      float64
	roll, pitch   float64 // radians, for ATTITUDE
	landed        bool
	home          pos

	armed     bool
	armedAt   time.Duration
	landedAt  time.Duration
	beh       behaviour
	custom    uint32
	cruise    float64 // current horizontal speed target (DO_CHANGE_SPEED)
	guided    pos
	guidedSet bool
	paused    bool
	pauseAt   pos
	rtl       rtlState
	nav       navState

	lists  [3][]item  // mission (ArduPilot: home at 0), fence, rally
	ups    [3]*upload // uploads in progress by list type (PX4: at most one)
	lastUp *upload
	px4Tx  *px4Download

	batt  battery
	fence fenceState

	gcsSeen     bool
	lastGCS     time.Duration
	gcsFailsafe bool

	streams    []stream
	calibUntil time.Duration // a PREFLIGHT_CALIBRATION in progress
	calibFrom  [2]uint8
	sign       *vehicleSigning
	cam        Camera
	seen       map[int]bool // targets currently tracked (for CAMERA_TRACKING_GEO_STATUS)
	lastDetect time.Duration
	rid        *ridReceiver // Remote ID receiver component (remoteid.go), nil without one

	// Counters for tests and the fleet's stats.
	Stats VehicleStats
}

// Reach records where a vehicle was when it completed a mission item.
type Reach struct {
	Seq      uint16
	Lat, Lon float64
	AltM     float64 // AMSL
}

// VehicleStats counts what a vehicle did.
type VehicleStats struct {
	Received        uint64  // messages handled
	UnsignedDrops   uint64  // unsigned messages ignored because signing is on
	BadSignatures   uint64  // signed messages with a wrong signature or an old timestamp
	Reached         []Reach // nav items completed, in order
	Detections      uint64
	RemoteIDRelayed uint64 // OPEN_DRONE_ID_* messages relayed by the receiver
	StatusTexts     []string
	ModeChanges     uint64
	FenceBreaches   uint64
	BatteryWarning  bool
}

func newVehicle(f *Fleet, spec VehicleSpec, l *link) *vehicle {
	v := &vehicle{
		f: f, spec: spec, id: spec.SysID, flavor: spec.flavor, link: l,
		rng:    rand.New(rand.NewPCG(f.seed, uint64(spec.SysID)*7919+uint64(l.idx))),
		params: newParams(spec.flavor),
		seen:   map[int]bool{},
	}
	v.enc = mavwire.Encoder{Dialect: dialectRW, SystemID: v.id, ComponentID: 1}
	if spec.SigningKey != nil {
		v.sign = &vehicleSigning{key: *spec.SigningKey}
		v.enc.Signer = &mavwire.Signer{Key: *spec.SigningKey, Timestamp: v.signingTimestamp}
	}
	if v.flavor == PX4Copter {
		v.params.set("MAV_SYS_ID", float64(v.id))
	} else {
		v.params.set("SYSID_THISMAV", float64(v.id))
	}
	for name, val := range spec.Params {
		v.params.set(name, val)
	}
	v.home = pos{spec.Home.Lat, spec.Home.Lon, spec.Home.AltM}
	v.lat, v.lon, v.alt = v.home.lat, v.home.lon, v.home.alt
	v.groundAlt = v.home.alt
	v.hdg = spec.HeadingDeg
	v.landed = true
	v.readyAt = spec.ReadyAfter.D()
	v.cruise = v.defaultSpeed()
	v.batt.init(v, spec.BatteryPct)
	v.cam = spec.Camera.withDefaults()
	v.initRemoteID()
	v.lists[missionTypeMission] = nil
	if v.flavor.ardupilot() {
		v.lists[missionTypeMission] = []item{v.homeItem()}
	}
	v.beh = bHold
	if v.flavor.plane() {
		v.beh = bManual
	}
	v.custom = v.flavor.customMode(v.beh)
	v.initStreams()
	v.nav.reset()
	return v
}

// start applies the scenario's initial state once the mission lists exist.
func (v *vehicle) start(now time.Duration) {
	if v.flavor.ardupilot() {
		if v.f.BootBanner {
			// A real ArduPilot prints text before its first MAVLink frame; a GCS must skip it.
			v.out = append(v.out, "Init "+v.firmware()+"\r\n\r\nFree RAM: 8192\r\n"...)
		}
		v.banner()
	}
	switch v.spec.Start {
	case "flying":
		v.armed, v.landed = true, false
		v.alt = v.home.alt + v.spec.StartAltM
		if v.flavor.plane() {
			v.airspeed = v.defaultSpeed()
		}
		if len(v.missionNav()) > 0 {
			v.setMode(bAuto, now)
			v.nav.cur = max(v.nav.cur, v.firstSeq())
			if v.spec.StartSeq > 0 && v.spec.StartSeq < len(v.lists[0]) {
				v.nav.cur = v.spec.StartSeq
			}
			// Start where the patrol leg begins rather than at home, so the
			// fleet is spread out along the route from the first second.
			if it, ok := v.prevNavPos(v.nav.cur); ok {
				v.lat, v.lon = it.lat, it.lon
			}
			// Starting at a loiter: already on the circle, so the demo shows a turning drone at once.
			if cur := v.lists[0][v.nav.cur]; cur.Command == uint16(common.MAV_CMD_NAV_LOITER_TURNS) ||
				cur.Command == uint16(common.MAV_CMD_NAV_LOITER_UNLIM) || cur.Command == uint16(common.MAV_CMD_NAV_LOITER_TIME) {
				if r := v.loiterRadius(cur.P3); r > 0 {
					c := v.itemPos(cur)
					v.lat, v.lon = offset(c.lat, c.lon, r, 0)
					v.alt = c.alt
					v.hdg = 90 // clockwise, tangent at the north point
				}
			}
		} else {
			v.setMode(bHold, now)
		}
	case "armed":
		v.armed, v.armedAt = true, now
	}
}

func (v *vehicle) homeItem() item {
	it := item{Command: uint16(common.MAV_CMD_NAV_WAYPOINT), Frame: uint8(common.MAV_FRAME_GLOBAL), Autocontinue: 1}
	if v.homeKnown(0) {
		it.X, it.Y, it.Z = int32(math.Round(v.home.lat*1e7)), int32(math.Round(v.home.lon*1e7)), float32(v.home.alt)
	}
	return it
}

// homeKnown: before the position estimate is ready a real ArduPilot sends zeros for home.
func (v *vehicle) homeKnown(now time.Duration) bool { return now >= v.readyAt }

func (v *vehicle) defaultSpeed() float64 {
	switch v.flavor {
	case ArduPlane:
		return v.params.get("AIRSPEED_CRUISE")
	case PX4Copter:
		return v.params.get("MPC_XY_CRUISE")
	}
	return v.params.get("WPNAV_SPEED") / 100
}

func (v *vehicle) bootMs(now time.Duration) uint32 {
	return uint32((now - v.bootAt) / time.Millisecond)
}

// rebootDelay is how long a rebooting autopilot is silent: a real ArduCopter
// SITL is back after a few seconds, with no position for its first seconds.
const rebootDelay = 3 * time.Second

// reboot is MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN param1 = 1: the ACK goes out,
// then the autopilot restarts (GCS_Common.cpp handle_preflight_reboot
// reboots after answering; PX4 Commander likewise).
func (v *vehicle) reboot(now time.Duration) {
	v.downAt, v.upAt = now+100*time.Millisecond, now+100*time.Millisecond+rebootDelay
}

// tickReboot takes the autopilot down and brings it up again: a fresh boot
// clock and sequence numbers, no position estimate for ReadyAfter, default
// message rates and mode; parameters, stored lists and the signing key
// survive, as they are in its storage.
func (v *vehicle) tickReboot(now time.Duration) {
	if v.upAt == 0 {
		return
	}
	if !v.down && now >= v.downAt {
		v.down, v.out = true, v.out[:0]
	}
	if now < v.upAt {
		return
	}
	v.down, v.downAt, v.upAt = false, 0, 0
	v.bootAt = now
	v.readyAt = now + v.spec.ReadyAfter.D()
	v.enc = mavwire.Encoder{Dialect: v.enc.Dialect, SystemID: v.enc.SystemID, ComponentID: v.enc.ComponentID, V1: v.enc.V1, Signer: v.enc.Signer}
	v.armed, v.paused, v.guidedSet, v.gcsFailsafe, v.fenceOverride = false, false, false, false, nil
	v.vn, v.ve, v.vd = 0, 0, 0
	v.beh = bHold
	if v.flavor.plane() {
		v.beh = bManual
	}
	v.custom = v.flavor.customMode(v.beh)
	v.nav.reset()
	v.fence.breached = false
	v.initStreams()
	for i := range v.streams {
		v.streams[i].next = now
	}
	if v.flavor.ardupilot() {
		v.banner()
	}
}

// send encodes msg into the vehicle's pending datagram.
func (v *vehicle) send(msg message.Message) {
	if v.down {
		return // rebooting: the autopilot says nothing
	}
	var err error
	v.out, err = v.enc.Encode(v.out, msg)
	if err != nil {
		v.f.logger.Error("simulator: encode", "sysid", v.id, "msg", msg.GetID(), "err", err)
		return
	}
	if len(v.out) > 1200 { // keep datagrams below a typical radio MTU
		v.f.flush(v)
	}
}

// statusText sends a STATUSTEXT and keeps it for tests.
func (v *vehicle) statusText(sev common.MAV_SEVERITY, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	if len(text) > 50 {
		text = text[:50]
	}
	if len(v.Stats.StatusTexts) < 200 {
		v.Stats.StatusTexts = append(v.Stats.StatusTexts, text)
	}
	v.send(&common.MessageStatustext{Severity: sev, Text: text})
}

// setMode switches behaviour and the matching custom mode, and starts what
// the new mode does (an RTL picks its destination now, as the autopilots do).
func (v *vehicle) setMode(b behaviour, now time.Duration) {
	if b != v.beh {
		v.Stats.ModeChanges++
	}
	prev := v.beh
	v.beh = b
	v.custom = v.flavor.customMode(b)
	v.paused = false
	switch b {
	case bRTL:
		v.rtl = rtlState{started: now, dest: v.rtlDestination()}
	case bAuto:
		if prev != bAuto {
			v.nav.enter(v)
		}
	case bHold:
		v.guided, v.guidedSet = pos{v.lat, v.lon, v.alt}, true
	case bGuided:
		if !v.guidedSet {
			v.guided, v.guidedSet = pos{v.lat, v.lon, v.alt}, true
		}
	}
}

// flying reports whether the vehicle is in the air.
func (v *vehicle) flying() bool { return v.armed && !v.landed }

func (v *vehicle) disarm(now time.Duration) {
	v.armed = false
	v.vn, v.ve, v.vd = 0, 0, 0
	v.airspeed = 0
	v.gcsFailsafe = false
	if v.flavor == PX4Copter && (v.beh == bRTL || v.beh == bLand) {
		v.setMode(bHold, now)
	}
}

func (v *vehicle) firmware() string {
	if v.flavor.plane() {
		return "ArduPlane V4.6.0 (simulated)"
	}
	return "ArduCopter V4.6.0 (simulated)"
}

// banner is what ArduPilot sends at boot and on PARAM_REQUEST_LIST.
func (v *vehicle) banner() {
	v.statusText(common.MAV_SEVERITY_INFO, "%s", v.firmware())
	if v.flavor.plane() {
		v.statusText(common.MAV_SEVERITY_INFO, "Frame: PLANE")
	} else {
		v.statusText(common.MAV_SEVERITY_INFO, "Frame: QUAD/X")
	}
}
