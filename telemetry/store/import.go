package store

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/mavlink/decode"
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
	// OutOfRangeTime counts frames stored with a timestamp before 2000 or
	// later than the import; they never set a sortie's start or end.
	OutOfRangeTime uint64 `json:"out_of_range_time"`
	// Network is the MAVLink network the file's vehicles were put on ("" the default).
	Network string   `json:"network"`
	Sorties []Sortie `json:"sorties"`
}

// A tlog's timestamps are the receiving computer's clock. Before earliestTlogTime
// no MAVLink existed; after the import itself is the future. Outside that
// range a timestamp is noise (a random file read as records gave sorties from
// the year 2431 to 9959), so it is counted and kept out of sortie bounds.
var earliestTlogTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// maxGarbageShare is the share of a file's bytes that may be garbage before it
// is refused as not a tlog: real logs lose a few bytes to a cut cable, never
// most of the file.
const maxGarbageShare = 0.5

// ImportTlog stores a tlog as a stream of its own and makes one sortie per
// vehicle in it (armed or not); the frames of other systems in the file (a
// ground station's) become the sorties' companions. Bad checksums, garbage
// and a truncated last record are counted in the result and skipped. source
// names the file in the sorties (e.g. "import:flight.tlog"). progress may be
// nil; it is called every 100 000 frames.
//
// A file that is not a tlog (no frame whose checksum could be verified, or
// more than half garbage) is refused with ErrNotTlog and nothing of it stays.
func (s *Store) ImportTlog(r io.Reader, source string, progress func(ImportProgress)) (ImportResult, error) {
	return s.importTlog(r, "", source, progress, time.Now())
}

// ImportTlogNetwork is ImportTlog with the file's vehicles on the MAVLink
// network named network ("" the default): a tlog knows nothing of networks,
// so the one who imports says which radio network it was recorded on. The
// name is numbered in the store's registry as serve numbers its links'
// networks (NetworkNumber), so the vehicles get the ids they have live on
// that network, and the same file imported into two networks is two sets of
// vehicles. A name that cannot name a network is refused with ErrInvalid
// before anything is stored.
func (s *Store) ImportTlogNetwork(r io.Reader, network, source string, progress func(ImportProgress)) (ImportResult, error) {
	return s.importTlog(r, network, source, progress, time.Now())
}

