// Package store keeps sorties in an embedded bbolt file: every raw frame with
// its receive time (the record), packed into time-indexed chunks; typed
// events; sorties detected from arm/disarm with their statistics; plan
// versions; the audit log; and what the gcs must persist (signing keys and
// timestamps). docs/telemetry.md describes the layout and the durability bound.
package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Buckets.
var (
	bucketMeta    = []byte("meta")
	bucketChunks  = []byte("chunks")
	bucketStreams = []byte("streams")
	bucketSorties = []byte("sorties")
	bucketEvents  = []byte("events")
	bucketAudit   = []byte("audit")
	bucketPlans   = []byte("plans")
	bucketSigning = []byte("signing")

	allBuckets = [][]byte{bucketMeta, bucketChunks, bucketStreams, bucketSorties, bucketEvents, bucketAudit, bucketPlans, bucketSigning, bucketChain}

	keyFormat = []byte("format")
)

// formatVersion is the layout described in docs/telemetry.md. Format 3 is
// format 2 plus other MAVLink networks' vehicles (22-byte chunk keys, the
// "networks" bucket): a file is raised to 3 when it numbers its first
// network (NetworkNumber), so a Borderwatch that would not see those
// vehicles refuses it instead of reading part of it, and a file that only
// ever held the default network stays readable by one.
const formatVersion = 3

// formatNetworks is the format a file has once it holds another network.
const formatNetworks = 3

// liveStream is the stream of frames recorded from the hub; each imported
// file gets a stream of its own so that it never mixes with live data or
// another import of the same vehicle at the same time.
const liveStream uint32 = 0

// Store is an open bbolt file. Its methods are safe for concurrent use.
type Store struct {
	// Path of the bbolt file; it is created when missing.
	Path string
	// (optional) NoSync skips fsync on commit: only for benchmarks and tests
	// that measure something else. Defaults to false (every commit is durable).
	NoSync bool
	// (optional) ReadOnly opens an existing file for reading only: it is never
	// created, migrated or written, and several readers may share it. Opening
	// fails with ErrHeld while a server holds the file for writing. Defaults
	// to false.
	ReadOnly bool
	// (optional) Now is the clock the store reads when it opens, to close the
	// sorties a previous run left open (see SortieLinkLossLimit). Defaults to
	// time.Now.
	Now func() time.Time

	db *bolt.DB

	// mu guards live, the appender of the live stream (its open chunks and
	// sorties). bbolt serialises write transactions by itself.
	mu   sync.Mutex
	live *appender

	skippedEvents atomic.Uint64

	// noChain turns the evidence chain off: only for the benchmark that
	// measures what the chain costs (export_test.go).
	noChain bool
}

// SkippedEvents counts events Append could not store (unknown types, or
// numbers JSON cannot hold such as NaN); the frames of the same commit are kept.
func (s *Store) SkippedEvents() uint64 { return s.skippedEvents.Load() }

// Initialize opens (or creates) the file.
func (s *Store) Initialize() error {
	if s.ReadOnly {
		return s.initializeReadOnly()
	}
	db, err := bolt.Open(s.Path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoSync: s.NoSync, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return fmt.Errorf("open store %s: %w (stop it, or use another --data file)", s.Path, ErrHeld)
		}
		return fmt.Errorf("open store %s: %w", s.Path, err)
	}
	s.live = &appender{stream: liveStream, track: &liveTracker{}}
	migrate := false
	err = db.Update(func(tx *bolt.Tx) error {
		migrate = tx.Bucket(bucketV1Frames) != nil
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyFormat); v != nil {
			if len(v) != 4 || binary.BigEndian.Uint32(v) > formatVersion {
				return fmt.Errorf("%w (version %x, this program reads %d): upgrade Borderwatch", ErrNewerFormat, v, formatVersion)
			}
		} else if err := meta.Put(keyFormat, binary.BigEndian.AppendUint32(nil, 2)); err != nil { // raised by NetworkNumber
			return err
		}
		if !s.noChain {
			if err := startChain(tx); err != nil {
				return err
			}
		}
		now := time.Now
		if s.Now != nil {
			now = s.Now
		}
		if err := s.live.track.load(tx); err != nil {
			return err
		}
		return s.live.track.closeStale(tx, now())
	})
	if err != nil {
		db.Close()
		return fmt.Errorf("prepare store %s: %w", s.Path, err)
	}
	s.db = db
	if migrate {
		if err := s.migrateV1(); err != nil {
			db.Close()
			s.db = nil
			return fmt.Errorf("store %s: convert the first format's frames: %w", s.Path, err)
		}
	}
	return nil
}

