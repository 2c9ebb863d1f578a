package loadtest

import (
	"context"
	"fmt"
	"math"
	"net"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

// maxSysID is the most vehicles one MAVLink network holds (255 is the GCS).
const maxSysID = 254

// maxTicks bounds a run's ticks: the tick is carried in GLOBAL_POSITION_INT's
// heading (centidegrees, 0-35999), which is how a client tells which of a
// drone's positions it received.
const maxTicks = 36000

// generator sends MAVLink as a fleet would: each drone's frames of a tick
// in one datagram (a HEARTBEAT once a second, then GLOBAL_POSITION_INT),
// spread over a few sockets per network like several radios.
type generator struct {
	l        layout
	rate     float64
	ticks    int
	conns    [][]*net.UDPConn // per network
	encoders []mavwire.Encoder
	network  []int // per drone

	// sentNs[drone*ticks+tick] is when that position went out (Unix ns), 0 if it did not.
	sentNs    []atomic.Int64
	frames    atomic.Uint64
	positions atomic.Uint64
	sendErrs  atomic.Uint64
}

// newGenerator spreads the drones over the networks' addresses in blocks:
// drone i is on network i / perNet with system id i % perNet + 1.
func newGenerator(l layout, rate float64, ticks int, addrs []string) (*generator, error) {
	perNet := (l.drones + len(addrs) - 1) / len(addrs)
	if perNet > maxSysID {
		return nil, fmt.Errorf("%d drones over %d networks is %d per network; one network holds at most %d (MAVLink system ids): use more networks", l.drones, len(addrs), perNet, maxSysID)
	}
	g := &generator{l: l, rate: rate, ticks: ticks, sentNs: make([]atomic.Int64, l.drones*ticks)}
	for _, a := range addrs {
		to, err := net.ResolveUDPAddr("udp", a)
		if err != nil {
			g.close()
			return nil, fmt.Errorf("MAVLink address %q: %w (give host:port of the server's UDP link)", a, err)
		}
		var conns []*net.UDPConn
		for range 4 {
			c, err := net.DialUDP("udp", nil, to)
			if err != nil {
				g.close()
				return nil, err
			}
			_ = c.SetWriteBuffer(4 << 20)
			conns = append(conns, c)
		}
		g.conns = append(g.conns, conns)
	}
	for i := range l.drones {
		g.network = append(g.network, i/perNet)
		g.encoders = append(g.encoders, mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: uint8(i%perNet + 1), ComponentID: 1})
	}
	return g, nil
}

func (g *generator) close() {
	for _, cs := range g.conns {
		for _, c := range cs {
			c.Close()
		}
	}
}

// sent is when drone's position of tick went out, or 0.
func (g *generator) sent(drone, tick int) int64 {
	if drone < 0 || drone >= g.l.drones || tick < 0 || tick >= g.ticks {
		return 0
	}
	return g.sentNs[drone*g.ticks+tick].Load()
}

// ticksSent is how many positions drone sent.
func (g *generator) ticksSent(drone int) int {
	n := 0
	for t := range g.ticks {
		if g.sentNs[drone*g.ticks+t].Load() != 0 {
			n++
		}
	}
	return n
}

// run sends every tick, each drone at its own offset within the tick so
// that the load is smooth rather than one burst per tick. A generator that
// falls behind sends late rather than skipping: the latency it measures is
// from the real send.
func (g *generator) run(ctx context.Context) {
	period := time.Duration(float64(time.Second) / g.rate)
	start := time.Now()
	var buf []byte
	var lastHB time.Time
	n := len(g.encoders)
	for tick := 0; tick < g.ticks; tick++ {
		tickStart := start.Add(time.Duration(tick) * period)
		heartbeat := tickStart.Sub(lastHB) >= time.Second
		if heartbeat {
			lastHB = tickStart
		}
		for i := range g.encoders {
			if ctx.Err() != nil {
				return
			}
			if wait := time.Until(tickStart.Add(period * time.Duration(i) / time.Duration(n))); wait > 200*time.Microsecond {
				time.Sleep(wait)
			}
			e := &g.encoders[i]
			buf = buf[:0]
			frames := uint64(1)
			// The heartbeat first: a vehicle's frames are recorded only once
			// its HEARTBEAT has made it one (the server admits by heartbeat).
			if heartbeat {
				buf, _ = e.Encode(buf, &common.MessageHeartbeat{
					Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
					BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: 3, SystemStatus: common.MAV_STATE_ACTIVE, MavlinkVersion: 3,
				})
				frames++
			}
			lat, lon := g.l.position(i, tick, g.rate)
			buf, _ = e.Encode(buf, &common.MessageGlobalPositionInt{
				TimeBootMs: uint32(time.Since(start).Milliseconds()),
				Lat:        int32(lat * 1e7), Lon: int32(lon * 1e7),
				Alt: 1300000, RelativeAlt: 120000, Vx: 1000,
				Hdg: uint16(tick % maxTicks), // names the tick (see maxTicks)
			})
			conns := g.conns[g.network[i]]
			slot := &g.sentNs[i*g.ticks+tick]
			// Stamped before the write: a client may see the state before
			// Write returns.
			slot.Store(time.Now().UnixNano())
			if _, err := conns[i%len(conns)].Write(buf); err == nil {
				g.frames.Add(frames)
				g.positions.Add(1)
			} else {
				slot.Store(0)
				g.sendErrs.Add(1)
			}
		}
	}
}

// Fleet is the generator on its own, for a benchmark that needs a fleet's
// telemetry and measures elsewhere (in a browser): drones on the load
// test's grid, each sending its position at rate Hz (and a heartbeat a
// second) to addrs (one per network) for d.
type Fleet struct{ g *generator }

// NewFleet opens the generator's sockets.
func NewFleet(addrs []string, drones int, rate float64, d time.Duration) (*Fleet, error) {
	ticks := int(math.Ceil(d.Seconds() * rate))
	if drones < 1 || rate <= 0 || ticks < 1 || ticks > maxTicks || len(addrs) == 0 {
		return nil, fmt.Errorf("loadtest: a fleet needs drones ≥ 1, a rate > 0, a duration of 1 to %d positions and an address", maxTicks)
	}
	g, err := newGenerator(newLayout(drones, 100), rate, ticks, addrs)
	if err != nil {
		return nil, err
	}
	return &Fleet{g: g}, nil
}

// Run sends until the duration is over or ctx ends.
func (f *Fleet) Run(ctx context.Context) { f.g.run(ctx) }

// Frames is how many frames it sent.
func (f *Fleet) Frames() uint64 { return f.g.frames.Load() }

// Close closes its sockets.
func (f *Fleet) Close() { f.g.close() }
