// Package replay orchestrates the replay of a stored sortie or time window:
// the Player's clock over the store's frames, the decode path that turns them
// into vehicle states (supplied by the caller: telemetry knows nothing of
// gcs), the recorded events and operator actions of the replayed time, the
// snapshot a client resets to after a seek, and the timeline markers.
// web/replay.go is a thin WebSocket adapter over a Session.
package replay

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// Decoder folds frames into vehicle states of type S with the live rules
// (admission, link timeout, state update). web supplies the gcs decode path.
type Decoder[S any] interface {
	// Frame folds one frame in; emit receives the events the decode path
	// derives from it (mode and arm changes …).
	Frame(f telemetry.Frame, emit func(telemetry.Event))
	// Check marks the links of vehicles silent for too long as lost, at replay time now.
	Check(now time.Time)
	// Take returns the states changed since the last Take (every state when all).
	Take(all bool) []S
}

// Window is what a session replays.
type Window struct {
	// Sortie is the sortie replayed (0 for a time window).
	Sortie uint64 `json:"sortie,omitempty"`
	// Stream: 0 for the live recording, an import's stream otherwise.
	Stream uint32 `json:"stream"`
	// Systems whose frames are replayed (empty: every system of the stream).
	Systems []telemetry.VehicleID `json:"systems,omitempty"`
	// Vehicles whose events are replayed (empty: every vehicle).
	Vehicles []telemetry.VehicleID `json:"vehicles,omitempty"`
	From     time.Time             `json:"from"`
	To       time.Time             `json:"to"`
}

// SortieWindow is the window of one sortie: its vehicle (with its
// companions, e.g. an imported log's ground station), or with fleet the
// whole live fleet recorded during it, in sync. An imported sortie is its
// file's own stream either way.
func SortieWindow(st *store.Store, id uint64, fleet bool) (Window, error) {
	so, err := st.Sortie(id)
	if err != nil {
		return Window{}, err
	}
	from, to := so.Window()
	w := Window{Sortie: id, Stream: so.Stream, From: from, To: to}
	if so.Open && time.Now().After(w.To) {
		w.To = time.Now().UTC() // still flying: up to now
	}
	if !fleet || so.Stream != 0 {
		w.Systems = so.Systems()
		w.Vehicles = []telemetry.VehicleID{so.Vehicle}
	}
	return w, nil
}

// Event is an event of the replayed time, with its stored type name.
type Event struct {
	Type  string          `json:"type"`
	Event telemetry.Event `json:"event"`
}

