package gcs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/gcs/dialect"
	"github.com/borderwatch/borderwatch/gcs/mavwire"
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
}

// inbound is one received frame on its way from a link's reader to the fleet loop.
type inbound struct {
	link  *link
	from  netip.AddrPort
	frame telemetry.Frame
	msg   message.Message // nil when the message id is not in the dialect
}

// udpReadBuffer is the socket receive buffer: the default (~208 KiB) overflows
// above ~80 k datagrams/s, 4 MiB took 230-240 k/s without loss (BRIEF.md).
const udpReadBuffer = 4 << 20

// link is one MAVLink transport. Its reader goroutine owns the scanner; the
// fleet loop owns sending.
type link struct {
	index int
	url   string
	// listen is true for a UDP server: it answers whoever it heard from.
	listen bool
	conn   *net.UDPConn

	frames, bytes, unknown, garbage, badSum, trunc, undecodable, sent, sendErr atomic.Uint64
}

// ParseLinkURL checks a link URL. Supported:
//
//	udp://HOST:PORT   listen for vehicles on a UDP port (answers each sender)
//	udpc://HOST:PORT  send to a vehicle (or router) at a UDP address
func ParseLinkURL(s string) (scheme, addr string, err error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", "", fmt.Errorf("link %q: %w", s, err)
	}
	switch u.Scheme {
	case "udp", "udpc":
	default:
		return "", "", fmt.Errorf("link %q: unsupported scheme %q (use udp://HOST:PORT to listen or udpc://HOST:PORT to connect)", s, u.Scheme)
	}
	if u.Host == "" || u.Port() == "" {
		return "", "", fmt.Errorf("link %q: needs HOST:PORT, e.g. udp://0.0.0.0:14550", s)
	}
	return u.Scheme, u.Host, nil
}

func openLink(index int, rawURL string) (*link, error) {
	scheme, addr, err := ParseLinkURL(rawURL)
	if err != nil {
		return nil, err
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("link %q: %w", rawURL, err)
	}
	l := &link{index: index, url: rawURL}
	switch scheme {
	case "udp":
		l.listen = true
		l.conn, err = net.ListenUDP("udp", ua)
	case "udpc":
		l.conn, err = net.DialUDP("udp", nil, ua)
	}
	if err != nil {
		return nil, fmt.Errorf("link %q: %w", rawURL, err)
	}
	_ = l.conn.SetReadBuffer(udpReadBuffer) // best effort: the kernel may cap it
	return l, nil
}

// LocalAddr is the link's bound address (useful with port 0 in tests).
func (l *link) LocalAddr() net.Addr { return l.conn.LocalAddr() }

func (l *link) stats() LinkStats {
	return LinkStats{
		URL: l.url, Frames: l.frames.Load(), Bytes: l.bytes.Load(), Unknown: l.unknown.Load(),
		GarbageBytes: l.garbage.Load(), BadChecksum: l.badSum.Load(), Truncated: l.trunc.Load(),
		Undecodable: l.undecodable.Load(), Sent: l.sent.Load(), SendErrors: l.sendErr.Load(),
	}
}

// read receives datagrams until the connection is closed, handing each frame to out.
func (l *link) read(ctx context.Context, now func() time.Time, out chan<- inbound) {
	sc := mavwire.Scanner{Dialect: dialect.ReadWriter}
	buf := make([]byte, 65536)
	for {
		n, from, err := l.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return
			}
			// A UDP read error (e.g. ICMP port unreachable on a client link) is transient.
			continue
		}
		t := now()
		prev := sc.Stats
		stop := false
		sc.Datagram(buf[:n], func(f mavwire.Frame) {
			if stop {
				return
			}
			in := inbound{link: l, from: from, frame: telemetry.Frame{
				Time: t, Link: uint16(l.index), SystemID: f.SystemID, ComponentID: f.ComponentID,
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
			case out <- in:
			case <-ctx.Done():
				stop = true
			}
		})
		l.frames.Add(sc.Stats.Frames - prev.Frames)
		l.bytes.Add(sc.Stats.Bytes - prev.Bytes)
		l.unknown.Add(sc.Stats.Unknown - prev.Unknown)
		l.garbage.Add(sc.Stats.GarbageBytes - prev.GarbageBytes)
		l.badSum.Add(sc.Stats.BadChecksum - prev.BadChecksum)
		l.trunc.Add(sc.Stats.Truncated - prev.Truncated)
		if stop {
			return
		}
	}
}

// send writes one frame to a peer (listening links) or to the connected address.
func (l *link) send(b []byte, to netip.AddrPort) {
	var err error
	if l.listen {
		if !to.IsValid() {
			return
		}
		_, err = l.conn.WriteToUDPAddrPort(b, to)
	} else {
		_, err = l.conn.Write(b)
	}
	if err != nil {
		l.sendErr.Add(1)
		return
	}
	l.sent.Add(1)
}

func (l *link) close() { l.conn.Close() }
