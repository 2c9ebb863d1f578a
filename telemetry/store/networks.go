package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry"
)

// The network registry: the number of each MAVLink network the server's
// links have named, kept so that vehicle ids (network number × 256 + system
// id, telemetry.VehicleID) stay the same across restarts and reordered
// configurations. The default network ("") is number 0 and is never stored.
// A number, once given, is never given to another name.
//
//	bucket "networks":  name → number u32 BE
//
// The bucket is created at the first name, so stores written before it
// existed open read-only as they are (they hold only the default network).
var bucketNetworks = []byte("networks")

// NetworkNumber returns the number of a network, giving it the next free
// number and storing it durably when the name is new. A read-only store
// only looks names up.
func (s *Store) NetworkNumber(name string) (uint32, error) {
	if err := telemetry.CheckNetworkName(name); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if name == "" {
		return 0, nil
	}
	var n uint32
	found := false
	err := s.view(func(tx *bolt.Tx) error {
		n, found = lookupNetwork(tx, name)
		return nil
	})
	if err != nil || found {
		return n, err
	}
	if s.ReadOnly {
		return 0, fmt.Errorf("%w: network %q: the store has never seen it", ErrNotFound, name)
	}
	err = s.update(func(tx *bolt.Tx) error {
		if n, found = lookupNetwork(tx, name); found {
			return nil
		}
		b, err := tx.CreateBucketIfNotExists(bucketNetworks)
		if err != nil {
			return err
		}
		next := uint32(1)
		if err := b.ForEach(func(_, v []byte) error {
			if len(v) == 4 {
				next = max(next, binary.BigEndian.Uint32(v)+1)
			}
			return nil
		}); err != nil {
			return err
		}
		if next >= telemetry.MaxNetworks {
			return fmt.Errorf("%w: network %q: the store has numbered %d networks, the most a vehicle id can carry", ErrInvalid, name, telemetry.MaxNetworks-1)
		}
		n = next
		if err := b.Put([]byte(name), binary.BigEndian.AppendUint32(nil, n)); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyFormat); len(v) != 4 || binary.BigEndian.Uint32(v) < formatNetworks {
			return meta.Put(keyFormat, binary.BigEndian.AppendUint32(nil, formatNetworks))
		}
		return nil
	})
	return n, err
}

func lookupNetwork(tx *bolt.Tx, name string) (uint32, bool) {
	b := tx.Bucket(bucketNetworks)
	if b == nil {
		return 0, false
	}
	v := b.Get([]byte(name))
	if len(v) != 4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(v), true
}

// Networks returns every numbered network by number (the default network,
// 0, is "").
func (s *Store) Networks() (map[uint32]string, error) {
	out := map[uint32]string{0: ""}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNetworks)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(v) != 4 || telemetry.CheckNetworkName(string(k)) != nil {
				return fmt.Errorf("%w: network %q", ErrCorruptRecord, k)
			}
			out[binary.BigEndian.Uint32(v)] = string(k)
			return nil
		})
	})
	return out, err
}
