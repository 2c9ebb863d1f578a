package gcs

import (
	"context"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"go.bug.st/serial"
)

// serialReopen is how long a serial link waits before reopening a port that
// failed (a USB radio unplugged and plugged back).
const serialReopen = time.Second

// serialLink is serial:///dev/ttyUSB0?baud=57600: a telemetry radio or an
// autopilot's USB port. It reopens the port when it fails.
//
// A serial port has no read or write deadlines (go.bug.st/serial offers
// none for writes, and a read timeout would only end one read), so a
// watchdog bounds it instead: a port on which nothing arrived for the
// fleet's idle timeout (a vehicle sends a HEARTBEAT every second: a hung USB
// adapter, a radio whose driver stopped delivering), or whose write has not
// completed within streamWriteTimeout (hardware flow control holding it), is
// closed, counted in the link's IdleClosed, and reopened after serialReopen.
// Closing wakes a blocked read (the library's close signal); a write blocked
// in the kernel is not woken by a close, so its goroutine ends only when the
// device gives up, while the link goes on with the reopened port.
type serialLink struct {
	path string
	baud int
	idle time.Duration // watchdog: 0 disables it
	mu   sync.Mutex
	port io.ReadWriteCloser // opened, not yet running (the first open)
	conn *streamConn
	// closed is set under mu: a port reopened while closing is closed at once.
	closed bool
	stop   chan struct{}
	once   sync.Once
}

func openSerial(sp linkSpec) (*serialLink, error) {
	s := &serialLink{path: sp.addr, baud: sp.baud, idle: sp.idle, stop: make(chan struct{})}
	// Open once now so that a wrong path is reported at start-up, not retried forever.
	p, err := serial.Open(s.path, &serial.Mode{BaudRate: s.baud})
	if err != nil {
		return nil, err
	}
	s.port = p
	return s, nil
}

func (s *serialLink) run(ctx context.Context, l *link) {
	for {
		s.mu.Lock()
		p := s.port
		s.port = nil
		var c *streamConn
		if p != nil && !s.closed {
			c = newStreamConn(p, 0, &l.idleClosed)
			s.conn = c
		} else if p != nil {
			p.Close()
		}
		s.mu.Unlock()
		if c != nil {
			watched := make(chan struct{})
			go s.watch(c, l, watched)
			c.readLoop(ctx, l, netip.AddrPort{})
			close(watched)
			c.close()
			s.mu.Lock()
			s.conn = nil
			s.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			return
		case <-time.After(serialReopen):
		}
		if p, err := serial.Open(s.path, &serial.Mode{BaudRate: s.baud}); err == nil {
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				p.Close()
				return
			}
			s.port = p
			s.mu.Unlock()
		}
	}
}

// watch closes c when it stalls (see serialLink), until done.
func (s *serialLink) watch(c *streamConn, l *link, done <-chan struct{}) {
	if s.idle <= 0 {
		return
	}
	// Four looks per bound, so that a stall is caught within a quarter of it.
	tick := time.NewTicker(max(min(s.idle, streamWriteTimeout)/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		if c.stalled(s.idle, streamWriteTimeout) != nil {
			if !c.closed.Load() {
				l.idleClosed.Add(1)
			}
			c.close() // wakes the reader; run reopens the port
			return
		}
	}
}

func (s *serialLink) write(b []byte, _ netip.AddrPort) error {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c == nil {
		return errNoPeer
	}
	return c.enqueue(b)
}

func (s *serialLink) close() {
	s.once.Do(func() { close(s.stop) })
	s.mu.Lock()
	s.closed = true
	if s.conn != nil {
		s.conn.close()
	}
	if s.port != nil {
		s.port.Close()
		s.port = nil
	}
	s.mu.Unlock()
}

func (s *serialLink) localAddr() net.Addr { return &net.UnixAddr{Name: s.path, Net: "serial"} }
func (s *serialLink) multiPeer() bool     { return false }

func (s *serialLink) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil || s.port != nil {
		return 1
	}
	return 0
}
