package web

import (
	"log/slog"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

const (
	// liveQueueLen is how many of a vehicle's states the fan-out keeps
	// while a rate class has not sent them: a burst (a radio that delivers
	// several positions at once, or this goroutine held up for a few
	// hundred milliseconds on a busy machine) is spread over the next
	// batches instead of losing states; beyond it, a class sends the
	// latest. States every class has sent are let go at once.
	liveQueueLen = 10
	// liveRateMargin lets a class send a little above its nominal rate on
	// average, so that a vehicle reporting at exactly that rate with
	// jitter (and a heartbeat now and then) goes through whole instead of
	// queueing behind its own tokens; a vehicle sending much faster is
	// still brought down to about the class's rate.
	liveRateMargin = 1.2
)

// liveBurst is the depth of a class's token bucket per vehicle: a second's
// worth of states (at least 3), so that a backlog after a stall of up to a
// second is sent whole, one state per batch.
func liveBurst(class int) float64 { return max(3, liveRates[class]) }

// livePos is a vehicle's position as a view tests it.
type livePos struct {
	lat, lon float64
	ok       bool // the vehicle reports a position
}

func posOf(st *gcs.VehicleState) livePos {
	return livePos{st.Lat, st.Lon, st.HasPosition}
}

// liveEntry is one vehicle state as the fan-out keeps it. It is encoded at
// most once, when the first client needs it, and the bytes are then shared
// by every client and never modified.
type liveEntry struct {
	seq uint64 // per vehicle, from 1
	// statusSeq is the seq of the oldest state whose status (all but the
	// motion, decode.VehicleState.SameStatus) this one still has: a client
	// holding that status takes this state as its motion alone.
	statusSeq uint64
	st        gcs.VehicleState
	enc       []byte // the whole state; nil until encoded
	bad       bool   // could not be encoded (logged and counted once)
	menc      []byte // the motion form (MotionJSON); nil until encoded
	mbad      bool   // the motion form could not be encoded (the whole state is tried, and says why)
	emitted   bool   // a class or a client has it: a later state must not replace it in place
}

// liveClassState is one rate class's view of one vehicle.
type liveClassState struct {
	sent   uint64    // seq of the last state the class emitted
	tokens float64   // token bucket: one per state emitted
	at     time.Time // when tokens were last refilled
	pos    livePos   // position of the state last emitted (so a view sees a vehicle leave it)
}

// liveVehicle is the fan-out's record of one vehicle.
type liveVehicle struct {
	id      liveID
	idx     int // its index in liveFanout.order
	nextSeq uint64
	queue   []*liveEntry // oldest first, the latest last; at most liveQueueLen
	classes [len(liveRates)]liveClassState
	lowSent uint64    // seq of the last state sent at the low rate
	lowNext time.Time // when the low rate may send it again
}

func (v *liveVehicle) latest() *liveEntry { return v.queue[len(v.queue)-1] }

// trim lets go of the states every class has sent, keeping the latest
// (a new view or client may still need it). Classes nobody is in are
// always up to date (pick), so they hold nothing back.
func (v *liveVehicle) trim() {
	done := v.queue[len(v.queue)-1].seq
	for c := range v.classes {
		done = min(done, v.classes[c].sent)
	}
	n := 0
	for n < len(v.queue)-1 && v.queue[n].seq <= done {
		n++
	}
	if n > 0 {
		clear(v.queue[:n])
		v.queue = append(v.queue[:0], v.queue[n:]...)
	}
}

// liveUpdate is one state a class (or the low rate) hands to its clients.
type liveUpdate struct {
	v    *liveVehicle
	e    *liveEntry
	cur  livePos // where the state puts the vehicle
	prev livePos // where the class last showed it (full-rate classes only)
}

// liveFanout is the one hub subscriber behind every /ws/live client. Every
// batch it takes the states that changed and, for each rate class some
// client is in, picks each vehicle's next state within the class's rate;
// every client then takes from its class what its view admits, and the
// rest of the fleet at liveLowPeriod. Each state is encoded once, for all
// classes and clients. Only the fan-out goroutine (runLive) calls tick;
// mu guards the client set, which handlers change.
type liveFanout struct {
	mu      sync.Mutex // guards clients; lock order: liveFanout.mu before liveClient.mu
	clients map[*liveClient]struct{}

	counters *liveCounters
	logger   *slog.Logger

	// Owned by the fan-out goroutine.
	vehicles map[liveID]*liveVehicle
	order    []*liveVehicle // vehicles in arrival order (iteration without map cost)
	full     [len(liveRates)][]liveUpdate
	low      []liveUpdate
	snapshot []*liveClient
	views    []*liveView
	batch    uint64 // batches run
}

// vehicle returns the record of id, making it on first sight. A new
// vehicle's low-rate slot is staggered by arrival, so that a fleet that
// appears at once is not sent in one burst every second.
func (f *liveFanout) vehicle(id liveID, now time.Time) *liveVehicle {
	if v := f.vehicles[id]; v != nil {
		return v
	}
	if f.vehicles == nil {
		f.vehicles = make(map[liveID]*liveVehicle)
	}
	v := &liveVehicle{id: id, idx: len(f.order), nextSeq: 1}
	slots := int64(liveLowPeriodMs * time.Millisecond / liveBatchInterval)
	v.lowNext = now.Add(time.Duration(int64(len(f.order))%slots) * liveBatchInterval)
	for c := range v.classes {
		v.classes[c] = liveClassState{tokens: liveBurst(c), at: now}
	}
	f.vehicles[id] = v
	f.order = append(f.order, v)
	return v
}

// take files one state. States with the same receive time came in one
// datagram (a heartbeat and a position together) and make one update.
func (f *liveFanout) take(st gcs.VehicleState, now time.Time) {
	v := f.vehicle(st.ID, now)
	e := &liveEntry{seq: v.nextSeq, statusSeq: v.nextSeq, st: st}
	if n := len(v.queue); n > 0 {
		last := v.queue[n-1]
		if !last.emitted && last.st.Time.Equal(st.Time) {
			if !st.SameStatus(&last.st) {
				last.statusSeq = last.seq
			}
			last.st, last.enc, last.bad, last.menc, last.mbad = st, nil, false, nil, false
			return
		}
		if st.SameStatus(&last.st) {
			e.statusSeq = last.statusSeq
		}
	}
	v.nextSeq++
	if len(v.queue) == liveQueueLen {
		v.queue[0] = nil
		v.queue = append(v.queue[:0], v.queue[1:]...)
	}
	v.queue = append(v.queue, e)
}

// encode makes e's bytes once; false if the state cannot be encoded.
func (f *liveFanout) encode(e *liveEntry) bool {
	e.emitted = true
	if e.enc != nil || e.bad {
		return !e.bad
	}
	// The state's own MarshalJSON: json.Marshal would re-validate and
	// compact its output, a quarter of the cost for nothing.
	b, err := e.st.MarshalJSON()
	if err != nil {
		e.bad = true
		f.logger.Error("live: encode vehicle state", "id", e.st.ID, "err", err)
		return false
	}
	e.enc = b
	f.counters.encoded.Add(1)
	return true
}

// encodeMotion makes e's motion form once; false if it cannot be encoded.
func (f *liveFanout) encodeMotion(e *liveEntry) bool {
	e.emitted = true
	if e.menc != nil || e.mbad {
		return !e.mbad
	}
	b, err := e.st.MotionJSON()
	if err != nil {
		e.mbad = true // the whole state is tried next, and logs why
		return false
	}
	e.menc = b
	f.counters.encodedMotion.Add(1)
	return true
}

// put files state e of vehicle v for client c (c.mu held) in the form
// the client takes it: nothing if it was given a newer state, the motion
// form if it merges motion (compact) and holds e's status, else the whole
// state. It reports 1 if it filed it.
func (f *liveFanout) put(c *liveClient, compact bool, v *liveVehicle, e *liveEntry) int {
	last := c.lastLocked(v)
	if e.seq <= last.seq {
		return 0
	}
	if compact && last.status == e.statusSeq && f.encodeMotion(e) {
		c.putLocked(v, e, e.menc, false)
		return 1
	}
	if !f.encode(e) {
		return 0
	}
	c.putLocked(v, e, e.enc, true)
	return 1
}

// tick runs one batch at now over the hub's states.
func (f *liveFanout) tick(now time.Time, msgs []telemetry.Message) {
	f.prepare(now, msgs)
	for i, c := range f.snapshot {
		f.deliver(c, f.views[i])
	}
	clear(f.snapshot)
	clear(f.views)
}

// prepare files the states, takes the clients and their views, and picks
// what each class and the low rate send in this batch.
func (f *liveFanout) prepare(now time.Time, msgs []telemetry.Message) {
	f.batch++
	for _, m := range msgs {
		if st, ok := m.(gcs.VehicleState); ok {
			f.take(st, now)
		}
	}
	f.mu.Lock()
	f.snapshot = f.snapshot[:0]
	for c := range f.clients {
		f.snapshot = append(f.snapshot, c)
	}
	f.mu.Unlock()
	var active [len(liveRates)]bool
	f.views = f.views[:0]
	for _, c := range f.snapshot {
		v := c.view.Load()
		if v == nil {
			v = liveDefaultView
		}
		f.views = append(f.views, v)
		active[v.class] = true
	}
	f.pick(now, active)
}

// pick runs each active class's rate limit and the low rate over every
// vehicle, filling f.full and f.low.
func (f *liveFanout) pick(now time.Time, active [len(liveRates)]bool) {
	for c := range f.full {
		clear(f.full[c])
		f.full[c] = f.full[c][:0]
	}
	clear(f.low)
	f.low = f.low[:0]
	var coalesced uint64
	for _, v := range f.order {
		if len(v.queue) == 0 {
			continue
		}
		latest := v.latest()
		for c := range v.classes {
			cs := &v.classes[c]
			if latest.seq <= cs.sent {
				continue
			}
			if !active[c] {
				// Nobody to send to: the class is up to date for whoever joins it.
				cs.sent, cs.pos = latest.seq, posOf(&latest.st)
				continue
			}
			cs.tokens = min(liveBurst(c), cs.tokens+now.Sub(cs.at).Seconds()*liveRates[c]*liveRateMargin)
			cs.at = now
			if cs.tokens < 1 {
				continue // over the class's rate: the newest waits for the next batch
			}
			i := 0
			for v.queue[i].seq <= cs.sent {
				i++
			}
			e := latest
			if unsent := len(v.queue) - i; float64(unsent) <= cs.tokens {
				e = v.queue[i] // the rate allows every waiting state: oldest first, one per batch
			} else {
				coalesced += uint64(unsent - 1)
			}
			e.emitted = true
			f.full[c] = append(f.full[c], liveUpdate{v: v, e: e, cur: posOf(&e.st), prev: cs.pos})
			cs.sent, cs.pos = e.seq, posOf(&e.st)
			cs.tokens--
			f.counters.classStates[c].Add(1)
		}
		if latest.seq > v.lowSent && !now.Before(v.lowNext) {
			latest.emitted = true
			f.low = append(f.low, liveUpdate{v: v, e: latest, cur: posOf(&latest.st)})
			v.lowSent, v.lowNext = latest.seq, now.Add(liveLowPeriodMs*time.Millisecond)
		}
		v.trim()
	}
	f.counters.rateCoalesced.Add(coalesced)
	f.counters.lowStates.Add(uint64(len(f.low)))
}

// deliver hands client c what its view admits of this batch.
func (f *liveFanout) deliver(c *liveClient, view *liveView) {
	changed := c.fanView != view
	c.fanView = view
	class, compact := view.class, view.compact
	full, low := f.full[class], f.low
	c.mu.Lock()
	c.batch = f.batch
	put := 0
	for i := range full {
		u := &full[i]
		if view.admits(u.v.id, u.cur) || view.admits(u.v.id, u.prev) {
			put += f.put(c, compact, u.v, u.e)
		}
	}
	for i := range low {
		u := &low[i]
		// A vehicle the view shows goes at the class's rate, not here.
		if view.admits(u.v.id, u.cur) || view.admits(u.v.id, u.v.classes[class].pos) {
			continue
		}
		put += f.put(c, compact, u.v, u.e)
	}
	if changed {
		// A new view shows its vehicles at once, not at their next
		// change or low-rate turn.
		for _, v := range f.order {
			if len(v.queue) == 0 {
				continue
			}
			e := v.latest()
			if view.admits(v.id, posOf(&e.st)) {
				put += f.put(c, compact, v, e)
			}
		}
	}
	c.mu.Unlock()
	if put > 0 {
		c.signal()
	}
}
