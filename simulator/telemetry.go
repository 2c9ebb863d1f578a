package simulator

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// ArduPilot's REQUEST_DATA_STREAM groups (MAV_DATA_STREAM) and their SRx_ parameters.
const (
	dsAll     = 0
	dsExtStat = 2
	dsPos     = 6
	dsExtra1  = 10
	dsExtra2  = 11
	dsExtra3  = 12
	dsNone    = -1
)

type streamDef struct {
	id    uint32
	group int
	param string
}

// The telemetry a vehicle can stream. HEARTBEAT is always sent at 1 Hz.
var streamDefs = []streamDef{
	{0, dsNone, ""}, // HEARTBEAT
	{33, dsPos, "SR0_POSITION"},
	{30, dsExtra1, "SR0_EXTRA1"},
	{74, dsExtra2, "SR0_EXTRA2"},
	{1, dsExtStat, "SR0_EXT_STAT"},
	{24, dsExtStat, "SR0_EXT_STAT"},
	{42, dsExtStat, "SR0_EXT_STAT"},
	{162, dsExtStat, "SR0_EXT_STAT"},
	{147, dsExtra3, "SR0_EXTRA3"},
	{245, dsExtra3, "SR0_EXTRA3"},
	{242, dsNone, ""}, // HOME_POSITION
	{275, dsNone, ""}, // CAMERA_TRACKING_GEO_STATUS, only when the scenario asks for it
}

type stream struct {
	interval time.Duration // 0 = off
	def      time.Duration // the default, for SET_MESSAGE_INTERVAL with 0
	next     time.Duration
}

func (v *vehicle) defaultIntervals() []time.Duration {
	pos := time.Duration(float64(time.Second) / v.f.Rate)
	quiet := v.f.QuietStreams && v.flavor.ardupilot()
	out := make([]time.Duration, len(streamDefs))
	for i, d := range streamDefs {
		var iv time.Duration
		switch d.id {
		case 0:
			iv = time.Second
		case 33, 30:
			iv = pos
		case 74:
			iv = 250 * time.Millisecond
		case 24:
			iv = 500 * time.Millisecond
		case 1, 42, 162, 147, 245:
			iv = time.Second
		case 242:
			iv = 5 * time.Second
		case 275:
			if v.cam.TrackingStatus {
				iv = time.Second
			}
		}
		// A real ArduPilot streams almost nothing until a GCS asks.
		if quiet && d.id != 0 && d.id != 242 {
			iv = 0
		}
		out[i] = iv
	}
	return out
}

func (v *vehicle) initStreams() {
	ivs := v.defaultIntervals()
	v.streams = make([]stream, len(streamDefs))
	// Spread vehicles over the period so that a large fleet does not send in bursts.
	phase := time.Duration(v.id%10) * 10 * time.Millisecond
	for i := range v.streams {
		v.streams[i] = stream{interval: ivs[i], def: ivs[i], next: phase}
	}
}

func streamIndex(id uint32) int {
	for i, d := range streamDefs {
		if d.id == id {
			return i
		}
	}
	return -1
}

// setMessageInterval is MAV_CMD_SET_MESSAGE_INTERVAL: -1 stops, 0 restores the default.
func (v *vehicle) setMessageInterval(id uint32, us float64) common.MAV_RESULT {
	i := streamIndex(id)
	if i < 0 {
		return common.MAV_RESULT_FAILED
	}
	s := &v.streams[i]
	switch {
	case us < 0:
		s.interval = 0
	case us == 0:
		s.interval = s.def
	case us > 3600e6:
		return common.MAV_RESULT_DENIED
	default:
		// Nothing streams faster than the physics step.
		s.interval = max(time.Duration(us)*time.Microsecond, time.Millisecond)
	}
	return common.MAV_RESULT_ACCEPTED
}

func (v *vehicle) messageInterval(id uint32) (int32, bool) {
	i := streamIndex(id)
	if i < 0 {
		return 0, false
	}
	if v.streams[i].interval == 0 {
		return -1, true
	}
	return int32(v.streams[i].interval / time.Microsecond), true
}

// requestDataStream is ArduPilot's REQUEST_DATA_STREAM: a group at a rate.
func (v *vehicle) requestDataStream(group int, rateHz float64, start bool) {
	for i, d := range streamDefs {
		if d.group == dsNone || (group != dsAll && d.group != group) {
			continue
		}
		if !start || rateHz <= 0 {
			v.streams[i].interval = 0
		} else {
			v.streams[i].interval = time.Duration(float64(time.Second) / rateHz)
		}
		if d.param != "" {
			if !start {
				rateHz = 0
			}
			v.params.set(d.param, rateHz)
		}
	}
}

