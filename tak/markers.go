package tak

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Marker is a point a TAK client shared (a marker, a point of interest, a
// field team member's own position), as Borderwatch's map draws it. Every
// text in it came from outside and is shown as text.
type Marker struct {
	UID      string    `json:"uid"`
	Type     string    `json:"type"`
	Callsign string    `json:"callsign"`
	Lat      float64   `json:"lat"`
	Lon      float64   `json:"lon"`
	HAEM     float64   `json:"hae_m,omitempty"`
	Remarks  string    `json:"remarks,omitempty"`
	Time     time.Time `json:"time"`
	Stale    time.Time `json:"stale"`
	// From is where it came from (the listening URL, or the TAK Server's).
	From string `json:"from"`
}

// Markers holds the markers TAK clients sent, newest per uid, until they go
// stale. A small map under a mutex: the receivers add, the API reads.
type Markers struct {
	// (optional) Max bounds how many are kept; the one going stale first is
	// dropped for a new one. Defaults to 2000.
	Max int
	// (optional) Now is the clock. Defaults to time.Now.
	Now func() time.Time
	// (optional) Ignore tells events not to keep (our own, echoed by a TAK
	// Server). Defaults to keeping all.
	Ignore func(uid string) bool

	mu      sync.Mutex
	byUID   map[string]Marker
	dropped atomic.Uint64
	ignored atomic.Uint64
}

func (m *Markers) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Put keeps the marker an event describes, unless it is one of ours or stale.
func (m *Markers) Put(e *Event, from string) {
	if m.Ignore != nil && m.Ignore(e.UID) {
		m.ignored.Add(1)
		return
	}
	t, _ := ParseTime(e.Time)
	stale, _ := ParseTime(e.Stale)
	now := m.now()
	if !stale.After(now) {
		m.ignored.Add(1)
		return
	}
	mk := Marker{UID: e.UID, Type: e.Type, Lat: e.Point.Lat, Lon: e.Point.Lon, Time: t, Stale: stale, From: from}
	if e.Point.HAE != Unknown {
		mk.HAEM = e.Point.HAE
	}
	if e.Detail != nil {
		mk.Remarks = e.Detail.Remarks
		if e.Detail.Contact != nil {
			mk.Callsign = e.Detail.Contact.Callsign
		}
	}
	max := m.Max
	if max <= 0 {
		max = 2000
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byUID == nil {
		m.byUID = map[string]Marker{}
	}
	if _, ok := m.byUID[e.UID]; !ok && len(m.byUID) >= max {
		m.expire(now)
		if len(m.byUID) >= max {
			var first string
			for uid, o := range m.byUID {
				if first == "" || o.Stale.Before(m.byUID[first].Stale) {
					first = uid
				}
			}
			delete(m.byUID, first)
			m.dropped.Add(1)
		}
	}
	m.byUID[e.UID] = mk
}

func (m *Markers) expire(now time.Time) {
	for uid, o := range m.byUID {
		if !o.Stale.After(now) {
			delete(m.byUID, uid)
		}
	}
}

// List returns the markers not yet stale, by uid.
func (m *Markers) List() []Marker {
	now := m.now()
	m.mu.Lock()
	m.expire(now)
	out := make([]Marker, 0, len(m.byUID))
	for _, o := range m.byUID {
		out = append(out, o)
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Marker) int {
		switch {
		case a.UID < b.UID:
			return -1
		case a.UID > b.UID:
			return 1
		}
		return 0
	})
	return out
}

// Get returns the marker with this uid, if it is known and not yet stale
// ("send a drone" to a TAK marker takes its position from here, not from
// the browser).
func (m *Markers) Get(uid string) (Marker, bool) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	mk, ok := m.byUID[uid]
	if !ok || !mk.Stale.After(now) {
		return Marker{}, false
	}
	return mk, true
}

// Dropped counts markers dropped for the Max bound; Ignored counts events
// not kept (ours, or already stale).
func (m *Markers) Dropped() uint64 { return m.dropped.Load() }

// Ignored counts events not kept (our own echoed back, or already stale).
func (m *Markers) Ignored() uint64 { return m.ignored.Load() }