// importTlog is ImportTlogNetwork with the time of the import given, so that
// tests of the timestamp rule need no wall clock.
func (s *Store) importTlog(r io.Reader, network, source string, progress func(ImportProgress), now time.Time) (ImportResult, error) {
	res := ImportResult{Network: network}
	if err := telemetry.CheckNetworkName(network); err != nil {
		return res, fmt.Errorf("import %s: %w: %v", source, ErrInvalid, err)
	}
	tr := &tlog.Reader{R: r}
	if err := tr.Initialize(); err != nil {
		return res, err
	}
	known, err := s.Networks()
	if err != nil {
		return res, fmt.Errorf("import %s: %w", source, err)
	}
	netNum, err := s.NetworkNumber(network)
	if err != nil {
		return res, fmt.Errorf("import %s: %w", source, err)
	}
	// A network this import named for the first time is forgotten again if
	// the import fails: a refused file leaves no trace in the registry.
	newNetwork := network != "" && known[netNum] != network
	err = s.update(func(tx *bolt.Tx) error {
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
	// Which systems are vehicles is the shared decoder's admission rule over
	// the whole file (decode.Census); their statistics come from its decoded
	// state, of the few messages they need (statsMessage). The table admits
	// without a heartbeat: a fragment may hold none, and the census decides
	// afterwards which systems were vehicles.
	var census decode.Census
	stats := decode.Table{AdmitWithoutHeartbeat: true}
	var verified uint64
	// A tlog knows nothing of networks: its vehicles are on the network the
	// import names (netNum; 0, the default, unless told).
	sorties := map[telemetry.VehicleID]*Sortie{}
	var first, last time.Time
	var prog ImportProgress
	var f telemetry.Frame
	fail := func(err error) (ImportResult, error) {
		if _, derr := s.DeleteStream(res.Stream); derr != nil {
			err = fmt.Errorf("%w (and removing the partial import failed: %v)", err, derr)
		} else if newNetwork {
			if nerr := s.forgetNetwork(network, netNum); nerr != nil {
				err = fmt.Errorf("%w (and forgetting network %q failed: %v)", err, network, nerr)
			}
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
				f = telemetry.Frame{Time: rec.Time, Network: netNum, SystemID: fr.SystemID, ComponentID: fr.ComponentID, MessageID: fr.MessageID, Raw: fr.Raw}
				if err := a.add(b, sl, &f); err != nil {
					return err
				}
				if f.MessageID == MsgSetupSigning {
					continue
				}
				res.Frames++
				sane := !f.Time.Before(earliestTlogTime) && !f.Time.After(now)
				if !sane {
					res.OutOfRangeTime++
				} else {
					if first.IsZero() || f.Time.Before(first) {
						first = f.Time
					}
					if f.Time.After(last) {
						last = f.Time
					}
				}
				id := f.Vehicle()
				so := sorties[id]
				if so == nil {
					so = newSortie(res.Stream, id, source, f.Time)
					sorties[id] = so
				}
				census.Frame(id, fr.Known)
				if fr.Known {
					verified++
				}
				so.count(f.Time)
				if fr.Known && statsMessage(f.MessageID) {
					if msg, ok := decode.Raw(f.Raw); ok {
						if hb, ok := msg.(*common.MessageHeartbeat); ok {
							census.Heartbeat(id, hb)
						}
						if r := stats.Message(id, f.ComponentID, msg, f.Time, nil); r.State != nil {
							so.observeState(msg, r.State)
						}
					}
				}
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
		clear(a.tails)
	}
	res.Withheld = a.withheld
	res.Skipped = tr.Stats
	if err := notTlog(&res, verified, first.IsZero()); err != nil {
		return fail(err)
	}
	// One sortie per vehicle, by the census's rule; the other systems are
	// its companions.
	vehicles, others := census.Vehicles()
	err = s.update(func(tx *bolt.Tx) error {
		for _, id := range vehicles {
			so := sorties[id]
			so.Start, so.End, so.Open, so.Closed = first, last, false, "imported"
			so.DurationS = durationS(first, last)
			so.Companions = others
			if err := putSortie(tx, so); err != nil {
				return err
			}
			out := *so
			out.Network = network
			res.Sorties = append(res.Sorties, out)
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

// notTlog refuses an import that found nothing a tlog is made of: no frame
// whose checksum could be verified, no frame with a sane time, or a file that
// is mostly garbage.
func notTlog(res *ImportResult, verified uint64, noSaneTime bool) error {
	st := res.Skipped
	recordBytes := st.Records * 20 // a record is at least 8 bytes of time and 12 of frame
	switch {
	case verified == 0:
		return fmt.Errorf("%w: no MAVLink frame with a valid checksum (%d records of unknown messages, %d garbage bytes, %d bad checksums)",
			ErrNotTlog, st.Records, st.GarbageBytes, st.BadChecksum)
	case noSaneTime:
		return fmt.Errorf("%w: no frame has a timestamp between 2000 and now (%d out of range)", ErrNotTlog, res.OutOfRangeTime)
	case float64(st.GarbageBytes) > maxGarbageShare*float64(st.GarbageBytes+recordBytes):
		return fmt.Errorf("%w: %d of its bytes are garbage against %d records; a tlog loses a few bytes, not most of the file",
			ErrNotTlog, st.GarbageBytes, st.Records)
	}
	return nil
}

// durationS is b-a in seconds without time.Duration's 292-year saturation.
func durationS(a, b time.Time) float64 {
	return float64(b.UnixMicro()-a.UnixMicro()) / 1e6
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
