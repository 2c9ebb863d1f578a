package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/telemetry"
)

// Sortie is one flight of one vehicle: from arm to disarm when recorded live,
// or one vehicle's part of an imported file. Its frames are those of Vehicle
// (and of Companions, e.g. the ground station in an imported file) in Stream
// between Start and End inclusive.
type Sortie struct {
	ID     uint64 `json:"id"`
	Stream uint32 `json:"stream"` // 0 live; an import's own stream otherwise
	// Vehicle is the vehicle's id (telemetry.VehicleID); SystemID its MAVLink
	// system id. Sorties stored before vehicle ids existed have only the
	// system id, which was the id (the default network): they read back with
	// both.
	Vehicle  telemetry.VehicleID `json:"vehicle"`
	SystemID uint8               `json:"sysid"`
	// Companions are other systems of the stream whose frames belong with it
	// (the ground station of an imported tlog), by vehicle id.
	Companions VehicleIDs `json:"companions,omitempty"`
	Source     string     `json:"source"` // "live" or "import:FILE"
	Start      time.Time  `json:"start"`
	End        time.Time  `json:"end"`
	// Open is true while the vehicle is still armed (the sortie goes on).
	Open bool `json:"open"`
	// Closed says why a sortie ended: "disarmed", "link lost" (nothing heard
	// for SortieLinkLossLimit while armed), "server restart" (it was open when
	// the store was last closed), or "imported".
	Closed string `json:"closed,omitempty"`

	Frames        uint64  `json:"frames"`
	DurationS     float64 `json:"duration_s"`
	DistanceM     float64 `json:"distance_m"`
	MaxAltM       float64 `json:"max_alt_m"`       // AMSL; 0 without a position
	MaxRelAltM    float64 `json:"max_rel_alt_m"`   // above home
	MinBatteryPct int     `json:"min_battery_pct"` // -1 when never reported
	// Detections counts detection events (one per sensor report; also
	// detection_events). DetectionTracks counts the distinct tracks they
	// belong to: one person followed for a minute is many events, one track.
	Detections      int `json:"detections"`
	DetectionEvents int `json:"detection_events"`
	DetectionTracks int `json:"detection_tracks"`
	// TrackIDs are the distinct track ids seen (up to maxSortieTracks).
	TrackIDs []uint32 `json:"detection_track_ids,omitempty"`
	Breaches int      `json:"breaches"`
	// Alerts counts every alert (fence breaches included).
	Alerts int `json:"alerts"`
	// Imported is true for a sortie of an imported log (Stream != 0).
	Imported bool `json:"imported"`

	// Last fix, kept so that the distance goes on across a server restart.
	LastLat float64 `json:"last_lat,omitempty"`
	LastLon float64 `json:"last_lon,omitempty"`
	HasFix  bool    `json:"has_fix,omitempty"`
}

// VehicleIDs is a list of vehicle ids, a JSON list of numbers. Records
// stored when it was a plain []uint8 of system ids hold a base64 string
// ("/w=="): they still read (as default-network ids, which are the system ids).
type VehicleIDs []telemetry.VehicleID

// UnmarshalJSON reads a list of numbers, or the base64 string of records
// stored before.
func (ids *VehicleIDs) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var old []byte
		if err := json.Unmarshal(b, &old); err != nil {
			return err
		}
		out := make(VehicleIDs, len(old))
		for i, v := range old {
			out[i] = telemetry.VehicleID(v)
		}
		*ids = out
		return nil
	}
	var list []telemetry.VehicleID
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("vehicle ids: %w", err)
	}
	*ids = list
	return nil
}

// fillVehicle gives a sortie stored before vehicle ids existed its id.
func (s *Sortie) fillVehicle() {
	if s.Vehicle == 0 {
		s.Vehicle = telemetry.VehicleID(s.SystemID)
	}
}

// Window is the time window of the sortie's frames, [From, To).
func (s Sortie) Window() (from, to time.Time) {
	return s.Start, s.End.Add(time.Microsecond)
}

// Systems is every vehicle whose frames belong to the sortie.
func (s Sortie) Systems() []telemetry.VehicleID {
	return append([]telemetry.VehicleID{s.Vehicle}, s.Companions...)
}

func newSortie(stream uint32, id telemetry.VehicleID, source string, t time.Time) *Sortie {
	return &Sortie{Stream: stream, Vehicle: id, SystemID: id.SysID(), Source: source, Start: t, End: t, Open: true, MinBatteryPct: -1}
}

