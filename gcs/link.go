package gcs

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

// LinkStats are one link's counters.
type LinkStats struct {
	URL          string `json:"url"`
	Frames       uint64 `json:"frames"`
	Bytes        uint64 `json:"bytes"`
	Unknown      uint64 `json:"unknown_frames"`
	GarbageBytes uint64 `json:"garbage_bytes"`
	BadChecksum  uint64 `json:"bad_checksum"`
	Truncated    uint64 `json:"truncated"`
	Undecodable  uint64 `json:"undecodable"`
	Sent         uint64 `json:"sent"`
	SendErrors   uint64 `json:"send_errors"`
	// SendDropped counts frames dropped because the link's send queue or a
	// stream connection's write queue was full (a stalled socket or TCP peer).
	SendDropped uint64 `json:"send_dropped"`
	// Connections is how many peers a stream link has now (tcp, tcps, serial).
	Connections int `json:"connections"`
	// Open says the link can carry frames now (link_health.go): a listening
	// socket, a connected TCP client, a serial port that is there.
	Open bool `json:"open"`
	// RefusedConnections counts tcps:// connections closed at once because
	// the link already had its maximum of peers.
	RefusedConnections uint64 `json:"refused_connections"`
	// IdleClosed counts stream connections closed because nothing arrived
	// for the idle timeout or a write stalled past its deadline (tcp, tcps),
	// and serial ports closed and reopened by the watchdog for the same
	// reasons (a serial port has no deadlines).
	IdleClosed uint64 `json:"idle_closed"`
	// Unadmitted counts frames from systems that are not vehicles (no
	// autopilot HEARTBEAT yet, other ground stations, noise that framed):
	// neither state nor the record.
	Unadmitted uint64 `json:"unadmitted_frames"`
}

// inbound is one received frame on its way from a link's reader to the fleet loop.
type inbound struct {
	link  *link
	from  netip.AddrPort
	frame telemetry.Frame
	msg   message.Message // nil when the message id is not in the dialect
}

// transport is one kind of MAVLink connection (link_udp.go, link_tcp.go …);
// the link core (this file) frames, decodes and counts for all of them.
type transport interface {
	// run reads until the transport is closed or ctx ends, passing each read
	// to l.receive with a scanner of its own per connection.
	run(ctx context.Context, l *link)
	// write sends one frame to a peer (multi-peer transports) or to the one
	// connection; it must not block for long: stream transports queue.
	write(b []byte, to netip.AddrPort) error
	close()
	localAddr() net.Addr
	// multiPeer transports (UDP listen, TCP server) answer whoever they heard;
	// the others have one far end, addressed with the zero AddrPort.
	multiPeer() bool
	connections() int
}

// link is one MAVLink transport with its counters.
type link struct {
	index int
	url   string
	// network is the number of the MAVLink network the link belongs to
	// (telemetry.VehicleID): its frames' vehicles are of that network.
	network uint32
	tr      transport
	now     func() time.Time
	out     chan<- inbound

	frames, bytes, unknown, garbage, badSum, trunc, undecodable, sent, sendErr, sendDropped atomic.Uint64
	refusedConns, unadmitted, idleClosed                                                    atomic.Uint64

	// outq carries frames to the link's writer goroutine, so that whoever
	// sends (the router, under its mutex) never waits on a socket: a frame
	// that finds the queue full is dropped and counted. One FIFO per link
	// keeps the order in which frames were encoded, which signed frames
	// need (their timestamps must grow).
	outq      chan outFrame
	stopWrite chan struct{}
	writeDone chan struct{}
	closeOnce sync.Once
}

// outFrame is one encoded frame waiting for the link's writer.
type outFrame struct {
	b  []byte
	to netip.AddrPort
}

// linkSendQueue bounds a link's outgoing frames (about a second of commands
// and heartbeats for a large fleet).
const linkSendQueue = 1024

// linkSpec is a parsed link URL.
type linkSpec struct {
	scheme   string
	addr     string // HOST:PORT, or the device path for serial
	network  string // the MAVLink network it belongs to ("" the default)
	baud     int
	idle     time.Duration // TCP read deadline, serial watchdog (from the fleet)
	maxConns int           // tcps:// peers (from the fleet)
}

