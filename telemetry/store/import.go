package store

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/tlog"
)

// importCommitFrames bounds one import transaction, so that memory stays
// bounded (streaming) whatever the size of the file.
const importCommitFrames = 200000

// ImportProgress is reported during an import.
type ImportProgress struct {
	Frames uint64
	Bytes  uint64 // bytes of frames read so far (records minus their timestamps)
}

// ImportResult says what an import stored and skipped.
type ImportResult struct {
	Stream   uint32     `json:"stream"`
	Frames   uint64     `json:"frames"`
	Withheld uint64     `json:"withheld"` // SETUP_SIGNING frames refused
	Skipped  tlog.Stats `json:"skipped"`
	Sorties  []Sortie   `json:"sorties"`
}

// ImportTlog stores a tlog as a stream of its own and makes one sortie per
// vehicle in it (armed or not); the frames of other systems in the file (a
// ground station's) become the sorties' companions. Bad checksums, garbage
// and a truncated last record are counted in the result and skipped. source
// names the file in the sorties (e.g. "import:flight.tlog"). progress may be
// nil; it is called every 100 000 frames.
func (s *Store) ImportTlog(r io.Reader, source string, progress func(ImportProgress)) (ImportResult, error) {
	var res ImportResult
	tr := &tlog.Reader{R: r}
	if err := tr.Initialize(); err != nil {
		return res, err
	}
	err := s.update(func(tx *bolt.Tx) error {
		id, err := tx.Bucket(bucketStreams).NextSequence()
		if err != nil {
			return err
		}
		res.Stream = uint32(id)
		return putStream(tx, StreamInfo{ID: res.Stream, Source: source, Imported: time.Now().UTC()})
	})
	if err != nil {
		return res, err
	}
	a := &appender{stream: res.Stream}
	type sysInfo struct {
		sortie  *Sortie
		vehicle bool
		gcs     bool
	}
	systems := map[uint8]*sysInfo{}
	var first, last time.Time
	var prog ImportProgress
	var f telemetry.Frame
	fail := func(err error) (ImportResult, error) {
		if _, derr := s.DeleteStream(res.Stream); derr != nil {
			err = fmt.Errorf("%w (and removing the partial import failed: %v)", err, derr)
		}
		return res, fmt.Errorf("import %s: %w", source, err)
	}
	done := false
	for !done {
		sl := s.newSeal()
		err := s.update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketChunks)
			for n := 0; n < importCommitFrames; n++ {
				rec, err := tr.Read()
				if err == io.EOF {
					done = true
					break
				}
				if err != nil {
					return err
				}
				fr := rec.Frame
				f = telemetry.Frame{Time: rec.Time, SystemID: fr.SystemID, ComponentID: fr.ComponentID, MessageID: fr.MessageID, Raw: fr.Raw}
				if err := a.add(b, sl, &f); err != nil {
					return err
				}
				if f.MessageID == MsgSetupSigning {
					continue
				}
				res.Frames++
				if first.IsZero() || f.Time.Before(first) {
					first = f.Time
				}
				if f.Time.After(last) {
					last = f.Time
				}
				si := systems[f.SystemID]
				if si == nil {
					si = &sysInfo{sortie: newSortie(res.Stream, f.SystemID, source, f.Time)}
					systems[f.SystemID] = si
				}
				if f.MessageID == msgHeartbeat {
					if hb, ok := readHeartbeat(f.Raw); ok {
						si.vehicle = si.vehicle || hb.vehicle
						si.gcs = si.gcs || !hb.vehicle
					}
				}
				si.sortie.observe(&f)
				prog.Frames++
				prog.Bytes += uint64(len(f.Raw))
				if progress != nil && prog.Frames%100000 == 0 {
					progress(prog)
				}
			}
			if err := a.flush(b, sl); err != nil {
				return err
			}
			return sl.commit(tx)
		})
		if err != nil {
			return fail(err)
		}
		// A full chunk was Put; the open ones were flushed and start over in
		// the next transaction under new keys.
		clear(a.tails[:])
	}
	res.Withheld = a.withheld
	res.Skipped = tr.Stats
	// Vehicles are the systems that sent an autopilot heartbeat; a file with
	// none (a fragment) makes a sortie of every system that is not a GCS.
	var vehicles, others []uint8
	for id, si := range systems {
		if si.vehicle {
			vehicles = append(vehicles, id)
		}
	}
	if len(vehicles) == 0 {
		for id, si := range systems {
			if !si.gcs {
				vehicles = append(vehicles, id)
			}
		}
	}
	for id := range systems {
		if !slices.Contains(vehicles, id) {
			others = append(others, id)
		}
	}
	slices.Sort(vehicles)
	slices.Sort(others)
	err = s.update(func(tx *bolt.Tx) error {
		for _, id := range vehicles {
			so := systems[id].sortie
			so.Start, so.End, so.Open = first, last, false
			so.DurationS = last.Sub(first).Seconds()
			so.Companions = others
			if err := putSortie(tx, so); err != nil {
				return err
			}
			res.Sorties = append(res.Sorties, *so)
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if progress != nil {
		progress(prog)
	}
	return res, nil
}

// Streams lists the streams (0 is the live recording when it has frames).
func (s *Store) Streams() ([]StreamInfo, error) {
	var out []StreamInfo
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStreams).ForEach(func(k, v []byte) error {
			var si StreamInfo
			if err := json.Unmarshal(v, &si); err != nil {
				return fmt.Errorf("%w: stream %x: %v", ErrCorruptRecord, k, err)
			}
			out = append(out, si)
			return nil
		})
	})
	return out, err
}
