package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry"
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
	// Deleted marks the version that removed the plan from the library. The
	// versions before it stay: they are evidence of what vehicles flew, and
	// the hash chain over them must not break.
	Deleted bool `json:"deleted,omitempty"`
}

// SavePlan stores a new version of the plan named v.Name and returns its number.
// Version is assigned; Time defaults to now.
func (s *Store) SavePlan(v PlanVersion) (int, error) { return s.savePlan(v, planAny) }

// CreatePlan stores version 1 of a new plan; a plan of that name already
// stored is refused with ErrExists (save a new version with UpdatePlan).
func (s *Store) CreatePlan(v PlanVersion) (int, error) { return s.savePlan(v, planNew) }

// UpdatePlan stores a new version of a stored plan; ErrNotFound when there
// is no plan of that name.
func (s *Store) UpdatePlan(v PlanVersion) (int, error) { return s.savePlan(v, planExisting) }

type planSaveMode int

const (
	planAny planSaveMode = iota
	planNew
	planExisting
)

func (s *Store) savePlan(v PlanVersion, mode planSaveMode) (int, error) {
	if v.Name == "" || len(v.Name) > 200 {
		return 0, fmt.Errorf("%w: a plan needs a name of 1-200 bytes", ErrInvalid)
	}
	if v.Time.IsZero() {
		v.Time = time.Now()
	}
	err := s.sealedUpdate(func(tx *bolt.Tx, sl *seal) error {
		exists := livePlan(tx.Bucket(bucketPlans).Bucket([]byte(v.Name)))
		if mode == planNew && exists {
			return fmt.Errorf("%w: plan %q (save a new version of it instead)", ErrExists, v.Name)
		}
		if mode == planExisting && !exists {
			return fmt.Errorf("%w: plan %q", ErrNotFound, v.Name)
		}
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

// livePlan reports whether a plan's bucket exists and its latest version
// is not a deletion.
func livePlan(b *bolt.Bucket) bool {
	if b == nil {
		return false
	}
	_, v := b.Cursor().Last()
	var pv struct {
		Deleted bool `json:"deleted"`
	}
	return v != nil && json.Unmarshal(v, &pv) == nil && !pv.Deleted
}

// Plan returns one version of a plan; version 0 is the latest, which a
// deleted plan does not have (its earlier versions are still returned by
// number, for replays and evidence).
func (s *Store) Plan(name string, version int) (PlanVersion, error) {
	var out PlanVersion
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPlans).Bucket([]byte(name))
		if b == nil || (version == 0 && !livePlan(b)) {
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
			if livePlan(tx.Bucket(bucketPlans).Bucket(k)) {
				out = append(out, string(k))
			}
			return nil
		})
	})
	return out, err
}

// bucketPlanUploads records which plan version went to which vehicle, by
// whom (key: µs u64 BE | seq u64 BE, value: PlanUpload as JSON). It is
// created on first use, so files written before it existed need no migration.
var bucketPlanUploads = []byte("plan_uploads")

// PlanSummary is a plan's latest version without its data, with how many
// versions it has.
type PlanSummary struct {
	PlanVersion
	Versions int `json:"versions"`
}

// Plans lists every stored plan's latest version (without data), by name.
func (s *Store) Plans() ([]PlanSummary, error) {
	var out []PlanSummary
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPlans).ForEachBucket(func(k []byte) error {
			b := tx.Bucket(bucketPlans).Bucket(k)
			_, v := b.Cursor().Last()
			if v == nil {
				return nil // a plan whose every version failed to commit cannot exist; skip an empty bucket
			}
			var pv PlanVersion
			if err := json.Unmarshal(v, &pv); err != nil {
				return fmt.Errorf("%w: plan %q: %v", ErrCorruptRecord, k, err)
			}
			if pv.Deleted {
				return nil
			}
			pv.Data = nil
			out = append(out, PlanSummary{PlanVersion: pv, Versions: b.Stats().KeyN})
			return nil
		})
	})
	return out, err
}

// DeletePlan removes a plan from the library by storing a last version that
// says so (Deleted). Its earlier versions and the records of its uploads
// stay: they are history of what vehicles flew, covered by the evidence
// chain. A later plan of the same name goes on with the next version number.
func (s *Store) DeletePlan(name string) error {
	_, err := s.savePlan(PlanVersion{Name: name, Deleted: true}, planExisting)
	return err
}

// PlanUpload records one upload of a plan to a vehicle: which plan version
// (Plan is "" for a plan that never was in the library), to which vehicle,
// by whom, and how it ended.
type PlanUpload struct {
	Time    time.Time `json:"time"`
	Plan    string    `json:"plan,omitempty"`
	Version int       `json:"version,omitempty"`
	// Vehicle is the vehicle's id, SysID its system id; records stored
	// before vehicle ids existed have only the system id (read back with both).
	Vehicle  telemetry.VehicleID `json:"vehicle"`
	SysID    uint8               `json:"sysid"`
	User     string              `json:"user"`
	Items    [3]int              `json:"items"` // mission, fence and rally item counts sent
	Verified bool                `json:"verified"`
	Error    string              `json:"error,omitempty"`
}

// RecordPlanUpload stores one upload record durably.
func (s *Store) RecordPlanUpload(u PlanUpload) error {
	if u.Vehicle == 0 {
		u.Vehicle = telemetry.VehicleID(u.SysID)
	}
	u.SysID = u.Vehicle.SysID()
	if u.Time.IsZero() || u.SysID == 0 {
		return fmt.Errorf("%w: a plan upload record needs a time and a vehicle", ErrInvalid)
	}
	return s.sealedUpdate(func(tx *bolt.Tx, sl *seal) error {
		b, err := tx.CreateBucketIfNotExists(bucketPlanUploads)
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		v, err := json.Marshal(u)
		if err != nil {
			return err
		}
		k := binary.BigEndian.AppendUint64(nil, micros(u.Time))
		k = binary.BigEndian.AppendUint64(k, seq)
		sl.put(sealPlanUpload, k, v)
		return b.Put(k, v)
	})
}

// PlanUploads lists upload records oldest first; plan and vehicle narrow it
// when not empty/zero.
func (s *Store) PlanUploads(plan string, vehicle telemetry.VehicleID) ([]PlanUpload, error) {
	var out []PlanUpload
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPlanUploads)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var u PlanUpload
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("%w: plan upload %x: %v", ErrCorruptRecord, k, err)
			}
			if u.Vehicle == 0 {
				u.Vehicle = telemetry.VehicleID(u.SysID)
			}
			if (plan == "" || u.Plan == plan) && (vehicle == 0 || u.Vehicle == vehicle) {
				out = append(out, u)
			}
			return nil
		})
	})
	return out, err
}
