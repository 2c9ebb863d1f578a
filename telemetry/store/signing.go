package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Signing persistence for the gcs (gcs.SigningStore): one 32-byte key per
// vehicle and the last outgoing signing timestamp. Keys leave the store only
// through SigningKey: the "signing" bucket is never exported, and
// SETUP_SIGNING frames are never recorded.

var keyTimestamp = []byte("timestamp")

// signingKeyName is 'k' and the vehicle: its system id on the default network
// (the key every store has used), its whole id u32 BE on another.
func signingKeyName(id telemetry.VehicleID) []byte {
	if id < 256 {
		return []byte{'k', byte(id)}
	}
	return binary.BigEndian.AppendUint32([]byte{'k'}, uint32(id))
}

// SigningKey returns the signing key of a vehicle, ok false when it has none.
func (s *Store) SigningKey(id telemetry.VehicleID) (key [32]byte, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSigning).Get(signingKeyName(id))
		if v == nil {
			return nil
		}
		if len(v) != 32 {
			return fmt.Errorf("%w: signing key of vehicle %d", ErrCorruptRecord, id)
		}
		copy(key[:], v)
		ok = true
		return nil
	})
	return key, ok, err
}

// SigningKeys returns every vehicle's signing key, read in one transaction:
// the fleet loads them at start instead of reading the store at each new
// vehicle's first frame (a read that waits while the recorder grows the file).
func (s *Store) SigningKeys() (map[telemetry.VehicleID][32]byte, error) {
	keys := make(map[telemetry.VehicleID][32]byte)
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSigning).ForEach(func(k, v []byte) error {
			if len(k) == 0 || k[0] != 'k' {
				return nil // the timestamp
			}
			var id telemetry.VehicleID
			switch len(k) {
			case 2:
				id = telemetry.VehicleID(k[1])
			case 5:
				id = telemetry.VehicleID(binary.BigEndian.Uint32(k[1:]))
			default:
				return fmt.Errorf("%w: signing key name %x", ErrCorruptRecord, k)
			}
			if len(v) != 32 {
				return fmt.Errorf("%w: signing key of vehicle %d", ErrCorruptRecord, id)
			}
			keys[id] = [32]byte(v)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// SetSigningKey stores (or replaces) the signing key of a vehicle.
func (s *Store) SetSigningKey(id telemetry.VehicleID, key [32]byte) error {
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSigning).Put(signingKeyName(id), key[:])
	})
}

// DeleteSigningKey forgets the signing key of a vehicle (no error when it had none).
func (s *Store) DeleteSigningKey(id telemetry.VehicleID) error {
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSigning).Delete(signingKeyName(id))
	})
}

// SigningTimestamp is the last persisted outgoing signing timestamp (10 µs
// units since 2015-01-01 UTC), 0 when none.
func (s *Store) SigningTimestamp() (uint64, error) {
	var ts uint64
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSigning).Get(keyTimestamp)
		if v == nil {
			return nil
		}
		if len(v) != 8 {
			return fmt.Errorf("%w: signing timestamp", ErrCorruptRecord)
		}
		ts = binary.BigEndian.Uint64(v)
		return nil
	})
	return ts, err
}

// SaveSigningTimestamp persists the signing timestamp. It never goes back: a
// smaller value than the stored one is ignored, so a late writer cannot undo
// a newer save.
func (s *Store) SaveSigningTimestamp(ts uint64) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSigning)
		if v := b.Get(keyTimestamp); len(v) == 8 && binary.BigEndian.Uint64(v) >= ts {
			return nil
		}
		return b.Put(keyTimestamp, binary.BigEndian.AppendUint64(nil, ts))
	})
}