// bucketV1Frames held one frame per key (µs u64 BE | seq u32 BE → link u16
// BE | raw) in the ground floor's format; files written then are converted
// into chunks when opened.
var bucketV1Frames = []byte("frames")

func (s *Store) migrateV1() error {
	var after []byte
	for {
		var batch []telemetry.Frame
		err := s.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketV1Frames).Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for ; k != nil && len(batch) < 50000; k, v = c.Next() {
				after = append(after[:0], k...)
				if len(k) != 12 || len(v) < 2 {
					continue // unreadable: nothing to convert
				}
				var f telemetry.Frame
				raw := append([]byte(nil), v[2:]...)
				if fillFrame(&f, binary.BigEndian.Uint64(k), binary.BigEndian.Uint16(v), raw) != nil {
					continue
				}
				batch = append(batch, f)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		if err := s.Append(batch, nil); err != nil {
			return err
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketV1Frames) })
}

// Close closes the file. It is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

// initializeReadOnly opens an existing store for reading: no bucket is
// created, nothing migrated, no sortie closed and no chain started.
func (s *Store) initializeReadOnly() error {
	if _, err := os.Stat(s.Path); err != nil {
		return fmt.Errorf("open store %s: %w (a command that only reads never creates a store: give the --data file the server writes)", s.Path, err)
	}
	db, err := bolt.Open(s.Path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return fmt.Errorf("open store %s: %w", s.Path, ErrHeld)
		}
		return fmt.Errorf("open store %s: %w", s.Path, err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketV1Frames) != nil {
			return fmt.Errorf("%w: the file is in the first format; open it once with the server (it converts it) before reading it here", ErrInvalid)
		}
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("%w: no %q bucket; is this a Borderwatch store?", ErrCorruptRecord, name)
			}
		}
		v := tx.Bucket(bucketMeta).Get(keyFormat)
		if len(v) != 4 || binary.BigEndian.Uint32(v) > formatVersion {
			return fmt.Errorf("%w (version %x, this program reads %d): upgrade Borderwatch", ErrNewerFormat, v, formatVersion)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return fmt.Errorf("open store %s: %w", s.Path, err)
	}
	s.db = db
	return nil
}

func (s *Store) view(fn func(*bolt.Tx) error) error {
	if s.db == nil {
		return ErrClosed
	}
	return s.db.View(fn)
}

func (s *Store) update(fn func(*bolt.Tx) error) error {
	if s.db == nil {
		return ErrClosed
	}
	return s.db.Update(fn)
}

// appender packs the frames of one stream into chunks. The last chunk of
// each system stays open in memory and is rewritten at each commit until it
// is full, so a commit every 100 ms does not leave a trail of tiny chunks.
type appender struct {
	stream uint32
	tails  map[telemetry.VehicleID]*chunkBuilder
	track  *liveTracker // nil for imports, which make their sorties at the end
	// withheld counts SETUP_SIGNING frames refused (they carry a key).
	withheld uint64
}

func (a *appender) add(b *bolt.Bucket, sl *seal, f *telemetry.Frame) error {
	if f.MessageID == MsgSetupSigning {
		a.withheld++
		return nil
	}
	if len(f.Raw) > 0xFFFF {
		return fmt.Errorf("%w: frame of %d bytes is not MAVLink", ErrInvalid, len(f.Raw))
	}
	id := f.Vehicle()
	c := a.tails[id]
	if c == nil {
		if a.tails == nil {
			a.tails = map[telemetry.VehicleID]*chunkBuilder{}
		}
		c = &chunkBuilder{}
		a.tails[id] = c
	}
	us := micros(f.Time)
	var key []byte
	if c.needsKey() {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		key = chunkKey(a.stream, id, us, uint32(seq))
	}
	c.add(us, f.Link, f.Raw, key)
	if c.full() {
		if err := putChunk(b, sl, c); err != nil {
			return err
		}
		c.reset()
	}
	if a.track != nil {
		a.track.frame(f)
	}
	return nil
}

