package decode

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

// DefaultLinkTimeout is how long a vehicle may be silent before its link
// counts as lost: about 3.5 s, as QGroundControl and MAVSDK use (the brief's
// protocol facts).
const DefaultLinkTimeout = 3500 * time.Millisecond

// Admits is the admission rule: only an autopilot's HEARTBEAT makes a
// vehicle. Another ground station's (MAV_TYPE_GCS) or a component's (a camera
// or gimbal sends MAV_AUTOPILOT_INVALID) never does, and must not overwrite a
// vehicle's mode.
func Admits(hb *common.MessageHeartbeat) bool {
	return hb.Type != common.MAV_TYPE_GCS && hb.Autopilot != common.MAV_AUTOPILOT_INVALID
}

// LinkLost is the link-timeout rule: a vehicle last heard at lastHeard has
// lost its link at now when it has been silent for longer than timeout.
func LinkLost(lastHeard, now time.Time, timeout time.Duration) bool {
	return now.Sub(lastHeard) > timeout
}

// Result says what one message did to the table.
type Result struct {
	// State is the sender's state after the message; nil when the sender is
	// not an admitted vehicle (the message was dropped).
	State *VehicleState
	// New is true when this message admitted the vehicle.
	New bool
	// Changed is true when a client would see a difference.
	Changed bool
	// LinkUp is true when the vehicle's link came up (first frame, or the
	// first after it was lost).
	LinkUp bool
	// Receiver is set when the sender is a standalone Remote ID receiver
	// (receiver.go): its frames belong to the record, it is not a vehicle.
	Receiver *Receiver
}

// Table is the vehicle table: one VehicleState per admitted vehicle id,
// updated by the admission rule, the state update and the link-timeout rule.
// It is not safe for concurrent use: one goroutine owns it (the fleet loop,
// a replay session).
type Table struct {
	// (optional) LinkTimeout after which a silent vehicle's link is lost.
	// Defaults to DefaultLinkTimeout.
	LinkTimeout time.Duration
	// (optional) AdmitWithoutHeartbeat admits a system at its first frame of
	// any message, not only at an autopilot's heartbeat. Defaults to false
	// (the live rule). Exports set it: an exported window may begin between
	// two heartbeats, and an imported log fragment may hold none (the import
	// makes sorties of such systems). A GCS's or a component's heartbeat still
	// never changes a vehicle.
	AdmitWithoutHeartbeat bool
	// (optional) NetworkName names a network number for the states'
	// Network field. Defaults to NetworkLabel.
	NetworkName func(number uint32) string

	states map[telemetry.VehicleID]*VehicleState
	// receivers are the standalone Remote ID receivers (receiver.go).
	receivers map[telemetry.VehicleID]*Receiver
	changed   map[telemetry.VehicleID]bool
}

func (t *Table) init() {
	if t.states == nil {
		t.states = map[telemetry.VehicleID]*VehicleState{}
		t.changed = map[telemetry.VehicleID]bool{}
		t.receivers = map[telemetry.VehicleID]*Receiver{}
	}
	if t.LinkTimeout == 0 {
		t.LinkTimeout = DefaultLinkTimeout
	}
}

// NetworkLabel names a network whose name is not known: "" for the default
// network, "#N" for number N.
func NetworkLabel(number uint32) string {
	if number == 0 {
		return ""
	}
	return "#" + strconv.FormatUint(uint64(number), 10)
}

// Admitted reports whether id is a vehicle or a standalone Remote ID
// receiver in the table: only their frames belong to the record.
func (t *Table) Admitted(id telemetry.VehicleID) bool {
	return t.states[id] != nil || t.receivers[id] != nil
}

// Receiver is the standalone Remote ID receiver of system id, nil if none.
func (t *Table) Receiver(id telemetry.VehicleID) *Receiver { return t.receivers[id] }

// Receivers lists the standalone Remote ID receivers, in no order.
func (t *Table) Receivers() []*Receiver {
	out := make([]*Receiver, 0, len(t.receivers))
	for _, rc := range t.receivers {
		out = append(out, rc)
	}
	return out
}

// State is the vehicle's state, nil when id was never admitted. The
// pointer stays valid; callers own it only in the table's goroutine.
func (t *Table) State(id telemetry.VehicleID) *VehicleState { return t.states[id] }

