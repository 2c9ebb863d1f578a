package simulator

import (
	"fmt"
	"hash/fnv"
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

// Remote ID intruders: drones of a scenario that are not ours and broadcast
// Remote ID, heard by a receiver component on a patrol drone, which relays
// what it hears to the ground station in the OPEN_DRONE_ID_* messages with
// the transmitter's MAC in id_or_mac (mavlink.io, services/opendroneid:
// "id_or_mac … only used for drone ID data received from other UAs").
//
// The broadcast schedule is ArduPilot's (libraries/AP_OpenDroneID/
// AP_OpenDroneID.cpp, send_dynamic_out and send_static_out;
// AP_OpenDroneID.h): OPEN_DRONE_ID_LOCATION every 1000 ms
// (_mavlink_dynamic_period_ms), and the static messages BASIC_ID, SYSTEM,
// SELF_ID and OPERATOR_ID round-robin, one every 3000/4 ms
// (_mavlink_static_period_ms / 4). Location's fields follow
// send_location_message: status AIRBORNE while flying, direction the
// ground course in centi-degrees (36100 unknown), speeds in cm/s within the
// standard's caps, height above take-off (MAV_ODID_HEIGHT_REF_OVER_TAKEOFF).

// Remote ID receiver defaults.
const (
	// ridReceiverCompID is MAV_COMP_ID_ODID_TXRX_1, the Open Drone ID component.
	ridReceiverCompID = 236
	ridLocationPeriod = 1000 * time.Millisecond // AP_OpenDroneID _mavlink_dynamic_period_ms
	ridStaticSpacing  = 3000 * time.Millisecond / 4
	// DefaultRemoteIDRangeM is how far a receiver hears a broadcast: Bluetooth
	// 5 long range and Wi-Fi beacons reach one to a few kilometres.
	DefaultRemoteIDRangeM = 2000.0
)

// RemoteIDDrone is a scenario's drone broadcasting Remote ID. It flies its
// path like a Target (appear, speed, loop, or timed to pass CrossPoint at
// CrossAt) at AltM above mean sea level.
type RemoteIDDrone struct {
	// UASID is its serial number (ANSI/CTA-2063-A), up to 20 characters.
	UASID string `json:"uas_id"`
	// (optional) UAType: "multirotor" (default), "aeroplane", "helicopter" or "other".
	UAType string `json:"ua_type,omitempty"`
	// (optional) OperatorID and Description (SELF_ID) as they broadcast them.
	OperatorID  string `json:"operator_id,omitempty"`
	Description string `json:"description,omitempty"`
	// (optional) Operator is the pilot's position (SYSTEM); unknown when absent.
	Operator   *LatLon  `json:"operator,omitempty"`
	AltM       float64  `json:"alt_m"`
	Appear     Duration `json:"appear,omitempty"`
	SpeedMS    float64  `json:"speed_m_s"`
	Path       []LatLon `json:"path"`
	Loop       bool     `json:"loop,omitempty"`
	CrossAt    Duration `json:"cross_at,omitempty"`
	CrossPoint *LatLon  `json:"cross_point,omitempty"`

	motion Target
	mac    [20]byte
	uaType common.MAV_ODID_UA_TYPE
}

var ridUATypes = map[string]common.MAV_ODID_UA_TYPE{
	"": common.MAV_ODID_UA_TYPE_HELICOPTER_OR_MULTIROTOR, "multirotor": common.MAV_ODID_UA_TYPE_HELICOPTER_OR_MULTIROTOR,
	"helicopter": common.MAV_ODID_UA_TYPE_HELICOPTER_OR_MULTIROTOR, "aeroplane": common.MAV_ODID_UA_TYPE_AEROPLANE,
	"other": common.MAV_ODID_UA_TYPE_OTHER,
}

// check refuses what a real transmitter could not broadcast.
func (d *RemoteIDDrone) check() error {
	if d.UASID == "" || len(d.UASID) > 20 || len(d.OperatorID) > 20 || len(d.Description) > 23 {
		return fmt.Errorf("uas_id must have 1-20 characters, operator_id at most 20, description at most 23")
	}
	if _, ok := ridUATypes[d.UAType]; !ok {
		return fmt.Errorf("ua_type %q: want multirotor, helicopter, aeroplane or other", d.UAType)
	}
	if len(d.Path) == 0 || d.SpeedMS < 0 || (d.CrossPoint != nil && d.SpeedMS <= 0) {
		return fmt.Errorf("needs a path and a speed >= 0 (> 0 with cross_point)")
	}
	return nil
}

func (d *RemoteIDDrone) prepare() {
	d.motion = Target{Appear: d.Appear, SpeedMS: d.SpeedMS, Path: d.Path, Loop: d.Loop, CrossAt: d.CrossAt, CrossPoint: d.CrossPoint}
	d.motion.prepare()
	d.uaType = ridUATypes[d.UAType]
	// A stable, locally administered MAC from the id, as a receiver would
	// report the transmitter's Bluetooth or Wi-Fi address.
	h := fnv.New64a()
	h.Write([]byte(d.UASID))
	s := h.Sum64()
	d.mac = [20]byte{0x02, byte(s >> 8), byte(s >> 16), byte(s >> 24), byte(s >> 32), byte(s >> 40)}
}

// RemoteIDReceiver is a Remote ID receiver component on a patrol drone.
type RemoteIDReceiver struct {
	// (optional) RangeM defaults to DefaultRemoteIDRangeM.
	RangeM float64 `json:"range_m,omitempty"`
}

// ridReceiver is a vehicle's receiver state: per intruder, when each
// message was last heard and which static message comes next.
type ridReceiver struct {
	rangeM     float64
	enc        mavwire.Encoder
	lastLoc    []time.Duration
	lastStatic []time.Duration
	nextStatic []uint8
	heard      []bool
}

func (v *vehicle) initRemoteID() {
	if v.spec.RemoteIDReceiver == nil {
		return
	}
	r := &ridReceiver{rangeM: v.spec.RemoteIDReceiver.RangeM}
	if r.rangeM <= 0 {
		r.rangeM = DefaultRemoteIDRangeM
	}
	v.rid = r
}

// relayRemoteID relays what the receiver hears at now: each intruder in
// range, on ArduPilot's schedule.
func (v *vehicle) relayRemoteID(now time.Duration) {
	r := v.rid
	if r == nil || v.down || len(v.f.ridDrones) == 0 {
		return
	}
	if n := len(v.f.ridDrones); len(r.lastLoc) != n {
		r.lastLoc, r.lastStatic = make([]time.Duration, n), make([]time.Duration, n)
		r.nextStatic, r.heard = make([]uint8, n), make([]bool, n)
	}
	// The receiver is a component of the vehicle: same system, its own
	// component id and sequence, signed like the autopilot's frames.
	r.enc.Dialect, r.enc.SystemID, r.enc.ComponentID, r.enc.Signer = v.enc.Dialect, v.id, ridReceiverCompID, v.enc.Signer
	for i := range v.f.ridDrones {
		d := &v.f.ridDrones[i]
		lat, lon, course, speed, ok := d.motion.At(now)
		if !ok || distance(v.lat, v.lon, lat, lon) > r.rangeM {
			r.heard[i] = false
			continue
		}
		if !r.heard[i] || now-r.lastLoc[i] >= ridLocationPeriod {
			v.sendRID(d.location(lat, lon, course, speed))
			r.lastLoc[i] = now
		}
		if !r.heard[i] || now-r.lastStatic[i] >= ridStaticSpacing {
			v.sendRID(d.static(r.nextStatic[i]))
			r.nextStatic[i] = (r.nextStatic[i] + 1) % 4
			r.lastStatic[i] = now
		}
		r.heard[i] = true
	}
}

func (v *vehicle) sendRID(msg message.Message) {
	var err error
	v.out, err = v.rid.enc.Encode(v.out, msg)
	if err != nil {
		v.f.logger.Error("simulator: encode remote id", "sysid", v.id, "msg", msg.GetID(), "err", err)
		return
	}
	v.Stats.RemoteIDRelayed++
	if len(v.out) > 1200 {
		v.f.flush(v)
	}
}

// location is OPEN_DRONE_ID_LOCATION as AP_OpenDroneID::send_location_message fills it.
func (d *RemoteIDDrone) location(lat, lon, course, speed float64) *common.MessageOpenDroneIdLocation {
	dir := uint16(36100) // unknown
	if speed > 0 {
		dir = uint16(math.Round(wrap360(course)*100)) % 36000
	}
	return &common.MessageOpenDroneIdLocation{IdOrMac: d.mac, Status: common.MAV_ODID_STATUS_AIRBORNE,
		Direction: dir, SpeedHorizontal: uint16(math.Min(speed*100, 25425)), SpeedVertical: 0,
		Latitude: int32(math.Round(lat * 1e7)), Longitude: int32(math.Round(lon * 1e7)),
		AltitudeBarometric: float32(d.AltM), AltitudeGeodetic: float32(d.AltM),
		HeightReference: common.MAV_ODID_HEIGHT_REF_OVER_TAKEOFF, Height: -1000, // the intruder's take-off point is not modelled: unknown
		HorizontalAccuracy: common.MAV_ODID_HOR_ACC_3_METER, VerticalAccuracy: common.MAV_ODID_VER_ACC_10_METER,
		BarometerAccuracy: common.MAV_ODID_VER_ACC_UNKNOWN, SpeedAccuracy: common.MAV_ODID_SPEED_ACC_1_METERS_PER_SECOND,
		Timestamp: 0xFFFF, TimestampAccuracy: common.MAV_ODID_TIME_ACC_1_0_SECOND}
}

// static is the k-th static message of AP_OpenDroneID's round-robin:
// BASIC_ID, SYSTEM, SELF_ID, OPERATOR_ID.
func (d *RemoteIDDrone) static(k uint8) message.Message {
	switch k {
	case 0:
		var id [20]byte
		copy(id[:], d.UASID)
		return &common.MessageOpenDroneIdBasicId{IdOrMac: d.mac, IdType: common.MAV_ODID_ID_TYPE_SERIAL_NUMBER, UaType: d.uaType, UasId: id}
	case 1:
		m := &common.MessageOpenDroneIdSystem{IdOrMac: d.mac, OperatorLocationType: common.MAV_ODID_OPERATOR_LOCATION_TYPE_LIVE_GNSS,
			AreaCount: 1, AreaCeiling: -1000, AreaFloor: -1000, OperatorAltitudeGeo: -1000}
		if d.Operator != nil {
			m.OperatorLatitude, m.OperatorLongitude = int32(math.Round(d.Operator.Lat*1e7)), int32(math.Round(d.Operator.Lon*1e7))
		}
		return m
	case 2:
		return &common.MessageOpenDroneIdSelfId{IdOrMac: d.mac, DescriptionType: common.MAV_ODID_DESC_TYPE_TEXT, Description: d.Description}
	}
	return &common.MessageOpenDroneIdOperatorId{IdOrMac: d.mac, OperatorIdType: common.MAV_ODID_OPERATOR_ID_TYPE_CAA, OperatorId: d.OperatorID}
}
