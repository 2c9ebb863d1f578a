package decode

import (
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/telemetry"
)

// A standalone Remote ID receiver (a ground station's, or one on a mast) is
// a MAVLink system of its own that is not an autopilot: it sends its own
// HEARTBEAT with type MAV_TYPE_ODID (34) — or MAV_TYPE_ADSB (27) for a
// combined traffic receiver — and autopilot MAV_AUTOPILOT_INVALID, and
// relays the OPEN_DRONE_ID_* messages it hears (mavlink.io,
// services/opendroneid). It is admitted as a receiver, never as a vehicle:
// it has no sortie, no commands, no place in the fleet list; what it hears
// becomes telemetry.RemoteID events with its id as the receiver.

// AdmitsReceiver is the receiver admission rule: a heartbeat of a Remote ID
// or ADS-B receiver that is not an autopilot.
func AdmitsReceiver(hb *common.MessageHeartbeat) bool {
	return (hb.Type == common.MAV_TYPE_ODID || hb.Type == common.MAV_TYPE_ADSB) && hb.Autopilot == common.MAV_AUTOPILOT_INVALID
}

// IsRemoteID reports whether msg is one of the OPEN_DRONE_ID_* messages a
// receiver relays (one is enough to admit a receiver that sends no
// heartbeat of its own).
func IsRemoteID(msg message.Message) bool {
	switch msg.(type) {
	case *common.MessageOpenDroneIdBasicId, *common.MessageOpenDroneIdLocation, *common.MessageOpenDroneIdSystem,
		*common.MessageOpenDroneIdSelfId, *common.MessageOpenDroneIdOperatorId:
		return true
	}
	return false
}

// Receiver is one standalone Remote ID receiver: the transmitters it hears,
// merged into tracks as a vehicle's on-board receiver's are (remoteid.go).
// Owned by one goroutine, as the vehicle table is.
type Receiver struct {
	ID        telemetry.VehicleID
	LastHeard time.Time
	// Messages counts the OPEN_DRONE_ID_* messages it relayed.
	Messages uint64
	// st holds the tracks and the checks of values; it is never a vehicle.
	st VehicleState
}

// NewReceiver makes the receiver of system id.
func NewReceiver(id telemetry.VehicleID) *Receiver {
	return &Receiver{ID: id, st: NewVehicleState(id)}
}

// Message folds one message of the receiver in: OPEN_DRONE_ID_* become
// RemoteID events through emit; anything else (its heartbeat) only marks
// it heard. It reports whether msg was a Remote ID message.
func (r *Receiver) Message(msg message.Message, compid uint8, at time.Time, emit func(telemetry.Event)) bool {
	r.LastHeard = at
	if emit == nil {
		emit = func(telemetry.Event) {}
	}
	if !r.st.remoteID(msg, compid, telemetry.Header(at, r.ID), emit) {
		return false
	}
	r.Messages++
	return true
}