// Message folds one message from component compid of vehicle id, received at at, into the
// table, and reports the typed events it implies (mode and arm changes,
// detections, alerts) through emit, which may be nil. A message of a system
// that no autopilot heartbeat admitted is dropped (Result.State nil).
func (t *Table) Message(id telemetry.VehicleID, compid uint8, msg message.Message, at time.Time, emit func(telemetry.Event)) Result {
	t.init()
	hb, isHB := msg.(*common.MessageHeartbeat)
	admits := isHB && Admits(hb)
	st := t.states[id]
	var r Result
	if st == nil && !admits {
		// A standalone Remote ID receiver: by its own heartbeat or, live,
		// by what it relays. (An export admits without heartbeats: there an
		// on-board receiver's relay must not turn its drone into a receiver.)
		rc := t.receivers[id]
		if rc == nil && ((isHB && AdmitsReceiver(hb)) || (!t.AdmitWithoutHeartbeat && IsRemoteID(msg))) {
			rc = NewReceiver(id)
			t.receivers[id] = rc
		}
		if rc != nil {
			rc.Message(msg, compid, at, emit)
			r.Receiver = rc
			return r
		}
	}
	if st == nil {
		if !admits && (isHB || !t.AdmitWithoutHeartbeat) {
			return r
		}
		s := NewVehicleState(id)
		if t.NetworkName != nil {
			s.Network = t.NetworkName(id.Network())
		} else {
			s.Network = NetworkLabel(id.Network())
		}
		st = &s
		t.states[id] = st
		delete(t.receivers, id) // an autopilot after all
		r.New = true
	}
	r.State = st
	if isHB && !admits {
		return r // a component's heartbeat must not overwrite the autopilot's mode
	}
	r.Changed = st.Update(msg, compid, at, emit)
	st.LastHeard = at
	if !st.LinkOK {
		st.LinkOK = true
		r.Changed, r.LinkUp = true, true
	}
	if r.Changed {
		t.changed[id] = true
	}
	return r
}

// Check applies the link-timeout rule at now (see Expire); it is the
// telemetry/replay Decoder's method.
func (t *Table) Check(now time.Time) { t.Expire(now) }

// Expire applies the link-timeout rule at now: every vehicle silent for longer
// than LinkTimeout loses its link. It returns the system ids whose link was
// lost by this call, in order.
func (t *Table) Expire(now time.Time) []telemetry.VehicleID {
	t.init()
	var lost []telemetry.VehicleID
	for id := range t.states {
		if t.ExpireVehicle(id, now) {
			lost = append(lost, id)
		}
	}
	slices.Sort(lost)
	return lost
}

// ExpireVehicle applies the link-timeout rule at now to one vehicle, as
// Expire does to all; true if its link was lost by this call. A reader that
// must know before a vehicle's frame whether that vehicle was lost (the
// sortie tracker, at each heartbeat) asks for it alone: Expire over a
// fleet at every heartbeat of every vehicle costs the fleet's size squared.
func (t *Table) ExpireVehicle(id telemetry.VehicleID, now time.Time) bool {
	t.init()
	st := t.states[id]
	if st == nil || !st.LinkOK || !LinkLost(st.LastHeard, now, t.LinkTimeout) {
		return false
	}
	st.LinkOK = false
	st.Time = now
	t.changed[id] = true
	return true
}

// Frame decodes one recorded frame (its raw bytes, as the store keeps them)
// and folds it in with Message. A frame that does not parse or whose message
// the dialect does not know changes nothing. It is the telemetry/replay
// Decoder's method.
func (t *Table) Frame(f telemetry.Frame, emit func(telemetry.Event)) {
	if msg, ok := Raw(f.Raw); ok {
		t.Message(f.Vehicle(), f.ComponentID, msg, f.Time, emit)
	}
}

// Raw decodes one frame's bytes with the project's dialect; false when they
// are not one whole frame of a known message with a valid checksum.
func Raw(raw []byte) (message.Message, bool) {
	fr, _, _, err := mavwire.Parse(raw, dialect.ReadWriter)
	if err != nil || !fr.Known {
		return nil, false
	}
	msg, err := fr.Decode(dialect.ReadWriter)
	if err != nil {
		return nil, false
	}
	return msg, true
}

// Take returns copies of the states changed since the last Take (all of them
// when all is set), by vehicle id, and forgets which changed.
func (t *Table) Take(all bool) []VehicleState {
	t.init()
	out := []VehicleState{}
	for id, st := range t.states {
		if all || t.changed[id] {
			out = append(out, *st)
		}
	}
	slices.SortFunc(out, func(a, b VehicleState) int { return cmp.Compare(a.ID, b.ID) })
	clear(t.changed)
	return out
}
