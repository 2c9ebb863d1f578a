package federation

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	bolt "go.etcd.io/bbolt"
)

// The headquarters' view on disk (HQ.StorePath): what the HQ has applied
// survives its restart, nothing lost and nothing doubled.
//
// Why a file of the HQ's own rather than a rebuild from JetStream at start:
// the streams are bounded, the view is not bound by them. BW_STATES keeps
// a vehicle's last state for 24 h (MaxAge), so a vehicle silent for a day
// would vanish from a rebuilt view instead of showing stale; a station's
// events stream keeps 7 days (or less, if the cluster's operator set
// MaxBytes), so alerts, detections and sortie summaries the HQ showed
// before would vanish with it; and the latest summary of each sortie is not
// the last message of a subject (they share bw.<station>.events with the
// events), so DeliverLastPerSubject cannot find it: a rebuild would read a
// whole stream at every start. With the view on disk the durable consumers
// keep their meaning: a batch is written (events, and the station's place
// in its sequence, in one bbolt transaction) before it is acknowledged, so
// a crash between the two brings the batch again and its events are
// skipped as already applied. States are lossy by design: they are written
// a second at a time, and the states stream fills in the last second after
// a restart (the ordered consumer starts from the last state of each
// vehicle; an older state never replaces a newer one).
//
// A file of its own beside the store (like the station's outbox), not
// buckets of the server's store: federation owns its format, and the
// store's evidence chain covers what this server recorded, not what other
// stations sent.
//
//	bucket "hq_stations":   station → {"last_seq", "last_heard", "stream_seq", "numbering"}
//	bucket "hq_vehicles":   station "/" id → stateMsg (station, vehicle, sent, state)
//	bucket "hq_alerts":     u64 BE (order applied) → RemoteEvent, the newest MaxEvents
//	bucket "hq_detections": u64 BE (order applied) → RemoteEvent, the newest MaxEvents
//	bucket "hq_sorties":    station 0x00 sortie id u64 BE → RemoteEvent (latest summary)
var (
	bucketHQStations   = []byte("hq_stations")
	bucketHQVehicles   = []byte("hq_vehicles")
	bucketHQAlerts     = []byte("hq_alerts")
	bucketHQDetections = []byte("hq_detections")
	bucketHQSorties    = []byte("hq_sorties")
	hqBuckets          = [][]byte{bucketHQStations, bucketHQVehicles, bucketHQAlerts, bucketHQDetections, bucketHQSorties}
)

// hqStateFlush is how often changed vehicle states are written.
const hqStateFlush = time.Second

// hqDisk is the HQ's persistence: the file, the vehicles whose state
// changed since the last write, and the writers' order.
//
// Lock order: writeMu before HQ.mu. writeMu serialises the writers (each
// station's consumer and the state flush), so the order of events on disk
// is the order of the view, and a station's place written by one writer
// is never overwritten by an older one; HQ.mu is held only to copy or
// change the view, never across a disk write.
type hqDisk struct {
	writeMu sync.Mutex
	db      *bolt.DB
	dirty   map[vehicleKey]struct{} // guarded by HQ.mu
	stop    chan struct{}           // closed to stop flushLoop
	flusher sync.WaitGroup
	// writeErrors counts failed writes (a batch then is neither applied
	// nor acknowledged and comes again; states are tried at the next flush).
	writeErrors atomic.Uint64
}

type storedStation struct {
	LastSeq   uint64    `json:"last_seq"`
	LastHeard time.Time `json:"last_heard"`
	// StreamSeq is the stream sequence of the last batch applied; 0 in
	// files written before it was kept.
	StreamSeq uint64 `json:"stream_seq,omitempty"`
	// Numbering is the station's numbering LastSeq counts in.
	Numbering string `json:"numbering,omitempty"`
}

func storedVehicleKey(k vehicleKey) []byte { return fmt.Appendf(nil, "%s/%d", k.station, k.id) }

