package telemetry

import (
	"sync"
	"sync/atomic"
)

// Filter selects the messages a subscriber receives. Zero values select all.
type Filter struct {
	Kinds    []Kind
	Vehicles []VehicleID
}

func (f Filter) match(m Message) bool {
	if len(f.Kinds) > 0 {
		ok := false
		for _, k := range f.Kinds {
			if k == m.Kind() {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(f.Vehicles) > 0 {
		v := m.Vehicle()
		for _, id := range f.Vehicles {
			if id == v {
				return true
			}
		}
		return false
	}
	return true
}

// HubStats are the hub's counters.
type HubStats struct {
	Published   uint64 // messages published
	Dropped     uint64 // messages dropped from full queues (all subscribers)
	Coalesced   uint64 // state snapshots replaced by a newer one for a lagging subscriber
	Subscribers int
}

// Hub fans messages out to subscribers. Publish never blocks: each subscriber
// has a bounded queue; when it is full, state snapshots are coalesced to the
// latest per vehicle and frames and events are dropped and counted, so a slow
// consumer never slows the others or the producer.
//
// The zero Hub is ready to use.
type Hub struct {
	mu   sync.RWMutex
	subs map[*Subscription]struct{}

	published atomic.Uint64
	dropped   atomic.Uint64
	coalesced atomic.Uint64
}

// Publish delivers m to every matching subscriber without blocking.
func (h *Hub) Publish(m Message) {
	h.published.Add(1)
	h.mu.RLock()
	for s := range h.subs {
		if s.filter.match(m) {
			s.offer(m, h)
		}
	}
	h.mu.RUnlock()
}

// Subscribe returns a subscription with a queue of at most queueLen messages
// (not counting the coalesced latest state per vehicle). Close it when done.
func (h *Hub) Subscribe(f Filter, queueLen int) *Subscription {
	if queueLen < 1 {
		queueLen = 1
	}
	s := &Subscription{
		hub:    h,
		filter: f,
		max:    queueLen,
		ready:  make(chan struct{}, 1),
	}
	h.mu.Lock()
	if h.subs == nil {
		h.subs = make(map[*Subscription]struct{})
	}
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Stats returns a snapshot of the hub's counters.
func (h *Hub) Stats() HubStats {
	h.mu.RLock()
	n := len(h.subs)
	h.mu.RUnlock()
	return HubStats{
		Published:   h.published.Load(),
		Dropped:     h.dropped.Load(),
		Coalesced:   h.coalesced.Load(),
		Subscribers: n,
	}
}

// Subscription is one consumer's bounded queue. Wait on Ready, then Drain.
type Subscription struct {
	hub    *Hub
	filter Filter
	max    int
	ready  chan struct{}

	mu     sync.Mutex
	queue  []Message
	latest map[VehicleID]Message // newest state per vehicle that did not fit in queue
	closed bool

	dropped   atomic.Uint64
	coalesced atomic.Uint64
}

func (s *Subscription) offer(m Message, h *Hub) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	// Signal only when the subscriber may be waiting: a queue that was not
	// empty has been signalled already and not yet drained. This keeps a
	// channel operation off the per-message path.
	signal := true
	switch {
	case len(s.queue) < s.max:
		s.queue = append(s.queue, m)
		signal = len(s.queue) == 1
	case m.Kind() == KindState:
		if s.latest == nil {
			s.latest = make(map[VehicleID]Message)
		}
		if _, ok := s.latest[m.Vehicle()]; ok {
			s.coalesced.Add(1)
			h.coalesced.Add(1)
		}
		s.latest[m.Vehicle()] = m
	default:
		s.dropped.Add(1)
		h.dropped.Add(1)
	}
	s.mu.Unlock()
	if !signal {
		return
	}
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Ready is signalled when messages are waiting.
func (s *Subscription) Ready() <-chan struct{} { return s.ready }

// Drain appends every waiting message to dst, oldest first, then the
// coalesced latest states, and empties the queue.
func (s *Subscription) Drain(dst []Message) []Message {
	s.mu.Lock()
	dst = append(dst, s.queue...)
	clear(s.queue)
	s.queue = s.queue[:0]
	for id, m := range s.latest {
		dst = append(dst, m)
		delete(s.latest, id)
	}
	s.mu.Unlock()
	return dst
}

// Pending is how many messages wait in the queue (not counting coalesced states).
func (s *Subscription) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Swap is Drain without the copy, for consumers that take big batches (the
// recorder): it returns the waiting messages, oldest first, then the
// coalesced latest states, and keeps spare (emptied) as the new queue. The
// caller owns the returned slice until it hands it back as spare.
func (s *Subscription) Swap(spare []Message) []Message {
	clear(spare)
	s.mu.Lock()
	out := s.queue
	s.queue = spare[:0]
	for id, m := range s.latest {
		out = append(out, m)
		delete(s.latest, id)
	}
	s.mu.Unlock()
	return out
}

// Dropped is how many messages this subscriber lost to a full queue.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Coalesced is how many state snapshots this subscriber skipped for newer ones.
func (s *Subscription) Coalesced() uint64 { return s.coalesced.Load() }

// Close unsubscribes. It is idempotent.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	delete(s.hub.subs, s)
	s.hub.mu.Unlock()
	s.mu.Lock()
	s.closed = true
	s.queue = nil
	s.latest = nil
	s.mu.Unlock()
}
