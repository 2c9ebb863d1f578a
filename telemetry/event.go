package telemetry

import "time"

// Event is a typed event: a closed set of structs, handled with a type switch.
// Every event has a time and the vehicle it concerns (0 for fleet-wide ones
// such as operator actions that name no vehicle).
type Event interface {
	Message
	EventTime() time.Time
	isEvent()
}

// EventHeader is embedded in every event.
type EventHeader struct {
	Time time.Time `json:"time"`
	// VehicleID is the vehicle the event concerns (0: none).
	VehicleID VehicleID `json:"vehicle"`
	// SystemID is that vehicle's MAVLink system id (VehicleID.SysID()), for
	// readers that show it; events stored before vehicle ids existed have
	// only this (see FillVehicle).
	SystemID uint8 `json:"sysid"`
}

// Header is the header of an event of vehicle id (0: none) at t.
func Header(t time.Time, id VehicleID) EventHeader {
	return EventHeader{Time: t, VehicleID: id, SystemID: id.SysID()}
}

// FillVehicle sets VehicleID of an event stored (or built) with only a
// system id: before networks existed, every vehicle was on the default
// network, whose ids are the system ids.
func (h *EventHeader) FillVehicle() {
	if h.VehicleID == 0 {
		h.VehicleID = VehicleID(h.SystemID)
	}
}

// Kind implements Message.
func (EventHeader) Kind() Kind { return KindEvent }

// Vehicle implements Message.
func (h EventHeader) Vehicle() VehicleID {
	if h.VehicleID == 0 {
		return VehicleID(h.SystemID)
	}
	return h.VehicleID
}

// EventTime implements Event.
func (h EventHeader) EventTime() time.Time { return h.Time }

func (EventHeader) isEvent() {}

// Severity of an alert or status text, as MAV_SEVERITY (0 emergency … 7 debug).
type Severity uint8

// Severities (MAV_SEVERITY).
const (
	SeverityEmergency Severity = iota
	SeverityAlert
	SeverityCritical
	SeverityError
	SeverityWarning
	SeverityNotice
	SeverityInfo
	SeverityDebug
)

// Detection is a ground target seen by a drone's sensor.
type Detection struct {
	EventHeader
	TrackID       uint32  `json:"track_id"`
	Class         string  `json:"class"` // person, vehicle, boat, animal, unknown
	ConfidencePct int     `json:"confidence_pct"`
	Lat           float64 `json:"lat"`
	Lon           float64 `json:"lon"`
	AltM          float64 `json:"alt_m"`
	RangeM        float64 `json:"range_m"`
	Sensor        string  `json:"sensor"` // eo, ir, radar
	ComponentID   uint8   `json:"compid"`
}

// AlertType names what an alert is about.
type AlertType string

// Alert types.
const (
	AlertFenceBreach AlertType = "fence_breach"
	AlertLowBattery  AlertType = "low_battery"
	AlertLinkLost    AlertType = "link_lost"
	AlertLinkRestore AlertType = "link_restored"
	AlertStatusText  AlertType = "status_text"
	AlertMixedPlan   AlertType = "mixed_plan"       // a failed upload left the vehicle with part of a plan
	AlertRebooted    AlertType = "vehicle_rebooted" // its time since boot went back: derived state was reset
	// AlertUploadCancelled: the server shut down during an upload and stopped it (web/upload_drain.go).
	AlertUploadCancelled AlertType = "upload_cancelled"
)

// Alert is something an operator must see.
type Alert struct {
	EventHeader
	Type     AlertType `json:"type"`
	Severity Severity  `json:"severity"`
	Text     string    `json:"text"`
	// Place (optional) is where the alert happened when that is not the
	// vehicle's own position: a track crossing the border.
	Place *AlertPlace `json:"place,omitempty"`
}

// AlertPlace is where a track's alert happened, and which track it was
// ("remote_id:UASID" or "detection:SYSID.TRACK"), so that two tracks'
// alerts are two markers.
type AlertPlace struct {
	Lat   float64 `json:"lat"`
	Lon   float64 `json:"lon"`
	Track string  `json:"track"`
}

// StatusText is a STATUSTEXT the vehicle sent (reassembled when chunked).
type StatusText struct {
	EventHeader
	Severity Severity `json:"severity"`
	Text     string   `json:"text"`
}