// linkOptions are the fleet's settings for every link.
type linkOptions struct {
	idle     time.Duration
	maxConns int
	network  uint32 // the number of the network the link names
}

// ParseLinkURL checks a link URL and returns its scheme and address. Supported:
//
//	udp://HOST:PORT            listen for vehicles on a UDP port (answers each sender)
//	udpc://HOST:PORT           send to a vehicle (or router) at a UDP address
//	tcp://HOST:PORT            connect to a vehicle or router's TCP server (reconnects)
//	tcps://HOST:PORT           TCP server: vehicles or routers connect to it
//	serial:///dev/ttyUSB0?baud=57600   a serial port (baud defaults to 57600)
//
// Any of them may name the MAVLink network it belongs to with ?network=NAME
// (see LinkNetwork); links without one share the default network.
func ParseLinkURL(s string) (scheme, addr string, err error) {
	sp, err := parseLinkSpec(s)
	return sp.scheme, sp.addr, err
}

// LinkNetwork returns the network a link URL names with ?network=NAME ("" for
// the default network). A vehicle is its system id on its network: the same
// system id on two networks is two vehicles, and the fleet sends to a
// vehicle only on the links of its network. The name is 1–32 of a–z, 0–9,
// '_' and '-' (telemetry.CheckNetworkName).
func LinkNetwork(s string) (string, error) {
	sp, err := parseLinkSpec(s)
	return sp.network, err
}

func parseLinkSpec(s string) (linkSpec, error) {
	u, err := url.Parse(s)
	if err != nil {
		return linkSpec{}, fmt.Errorf("link %q: %w", s, err)
	}
	sp := linkSpec{scheme: u.Scheme}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return sp, fmt.Errorf("link %q: its query: %w", s, err)
	}
	for k, vs := range q {
		switch {
		case k == "network" && len(vs) == 1:
		case k == "network":
			return sp, fmt.Errorf("link %q: one network per link, got %d", s, len(vs))
		case k == "baud" && u.Scheme == "serial":
		default:
			return sp, fmt.Errorf("link %q: unknown option %q (links take network=NAME; serial links also baud=N)", s, k)
		}
	}
	if vs, ok := q["network"]; ok {
		if vs[0] == "" {
			return sp, fmt.Errorf("link %q: network= needs a name; leave it out for the default network", s)
		}
		if err := telemetry.CheckNetworkName(vs[0]); err != nil {
			return sp, fmt.Errorf("link %q: %w", s, err)
		}
		sp.network = vs[0]
	}
	switch u.Scheme {
	case "udp", "udpc", "tcp", "tcps":
		if u.Host == "" || u.Port() == "" {
			return sp, fmt.Errorf("link %q: needs HOST:PORT, e.g. %s://127.0.0.1:14550", s, u.Scheme)
		}
		sp.addr = u.Host
	case "serial":
		sp.addr = u.Path
		if sp.addr == "" {
			sp.addr = u.Opaque
		}
		if sp.addr == "" {
			return sp, fmt.Errorf("link %q: needs a device, e.g. serial:///dev/ttyUSB0?baud=57600", s)
		}
		sp.baud = 57600
		if b := q.Get("baud"); b != "" {
			sp.baud, err = strconv.Atoi(b)
			if err != nil || sp.baud <= 0 {
				return sp, fmt.Errorf("link %q: baud must be a positive number, got %q", s, b)
			}
		}
	default:
		return sp, fmt.Errorf("link %q: unsupported scheme %q (use udp://HOST:PORT to listen, udpc://HOST:PORT to send to one address, tcp://HOST:PORT to connect, tcps://HOST:PORT to accept, serial:///dev/ttyUSB0?baud=57600)", s, u.Scheme)
	}
	return sp, nil
}

func openLink(index int, rawURL string, now func() time.Time, out chan<- inbound, o linkOptions) (*link, error) {
	sp, err := parseLinkSpec(rawURL)
	if err != nil {
		return nil, err
	}
	sp.idle, sp.maxConns = o.idle, o.maxConns
	// The link's URL as shown in stats, alerts and logs carries no credentials.
	l := &link{index: index, url: RedactLinkURL(rawURL), network: o.network, now: now, out: out,
		outq: make(chan outFrame, linkSendQueue), stopWrite: make(chan struct{}), writeDone: make(chan struct{})}
	switch sp.scheme {
	case "udp", "udpc":
		l.tr, err = openUDP(sp)
	case "tcp":
		l.tr, err = openTCPClient(sp)
	case "tcps":
		l.tr, err = openTCPServer(sp)
	case "serial":
		l.tr, err = openSerial(sp)
	}
	if err != nil {
		return nil, fmt.Errorf("link %q: %w", l.url, err)
	}
	go l.writeLoop()
	return l, nil
}