func storedSortieKey(k sortieKey) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(k.station), 0), k.id)
}

// openStore opens the view's file and loads it into the view, before any
// consumer starts; then writes changed states every hqStateFlush.
func (h *HQ) openStore() error {
	if h.StorePath == "" {
		return nil
	}
	db, err := bolt.Open(h.StorePath, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return fmt.Errorf("federation: open the headquarters' view %s: %w (is another server using it?)", h.StorePath, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range hqBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = db.View(h.load)
	}
	if err != nil {
		db.Close()
		return fmt.Errorf("federation: the headquarters' view %s: %w (move the file away to start with an empty view: the HQ then reads again what the stations' streams still hold)", h.StorePath, err)
	}
	h.disk.db = db
	h.disk.dirty = map[vehicleKey]struct{}{}
	h.disk.stop = make(chan struct{})
	h.disk.flusher.Add(1)
	go h.flushLoop()
	return nil
}

// load fills the view from the file. A record that does not decode is an
// error naming it: the file is ours, so a bad record means a damaged disk.
func (h *HQ) load(tx *bolt.Tx) error {
	damaged := func(bucket []byte, k []byte, err error) error {
		return fmt.Errorf("record %q of %s is damaged: %v", k, bucket, err)
	}
	err := tx.Bucket(bucketHQStations).ForEach(func(k, v []byte) error {
		var s storedStation
		if err := json.Unmarshal(v, &s); err != nil {
			return damaged(bucketHQStations, k, err)
		}
		h.stations[string(k)] = &stationView{lastSeq: s.LastSeq, lastHeard: s.LastHeard, streamSeq: s.StreamSeq, numbering: s.Numbering}
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketHQVehicles).ForEach(func(k, v []byte) error {
		sm, err := decodeState(v)
		if err != nil {
			return damaged(bucketHQVehicles, k, err)
		}
		h.vehicles[vehicleKey{sm.Station, sm.Vehicle}] = &remoteVehicle{sent: sm.Sent, state: sm.State}
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketHQSorties).ForEach(func(k, v []byte) error {
		var re RemoteEvent
		var id struct {
			ID uint64 `json:"id"`
		}
		if err := json.Unmarshal(v, &re); err != nil || json.Unmarshal(re.Data, &id) != nil {
			return damaged(bucketHQSorties, k, fmt.Errorf("not a sortie summary (%v)", err))
		}
		h.sorties[sortieKey{re.Station, id.ID}] = re
		return nil
	})
	if err != nil {
		return err
	}
	for _, l := range []struct {
		bucket []byte
		list   *[]RemoteEvent
	}{{bucketHQAlerts, &h.alerts}, {bucketHQDetections, &h.detections}} {
		// The newest MaxEvents, oldest first (MaxEvents may have shrunk
		// since they were written).
		var newest []RemoteEvent
		c := tx.Bucket(l.bucket).Cursor()
		for k, v := c.Last(); k != nil && len(newest) < h.MaxEvents; k, v = c.Prev() {
			var re RemoteEvent
			if err := json.Unmarshal(v, &re); err != nil {
				return damaged(l.bucket, k, err)
			}
			newest = append(newest, re)
		}
		for i := len(newest) - 1; i >= 0; i-- {
			*l.list = append(*l.list, newest[i])
		}
	}
	return nil
}

// markDirty notes that a vehicle's state changed; h.mu is held.
func (h *HQ) markDirty(k vehicleKey) {
	if h.disk.dirty != nil {
		h.disk.dirty[k] = struct{}{}
	}
}

// persistBatch writes a station's new events and its place in its
// sequence in one transaction; writeMu is held. Without a file it does
// nothing.
func (h *HQ) persistBatch(station string, st storedStation, evs []Event) error {
	if h.disk.db == nil {
		return nil
	}
	return h.disk.db.Update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bucketHQStations), []byte(station), st); err != nil {
			return err
		}
		for _, e := range evs {
			re := RemoteEvent{Station: station, Event: e}
			var err error
			switch e.Type {
			case TypeAlert:
				err = appendNewest(tx.Bucket(bucketHQAlerts), re, h.MaxEvents)
			case TypeDetection:
				err = appendNewest(tx.Bucket(bucketHQDetections), re, h.MaxEvents)
			case TypeSortie:
				if id, ok := sortieID(e); ok {
					err = putJSON(tx.Bucket(bucketHQSorties), storedSortieKey(sortieKey{station, id}), re)
				}
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// appendNewest adds an event after the others and removes the oldest
// beyond max, as the view's list does.
func appendNewest(b *bolt.Bucket, re RemoteEvent, max int) error {
	n, err := b.NextSequence()
	if err != nil {
		return err
	}
	if err := putJSON(b, binary.BigEndian.AppendUint64(nil, n), re); err != nil {
		return err
	}
	c := b.Cursor()
	for k, _ := c.First(); k != nil && len(k) == 8 && binary.BigEndian.Uint64(k)+uint64(max) <= n; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

// flushLoop writes changed states every hqStateFlush.
func (h *HQ) flushLoop() {
	defer h.disk.flusher.Done()
	t := time.NewTicker(hqStateFlush)
	defer t.Stop()
	for {
		select {
		case <-h.disk.stop:
			return
		case <-t.C:
			if err := h.flushStates(); err != nil {
				h.disk.writeErrors.Add(1)
				h.Logger.Warn("federation: writing vehicle states of the headquarters' view (they stay in memory and are tried again)", "err", err)
			}
		}
	}
}

// flushStates writes the states changed since the last write, with each
// station's last-heard time.
func (h *HQ) flushStates() error {
	if h.disk.db == nil {
		return nil
	}
	h.disk.writeMu.Lock()
	defer h.disk.writeMu.Unlock()
	h.mu.Lock()
	dirty := h.disk.dirty
	h.disk.dirty = map[vehicleKey]struct{}{}
	states := make([]stateMsg, 0, len(dirty))
	for k := range dirty {
		if v := h.vehicles[k]; v != nil {
			states = append(states, stateMsg{Station: k.station, Vehicle: k.id, Sent: v.sent, State: v.state})
		}
	}
	stations := map[string]storedStation{}
	for _, s := range states {
		if st := h.stations[s.Station]; st != nil {
			stations[s.Station] = storedStation{LastSeq: st.lastSeq, LastHeard: st.lastHeard, StreamSeq: st.streamSeq, Numbering: st.numbering}
		}
	}
	h.mu.Unlock()
	if len(states) == 0 {
		return nil
	}
	err := h.disk.db.Update(func(tx *bolt.Tx) error {
		for _, s := range states {
			if err := putJSON(tx.Bucket(bucketHQVehicles), storedVehicleKey(vehicleKey{s.Station, s.Vehicle}), s); err != nil {
				return err
			}
		}
		for name, st := range stations {
			if err := putJSON(tx.Bucket(bucketHQStations), []byte(name), st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Not written: try these again at the next flush.
		h.mu.Lock()
		for k := range dirty {
			h.disk.dirty[k] = struct{}{}
		}
		h.mu.Unlock()
	}
	return err
}

// closeStore writes the last states and closes the file; the consumers
// are stopped. A batch whose write fails after this is not acknowledged
// and comes again at the next start.
func (h *HQ) closeStore() {
	if h.disk.db == nil {
		return
	}
	close(h.disk.stop)
	h.disk.flusher.Wait()
	if err := h.flushStates(); err != nil {
		h.Logger.Warn("federation: writing the last vehicle states of the headquarters' view", "err", err)
	}
	h.disk.writeMu.Lock()
	defer h.disk.writeMu.Unlock()
	if err := h.disk.db.Close(); err != nil {
		h.Logger.Error("federation: closing the headquarters' view", "err", err)
	}
}

// resetForgotten checks whether the HQ's consumer of a station's stream has
// acknowledged events that its view does not hold: its file was moved
// away or lost, or it ran without one before (the view holds nothing of
// the station), or the file was restored from a backup older than the
// consumer's place (the view's last batch is before the consumer's
// acknowledgement floor). The consumer is then removed, so that the new
// one reads again what the stream still holds; the events the view
// already has are skipped by their station sequence (counted as
// duplicates). Only with a file: a view in memory alone starts from what
// it reads next.
func (h *HQ) resetForgotten(ctx context.Context, station, durable string) error {
	if h.disk.db == nil {
		return nil
	}
	h.mu.Lock()
	var lastSeq, streamSeq uint64
	if st := h.stations[station]; st != nil {
		lastSeq, streamSeq = st.lastSeq, st.streamSeq
	}
	h.mu.Unlock()
	if lastSeq > 0 && streamSeq == 0 {
		// A file written before the stream's place was kept: its
		// consumer is trusted, as it was then.
		return nil
	}
	c, err := h.js.Consumer(ctx, eventsStream(station), durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("consumer %s on %s: %w", durable, eventsStream(station), err)
	}
	info := c.CachedInfo()
	if info == nil || info.AckFloor.Stream <= streamSeq {
		return nil
	}
	why := "holds no event of a station its consumer has read"
	if lastSeq > 0 {
		why = "is older than what its consumer has read (restored from a backup?)"
	}
	h.Logger.Warn("federation: the headquarters' view "+why+"; reading the station's stream again from its start", "station", station, "view_up_to", streamSeq, "acknowledged_up_to", info.AckFloor.Stream)
	if err := h.js.DeleteConsumer(ctx, eventsStream(station), durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("removing consumer %s on %s: %w", durable, eventsStream(station), err)
	}
	return nil
}

// freshBatch returns the events of a batch the view does not have, as
// freshEvents does, and the station's numbering after it; st is h's, and
// h.mu is held. Within one numbering (the same name, or a view or a
// station from before names) the station's sequence says what is new. A
// batch of another numbering is new if its message comes after every one
// applied (msgSeq, its place in the stream): the station's outbox was made
// again and numbers from 1 (renumbered). Otherwise it is an old message read
// again (after resetForgotten), whose events the view has had.
func (h *HQ) freshBatch(st *stationView, b batch, msgSeq uint64) (fresh []Event, last uint64, dups int, gaps [][2]uint64, numbering string, renumbered bool) {
	switch {
	case b.Numbering == st.numbering || st.numbering == "" || b.Numbering == "" && msgSeq > st.streamSeq:
		numbering = st.numbering
		if numbering == "" {
			numbering = b.Numbering
		}
		fresh, last, dups, gaps = freshEvents(st.lastSeq, b.Events)
		return fresh, last, dups, gaps, numbering, false
	case msgSeq > st.streamSeq:
		fresh, last, dups, gaps = freshEvents(0, b.Events)
		return fresh, last, dups, gaps, b.Numbering, true
	default:
		return nil, st.lastSeq, len(b.Events), nil, st.numbering, false
	}
}

// freshEvents returns the events of a batch after the station's last one
// applied, the station's new last sequence, how many were copies of events
// already applied, and the gaps before them (for the counters and log).
func freshEvents(lastSeq uint64, evs []Event) (fresh []Event, last uint64, dups int, gaps [][2]uint64) {
	last = lastSeq
	for _, e := range evs {
		if e.Seq <= last {
			dups++
			continue
		}
		if e.Seq != last+1 && last != 0 {
			gaps = append(gaps, [2]uint64{last, e.Seq})
		}
		last = e.Seq
		fresh = append(fresh, e)
	}
	return fresh, last, dups, gaps
}

// sortieID is the id of a sortie summary event.
func sortieID(e Event) (uint64, bool) {
	var id struct {
		ID uint64 `json:"id"`
	}
	if json.Unmarshal(e.Data, &id) != nil {
		return 0, false
	}
	return id.ID, true
}
