package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Acknowledgements of alerts are kept beside the alerts (which are events,
// never rewritten): "alert_acks" maps an alert's id to an AlertAck. The
// bucket is created on first use.
var bucketAlertAcks = []byte("alert_acks")

// AlertID names one alert the same way live and from the store, so that a
// browser can match an alert it saw on /ws/live with its acknowledgement:
// its time in µs, vehicle, type and a hash of its text.
func AlertID(a telemetry.Alert) string {
	h := fnv.New32a()
	h.Write([]byte(a.Text))
	return strconv.FormatInt(a.Time.UnixMicro(), 10) + "-" + strconv.Itoa(int(a.SystemID)) + "-" + string(a.Type) + "-" + strconv.FormatUint(uint64(h.Sum32()), 36)
}

// AlertAck is who acknowledged an alert, when, with an optional note.
type AlertAck struct {
	AlertID string    `json:"alert_id"`
	User    string    `json:"user"`
	Time    time.Time `json:"time"`
	Note    string    `json:"note,omitempty"`
}

// MaxAckNote bounds an acknowledgement's note.
const MaxAckNote = 1000

// AckAlert stores an acknowledgement of a stored alert. The first one
// stands: acknowledging again is refused with ErrExists and the ack that
// stands, so two operators never overwrite each other's note.
func (s *Store) AckAlert(a AlertAck) (AlertAck, error) {
	if a.AlertID == "" || a.User == "" || a.Time.IsZero() || len(a.Note) > MaxAckNote {
		return a, fmt.Errorf("%w: an acknowledgement needs an alert id, a user, a time and a note of at most %d bytes", ErrInvalid, MaxAckNote)
	}
	var stands AlertAck
	err := s.update(func(tx *bolt.Tx) error {
		if !alertStored(tx, a.AlertID) {
			return fmt.Errorf("%w: alert %q", ErrNotFound, a.AlertID)
		}
		b, err := tx.CreateBucketIfNotExists(bucketAlertAcks)
		if err != nil {
			return err
		}
		if v := b.Get([]byte(a.AlertID)); v != nil {
			if err := json.Unmarshal(v, &stands); err != nil {
				return fmt.Errorf("%w: ack of %q: %v", ErrCorruptRecord, a.AlertID, err)
			}
			return fmt.Errorf("%w: alert %q was acknowledged by %s at %s", ErrExists, a.AlertID, stands.User, stands.Time.UTC().Format(time.RFC3339))
		}
		v, err := json.Marshal(a)
		if err != nil {
			return err
		}
		stands = a
		return b.Put([]byte(a.AlertID), v)
	})
	return stands, err
}

// alertStored reports whether the events hold the alert with this id: the
// id starts with the alert's time, so one short seek finds it.
func alertStored(tx *bolt.Tx, id string) bool {
	var us int64
	for i := 0; i < len(id) && id[i] != '-'; i++ {
		if id[i] < '0' || id[i] > '9' || us > (1<<62)/10 {
			return false
		}
		us = us*10 + int64(id[i]-'0')
	}
	from := uint64(us)
	c := tx.Bucket(bucketEvents).Cursor()
	for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, from)); k != nil && len(k) == 16; k, v = c.Next() {
		if binary.BigEndian.Uint64(k) != from {
			return false
		}
		var env envelope
		if json.Unmarshal(v, &env) != nil || env.Type != "alert" {
			continue
		}
		if e, err := decodeEvent(env.Type, env.Event); err == nil && AlertID(e.(telemetry.Alert)) == id {
			return true
		}
	}
	return false
}

// AcknowledgedAlerts is the set of every acknowledged alert's id: a list
// of the newest open (or acknowledged) alerts filters by it before taking
// the newest, which a lookup of the newest alerts' acks cannot.
func (s *Store) AcknowledgedAlerts() (map[string]struct{}, error) {
	out := map[string]struct{}{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAlertAcks)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			out[string(k)] = struct{}{}
			return nil
		})
	})
	return out, err
}

// AlertAcks returns the acknowledgements of the given alert ids (those that
// have one).
func (s *Store) AlertAcks(ids []string) (map[string]AlertAck, error) {
	out := map[string]AlertAck{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAlertAcks)
		if b == nil {
			return nil
		}
		for _, id := range ids {
			v := b.Get([]byte(id))
			if v == nil {
				continue
			}
			var a AlertAck
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("%w: ack of %q: %v", ErrCorruptRecord, id, err)
			}
			out[id] = a
		}
		return nil
	})
	return out, err
}
