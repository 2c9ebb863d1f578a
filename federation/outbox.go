package federation

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// outbox is the station's durable queue of events not yet acknowledged by
// JetStream: a bbolt file beside the store. Chosen over an embedded
// JetStream at every station because it works the same whether the station
// reaches a cluster directly (--nats URL) or runs its own server, keeps the
// station's sequence across restarts, and costs one small file; a leaf node
// with its own JetStream domain and sourced streams at the HQ would do the
// same with more configuration at every site (docs/operations.md).
//
// Events get their sequence here (1, 2, 3 …); the publisher takes them in
// order and removes them once acknowledged. Safe for one writer (the
// station's hub loop) and one reader (the publisher): bbolt serialises them.
type outbox struct {
	db  *bolt.DB
	max int // events kept at most; beyond, new events are refused and counted
	// numbering names the sequence this file gives (batch.Numbering):
	// random, made with the file, kept in it.
	numbering string

	pending atomic.Int64
	dropped atomic.Uint64
}

var (
	bucketEvents = []byte("events")
	bucketMeta   = []byte("meta")
	keyNextSeq   = []byte("next_seq")
	// keyNumbering names this outbox's numbering (batch.Numbering).
	keyNumbering = []byte("numbering")
)

func openOutbox(path string, max int) (*outbox, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("federation: open the outbox %s: %w (is another server using it?)", path, err)
	}
	o := &outbox{db: db, max: max}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketEvents)
		if err != nil {
			return err
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := meta.Get(keyNumbering); len(v) > 0 {
			o.numbering = string(v)
		} else {
			// A new file numbers from 1 again: a new name tells the
			// headquarters so (also for a file written before names).
			o.numbering = rand.Text()[:16]
			if err := meta.Put(keyNumbering, []byte(o.numbering)); err != nil {
				return err
			}
		}
		o.pending.Store(int64(b.Stats().KeyN))
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("federation: prepare the outbox %s: %w", path, err)
	}
	return o, nil
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// append numbers the events and stores them in one transaction. Events
// beyond max are refused and counted (the operator sees the counter).
func (o *outbox) append(evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	return o.db.Update(func(tx *bolt.Tx) error {
		b, meta := tx.Bucket(bucketEvents), tx.Bucket(bucketMeta)
		next := uint64(1)
		if v := meta.Get(keyNextSeq); len(v) == 8 {
			next = binary.BigEndian.Uint64(v)
		}
		n := b.Stats().KeyN
		for i := range evs {
			if n >= o.max {
				o.dropped.Add(uint64(len(evs) - i))
				break
			}
			evs[i].Seq = next
			data, err := json.Marshal(evs[i])
			if err != nil {
				return err
			}
			if err := b.Put(seqKey(next), data); err != nil {
				return err
			}
			next++
			n++
			o.pending.Add(1)
		}
		return meta.Put(keyNextSeq, seqKey(next))
	})
}

// peek returns the oldest events, at most max of them and about maxBytes.
func (o *outbox) peek(max, maxBytes int) ([]Event, error) {
	var out []Event
	size := 0
	err := o.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.First(); k != nil && len(out) < max; k, v = c.Next() {
			if len(out) > 0 && size+len(v) > maxBytes {
				break
			}
			var e Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("outbox event %d is damaged: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, e)
			size += len(v)
		}
		return nil
	})
	return out, err
}

// ack removes every event up to seq.
func (o *outbox) ack(seq uint64) error {
	return o.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= seq; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
			o.pending.Add(-1)
		}
		return nil
	})
}

func (o *outbox) close() error {
	if o == nil || o.db == nil {
		return errors.New("outbox not open")
	}
	return o.db.Close()
}
