// Package store keeps sorties in an embedded bbolt file: every raw frame with
// its receive time (the record), from which everything else is derived.
package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry"
)

var bucketFrames = []byte("frames")

// ErrCorruptRecord means a stored record could not be read back.
var ErrCorruptRecord = errors.New("store: corrupt record")

// Store is an open bbolt file. Its methods are safe for concurrent use.
type Store struct {
	// Path of the bbolt file; it is created when missing.
	Path string

	db *bolt.DB
}

// Initialize opens (or creates) the file.
func (s *Store) Initialize() error {
	db, err := bolt.Open(s.Path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return fmt.Errorf("open store %s: another process holds it open (stop it, or use another --data file)", s.Path)
		}
		return fmt.Errorf("open store %s: %w", s.Path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketFrames)
		return err
	})
	if err != nil {
		db.Close()
		return fmt.Errorf("prepare store %s: %w", s.Path, err)
	}
	s.db = db
	return nil
}

// Close closes the file.
func (s *Store) Close() error {
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

// frameKey orders frames by receive time; seq breaks ties between frames
// received in the same microsecond.
func frameKey(t time.Time, seq uint32) []byte {
	var k [12]byte
	binary.BigEndian.PutUint64(k[:8], micros(t))
	binary.BigEndian.PutUint32(k[8:], seq)
	return k[:]
}

func frameValue(f telemetry.Frame) []byte {
	v := make([]byte, 2+len(f.Raw))
	binary.BigEndian.PutUint16(v, f.Link)
	copy(v[2:], f.Raw)
	return v
}

// AppendFrames writes frames in one transaction.
func (s *Store) AppendFrames(frames []telemetry.Frame) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFrames)
		for _, f := range frames {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			if err := b.Put(frameKey(f.Time, uint32(seq)), frameValue(f)); err != nil {
				return err
			}
		}
		return nil
	})
}

// CountFrames returns how many frames are stored.
func (s *Store) CountFrames() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketFrames).Stats().KeyN
		return nil
	})
	return n, err
}

// Frames calls fn for each stored frame received in [from, to), in time order,
// until fn returns false.
func (s *Store) Frames(from, to time.Time, fn func(telemetry.Frame) bool) error {
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketFrames).Cursor()
		end := micros(to)
		for k, v := c.Seek(frameKey(from, 0)); k != nil; k, v = c.Next() {
			if len(k) != 12 || len(v) < 2 {
				return fmt.Errorf("%w: frame key %x", ErrCorruptRecord, k)
			}
			us := binary.BigEndian.Uint64(k)
			if us >= end {
				return nil
			}
			f, err := decodeFrame(us, v)
			if err != nil {
				return err
			}
			if !fn(f) {
				return nil
			}
		}
		return nil
	})
}

func decodeFrame(us uint64, v []byte) (telemetry.Frame, error) {
	raw := append([]byte(nil), v[2:]...)
	f := telemetry.Frame{Time: time.UnixMicro(int64(us)), Link: binary.BigEndian.Uint16(v), Raw: raw}
	switch {
	case len(raw) >= 10 && raw[0] == 0xFD:
		f.SystemID, f.ComponentID = raw[5], raw[6]
		f.MessageID = uint32(raw[7]) | uint32(raw[8])<<8 | uint32(raw[9])<<16
	case len(raw) >= 6 && raw[0] == 0xFE:
		f.SystemID, f.ComponentID, f.MessageID = raw[3], raw[4], uint32(raw[5])
	default:
		return f, fmt.Errorf("%w: frame at %d µs is not MAVLink", ErrCorruptRecord, us)
	}
	return f, nil
}

// micros is t in microseconds since the Unix epoch; earlier times clamp to 0
// so that the zero time.Time means "from the beginning".
func micros(t time.Time) uint64 {
	us := t.UnixMicro()
	if us < 0 {
		return 0
	}
	return uint64(us)
}