// ModeChange is a change of flight mode.
type ModeChange struct {
	EventHeader
	From string `json:"from"`
	To   string `json:"to"`
}

// ArmChange is an arm or disarm.
type ArmChange struct {
	EventHeader
	Armed bool `json:"armed"`
}

// MissionProgress is a mission item reached or a change of current item.
type MissionProgress struct {
	EventHeader
	Seq     int  `json:"seq"`
	Reached bool `json:"reached"` // MISSION_ITEM_REACHED rather than MISSION_CURRENT
}

// TransferResult is the outcome of a mission, fence or rally transfer.
type TransferResult struct {
	EventHeader
	MissionType string        `json:"mission_type"` // mission, fence, rally
	Direction   string        `json:"direction"`    // upload, download, clear
	Items       int           `json:"items"`
	Verified    bool          `json:"verified"`
	Error       string        `json:"error,omitempty"`
	Duration    time.Duration `json:"duration_ns"`
}

// OperatorAction is something a user did (the audit trail).
type OperatorAction struct {
	EventHeader
	User   string `json:"user"`
	Action string `json:"action"` // e.g. "command", "plan_upload", "login"
	Detail string `json:"detail"`
	Result string `json:"result"`
	// Remote is the address the request came from.
	Remote string `json:"remote,omitempty"`
}

// Compile-time checks that every event implements Event.
var (
	_ Event = Detection{}
	_ Event = Alert{}
	_ Event = StatusText{}
	_ Event = ModeChange{}
	_ Event = ArmChange{}
	_ Event = MissionProgress{}
	_ Event = TransferResult{}
	_ Event = OperatorAction{}
	_ Event = RemoteID{}
)

// RemoteID is the state of one drone broadcasting Remote ID (ASTM F3411 /
// ASD-STAN prEN 4709-002), as heard by a receiver on one of our drones or at
// a station and relayed in the OPEN_DRONE_ID_* MAVLink messages. Each one is
// the whole track as known after one message (the decoder merges BASIC_ID,
// LOCATION, SYSTEM, SELF_ID and OPERATOR_ID per transmitter), so a stored or
// replayed event stands on its own. SystemID is the receiving system.
type RemoteID struct {
	EventHeader
	// UASID is the drone's id (BASIC_ID uas_id): a serial number, a CAA
	// registration, a UTM id or a session id; "" before a BASIC_ID was heard.
	UASID string `json:"uas_id"`
	// Key identifies the transmitter: UASID when known, else the id_or_mac.
	Key    string `json:"key"`
	IDType string `json:"id_type"` // serial, caa_registration, utm_assigned, specific_session, none
	UAType string `json:"ua_type"` // e.g. helicopter_or_multirotor, aeroplane, none
	// Status is the LOCATION status: ground, airborne, emergency, remote_id_failure, undeclared.
	Status string `json:"status"`
	// HasPosition says Lat/Lon are known (LOCATION sends 0,0 for unknown).
	HasPosition    bool    `json:"has_position"`
	Lat            float64 `json:"lat"`
	Lon            float64 `json:"lon"`
	AltM           float64 `json:"alt_m"`    // geodetic (WGS84); NaN-free: 0 with HasAlt false when unknown
	HasAlt         bool    `json:"has_alt"`  // AltM is known
	HeightM        float64 `json:"height_m"` // above take-off or ground, as HeightRef says
	HeightRef      string  `json:"height_ref"`
	GroundspeedMS  float64 `json:"groundspeed_m_s"`
	ClimbMS        float64 `json:"climb_m_s"`
	CourseDeg      float64 `json:"course_deg"` // direction of movement, -1 when unknown
	OperatorLat    float64 `json:"operator_lat"`
	OperatorLon    float64 `json:"operator_lon"`
	HasOperator    bool    `json:"has_operator"`
	OperatorID     string  `json:"operator_id,omitempty"`
	SelfID         string  `json:"self_id,omitempty"` // SELF_ID description (free text from outside)
	ReceiverCompID uint8   `json:"compid"`
	Message        string  `json:"message"` // the message this event follows: basic_id, location, system, self_id, operator_id
}