// tickStreams sends what is due.
func (v *vehicle) tickStreams(now time.Duration) {
	for i := range v.streams {
		s := &v.streams[i]
		if s.interval == 0 || now < s.next {
			continue
		}
		s.next += s.interval
		if s.next <= now {
			s.next = now + s.interval
		}
		id := streamDefs[i].id
		if id == 162 && !v.fence.enabled(v) {
			continue // FENCE_STATUS only when the fence is on
		}
		if id == 275 && len(v.seen) == 0 {
			continue
		}
		if id == 275 {
			v.sendTracking(now)
			continue
		}
		if m := v.build(now, id); m != nil {
			v.send(m)
		}
	}
}

// sendOnce is MAV_CMD_REQUEST_MESSAGE.
func (v *vehicle) sendOnce(now time.Duration, id uint32) bool {
	if id == 148 {
		v.sendAutopilotVersion()
		return true
	}
	if id == 275 {
		v.sendTracking(now)
		return true
	}
	m := v.build(now, id)
	if m == nil {
		return false
	}
	v.send(m)
	return true
}

func (v *vehicle) baseMode() common.MAV_MODE_FLAG {
	m := common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
	if v.armed {
		m |= common.MAV_MODE_FLAG_SAFETY_ARMED
	}
	switch v.beh {
	case bAuto:
		m |= common.MAV_MODE_FLAG_AUTO_ENABLED | common.MAV_MODE_FLAG_STABILIZE_ENABLED | common.MAV_MODE_FLAG_GUIDED_ENABLED
	case bGuided, bRTL, bLand, bTakeoff, bHold:
		m |= common.MAV_MODE_FLAG_STABILIZE_ENABLED | common.MAV_MODE_FLAG_GUIDED_ENABLED
	default:
		m |= common.MAV_MODE_FLAG_MANUAL_INPUT_ENABLED | common.MAV_MODE_FLAG_STABILIZE_ENABLED
	}
	return m
}

