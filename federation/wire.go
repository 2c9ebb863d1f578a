package federation

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Event is one event of a station as it travels to the headquarters: its
// place in the station's sequence (1, 2, 3 … without gaps, kept across
// restarts by the outbox), its type and the event itself as the station's
// API would show it.
type Event struct {
	Seq     uint64              `json:"seq"`
	Type    string              `json:"type"`
	Vehicle telemetry.VehicleID `json:"vehicle"`
	Time    time.Time           `json:"time"`
	Data    json.RawMessage     `json:"data"`
}

// Event types. Sortie summaries travel as events so that they share the
// events' guarantee (nothing lost across an uplink cut).
const (
	TypeDetection = "detection"
	TypeAlert     = "alert"
	TypeMode      = "mode_change"
	TypeArm       = "arm_change"
	TypeTransfer  = "transfer"
	TypeSortie    = "sortie"
)

// batch is one message on bw.<station>.events.
type batch struct {
	Station string `json:"station"`
	// Numbering names the station's numbering of its events: made with
	// its outbox, so a station whose outbox was lost and made again
	// numbers from 1 under a new name, and the HQ applies those events
	// instead of taking them for ones it has (hq.go, onEvents). Empty
	// from stations of before it was sent.
	Numbering string  `json:"numbering,omitempty"`
	Events    []Event `json:"events"`
}

// maxNumbering bounds a numbering's name (the outbox makes 16 characters).
const maxNumbering = 64

// stateMsg is one message on bw.<station>.state.<vehicle>.
type stateMsg struct {
	Station string              `json:"station"`
	Vehicle telemetry.VehicleID `json:"vehicle"`
	Sent    time.Time           `json:"sent"`
	State   json.RawMessage     `json:"state"`
}

// eventOf turns a hub event into a federation event, or reports false for
// the events that stay at the station: status texts (alerts carry what
// matters of them), operator actions (the audit trail is the station's) and
// Remote ID tracks (many per second; the station's TAK and map show them).
func eventOf(e telemetry.Event) (Event, bool, error) {
	var typ string
	switch e.(type) {
	case telemetry.Detection:
		typ = TypeDetection
	case telemetry.Alert:
		typ = TypeAlert
	case telemetry.ModeChange:
		typ = TypeMode
	case telemetry.ArmChange:
		typ = TypeArm
	case telemetry.TransferResult:
		typ = TypeTransfer
	default:
		return Event{}, false, nil
	}
	data, err := json.Marshal(e)
	if err != nil {
		return Event{}, false, fmt.Errorf("federation: encoding a %s event: %w", typ, err)
	}
	return Event{Type: typ, Vehicle: e.Vehicle(), Time: e.EventTime().UTC(), Data: data}, true, nil
}

// decodeBatch reads a message of a station's events subject. It refuses a
// message that is not a batch of that station with events numbered from 1
// upwards in order, so that a bad message never moves the HQ's place in the
// station's sequence.
func decodeBatch(data []byte, station string) (batch, error) {
	var b batch
	if err := json.Unmarshal(data, &b); err != nil {
		return batch{}, fmt.Errorf("not a batch of events: %w", err)
	}
	if b.Station != station {
		return batch{}, fmt.Errorf("a batch of station %q on station %q's subject", b.Station, station)
	}
	if len(b.Numbering) > maxNumbering {
		return batch{}, fmt.Errorf("a batch whose numbering name has %d bytes; at most %d", len(b.Numbering), maxNumbering)
	}
	var last uint64
	for i, e := range b.Events {
		if e.Seq == 0 || e.Seq <= last {
			return batch{}, fmt.Errorf("event %d has sequence %d after %d: events must be numbered upwards from 1", i, e.Seq, last)
		}
		if e.Type == "" || !json.Valid(e.Data) {
			return batch{}, fmt.Errorf("event %d (sequence %d) has no type or no valid data", i, e.Seq)
		}
		last = e.Seq
	}
	return b, nil
}

// decodeState reads a message of the states stream.
func decodeState(data []byte) (stateMsg, error) {
	var sm stateMsg
	if err := json.Unmarshal(data, &sm); err != nil {
		return stateMsg{}, fmt.Errorf("not a vehicle state: %w", err)
	}
	if err := CheckName("station", sm.Station); err != nil {
		return stateMsg{}, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(sm.State, &obj); err != nil || obj == nil {
		return stateMsg{}, fmt.Errorf("the state of %s/%d is not a JSON object (%v)", sm.Station, sm.Vehicle, err)
	}
	return sm, nil
}
