package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/mavlink/decode"
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

// forgetNetwork removes name from the registry if it still has number: only
// for a name an import numbered and whose frames it then removed (nothing
// was ever recorded under the number, so no id can change meaning).
func (s *Store) forgetNetwork(name string, number uint32) error {
	return s.update(func(tx *bolt.Tx) error {
		if n, ok := lookupNetwork(tx, name); !ok || n != number {
			return nil
		}
		return tx.Bucket(bucketNetworks).Delete([]byte(name))
	})
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
	var out map[uint32]string
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = readNetworks(tx)
		return err
	})
	return out, err
}

func readNetworks(tx *bolt.Tx) (map[uint32]string, error) {
	out := map[uint32]string{0: ""}
	b := tx.Bucket(bucketNetworks)
	if b == nil {
		return out, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		if len(v) != 4 || telemetry.CheckNetworkName(string(k)) != nil {
			return fmt.Errorf("%w: network %q", ErrCorruptRecord, k)
		}
		out[binary.BigEndian.Uint32(v)] = string(k)
		return nil
	})
	return out, err
}

// networkNamer names a network number by the registry names, and by
// decode.NetworkLabel ("#N") a number the registry does not hold (a store
// copied without its registry, a record from a newer file).
func networkNamer(names map[uint32]string) func(uint32) string {
	return func(n uint32) string {
		if name, ok := names[n]; ok {
			return name
		}
		return decode.NetworkLabel(n)
	}
}

// NetworkNamer returns the name of a network number as the store knows it
// ("" for the default network, "#N" only for a number it has no name for):
// replay and exports name vehicles' networks with it.
func (s *Store) NetworkNamer() (func(uint32) string, error) {
	names, err := s.Networks()
	if err != nil {
		return nil, err
	}
	return networkNamer(names), nil
}

// NetworkList describes the networks the store knows: every numbered one
// (and the default), with how many distinct vehicles have a sortie on each.
// It reads every sortie record, which is cheap beside a sortie's frames.
// Links and live counts are the fleet's (gcs.Fleet.NetworkList);
// telemetry.MergeNetworks joins the two.
func (s *Store) NetworkList() ([]telemetry.Network, error) {
	var list []telemetry.Network
	err := s.view(func(tx *bolt.Tx) error {
		names, err := readNetworks(tx)
		if err != nil {
			return err
		}
		vehicles := map[telemetry.VehicleID]bool{}
		err = tx.Bucket(bucketSorties).ForEach(func(k, v []byte) error {
			var so struct {
				Vehicle  telemetry.VehicleID `json:"vehicle"`
				SystemID uint8               `json:"sysid"`
			}
			if err := json.Unmarshal(v, &so); err != nil {
				return fmt.Errorf("%w: sortie %x: %v", ErrCorruptRecord, k, err)
			}
			if so.Vehicle == 0 { // stored before vehicle ids: the system id was the id
				so.Vehicle = telemetry.VehicleID(so.SystemID)
			}
			vehicles[so.Vehicle] = true
			return nil
		})
		if err != nil {
			return err
		}
		counts := map[uint32]int{}
		for id := range vehicles {
			counts[id.Network()]++
		}
		name := networkNamer(names)
		for n := range counts {
			if _, ok := names[n]; !ok {
				names[n] = name(n)
			}
		}
		for n, nm := range names {
			list = append(list, telemetry.Network{Name: nm, Number: n, Default: n == 0, Links: []string{}, RecordedVehicles: counts[n]})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return telemetry.MergeNetworks(list), nil
}
