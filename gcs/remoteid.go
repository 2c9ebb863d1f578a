package gcs

import (
	"encoding/hex"
	"math"
	"strings"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Remote ID over MAVLink (mavlink.io, services/opendroneid): a receiver on one
// of our drones or at a station relays what it hears from other drones in
// OPEN_DRONE_ID_BASIC_ID, _LOCATION, _SYSTEM, _SELF_ID and _OPERATOR_ID, each
// with the transmitter's id_or_mac ("only used for drone ID data received from
// other UAs"). Only BASIC_ID carries the UAS id, so the receiving vehicle's
// state keeps, per transmitter, the track merged so far, and every LOCATION
// and every message that changes the track emits the whole track as a
// telemetry.RemoteID.

// maxRemoteIDTracks bounds the transmitters one receiver follows; the one
// unheard the longest is forgotten first.
const maxRemoteIDTracks = 256

// remoteIDTTL forgets a transmitter unheard for this long (Remote ID sends
// its location at least once a second, ASTM F3411).
const remoteIDTTL = 5 * time.Minute

// remoteIDTracks is owned by the VehicleState that holds it.
type remoteIDTracks struct {
	byMac map[[20]byte]*remoteIDTrack
}

type remoteIDTrack struct {
	ev   telemetry.RemoteID
	seen time.Time
}

// remoteID decodes the OPEN_DRONE_ID_* messages; it reports whether msg was
// one of them. The vehicle's own state does not change.
func (s *VehicleState) remoteID(msg message.Message, compid uint8, h telemetry.EventHeader, emit func(telemetry.Event)) bool {
	var mac [20]byte
	switch m := msg.(type) {
	case *common.MessageOpenDroneIdBasicId:
		mac = m.IdOrMac
	case *common.MessageOpenDroneIdLocation:
		mac = m.IdOrMac
	case *common.MessageOpenDroneIdSystem:
		mac = m.IdOrMac
	case *common.MessageOpenDroneIdSelfId:
		mac = m.IdOrMac
	case *common.MessageOpenDroneIdOperatorId:
		mac = m.IdOrMac
	default:
		return false
	}
	if s.rid == nil {
		s.rid = &remoteIDTracks{byMac: map[[20]byte]*remoteIDTrack{}}
	}
	tr := s.rid.track(mac, h.Time)
	ev := &tr.ev
	before := *ev
	ev.EventHeader, ev.ReceiverCompID = h, compid
	switch m := msg.(type) {
	case *common.MessageOpenDroneIdBasicId:
		ev.Message = "basic_id"
		ev.IDType, ev.UAType = odidIDTypeName(m.IdType), odidUATypeName(m.UaType)
		if m.IdType != common.MAV_ODID_ID_TYPE_NONE {
			ev.UASID = cleanODIDText(string(m.UasId[:]), 20)
		}
	case *common.MessageOpenDroneIdLocation:
		ev.Message = "location"
		s.remoteIDLocation(ev, m)
	case *common.MessageOpenDroneIdSystem:
		ev.Message = "system"
		ev.OperatorLat, ev.OperatorLon, ev.HasOperator = odidLatLon(m.OperatorLatitude, m.OperatorLongitude)
	case *common.MessageOpenDroneIdSelfId:
		ev.Message = "self_id"
		ev.SelfID = cleanODIDText(m.Description, 23)
	case *common.MessageOpenDroneIdOperatorId:
		ev.Message = "operator_id"
		ev.OperatorID = cleanODIDText(m.OperatorId, 20)
	}
	ev.Key = ev.UASID
	if ev.Key == "" {
		ev.Key = "mac:" + hex.EncodeToString(mac[:])
	}
	// The static messages repeat every few seconds unchanged: only a
	// location or a change is an event, so a long sortie's events are not
	// crowded out by copies (replay snapshots keep the newest 10000).
	before.EventHeader, before.ReceiverCompID, before.Message = ev.EventHeader, ev.ReceiverCompID, ev.Message
	if ev.Message != "location" && *ev == before && before.Key != "" {
		return true
	}
	emit(*ev)
	return true
}

// track returns the transmitter's track, making room for a new one.
func (r *remoteIDTracks) track(mac [20]byte, now time.Time) *remoteIDTrack {
	if tr := r.byMac[mac]; tr != nil {
		tr.seen = now
		return tr
	}
	if len(r.byMac) >= maxRemoteIDTracks {
		var oldest [20]byte
		var oldestSeen time.Time
		first := true
		for k, tr := range r.byMac {
			if now.Sub(tr.seen) > remoteIDTTL {
				delete(r.byMac, k)
				continue
			}
			if first || tr.seen.Before(oldestSeen) {
				oldest, oldestSeen, first = k, tr.seen, false
			}
		}
		if len(r.byMac) >= maxRemoteIDTracks {
			delete(r.byMac, oldest)
		}
	}
	tr := &remoteIDTrack{seen: now, ev: telemetry.RemoteID{IDType: "none", UAType: "none", Status: "undeclared",
		CourseDeg: -1, HeightRef: "takeoff"}}
	r.byMac[mac] = tr
	return tr
}

// remoteIDLocation takes OPEN_DRONE_ID_LOCATION's fields with their
// "unknown" encodings (mavlink.io common.xml): lat/lon 0,0; direction 36100
// cdeg (valid 0–35999); speed 25500 cm/s (capped at 25425); vertical speed
// 6300 cm/s (±6200); altitudes and height -1000 m.
func (s *VehicleState) remoteIDLocation(ev *telemetry.RemoteID, m *common.MessageOpenDroneIdLocation) {
	ev.Status = odidStatusName(m.Status)
	ev.Lat, ev.Lon, ev.HasPosition = odidLatLon(m.Latitude, m.Longitude)
	ev.CourseDeg = -1
	if m.Direction <= 35999 {
		ev.CourseDeg = float64(m.Direction) / 100
	}
	ev.GroundspeedMS = 0
	if m.SpeedHorizontal <= 25425 {
		ev.GroundspeedMS = float64(m.SpeedHorizontal) / 100
	}
	ev.ClimbMS = 0
	if m.SpeedVertical >= -6200 && m.SpeedVertical <= 6200 {
		ev.ClimbMS = float64(m.SpeedVertical) / 100
	}
	ev.AltM, ev.HasAlt = s.odidAlt(m.AltitudeGeodetic)
	if !ev.HasAlt {
		ev.AltM, ev.HasAlt = s.odidAlt(m.AltitudeBarometric)
	}
	ev.HeightM, _ = s.odidAlt(m.Height)
	ev.HeightRef = "takeoff"
	if m.HeightReference == common.MAV_ODID_HEIGHT_REF_OVER_GROUND {
		ev.HeightRef = "ground"
	}
}

// odidAlt is an altitude in metres, false when unknown (-1000 m), not a
// finite number (counted) or beyond any aircraft's reach.
func (s *VehicleState) odidAlt(v float32) (float64, bool) {
	if !s.finite(v) || v <= -1000 || v > 50_000 {
		return 0, false
	}
	return math.Round(float64(v)*100) / 100, true
}

// odidLatLon is a position in degrees, false when unknown (both 0) or out of range.
func odidLatLon(lat, lon int32) (float64, float64, bool) {
	if lat == 0 && lon == 0 {
		return 0, 0, false
	}
	la, lo := float64(lat)/1e7, float64(lon)/1e7
	if la < -90 || la > 90 || lo < -180 || lo > 180 {
		return 0, 0, false
	}
	return la, lo, true
}

// cleanODIDText bounds a text from outside to n bytes up to the first NUL and
// keeps only printable ASCII (the standard's ids and descriptions are ASCII):
// it is shown on maps and sent on as CoT.
func cleanODIDText(v string, n int) string {
	if i := strings.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	if len(v) > n {
		v = v[:n]
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if c := v[i]; c >= 0x20 && c < 0x7F {
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

func odidIDTypeName(t common.MAV_ODID_ID_TYPE) string {
	switch t {
	case common.MAV_ODID_ID_TYPE_SERIAL_NUMBER:
		return "serial"
	case common.MAV_ODID_ID_TYPE_CAA_REGISTRATION_ID:
		return "caa_registration"
	case common.MAV_ODID_ID_TYPE_UTM_ASSIGNED_UUID:
		return "utm_assigned"
	case common.MAV_ODID_ID_TYPE_SPECIFIC_SESSION_ID:
		return "specific_session"
	}
	return "none"
}

// odidUATypes are MAV_ODID_UA_TYPE 0–15 by name.
var odidUATypes = [...]string{"none", "aeroplane", "helicopter_or_multirotor", "gyroplane", "hybrid_lift",
	"ornithopter", "glider", "kite", "free_balloon", "captive_balloon", "airship", "free_fall_parachute",
	"rocket", "tethered_powered_aircraft", "ground_obstacle", "other"}

func odidUATypeName(t common.MAV_ODID_UA_TYPE) string {
	if int(t) < len(odidUATypes) {
		return odidUATypes[t]
	}
	return "other"
}

func odidStatusName(st common.MAV_ODID_STATUS) string {
	switch st {
	case common.MAV_ODID_STATUS_GROUND:
		return "ground"
	case common.MAV_ODID_STATUS_AIRBORNE:
		return "airborne"
	case common.MAV_ODID_STATUS_EMERGENCY:
		return "emergency"
	case common.MAV_ODID_STATUS_REMOTE_ID_SYSTEM_FAILURE:
		return "remote_id_failure"
	}
	return "undeclared"
}