// flush writes every open chunk that changed since the last flush (bbolt
// copies the value, so the builder may go on growing).
func (a *appender) flush(b *bolt.Bucket, sl *seal) error {
	for _, c := range a.tails {
		if c == nil || c.empty() || !c.dirty {
			continue
		}
		if err := putChunk(b, sl, c); err != nil {
			return err
		}
	}
	return nil
}

// putChunk stores a chunk and seals it in the transaction's chain link.
func putChunk(b *bolt.Bucket, sl *seal, c *chunkBuilder) error {
	v := c.value()
	if err := b.Put(c.key, v); err != nil {
		return err
	}
	c.dirty = false
	if sl != nil {
		sl.putChunk(c.key, v, c.digest())
	}
	return nil
}

// abandon forgets the open chunks after a failed commit: what was committed
// stays as it was, and the next frames start new chunks.
func (a *appender) abandon() { clear(a.tails) }

// AppendFrames records frames of the live stream in one transaction.
func (s *Store) AppendFrames(frames []telemetry.Frame) error {
	return s.Append(frames, nil)
}

// Append records frames and events of the live stream in one transaction,
// updating the sorties they belong to. When it returns nil they are durable.
// Frames of SETUP_SIGNING are never stored (they carry a signing key).
func (s *Store) Append(frames []telemetry.Frame, events []telemetry.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ReadOnly {
		return fmt.Errorf("%w: the store was opened read-only", ErrInvalid)
	}
	a := s.live
	sl := s.newSeal()
	err := s.update(func(tx *bolt.Tx) error {
		var stored []telemetry.Event
		for _, e := range events {
			if EventType(e) == "" {
				// An event type this store does not know (a nil pointer): skip
				// it rather than lose the frames of the same commit.
				s.skippedEvents.Add(1)
				continue
			}
			if err := putEvent(tx, sl, e); err != nil {
				if errors.Is(err, errEventEncode) {
					// One bad event (a NaN altitude from a vehicle) must not
					// abort the commit and lose every vehicle's frames of the
					// batch: it is skipped and counted. Nothing of it was written.
					s.skippedEvents.Add(1)
					continue
				}
				return err
			}
			stored = append(stored, normalize(e))
		}
		// The sorties see events in time order among the frames, so that an
		// event counts for the sortie open at its time even when the batch
		// also holds the disarm that closes it.
		slices.SortStableFunc(stored, func(x, y telemetry.Event) int { return x.EventTime().Compare(y.EventTime()) })
		b := tx.Bucket(bucketChunks)
		j := 0
		for i := range frames {
			for ; j < len(stored) && stored[j].EventTime().Before(frames[i].Time); j++ {
				a.track.event(stored[j])
			}
			if err := a.add(b, sl, &frames[i]); err != nil {
				return err
			}
		}
		for ; j < len(stored); j++ {
			a.track.event(stored[j])
		}
		if err := a.flush(b, sl); err != nil {
			return err
		}
		if err := sl.commit(tx); err != nil {
			return err
		}
		return a.track.save(tx)
	})
	if err != nil {
		a.abandon()
		if s.db != nil {
			_ = s.db.View(func(tx *bolt.Tx) error { return a.track.load(tx) })
		}
		return err
	}
	a.track.committed()
	return nil
}

// Query selects stored frames.
type Query struct {
	// Stream to read: 0 is the live recording, others are imports (see Sortie.Stream).
	Stream uint32
	// Systems are the vehicles to read; empty reads every vehicle of the stream.
	Systems []telemetry.VehicleID
	// From and To bound the receive time, [From, To); a zero To has no end.
	From, To time.Time
}