// observe folds one frame of the sortie's vehicle into its statistics.
func (s *Sortie) observe(f *telemetry.Frame) {
	s.Frames++
	if f.Time.After(s.End) {
		s.End = f.Time
	}
	s.DurationS = durationS(s.Start, s.End)
	switch f.MessageID {
	case msgGlobalPosInt:
		p, ok := readGlobalPosition(f.Raw)
		if !ok || (p.lat == 0 && p.lon == 0) {
			return
		}
		if s.HasFix {
			s.DistanceM += haversineM(s.LastLat, s.LastLon, p.lat, p.lon)
		}
		if !s.HasFix || p.altM > s.MaxAltM {
			s.MaxAltM = p.altM
		}
		if !s.HasFix || p.relAlt > s.MaxRelAltM {
			s.MaxRelAltM = p.relAlt
		}
		s.LastLat, s.LastLon, s.HasFix = p.lat, p.lon, true
	case msgSysStatus, msgBatteryStatus:
		pct, ok := readBatteryPct(f.MessageID, f.Raw)
		if !ok || pct < 0 || pct > 100 {
			return
		}
		if s.MinBatteryPct < 0 || pct < s.MinBatteryPct {
			s.MinBatteryPct = pct
		}
	}
}

// maxSortieTracks bounds the track ids a sortie remembers to count
// distinct tracks; beyond it each new id still counts, unchecked.
const maxSortieTracks = 4096

// observeEvent counts the sortie's detections (events and tracks), alerts and fence breaches.
func (s *Sortie) observeEvent(e telemetry.Event) {
	switch ev := e.(type) {
	case telemetry.Detection:
		s.Detections++
		s.DetectionEvents = s.Detections
		if !slices.Contains(s.TrackIDs, ev.TrackID) {
			s.DetectionTracks++
			if len(s.TrackIDs) < maxSortieTracks {
				s.TrackIDs = append(s.TrackIDs, ev.TrackID)
			}
		}
	case telemetry.Alert:
		s.Alerts++
		if ev.Type == telemetry.AlertFenceBreach {
			s.Breaches++
		}
	}
}

func sortieKey(id uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, id)
	return k
}

func putSortie(tx *bolt.Tx, s *Sortie) error {
	b := tx.Bucket(bucketSorties)
	if s.ID == 0 {
		id, err := b.NextSequence()
		if err != nil {
			return err
		}
		s.ID = id
	}
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return b.Put(sortieKey(s.ID), v)
}

// Sortie returns one sortie by id.
func (st *Store) Sortie(id uint64) (Sortie, error) {
	var s Sortie
	err := st.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSorties).Get(sortieKey(id))
		if v == nil {
			return fmt.Errorf("%w: sortie %d", ErrNotFound, id)
		}
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("%w: sortie %d: %v", ErrCorruptRecord, id, err)
		}
		s.fillVehicle()
		s.Imported = s.Stream != liveStream
		return nil
	})
	return s, err
}

// SortieFilter selects sorties; zero fields select all.
type SortieFilter struct {
	Vehicle telemetry.VehicleID // 0: any
	From    time.Time           // sorties that end at or after From
	To      time.Time           // sorties that start before To
	// WithDetections keeps sorties with at least one detection.
	WithDetections bool
	// WithBreaches keeps sorties with at least one fence breach.
	WithBreaches bool
	// WithAlerts keeps sorties with at least one alert (breaches included).
	WithAlerts bool
	// Source: "live" or "import" keeps only those; "" keeps both.
	Source string
}

func (f SortieFilter) match(s *Sortie) bool {
	switch {
	case f.Vehicle != 0 && s.Vehicle != f.Vehicle,
		!f.From.IsZero() && s.End.Before(f.From),
		!f.To.IsZero() && !s.Start.Before(f.To),
		f.WithDetections && s.Detections == 0,
		f.WithBreaches && s.Breaches == 0,
		f.WithAlerts && s.Alerts == 0 && s.Breaches == 0,
		f.Source == "live" && s.Stream != liveStream,
		f.Source == "import" && s.Stream == liveStream:
		return false
	}
	return true
}

// Sorties returns the matching sorties, newest first.
func (st *Store) Sorties(f SortieFilter) ([]Sortie, error) {
	var out []Sortie
	err := st.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSorties).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var s Sortie
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("%w: sortie %x: %v", ErrCorruptRecord, k, err)
			}
			s.fillVehicle()
			s.Imported = s.Stream != liveStream
			if !f.match(&s) {
				continue
			}
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

// SortieLinkLossLimit is how long an armed vehicle may be silent before its
// sortie is closed as "link lost". A vehicle that comes back armed opens a new
// sortie. Without it a vehicle that never disarmed (link lost, simulator
// killed) stayed "flying" for ever.
const SortieLinkLossLimit = 2 * time.Minute

