// Package telemetry is the telemetry and event model, the publish/subscribe hub
// that carries it from the gcs to its consumers (recorder, fence monitor, web
// streams), and (in sub-packages) the sortie store and replay.
//
// It knows nothing of MAVLink links or HTTP: producers publish Messages, and
// consumers subscribe with a filter and a bounded queue.
package telemetry

import "time"

// Kind says what a Message is, for filtering and for the hub's lag policy.
type Kind uint8

// Kinds of Message.
const (
	// KindFrame is a raw MAVLink frame: the record. Never coalesced.
	KindFrame Kind = iota + 1
	// KindState is a snapshot of one vehicle's decoded state. A lagging
	// subscriber gets only the latest one per vehicle.
	KindState
	// KindEvent is a typed event (detection, alert, mode change …). Never coalesced.
	KindEvent
)

func (k Kind) String() string {
	switch k {
	case KindFrame:
		return "frame"
	case KindState:
		return "state"
	case KindEvent:
		return "event"
	}
	return "unknown"
}

// Message is what travels through the Hub.
type Message interface {
	Kind() Kind
	// Vehicle is the vehicle the message belongs to.
	Vehicle() VehicleID
}

// Frame is one raw MAVLink frame with its receive time, as a tlog keeps it.
type Frame struct {
	Time time.Time
	// Link is the index of the link the frame arrived on, in the order the
	// server's links were configured (0 for imported files).
	Link uint16
	// Network is the number of the MAVLink network the link belongs to (0:
	// the default network; see VehicleID).
	Network     uint32
	SystemID    uint8
	ComponentID uint8
	MessageID   uint32
	// Raw is the whole frame, magic byte to checksum (and signature). It is
	// owned by the Frame: producers hand over a copy, consumers must not modify it.
	Raw []byte
}

// Kind implements Message.
func (Frame) Kind() Kind { return KindFrame }

// Vehicle implements Message.
func (f Frame) Vehicle() VehicleID { return VehicleOf(f.Network, f.SystemID) }