// Scan calls fn with each selected frame in receive-time order (frames of
// different systems merged; ties in system id order) until fn returns false.
// The frame's Raw is a copy that fn may keep.
func (s *Store) Scan(q Query, fn func(telemetry.Frame) bool) error {
	return s.scan(q, func(f *telemetry.Frame) bool {
		c := *f
		c.Raw = append([]byte(nil), f.Raw...)
		return fn(c)
	})
}

// scan is Scan without the copy: f and f.Raw are valid only during fn.
func (s *Store) scan(q Query, fn func(f *telemetry.Frame) bool) error {
	return s.view(func(tx *bolt.Tx) error {
		m, err := newMerger(tx, q)
		if err != nil {
			return err
		}
		for {
			f, err := m.next()
			if err != nil || f == nil {
				return err
			}
			if !fn(f) {
				return nil
			}
		}
	})
}

// CountFrames returns how many frames are stored in every stream.
func (s *Store) CountFrames() (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketChunks).ForEach(func(k, v []byte) error {
			c, err := chunkCount(v)
			n += int(c)
			return err
		})
	})
	return n, err
}

// Frames calls fn for each frame of the live stream received in [from, to),
// in time order, until fn returns false.
func (s *Store) Frames(from, to time.Time, fn func(telemetry.Frame) bool) error {
	return s.Scan(Query{From: from, To: to}, fn)
}

// Systems returns the vehicles that have frames in a stream, in id order.
func (s *Store) Systems(stream uint32) ([]telemetry.VehicleID, error) {
	var out []telemetry.VehicleID
	err := s.view(func(tx *bolt.Tx) error {
		out = systemsOf(tx.Bucket(bucketChunks).Cursor(), stream)
		return nil
	})
	return out, err
}

// systemsOf finds the vehicles of a stream with one seek per vehicle.
func systemsOf(c *bolt.Cursor, stream uint32) []telemetry.VehicleID {
	var out []telemetry.VehicleID
	sp := streamKey(stream)
	for k, _ := c.Seek(sp); k != nil && bytes.HasPrefix(k, sp); {
		kp, ok := parseChunkKey(k)
		if !ok {
			k, _ = c.Next() // not a chunk key: nothing of a vehicle
			continue
		}
		out = append(out, kp.id)
		k, _ = c.Seek(nextVehiclePrefix(stream, kp.id))
	}
	return out
}

// StreamInfo describes a stream of frames.
type StreamInfo struct {
	ID       uint32    `json:"id"`
	Source   string    `json:"source"`
	Imported time.Time `json:"imported"`
}

func streamKey(id uint32) []byte { return binary.BigEndian.AppendUint32(nil, id) }

func putStream(tx *bolt.Tx, si StreamInfo) error {
	v, err := json.Marshal(si)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketStreams).Put(streamKey(si.ID), v)
}

// ScanRaw is Scan without the copy, for streaming exports: f and f.Raw are
// valid only during fn, which must not keep them.
func (s *Store) ScanRaw(q Query, fn func(f *telemetry.Frame) bool) error { return s.scan(q, fn) }

// Source is the frames of one stream as a telemetry.FrameSource (for the
// replay Player).
func (s *Store) Source(stream uint32) telemetry.FrameSource { return streamSource{s, stream} }

type streamSource struct {
	s      *Store
	stream uint32
}

func (ss streamSource) ReadFrames(systems []telemetry.VehicleID, from, to time.Time, fn func(telemetry.Frame) bool) error {
	return ss.s.Scan(Query{Stream: ss.stream, Systems: systems, From: from, To: to}, fn)
}

func (ss streamSource) LastBefore(systems []telemetry.VehicleID, t time.Time) (map[telemetry.VehicleID]time.Time, error) {
	out := map[telemetry.VehicleID]time.Time{}
	err := ss.s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketChunks)
		if len(systems) == 0 {
			systems = systemsOf(b.Cursor(), ss.stream)
		}
		for _, id := range systems {
			r := &sysReader{c: b.Cursor(), id: id, prefix: vehiclePrefix(ss.stream, id)}
			us, ok, err := r.lastBefore(micros(t))
			if err != nil {
				return err
			}
			if ok {
				out[id] = time.UnixMicro(int64(us)).UTC()
			}
		}
		return nil
	})
	return out, err
}
