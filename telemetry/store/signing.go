package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Signing persistence for the gcs (gcs.SigningStore): one 32-byte key per
// vehicle and the last outgoing signing timestamp. Keys leave the store only
// through SigningKey: the "signing" bucket is never exported, and
// SETUP_SIGNING frames are never recorded.

var keyTimestamp = []byte("timestamp")

func signingKeyName(sysid uint8) []byte { return []byte{'k', sysid} }

// SigningKey returns the signing key of a vehicle, ok false when it has none.
func (s *Store) SigningKey(sysid uint8) (key [32]byte, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSigning).Get(signingKeyName(sysid))
		if v == nil {
			return nil
		}
		if len(v) != 32 {
			return fmt.Errorf("%w: signing key of system %d", ErrCorruptRecord, sysid)
		}
		copy(key[:], v)
		ok = true
		return nil
	})
	return key, ok, err
}

// SetSigningKey stores (or replaces) the signing key of a vehicle.
func (s *Store) SetSigningKey(sysid uint8, key [32]byte) error {
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSigning).Put(signingKeyName(sysid), key[:])
	})
}

// DeleteSigningKey forgets the signing key of a vehicle (no error when it had none).
func (s *Store) DeleteSigningKey(sysid uint8) error {
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSigning).Delete(signingKeyName(sysid))
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