// writeLoop writes the queued frames until the link closes.
func (l *link) writeLoop() {
	defer close(l.writeDone)
	for {
		select {
		case f := <-l.outq:
			l.write(f)
		case <-l.stopWrite:
			return
		}
	}
}

func (l *link) write(f outFrame) {
	if err := l.tr.write(f.b, f.to); err != nil {
		if err == errQueueFull {
			l.sendDropped.Add(1)
		} else {
			l.sendErr.Add(1)
		}
		return
	}
	l.sent.Add(1)
}

// LocalAddr is the link's bound address (useful with port 0 in tests).
func (l *link) LocalAddr() net.Addr { return l.tr.localAddr() }

func (l *link) multiPeer() bool { return l.tr.multiPeer() }

func (l *link) stats() LinkStats {
	return LinkStats{
		URL: l.url, Frames: l.frames.Load(), Bytes: l.bytes.Load(), Unknown: l.unknown.Load(),
		GarbageBytes: l.garbage.Load(), BadChecksum: l.badSum.Load(), Truncated: l.trunc.Load(),
		Undecodable: l.undecodable.Load(), Sent: l.sent.Load(), SendErrors: l.sendErr.Load(),
		SendDropped: l.sendDropped.Load(), Connections: l.tr.connections(), Open: l.open(), RefusedConnections: l.refusedConns.Load(),
		Unadmitted: l.unadmitted.Load(), IdleClosed: l.idleClosed.Load(),
	}
}

// receive scans one read (a datagram, or the next bytes of a stream) and hands
// each frame to the fleet loop. It reports false when ctx ended.
func (l *link) receive(ctx context.Context, sc *mavwire.Scanner, data []byte, from netip.AddrPort, stream bool) bool {
	t := l.now()
	prev := sc.Stats
	stop := false
	fn := func(f mavwire.Frame) {
		if stop {
			return
		}
		in := inbound{link: l, from: from, frame: telemetry.Frame{
			Time: t, Link: uint16(l.index), Network: l.network, SystemID: f.SystemID, ComponentID: f.ComponentID,
			MessageID: f.MessageID, Raw: append([]byte(nil), f.Raw...),
		}}
		if f.Known {
			msg, err := f.Decode(dialect.ReadWriter)
			if err != nil {
				l.undecodable.Add(1)
			} else {
				in.msg = msg
			}
		}
		select {
		case l.out <- in:
		case <-ctx.Done():
			stop = true
		}
	}
	if stream {
		sc.Stream(data, fn)
	} else {
		sc.Datagram(data, fn)
	}
	l.frames.Add(sc.Stats.Frames - prev.Frames)
	l.bytes.Add(sc.Stats.Bytes - prev.Bytes)
	l.unknown.Add(sc.Stats.Unknown - prev.Unknown)
	l.garbage.Add(sc.Stats.GarbageBytes - prev.GarbageBytes)
	l.badSum.Add(sc.Stats.BadChecksum - prev.BadChecksum)
	l.trunc.Add(sc.Stats.Truncated - prev.Truncated)
	return !stop
}

// send queues one frame (copied: the caller reuses b) for the link's
// writer; it never blocks.
func (l *link) send(b []byte, to netip.AddrPort) {
	select {
	case l.outq <- outFrame{b: append([]byte(nil), b...), to: to}:
	default:
		l.sendDropped.Add(1)
	}
}

// close stops the writer and closes the transport. It is idempotent.
func (l *link) close() {
	l.closeOnce.Do(func() {
		close(l.stopWrite)
		<-l.writeDone
		l.tr.close()
	})
}

// RedactLinkURL is a link URL fit to show and log: any user and password in
// it (a link needs none, but a URL may carry them) are left out. A URL that
// does not parse is shown as "(unparsable link URL)" rather than echoed.
func RedactLinkURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable link URL)"
	}
	u.User = nil
	return u.String()
}
