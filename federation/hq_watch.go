package federation

import (
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Watching the headquarters' view: a client (the web server's
// /ws/federation stream) asks for a Watcher and takes from it the view's
// changes as they are applied — vehicle states, the events it asked for,
// and the moment a vehicle turns stale (or live again).
//
// A Watcher is a bounded mailbox that never slows the HQ's consumers:
//   - vehicle states are kept latest per vehicle (a state replaced before
//     it was taken is counted as coalesced), so they are bounded by the
//     number of vehicles;
//   - events wait in order, at most WatchEventBacklog of them; one more
//     and the watcher is overrun: it keeps no more events and says so, and
//     its client should reconnect and read the view afresh rather than
//     silently miss an alert.
//
// Each change is encoded once, for every watcher.
//
// Lock order: HQ.mu, then hqWatch.mu, then Watcher.mu.

// WatchEventBacklog bounds the events waiting in one Watcher.
const WatchEventBacklog = 512

// staleCheckInterval is how often vehicles are looked at for staleness
// (and a stale vehicle's age is sent again, so that "stale 12 s" counts up).
const staleCheckInterval = time.Second

// hqWatch is the HQ's set of watchers and what they were last told of
// each vehicle's staleness.
type hqWatch struct {
	mu       sync.Mutex
	watchers map[*Watcher]struct{}
	stale    map[vehicleKey]bool // the staleness last announced per vehicle

	coalesced, overruns atomic.Uint64
}

// Watcher is one client's mailbox of the HQ view's changes. Take empties
// it; Ready is signalled when something arrived. Close it when done.
type Watcher struct {
	h     *HQ
	types []string
	ready chan struct{}

	mu        sync.Mutex
	vehicles  map[vehicleKey][]byte // encoded RemoteVehicle, latest per vehicle
	order     []vehicleKey          // the order vehicles changed in, each once
	events    [][]byte              // encoded RemoteEvent, oldest first
	coalesced uint64
	overrun   bool
}

// WatchBatch is what a Watcher held when taken: vehicles (encoded
// RemoteVehicle objects, each vehicle at most once, its latest) and events
// (encoded RemoteEvent objects, oldest first).
type WatchBatch struct {
	Vehicles [][]byte
	Events   [][]byte
	// Coalesced counts the states this watcher let go for a newer one of
	// the same vehicle, since it started.
	Coalesced uint64
	// Overrun: more than WatchEventBacklog events waited; those after the
	// backlog were let go, and none will be kept any more.
	Overrun bool
}

// Watch starts a watcher of the view's vehicles and of the events of the
// given types (TypeAlert, TypeDetection …; none: vehicles only). Changes
// applied after Watch returns reach it; read the current view with
// Vehicles, Alerts … after Watch so that nothing falls between the two (a
// change in both arrives twice: key vehicles by Key, events by station
// and Seq).
func (h *HQ) Watch(types ...string) *Watcher {
	w := &Watcher{h: h, types: types, ready: make(chan struct{}, 1), vehicles: map[vehicleKey][]byte{}}
	h.watch.mu.Lock()
	if h.watch.watchers == nil {
		h.watch.watchers = map[*Watcher]struct{}{}
	}
	h.watch.watchers[w] = struct{}{}
	h.watch.mu.Unlock()
	return w
}

// Ready is signalled (without blocking the HQ) when the watcher holds
// something to take.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// Take empties the watcher.
func (w *Watcher) Take() WatchBatch {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := WatchBatch{Events: w.events, Coalesced: w.coalesced, Overrun: w.overrun}
	for _, k := range w.order {
		b.Vehicles = append(b.Vehicles, w.vehicles[k])
	}
	clear(w.vehicles)
	w.order = nil
	w.events = nil
	return b
}

// Close stops the watcher; it gets nothing more.
func (w *Watcher) Close() {
	w.h.watch.mu.Lock()
	delete(w.h.watch.watchers, w)
	w.h.watch.mu.Unlock()
}

func (w *Watcher) signal() {
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

func (w *Watcher) putVehicle(k vehicleKey, enc []byte) {
	w.mu.Lock()
	if _, waiting := w.vehicles[k]; waiting {
		w.coalesced++
		w.h.watch.coalesced.Add(1)
	} else {
		w.order = append(w.order, k)
	}
	w.vehicles[k] = enc
	w.mu.Unlock()
	w.signal()
}

func (w *Watcher) putEvent(enc []byte) {
	w.mu.Lock()
	switch {
	case w.overrun:
	case len(w.events) >= WatchEventBacklog:
		w.overrun = true
		w.h.watch.overruns.Add(1)
	default:
		w.events = append(w.events, enc)
	}
	w.mu.Unlock()
	w.signal()
}

// hasWatchers says whether anyone watches (so that nothing is encoded for nobody).
func (h *HQ) hasWatchers() bool {
	h.watch.mu.Lock()
	defer h.watch.mu.Unlock()
	return len(h.watch.watchers) > 0
}

// remoteVehicleLocked is vehicle k as Vehicles shows it at now; h.mu is held.
func (h *HQ) remoteVehicleLocked(k vehicleKey, v *remoteVehicle, now time.Time) RemoteVehicle {
	age := now.Sub(v.sent)
	return RemoteVehicle{Station: k.station, Key: VehicleKey(k.station, k.id), Stale: age > h.StaleAfter, AgeS: age.Seconds(), State: v.state}
}

// notifyVehicleLocked hands vehicle k's view to every watcher and notes
// the staleness announced; h.mu is held.
func (h *HQ) notifyVehicleLocked(k vehicleKey, now time.Time) {
	v := h.vehicles[k]
	if v == nil || !h.hasWatchers() {
		return
	}
	rv := h.remoteVehicleLocked(k, v, now)
	enc, err := json.Marshal(rv)
	if err != nil {
		h.badMessages.Add(1)
		return
	}
	h.watch.mu.Lock()
	if h.watch.stale == nil {
		h.watch.stale = map[vehicleKey]bool{}
	}
	h.watch.stale[k] = rv.Stale
	for w := range h.watch.watchers {
		w.putVehicle(k, enc)
	}
	h.watch.mu.Unlock()
}

// notifyEvents hands the events applied to the watchers that asked for
// their types. It is called in each station's order, outside h.mu.
func (h *HQ) notifyEvents(station string, evs []Event) {
	if len(evs) == 0 || !h.hasWatchers() {
		return
	}
	encoded := make(map[int][]byte, len(evs))
	h.watch.mu.Lock()
	defer h.watch.mu.Unlock()
	for w := range h.watch.watchers {
		for i, e := range evs {
			if !slices.Contains(w.types, e.Type) {
				continue
			}
			enc, ok := encoded[i]
			if !ok {
				var err error
				if enc, err = json.Marshal(RemoteEvent{Station: station, Event: e}); err != nil {
					continue // Data was checked valid JSON by decodeBatch
				}
				encoded[i] = enc
			}
			w.putEvent(enc)
		}
	}
}

// CheckStale sends the watchers every vehicle whose staleness changed
// since they were last told, and every stale vehicle again (its age goes
// on growing), as of the HQ's Clock. The HQ runs it every second while
// watched; tests with an injected clock call it after moving the clock.
func (h *HQ) CheckStale() {
	if !h.hasWatchers() {
		return
	}
	now := h.Clock()
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, v := range h.vehicles {
		stale := now.Sub(v.sent) > h.StaleAfter
		h.watch.mu.Lock()
		was, told := h.watch.stale[k]
		h.watch.mu.Unlock()
		if stale || !told || was != stale {
			h.notifyVehicleLocked(k, now)
		}
	}
}

// staleLoop runs CheckStale every staleCheckInterval until Close.
func (h *HQ) staleLoop() {
	defer h.wg.Done()
	t := time.NewTicker(staleCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
			h.CheckStale()
		}
	}
}

// WatchStats are the watchers' counters.
type WatchStats struct {
	// Watchers watching now.
	Watchers int
	// Coalesced: states replaced in a watcher by a newer one before taken.
	Coalesced uint64
	// Overruns: watchers that held WatchEventBacklog events and let more go.
	Overruns uint64
}

// WatchStats returns a snapshot of the watchers' counters.
func (h *HQ) WatchStats() WatchStats {
	h.watch.mu.Lock()
	n := len(h.watch.watchers)
	h.watch.mu.Unlock()
	return WatchStats{Watchers: n, Coalesced: h.watch.coalesced.Load(), Overruns: h.watch.overruns.Load()}
}

// Vehicle is one station's vehicle as Vehicles shows it, if the HQ has heard it.
func (h *HQ) Vehicle(station string, id telemetry.VehicleID) (RemoteVehicle, bool) {
	now := h.Clock()
	h.mu.Lock()
	defer h.mu.Unlock()
	k := vehicleKey{station, id}
	v := h.vehicles[k]
	if v == nil {
		return RemoteVehicle{}, false
	}
	return h.remoteVehicleLocked(k, v, now), true
}
