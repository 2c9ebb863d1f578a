package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Plans are kept as opaque documents (a QGC .plan's bytes, say) with their
// version history, so that the store needs no knowledge of the plan model:
// "plans" holds one sub-bucket per plan name, keyed by version u32 BE.

// PlanVersion is one saved version of a plan.
type PlanVersion struct {
	Name        string    `json:"name"`
	Version     int       `json:"version"` // 1, 2, … per name
	Author      string    `json:"author"`
	Time        time.Time `json:"time"`
	ContentType string    `json:"content_type"` // e.g. "application/vnd.qgc.plan+json"
	Comment     string    `json:"comment,omitempty"`
	Data        []byte    `json:"data"`
}

// SavePlan stores a new version of the plan named v.Name and returns its number.
// Version is assigned; Time defaults to now.
func (s *Store) SavePlan(v PlanVersion) (int, error) {
	if v.Name == "" || len(v.Name) > 200 {
		return 0, fmt.Errorf("%w: a plan needs a name of 1-200 bytes", ErrInvalid)
	}
	if v.Time.IsZero() {
		v.Time = time.Now()
	}
	err := s.sealedUpdate(func(tx *bolt.Tx, sl *seal) error {
		b, err := tx.Bucket(bucketPlans).CreateBucketIfNotExists([]byte(v.Name))
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		v.Version = int(seq)
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		k := binary.BigEndian.AppendUint32(nil, uint32(seq))
		sl.put(sealPlan, planSealKey([]byte(v.Name), k), data)
		return b.Put(k, data)
	})
	return v.Version, err
}

// Plan returns one version of a plan; version 0 is the latest.
func (s *Store) Plan(name string, version int) (PlanVersion, error) {
	var out PlanVersion
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPlans).Bucket([]byte(name))
		if b == nil {
			return fmt.Errorf("%w: plan %q", ErrNotFound, name)
		}
		var v []byte
		if version == 0 {
			_, v = b.Cursor().Last()
		} else {
			v = b.Get(binary.BigEndian.AppendUint32(nil, uint32(version)))
		}
		if v == nil {
			return fmt.Errorf("%w: plan %q version %d", ErrNotFound, name, version)
		}
		if err := json.Unmarshal(v, &out); err != nil {
			return fmt.Errorf("%w: plan %q: %v", ErrCorruptRecord, name, err)
		}
		return nil
	})
	return out, err
}

// PlanHistory lists the versions of a plan, oldest first, without their data.
func (s *Store) PlanHistory(name string) ([]PlanVersion, error) {
	var out []PlanVersion
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPlans).Bucket([]byte(name))
		if b == nil {
			return fmt.Errorf("%w: plan %q", ErrNotFound, name)
		}
		return b.ForEach(func(k, v []byte) error {
			var pv PlanVersion
			if err := json.Unmarshal(v, &pv); err != nil {
				return fmt.Errorf("%w: plan %q: %v", ErrCorruptRecord, name, err)
			}
			pv.Data = nil
			out = append(out, pv)
			return nil
		})
	})
	return out, err
}

// PlanNames lists the names of stored plans.
func (s *Store) PlanNames() ([]string, error) {
	var out []string
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPlans).ForEachBucket(func(k []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}