// Clock is the state of the replay clock.
type Clock struct {
	Time    time.Time `json:"time"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Speed   float64   `json:"speed"`
	Playing bool      `json:"playing"`
	Ended   bool      `json:"ended"`
}

// Update is what one Poll produced.
type Update[S any] struct {
	// Reset: the client must drop what it shows (a seek, or the start);
	// Vehicles is then every vehicle's state at Clock.Time and Events every
	// event of the window up to Clock.Time — nothing later.
	Reset    bool
	Vehicles []S
	Events   []Event
	// EventsOmitted counts the oldest events of a reset snapshot left out
	// beyond MaxSnapshotEvents (the timeline lists them all).
	EventsOmitted int
	Clock         Clock
	// Err is a failure reading the store (frames or events); replay goes on.
	Err error
}

// MaxSnapshotEvents bounds the events of a reset snapshot; the newest are kept.
const MaxSnapshotEvents = 10000

// Session replays one window. It is owned by one goroutine (the stream's).
type Session[S any] struct {
	Store  *store.Store
	Window Window
	// NewDecoder makes a fresh decoder (at the start and after each seek).
	NewDecoder func() Decoder[S]
	// (optional) Now is the player's wall clock. Defaults to time.Now.
	Now func() time.Time
	// (optional) History limits the events of a reset snapshot to those of
	// this long before the instant (a map of recent detections; the
	// timeline has them all). Defaults to 0: every event since the window's start.
	History time.Duration

	p          *telemetry.Player
	dec        Decoder[S]
	eventsFrom time.Time // events before this were sent
	derived    []Event   // events the decode path emitted (imports only)
	reset      bool
	timeline   []Marker // imports: the decoded timeline, read once

	// cached holds the live recording's events of [From, cachedTo), read once
	// at the first snapshot so that every later seek is a search in memory
	// (decoding thousands of stored events took most of a seek's time).
	cached   []Event
	cachedTo time.Time
	noCache  bool // the window has more than maxCachedEvents
}

// maxCachedEvents bounds the events a session keeps in memory; a window with
// more reads them from the store at each seek.
const maxCachedEvents = 200000

// cacheMargin keeps events recorded late (the recorder's commit interval,
// clock steps) out of the cache: events newer than this before the cache was
// read are read from the store each time.
const cacheMargin = time.Minute

// Initialize checks the window and positions the session at its start, paused.
func (s *Session[S]) Initialize() error {
	if s.Store == nil || s.NewDecoder == nil {
		return errors.New("replay: a Session needs a Store and a NewDecoder")
	}
	s.p = &telemetry.Player{Source: s.Store.Source(s.Window.Stream), Systems: s.Window.Systems, From: s.Window.From, To: s.Window.To, Now: s.Now}
	if err := s.p.Initialize(); err != nil {
		return err
	}
	s.restart()
	return nil
}

func (s *Session[S]) restart() {
	s.dec = s.NewDecoder()
	s.eventsFrom = s.p.Position()
	s.derived = nil
	s.reset = true
}

// Play starts the clock.
func (s *Session[S]) Play() { s.p.Play() }

// Pause stops the clock.
func (s *Session[S]) Pause() { s.p.Pause() }

// SetSpeed sets the speed (telemetry.MinSpeed–MaxSpeed).
func (s *Session[S]) SetSpeed(x float64) error { return s.p.SetSpeed(x) }

// Seek moves to t: the next Poll is a reset snapshot at t.
func (s *Session[S]) Seek(t time.Time) {
	s.p.Seek(t)
	s.restart()
}

// Step pauses and advances to the next frame.
func (s *Session[S]) Step() error {
	_, err := s.p.Step(s.frame)
	return err
}

func (s *Session[S]) frame(f telemetry.Frame) {
	live := !f.Time.Before(s.eventsFrom)
	s.dec.Frame(f, func(e telemetry.Event) {
		if live && s.Window.Stream != 0 {
			s.derived = append(s.derived, Event{Type: store.EventType(e), Event: e})
		}
	})
}

// Poll emits the frames due by the clock through the decoder and returns
// what changed: after a seek a reset snapshot, otherwise the changed states
// and every event of the replayed time since the last Poll (never capped).
func (s *Session[S]) Poll() Update[S] {
	var u Update[S]
	pos, err := s.p.Poll(s.frame)
	if err != nil {
		u.Err = err
	}
	s.dec.Check(pos)
	u.Clock = Clock{Time: pos, From: s.p.From, To: s.p.To, Speed: s.p.Speed(), Playing: s.p.Playing(), Ended: s.p.Ended()}
	if s.reset {
		s.reset = false
		u.Reset = true
		u.Vehicles = s.dec.Take(true)
		evs, omitted, err := s.eventsUpTo(pos)
		if err != nil && u.Err == nil {
			u.Err = err
		}
		u.Events, u.EventsOmitted = evs, omitted
		s.derived = nil
		s.eventsFrom = pos.Add(time.Microsecond)
		return u
	}
	u.Vehicles = s.dec.Take(false)
	if !pos.Before(s.eventsFrom) {
		if s.Window.Stream == 0 {
			evs, err := recordedEvents(s.Store, s.Window, s.eventsFrom, pos.Add(time.Microsecond))
			if err != nil && u.Err == nil {
				u.Err = err
			}
			u.Events = evs
		} else {
			u.Events = s.derived
		}
		s.derived = nil
		s.eventsFrom = pos.Add(time.Microsecond)
	}
	return u
}

// eventsUpTo is every event of the window at or before t, the newest
// MaxSnapshotEvents of them.
func (s *Session[S]) eventsUpTo(t time.Time) ([]Event, int, error) {
	var evs []Event
	switch {
	case s.Window.Stream == 0 && s.History > 0:
		// Only the history is shown: one range read of the events' time
		// keys, without reading (and decoding) every event of the window
		// first, which made opening a long sortie slow (docs/performance.md).
		var err error
		from := t.Add(-s.History)
		if from.Before(s.Window.From) {
			from = s.Window.From
		}
		if evs, err = recordedEvents(s.Store, s.Window, from, t.Add(time.Microsecond)); err != nil {
			return nil, 0, err
		}
	case s.Window.Stream == 0:
		var err error
		if evs, err = s.liveEventsUpTo(t); err != nil {
			return nil, 0, err
		}
	default:
		if s.timeline == nil {
			ms, err := Timeline(s.Store, s.Window, s.NewDecoder)
			if err != nil {
				return nil, 0, err
			}
			s.timeline = ms
		}
		for _, m := range s.timeline {
			if m.Time.After(t) {
				break
			}
			evs = append(evs, Event{Type: store.EventType(m.Event), Event: m.Event})
		}
	}
	if s.History > 0 {
		since := t.Add(-s.History)
		i, _ := slices.BinarySearchFunc(evs, since, func(e Event, t time.Time) int { return e.Event.EventTime().Compare(t) })
		evs = evs[i:]
	}
	omitted := 0
	if len(evs) > MaxSnapshotEvents {
		omitted = len(evs) - MaxSnapshotEvents
		evs = slices.Clone(evs[omitted:])
	}
	return evs, omitted, nil
}

// liveEventsUpTo is the recorded events of the window at or before t, from
// the cache where it covers them.
func (s *Session[S]) liveEventsUpTo(t time.Time) ([]Event, error) {
	end := t.Add(time.Microsecond)
	if s.cached == nil && !s.noCache {
		s.cachedTo = time.Now().Add(-cacheMargin)
		if s.Window.To.Before(s.cachedTo) {
			s.cachedTo = s.Window.To
		}
		evs, err := recordedEvents(s.Store, s.Window, s.Window.From, s.cachedTo)
		if err != nil {
			return nil, err
		}
		if len(evs) > maxCachedEvents {
			s.noCache = true
		} else {
			s.cached = append(evs, Event{})[:len(evs)] // non-nil even when empty
		}
	}
	if s.noCache {
		return recordedEvents(s.Store, s.Window, s.Window.From, end)
	}
	n, _ := slices.BinarySearchFunc(s.cached, end, func(e Event, t time.Time) int { return e.Event.EventTime().Compare(t) })
	out := slices.Clone(s.cached[:n])
	if end.After(s.cachedTo) {
		more, err := recordedEvents(s.Store, s.Window, s.cachedTo, end)
		if err != nil {
			return out, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// recordedEvents reads the stored events and operator actions of the
// window's vehicles (and fleet-wide ones, sysid 0) in [from, to), merged in
// time order. There is no limit: the caller asks for the replayed interval.
func recordedEvents(st *store.Store, w Window, from, to time.Time) ([]Event, error) {
	var vehicles []telemetry.VehicleID
	if len(w.Vehicles) > 0 {
		vehicles = append(slices.Clone(w.Vehicles), 0)
	}
	var out []Event
	f := store.EventFilter{Vehicles: vehicles, From: from, To: to}
	if err := st.Events(f, func(e telemetry.Event) bool {
		out = append(out, Event{Type: store.EventType(e), Event: e})
		return true
	}); err != nil {
		return out, fmt.Errorf("replay: read events: %w", err)
	}
	n := len(out)
	if err := st.Audit(f, func(a telemetry.OperatorAction) bool {
		out = append(out, Event{Type: "operator_action", Event: a})
		return true
	}); err != nil {
		return out, fmt.Errorf("replay: read the audit log: %w", err)
	}
	if n < len(out) && n > 0 {
		slices.SortStableFunc(out, func(a, b Event) int { return a.Event.EventTime().Compare(b.Event.EventTime()) })
	}
	return out, nil
}
