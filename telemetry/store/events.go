package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Events are kept as JSON in time order (key: µs u64 BE | seq u64 BE), in
// "events", except operator actions, which form the audit log in "audit".
type envelope struct {
	Type  string          `json:"type"`
	Event json.RawMessage `json:"event"`
}

// normalize turns a pointer to an event into the event value (nil for a nil pointer).
func normalize(e telemetry.Event) telemetry.Event {
	switch v := e.(type) {
	case *telemetry.Detection:
		return deref(v)
	case *telemetry.Alert:
		return deref(v)
	case *telemetry.StatusText:
		return deref(v)
	case *telemetry.ModeChange:
		return deref(v)
	case *telemetry.ArmChange:
		return deref(v)
	case *telemetry.MissionProgress:
		return deref(v)
	case *telemetry.TransferResult:
		return deref(v)
	case *telemetry.OperatorAction:
		return deref(v)
	case *telemetry.RemoteID:
		return deref(v)
	}
	return e
}

func deref[T telemetry.Event](p *T) telemetry.Event {
	if p == nil {
		return nil
	}
	return *p
}

// EventType names an event type in storage and in the API ("" for none).
func EventType(e telemetry.Event) string {
	switch normalize(e).(type) {
	case telemetry.Detection:
		return "detection"
	case telemetry.Alert:
		return "alert"
	case telemetry.StatusText:
		return "status_text"
	case telemetry.ModeChange:
		return "mode_change"
	case telemetry.ArmChange:
		return "arm_change"
	case telemetry.MissionProgress:
		return "mission_progress"
	case telemetry.TransferResult:
		return "transfer_result"
	case telemetry.OperatorAction:
		return "operator_action"
	case telemetry.RemoteID:
		return "remote_id"
	}
	return ""
}

// eventDecoders reads each stored event type back into its struct.
var eventDecoders = map[string]func([]byte) (telemetry.Event, error){
	"detection":        decodeAs[telemetry.Detection],
	"alert":            decodeAs[telemetry.Alert],
	"status_text":      decodeAs[telemetry.StatusText],
	"mode_change":      decodeAs[telemetry.ModeChange],
	"arm_change":       decodeAs[telemetry.ArmChange],
	"mission_progress": decodeAs[telemetry.MissionProgress],
	"transfer_result":  decodeAs[telemetry.TransferResult],
	"operator_action":  decodeAs[telemetry.OperatorAction],
	"remote_id":        decodeAs[telemetry.RemoteID],
}

func decodeAs[T telemetry.Event](data []byte) (telemetry.Event, error) {
	var v T
	err := json.Unmarshal(data, &v)
	if h, ok := any(&v).(interface{ FillVehicle() }); ok {
		h.FillVehicle() // stored before vehicle ids: only "sysid"
	}
	return v, err
}

func decodeEvent(typ string, data []byte) (telemetry.Event, error) {
	dec, ok := eventDecoders[typ]
	if !ok {
		return nil, fmt.Errorf("%w: unknown event type %q", ErrCorruptRecord, typ)
	}
	e, err := dec(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s event: %v", ErrCorruptRecord, typ, err)
	}
	return e, nil
}

// errEventEncode means an event could not be encoded (a NaN or an infinity in
// one of its numbers): nothing of it was written.
var errEventEncode = errors.New("event cannot be encoded")

func putEvent(tx *bolt.Tx, sl *seal, e telemetry.Event) error {
	e = normalize(e)
	typ := EventType(e)
	if typ == "" {
		return fmt.Errorf("%w: event %T has no storage type", ErrInvalid, e)
	}
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("%w: %s event: %v", errEventEncode, typ, err)
	}
	v, err := json.Marshal(envelope{Type: typ, Event: body})
	if err != nil {
		return fmt.Errorf("%w: %s event: %v", errEventEncode, typ, err)
	}
	b, sb := tx.Bucket(bucketEvents), sealEvent
	if typ == "operator_action" {
		b, sb = tx.Bucket(bucketAudit), sealAudit
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, micros(e.EventTime()))
	binary.BigEndian.PutUint64(k[8:], seq)
	sl.put(sb, k, v)
	return b.Put(k, v)
}

// EventFilter selects events; zero fields select all.
type EventFilter struct {
	Types    []string // e.g. "detection", "alert"
	Vehicles []telemetry.VehicleID
	From, To time.Time // [From, To)
	Limit    int       // 0: no limit
}

func (f EventFilter) match(typ string, e telemetry.Event) bool {
	if len(f.Types) > 0 && !contains(f.Types, typ) {
		return false
	}
	if len(f.Vehicles) > 0 && !contains(f.Vehicles, e.Vehicle()) {
		return false
	}
	return true
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Events calls fn with the stored events (not operator actions) in time order.
func (s *Store) Events(f EventFilter, fn func(telemetry.Event) bool) error {
	return s.events(bucketEvents, f, fn)
}

// Audit calls fn with the operator actions of the audit log in time order.
func (s *Store) Audit(f EventFilter, fn func(telemetry.OperatorAction) bool) error {
	return s.events(bucketAudit, f, func(e telemetry.Event) bool {
		a, ok := e.(telemetry.OperatorAction)
		return !ok || fn(a)
	})
}

// AppendAudit records one operator action durably (the audit log does not
// wait for the recorder's next commit).
func (s *Store) AppendAudit(a telemetry.OperatorAction) error {
	if a.Time.IsZero() {
		return fmt.Errorf("%w: operator action without a time", ErrInvalid)
	}
	sl := s.newSeal()
	return s.update(func(tx *bolt.Tx) error {
		if err := putEvent(tx, sl, a); err != nil {
			return err
		}
		return sl.commit(tx)
	})
}

func (s *Store) events(bucket []byte, f EventFilter, fn func(telemetry.Event) bool) error {
	from, to := micros(f.From), micros(f.To)
	n := 0
	return s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, from)); k != nil; k, v = c.Next() {
			if len(k) != 16 {
				return fmt.Errorf("%w: event key %x", ErrCorruptRecord, k)
			}
			if to != 0 && binary.BigEndian.Uint64(k) >= to {
				return nil
			}
			var env envelope
			if err := json.Unmarshal(v, &env); err != nil {
				return fmt.Errorf("%w: event %x: %v", ErrCorruptRecord, k, err)
			}
			e, err := decodeEvent(env.Type, env.Event)
			if err != nil {
				return err
			}
			if !f.match(env.Type, e) {
				continue
			}
			if !fn(e) {
				return nil
			}
			n++
			if f.Limit > 0 && n >= f.Limit {
				return nil
			}
		}
		return nil
	})
}