func (v *vehicle) build(now time.Duration, id uint32) message.Message {
	boot := v.bootMs(now)
	switch id {
	case 0:
		st := common.MAV_STATE_STANDBY
		switch {
		case now < v.readyAt:
			st = common.MAV_STATE_BOOT
		case v.gcsFailsafe || v.batt.critDone && v.armed:
			st = common.MAV_STATE_CRITICAL
		case v.armed:
			st = common.MAV_STATE_ACTIVE
		}
		return &common.MessageHeartbeat{Type: v.flavor.mavType(), Autopilot: v.flavor.autopilot(), BaseMode: v.baseMode(),
			CustomMode: v.custom, SystemStatus: st, MavlinkVersion: 3}
	case 33:
		if now < v.readyAt {
			// No position estimate yet. ArduPilot still streams
			// GLOBAL_POSITION_INT, with the zeros of a failed
			// ahrs.get_location() (GCS_Common.cpp send_global_position_int);
			// PX4 publishes it only from a valid vehicle_global_position
			// (src/modules/mavlink/streams/GLOBAL_POSITION_INT.hpp).
			if !v.flavor.ardupilot() {
				return nil
			}
			return &common.MessageGlobalPositionInt{TimeBootMs: boot, Hdg: math.MaxUint16}
		}
		return &common.MessageGlobalPositionInt{TimeBootMs: boot,
			Lat: int32(math.Round(v.lat * 1e7)), Lon: int32(math.Round(v.lon * 1e7)),
			Alt: int32(math.Round(v.alt * 1000)), RelativeAlt: int32(math.Round((v.alt - v.home.alt) * 1000)),
			Vx: int16(math.Round(v.vn * 100)), Vy: int16(math.Round(v.ve * 100)), Vz: int16(math.Round(v.vd * 100)),
			Hdg: uint16(math.Round(v.hdg*100)) % 36000}
	case 30:
		return &common.MessageAttitude{TimeBootMs: boot, Roll: float32(v.roll), Pitch: float32(v.pitch),
			Yaw: float32(wrap180(v.hdg) * deg)}
	case 74:
		return &common.MessageVfrHud{Airspeed: float32(v.airspeed), Groundspeed: float32(math.Hypot(v.vn, v.ve)),
			Heading: int16(math.Round(v.hdg)) % 360, Throttle: uint16(clamp(v.batt.currentA*2, 0, 100)),
			Alt: float32(v.alt), Climb: float32(-v.vd)}
	case 1:
		sensors := common.MAV_SYS_STATUS_SENSOR_3D_GYRO | common.MAV_SYS_STATUS_SENSOR_3D_ACCEL |
			common.MAV_SYS_STATUS_SENSOR_GPS | common.MAV_SYS_STATUS_SENSOR_ABSOLUTE_PRESSURE
		health := sensors
		if now < v.readyAt {
			health &^= common.MAV_SYS_STATUS_SENSOR_GPS
		}
		// The pre-arm check: ArduPilot reports it present, enabled and
		// healthy when its arming checks pass (GCS_Common.cpp
		// update_sensor_status_flags); PX4 sets only the healthy bit
		// (observed on v1.17), which a GCS must accept as the answer.
		prearmOK := now >= v.readyAt && v.batt.remainingFrac() >= 0.2
		if prearmOK {
			health |= common.MAV_SYS_STATUS_PREARM_CHECK
		}
		if v.fence.enabled(v) {
			sensors |= common.MAV_SYS_STATUS_GEOFENCE
			health |= common.MAV_SYS_STATUS_GEOFENCE
			if v.fence.breached {
				health &^= common.MAV_SYS_STATUS_GEOFENCE
			}
		}
		if v.flavor.ardupilot() {
			sensors |= common.MAV_SYS_STATUS_PREARM_CHECK
		}
		return &common.MessageSysStatus{OnboardControlSensorsPresent: sensors, OnboardControlSensorsEnabled: sensors,
			OnboardControlSensorsHealth: health, Load: 250,
			VoltageBattery: uint16(v.batt.voltage() * 1000), CurrentBattery: int16(v.batt.currentA * 100),
			BatteryRemaining: int8(math.Round(v.batt.remainingFrac() * 100))}
	case 24:
		fix := common.GPS_FIX_TYPE_3D_FIX
		lat, lon, alt := int32(math.Round(v.lat*1e7)), int32(math.Round(v.lon*1e7)), int32(math.Round(v.alt*1000))
		if now < v.readyAt {
			fix, lat, lon, alt = common.GPS_FIX_TYPE_NO_FIX, 0, 0, 0 // no fix yet: nothing to report
		}
		cog := wrap360(math.Atan2(v.ve, v.vn) / deg)
		return &common.MessageGpsRawInt{TimeUsec: uint64(now / time.Microsecond), FixType: fix,
			Lat: lat, Lon: lon, Alt: alt,
			Eph: 80, Epv: 120, Vel: uint16(math.Hypot(v.vn, v.ve) * 100), Cog: uint16(cog*100) % 36000, SatellitesVisible: 14}
	case 42:
		return v.missionCurrent()
	case 162:
		st := uint8(0)
		if v.fence.breached {
			st = 1
		}
		return &common.MessageFenceStatus{BreachStatus: st, BreachCount: v.fence.count, BreachType: v.fence.lastType, BreachTime: v.fence.lastTime}
	case 147:
		var cells [10]uint16
		for i := range cells {
			cells[i] = math.MaxUint16
		}
		cells[0] = uint16(v.batt.voltage() * 1000)
		charge := common.MAV_BATTERY_CHARGE_STATE_OK
		switch {
		case v.batt.critDone:
			charge = common.MAV_BATTERY_CHARGE_STATE_CRITICAL
		case v.batt.lowDone:
			charge = common.MAV_BATTERY_CHARGE_STATE_LOW
		}
		return &common.MessageBatteryStatus{Id: 0, BatteryFunction: common.MAV_BATTERY_FUNCTION_ALL, Type: common.MAV_BATTERY_TYPE_LIPO,
			Temperature: math.MaxInt16, Voltages: cells, CurrentBattery: int16(v.batt.currentA * 100),
			CurrentConsumed: int32(v.batt.consumedMAh), EnergyConsumed: -1,
			BatteryRemaining: int8(math.Round(v.batt.remainingFrac() * 100)), ChargeState: charge}
	case 245:
		ls := common.MAV_LANDED_STATE_ON_GROUND
		switch {
		case v.landed:
		case v.vd < -0.5 && v.alt-v.groundAlt < 5:
			ls = common.MAV_LANDED_STATE_TAKEOFF
		case v.vd > 0.3 && (v.beh == bLand || v.rtl.stage == 3):
			ls = common.MAV_LANDED_STATE_LANDING
		default:
			ls = common.MAV_LANDED_STATE_IN_AIR
		}
		vt := common.MAV_VTOL_STATE_MC
		if v.flavor.plane() {
			vt = common.MAV_VTOL_STATE_FW
		}
		return &common.MessageExtendedSysState{VtolState: vt, LandedState: ls}
	case 242:
		if !v.homeKnown(now) {
			return nil
		}
		return &common.MessageHomePosition{Latitude: int32(math.Round(v.home.lat * 1e7)), Longitude: int32(math.Round(v.home.lon * 1e7)),
			Altitude: int32(math.Round(v.home.alt * 1000)), Q: [4]float32{1, 0, 0, 0}, TimeUsec: uint64(now / time.Microsecond)}
	}
	return nil
}
