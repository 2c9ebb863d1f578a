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
	Time     time.Time `json:"time"`
	SystemID uint8     `json:"sysid"`
}

// Kind implements Message.
func (EventHeader) Kind() Kind { return KindEvent }

// Vehicle implements Message.
func (h EventHeader) Vehicle() uint8 { return h.SystemID }

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
)

// Alert is something an operator must see.
type Alert struct {
	EventHeader
	Type     AlertType `json:"type"`
	Severity Severity  `json:"severity"`
	Text     string    `json:"text"`
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
)
