package tak

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
)

// Receiver listens for CoT from TAK clients: udp://0.0.0.0:6969 (or
// udp://239.2.3.1:6969, which joins ATAK's multicast group) and
// tcp://0.0.0.0:PORT (a client streaming to us). Markers it reads go to
// Markers; events that are not CoT are counted and dropped.
type Receiver struct {
	// URLs to listen on.
	URLs []string
	// Markers keeps what is received.
	Markers *Markers
	// (optional) MaxConns bounds TCP clients per listener. Defaults to 16.
	MaxConns int
	// (optional) Logger defaults to slog.Default().
	Logger *slog.Logger

	lns   []net.Listener
	pcs   []net.PacketConn
	wg    sync.WaitGroup
	once  sync.Once
	mu    sync.Mutex
	conns map[net.Conn]struct{}

	received, bad, refused atomic.Uint64
}

// Initialize starts listening.
func (r *Receiver) Initialize() error {
	if r.Markers == nil {
		return errors.New("tak: Receiver needs Markers")
	}
	if r.MaxConns <= 0 {
		r.MaxConns = 16
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	r.conns = map[net.Conn]struct{}{}
	for _, raw := range r.URLs {
		if err := r.listen(raw); err != nil {
			r.Close()
			return err
		}
	}
	return nil
}

func (r *Receiver) listen(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("tak: --cot-listen %q is not a URL such as udp://0.0.0.0:6969", raw)
	}
	switch u.Scheme {
	case "udp":
		addr, err := net.ResolveUDPAddr("udp", u.Host)
		if err != nil {
			return fmt.Errorf("tak: --cot-listen %q: %v", raw, err)
		}
		var pc *net.UDPConn
		if addr.IP != nil && addr.IP.IsMulticast() {
			pc, err = net.ListenMulticastUDP("udp", nil, addr)
		} else {
			pc, err = net.ListenUDP("udp", addr)
		}
		if err != nil {
			return fmt.Errorf("tak: listen %s: %w", raw, err)
		}
		r.pcs = append(r.pcs, pc)
		r.wg.Add(1)
		go r.readUDP(pc, raw)
	case "tcp":
		ln, err := net.Listen("tcp", u.Host)
		if err != nil {
			return fmt.Errorf("tak: listen %s: %w", raw, err)
		}
		r.lns = append(r.lns, ln)
		r.wg.Add(1)
		go r.accept(ln, raw)
	default:
		return fmt.Errorf("tak: --cot-listen %q: scheme %q, want udp or tcp", raw, u.Scheme)
	}
	return nil
}

// Addrs are the local addresses listened on (UDP first), for tests on port 0.
func (r *Receiver) Addrs() []net.Addr {
	var out []net.Addr
	for _, pc := range r.pcs {
		out = append(out, pc.LocalAddr())
	}
	for _, ln := range r.lns {
		out = append(out, ln.Addr())
	}
	return out
}

func (r *Receiver) handle(b []byte, from string) {
	e, err := Parse(b)
	if err != nil {
		r.bad.Add(1)
		return
	}
	r.received.Add(1)
	r.Markers.Put(e, from)
}

func (r *Receiver) readUDP(pc net.PacketConn, from string) {
	defer r.wg.Done()
	buf := make([]byte, MaxEventBytes+1)
	for {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			return // closed
		}
		r.handle(buf[:n], from)
	}
}

func (r *Receiver) accept(ln net.Listener, from string) {
	defer r.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed
		}
		r.mu.Lock()
		if len(r.conns) >= r.MaxConns {
			r.mu.Unlock()
			r.refused.Add(1)
			c.Close()
			continue
		}
		r.conns[c] = struct{}{}
		r.mu.Unlock()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			defer func() {
				r.mu.Lock()
				delete(r.conns, c)
				r.mu.Unlock()
				c.Close()
			}()
			sc := scanEvents(c)
			for sc.Scan() {
				r.handle(sc.Bytes(), from)
			}
			if sc.Err() != nil {
				r.bad.Add(1) // an event over MaxEventBytes: the peer is cut off
			}
		}()
	}
}

// Close stops listening and closes client connections. It is idempotent.
func (r *Receiver) Close() {
	r.once.Do(func() {
		for _, pc := range r.pcs {
			pc.Close()
		}
		for _, ln := range r.lns {
			ln.Close()
		}
		r.mu.Lock()
		for c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
}

// ReceiverStats are the receiver's counters.
type ReceiverStats struct {
	Received, Bad, RefusedConns uint64
}

// Stats returns a snapshot of the counters.
func (r *Receiver) Stats() ReceiverStats {
	return ReceiverStats{Received: r.received.Load(), Bad: r.bad.Load(), RefusedConns: r.refused.Load()}
}
