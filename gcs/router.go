package gcs

import (
	"net/netip"
	"sync"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

// route is where a vehicle was last heard: replies go there.
type route struct {
	link *link
	to   netip.AddrPort
}

// router encodes and sends the GCS's frames. It is shared by the fleet loop
// and by sessions running in callers' goroutines, so its small state sits
// behind one mutex (a leaf: nothing else is locked while it is held). The
// mutex covers encoding and queueing only, never a socket write: each link
// has its own writer (link.send does not block). The loop updates routes
// only when a vehicle moves to another link or address.
type router struct {
	mu     sync.Mutex
	routes map[telemetry.VehicleID]route // by vehicle: routes stay on the vehicle's network
	keys   map[telemetry.VehicleID]*[32]byte
	enc    mavwire.Encoder
	signer mavwire.Signer
	buf    []byte
	now    func() time.Time
	ts     uint64 // last signing timestamp used
}

func (r *router) init(gcsSysID uint8, now func() time.Time) {
	r.routes = map[telemetry.VehicleID]route{}
	r.keys = map[telemetry.VehicleID]*[32]byte{}
	r.now = now
	r.enc = mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: gcsSysID, ComponentID: DefaultComponentID}
	r.signer.Timestamp = r.nextTimestamp
}

func (r *router) setRoute(vid telemetry.VehicleID, rt route) {
	r.mu.Lock()
	r.routes[vid] = rt
	r.mu.Unlock()
}

func (r *router) setKey(vid telemetry.VehicleID, key *[32]byte) {
	r.mu.Lock()
	if key == nil {
		delete(r.keys, vid)
	} else {
		r.keys[vid] = key
	}
	r.mu.Unlock()
}

// setTimestampFloor makes every later timestamp larger than ts (the mark
// persisted before a restart).
func (r *router) setTimestampFloor(ts uint64) {
	r.mu.Lock()
	r.ts = max(r.ts, ts)
	r.mu.Unlock()
}

// nextTimestamp is the signing timestamp for one frame: the clock in 10 µs
// units, but always above the previous one. Called with r.mu held.
func (r *router) nextTimestamp() uint64 {
	r.ts = max(r.ts+1, signingTimestamp(r.now()))
	return r.ts
}

func (r *router) currentTimestamp() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return max(r.ts, signingTimestamp(r.now()))
}

// send encodes m for vehicle vid (signed with its key, if it has one) and
// sends it on the link the vehicle was last heard on.
func (r *router) send(vid telemetry.VehicleID, m message.Message) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	rt, ok := r.routes[vid]
	if !ok {
		return false
	}
	return r.sendLocked(rt.link, rt.to, vid, m)
}

// sendOn sends m to one peer of one link, signed with the key of vehicle
// vid (0: unsigned).
func (r *router) sendOn(l *link, to netip.AddrPort, vid telemetry.VehicleID, m message.Message) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sendLocked(l, to, vid, m)
}

func (r *router) sendLocked(l *link, to netip.AddrPort, vid telemetry.VehicleID, m message.Message) bool {
	r.enc.Signer = nil
	if key := r.keys[vid]; key != nil && vid != 0 {
		r.signer.Key = *key
		r.enc.Signer = &r.signer
	}
	var err error
	r.buf, err = r.enc.Encode(r.buf[:0], m)
	r.enc.Signer = nil
	if err != nil {
		return false
	}
	l.send(r.buf, to)
	return true
}
