package tak

import (
	"fmt"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

// CoT types (MIL-STD-2525 through CoT's type tree: a = atom, then affiliation
// f friendly / s suspect / u unknown / n neutral, then dimension A air, G
// ground, S sea surface).
const (
	TypeOurDrone      = "a-f-A-M-F-Q" // friendly air, military fixed-wing class "drone (RPV/UAV)"
	TypeSuspectPerson = "a-s-G-U-C-I" // suspect ground unit, infantry (a person on foot)
	TypeSuspectCar    = "a-s-G-E-V"   // suspect ground equipment, vehicle
	TypeSuspectBoat   = "a-s-S"       // suspect sea surface track
	TypeNeutralGround = "a-n-G"       // an animal: neutral, on the ground
	TypeUnknownGround = "a-u-G"       // unknown ground track
	TypeRemoteID      = "a-u-A-M-F-Q" // a drone heard by Remote ID: unknown air, drone (RPV/UAV)
	TypeAlertMarker   = "b-m-p-s-m"   // a spot marker on the map with the alert in its remarks
)

// How values: m-g a machine with GPS (our drones), m-f machine-fused (a
// detection's position computed from the drone's GPS and the sensor's bearing
// and range).
const (
	HowGPS   = "m-g"
	HowFused = "m-f"
)

// Mapper turns Borderwatch's vehicle states and events into CoT events with
// stable uids: the same drone or track always has the same uid, so TAK moves
// its symbol instead of adding one.
type Mapper struct {
	// Station names this server in uids and callsigns (e.g. "nogales").
	Station string
	// (optional) DroneStale is how long a drone's event stays valid without
	// an update. Defaults to 15 s (we send at most one a second).
	DroneStale time.Duration
	// (optional) TrackStale defaults to 2 min: a detection is a sighting,
	// kept on TAK's map a while after the camera loses it.
	TrackStale time.Duration
	// (optional) AlertStale defaults to 10 min.
	AlertStale time.Duration
}

func (m Mapper) withDefaults() Mapper {
	if m.Station == "" {
		m.Station = "borderwatch"
	}
	if m.DroneStale <= 0 {
		m.DroneStale = 15 * time.Second
	}
	if m.TrackStale <= 0 {
		m.TrackStale = 2 * time.Minute
	}
	if m.AlertStale <= 0 {
		m.AlertStale = 10 * time.Minute
	}
	return m
}

// DroneUID is the uid of one of our drones.
func (m Mapper) DroneUID(id telemetry.VehicleID) string {
	return fmt.Sprintf("borderwatch.%s.drone.%d", m.withDefaults().Station, id)
}

// TrackUID is the uid of a detected track (track ids are per drone).
func (m Mapper) TrackUID(id telemetry.VehicleID, track uint32) string {
	return fmt.Sprintf("borderwatch.%s.track.%d.%d", m.withDefaults().Station, id, track)
}

func event(uid, typ, how string, now time.Time, stale time.Duration, p Point, d *Detail) *Event {
	return &Event{Version: "2.0", UID: uid, Type: typ, How: how,
		Time: FormatTime(now), Start: FormatTime(now), Stale: FormatTime(now.Add(stale)), Point: p, Detail: d}
}

// Drone maps a vehicle state; ok is false while the vehicle has no position
// (a CoT event must have one, and 0,0 is not a place to draw a drone).
func (m Mapper) Drone(st gcs.VehicleState, now time.Time) (*Event, bool) {
	m = m.withDefaults()
	if !st.HasPosition {
		return nil, false
	}
	var rem []string
	rem = append(rem, fmt.Sprintf("%s %s, mode %s", st.Autopilot, st.VehicleType, st.Mode))
	if st.Armed {
		rem = append(rem, "armed")
	} else {
		rem = append(rem, "disarmed")
	}
	rem = append(rem, fmt.Sprintf("alt %.0f m above home", st.RelAltM))
	if st.BatteryPct >= 0 {
		rem = append(rem, fmt.Sprintf("battery %d %%", st.BatteryPct))
	}
	if !st.LinkOK {
		rem = append(rem, "link lost")
	}
	d := &Detail{
		Contact: &Contact{Callsign: fmt.Sprintf("%s drone %d", m.Station, st.ID)},
		Track:   &Track{Course: st.HeadingDeg, Speed: st.GroundspeedMS},
		Remarks: strings.Join(rem, "; "),
	}
	if st.BatteryPct >= 0 {
		d.Status = &Status{Battery: st.BatteryPct}
	}
	// CoT's hae is height above the WGS84 ellipsoid; MAVLink's alt is AMSL.
	// The geoid separation (tens of metres) is not known here, so the error
	// (le) says so rather than claim a precision we do not have.
	p := Point{Lat: st.Lat, Lon: st.Lon, HAE: st.AltM, CE: 10, LE: 50}
	return event(m.DroneUID(st.ID), TypeOurDrone, HowGPS, now, m.DroneStale, p, d), true
}

// DetectionType is the CoT type for a detected object's class.
func DetectionType(class string) string {
	switch class {
	case "person":
		return TypeSuspectPerson
	case "vehicle":
		return TypeSuspectCar
	case "boat":
		return TypeSuspectBoat
	case "animal":
		return TypeNeutralGround
	}
	return TypeUnknownGround
}

// Detection maps one detection of a track; the event is linked to the drone
// that saw it.
func (m Mapper) Detection(d telemetry.Detection, now time.Time) *Event {
	m = m.withDefaults()
	class := d.Class
	if class == "" {
		class = "unknown"
	}
	det := &Detail{
		Contact: &Contact{Callsign: fmt.Sprintf("%s %d (drone %d)", class, d.TrackID, d.Vehicle())},
		Remarks: fmt.Sprintf("%s detected by drone %d (%s sensor), confidence %d %%, range %.0f m, seen %s",
			class, d.Vehicle(), d.Sensor, d.ConfidencePct, d.RangeM, FormatTime(d.Time)),
		Link: &Link{UID: m.DroneUID(d.Vehicle()), Type: TypeOurDrone, Relation: "p-p"},
	}
	ce := d.RangeM / 10 // a camera's position error grows with range
	if ce < 5 {
		ce = 5
	}
	p := Point{Lat: d.Lat, Lon: d.Lon, HAE: Unknown, CE: ce, LE: Unknown}
	return event(m.TrackUID(d.Vehicle(), d.TrackID), DetectionType(d.Class), HowFused, now, m.TrackStale, p, det)
}

// RemoteIDUID is the uid of a drone heard by Remote ID (its track key:
// the UAS id once known; keys are printable ASCII, escaped by the encoder).
func (m Mapper) RemoteIDUID(key string) string {
	return fmt.Sprintf("borderwatch.%s.remoteid.%s", m.withDefaults().Station, key)
}

// RemoteID maps a Remote ID track; ok is false while it has no position.
// Its altitude is geodetic (WGS84), which is CoT's hae.
func (m Mapper) RemoteID(r telemetry.RemoteID, now time.Time) (*Event, bool) {
	m = m.withDefaults()
	if !r.HasPosition {
		return nil, false
	}
	name := r.UASID
	if name == "" {
		name = r.Key
	}
	rem := []string{fmt.Sprintf("Remote ID %s (%s id), %s, %s, heard by drone %d", name, r.IDType, r.UAType, r.Status, r.Vehicle())}
	if r.HasOperator {
		rem = append(rem, fmt.Sprintf("operator at (%.6f, %.6f)", r.OperatorLat, r.OperatorLon))
	}
	if r.OperatorID != "" {
		rem = append(rem, "operator id "+r.OperatorID)
	}
	if r.SelfID != "" {
		rem = append(rem, "self id: "+r.SelfID)
	}
	rem = append(rem, "seen "+FormatTime(r.Time))
	d := &Detail{Contact: &Contact{Callsign: "RID " + name}, Remarks: strings.Join(rem, "; ")}
	if r.CourseDeg >= 0 {
		d.Track = &Track{Course: r.CourseDeg, Speed: r.GroundspeedMS}
	}
	p := Point{Lat: r.Lat, Lon: r.Lon, HAE: Unknown, CE: 30, LE: Unknown}
	if r.HasAlt {
		p.HAE, p.LE = r.AltM, 45
	}
	return event(m.RemoteIDUID(r.Key), TypeRemoteID, HowGPS, now, m.TrackStale, p, d), true
}

// Alert maps an open alert to a spot marker at lat, lon (the vehicle's last
// position), or at the alert's own place when it has one; its uid is stable per vehicle and alert type so a repeated
// alert moves the marker instead of adding one.
func (m Mapper) Alert(a telemetry.Alert, lat, lon float64, now time.Time) *Event {
	m = m.withDefaults()
	uid := fmt.Sprintf("borderwatch.%s.alert.%d.%s", m.Station, a.Vehicle(), a.Type)
	if a.Place != nil {
		// A track's alert is at the track, one marker per track.
		uid = fmt.Sprintf("borderwatch.%s.alert.%s.%s", m.Station, a.Place.Track, a.Type)
		lat, lon = a.Place.Lat, a.Place.Lon
	}
	d := &Detail{
		Contact: &Contact{Callsign: fmt.Sprintf("%s: drone %d %s", severityName(a.Severity), a.Vehicle(), a.Type)},
		Remarks: a.Text,
		Link:    &Link{UID: m.DroneUID(a.Vehicle()), Type: TypeOurDrone, Relation: "p-p"},
	}
	return event(uid, TypeAlertMarker, HowGPS, now, m.AlertStale, Point{Lat: lat, Lon: lon, HAE: Unknown, CE: 50, LE: Unknown}, d)
}

// Own reports whether uid is one of the events this station sends, which a
// TAK Server echoes back: they are not markers of the field team.
func (m Mapper) Own(uid string) bool {
	return strings.HasPrefix(uid, "borderwatch."+m.withDefaults().Station+".")
}

// severityName is MAV_SEVERITY's name, as operators read it in an alert.
func severityName(s telemetry.Severity) string {
	names := [...]string{"EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"}
	if int(s) < len(names) {
		return names[s]
	}
	return fmt.Sprintf("SEVERITY %d", s)
}