// liveTracker opens a sortie when a vehicle is armed and closes it when it
// is disarmed, or when the vehicle has been silent for SortieLinkLossLimit
// (measured on the frames' own clock, so that a replayed or delayed batch
// closes the same way). Whether a system is a vehicle and whether it is armed
// come from the shared decoder (mavlink/decode, as live and replay): its
// table admits vehicles by the one rule and folds their heartbeats. It is
// owned by the live appender.
type liveTracker struct {
	open map[telemetry.VehicleID]*Sortie
	// dirty holds the sorties changed since the last commit: by pointer, since
	// one vehicle can close a sortie and open the next in one batch.
	dirty map[*Sortie]struct{}
	// latest is the newest frame time seen: the tracker's clock.
	latest time.Time
	// vehicles is the shared decoder's vehicle table, fed the heartbeats
	// only: the arm state is all a sortie needs of them.
	vehicles decode.Table
}

// load reads the live sorties that are open (at start-up, and again after a
// failed commit to forget what the commit did not store).
func (t *liveTracker) load(tx *bolt.Tx) error {
	t.open = map[telemetry.VehicleID]*Sortie{}
	t.dirty = map[*Sortie]struct{}{}
	return tx.Bucket(bucketSorties).ForEach(func(k, v []byte) error {
		var s Sortie
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("%w: sortie %x: %v", ErrCorruptRecord, k, err)
		}
		s.fillVehicle()
		if s.Open && s.Stream == liveStream {
			t.open[s.Vehicle] = &s
		}
		return nil
	})
}

// closeStale runs at start-up, after load: a sortie whose vehicle was last
// heard more than SortieLinkLossLimit before now is closed as "server
// restart". The vehicle may have landed, been switched off or flown on while
// nothing recorded it, and a sortie must not claim a flight it did not see (a
// vehicle still armed opens a new sortie at its next heartbeat). After a
// restart within the limit the flight goes on in the same sortie.
func (t *liveTracker) closeStale(tx *bolt.Tx, now time.Time) error {
	for id, s := range t.open {
		if now.Sub(s.End) <= SortieLinkLossLimit {
			continue
		}
		s.Open, s.Closed = false, "server restart"
		if err := putSortie(tx, s); err != nil {
			return err
		}
		delete(t.open, id)
	}
	return nil
}

// expire closes the sorties of vehicles silent for SortieLinkLossLimit.
func (t *liveTracker) expire() {
	for id, s := range t.open {
		if t.latest.Sub(s.End) > SortieLinkLossLimit {
			s.Open, s.Closed = false, "link lost"
			delete(t.open, id)
			t.dirty[s] = struct{}{}
		}
	}
}

func (t *liveTracker) frame(f *telemetry.Frame) {
	if f.Time.After(t.latest) {
		t.latest = f.Time
	}
	if len(t.open) == 0 && f.MessageID != msgHeartbeat {
		return // the common case: no vehicle armed, not a heartbeat
	}
	id := f.Vehicle()
	s := t.open[id]
	if f.MessageID == msgHeartbeat {
		if armed, ok := t.armChange(f); ok {
			switch {
			case armed && s == nil:
				s = newSortie(liveStream, id, "live", f.Time)
				t.open[id] = s
			case !armed && s != nil:
				s.observe(f)
				s.Open, s.Closed = false, "disarmed"
				delete(t.open, id)
				t.dirty[s] = struct{}{}
				return
			}
		}
	}
	if s != nil {
		s.observe(f)
		t.dirty[s] = struct{}{}
	}
}

// armChange folds a heartbeat frame into the vehicle table and reports the
// vehicle's arm state after it; ok is false for a frame that is not an
// admitted autopilot's heartbeat. The state, not only the ArmChange events,
// is the answer: a vehicle's first heartbeat sets it without an event (there
// was nothing to change from), and a vehicle whose sortie was closed for
// link loss and that comes back still armed opens a new sortie though
// nothing changed.
func (t *liveTracker) armChange(f *telemetry.Frame) (armed, ok bool) {
	msg, ok := decode.Raw(f.Raw)
	if !ok {
		return false, false
	}
	hb, ok := msg.(*common.MessageHeartbeat)
	if !ok || !decode.Admits(hb) {
		return false, false
	}
	r := t.vehicles.Message(f.Vehicle(), f.ComponentID, msg, f.Time, nil)
	return r.State.Armed, true
}

func (t *liveTracker) event(e telemetry.Event) {
	if s := t.open[e.Vehicle()]; s != nil {
		s.observeEvent(e)
		t.dirty[s] = struct{}{}
	}
}

// save writes the sorties changed since the last save. A closed sortie leaves
// dirty only once saved, so a failed commit does not lose its closing.
func (t *liveTracker) save(tx *bolt.Tx) error {
	t.expire()
	// In time order, so that sortie ids follow their start.
	ss := make([]*Sortie, 0, len(t.dirty))
	for s := range t.dirty {
		ss = append(ss, s)
	}
	slices.SortFunc(ss, func(a, b *Sortie) int { return a.Start.Compare(b.Start) })
	for _, s := range ss {
		if err := putSortie(tx, s); err != nil {
			return err
		}
	}
	return nil
}

func (t *liveTracker) committed() { clear(t.dirty) }
