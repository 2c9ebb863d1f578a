package gcs

import (
	"context"
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
type serialLink struct {
	path   string
	baud   int
	mu     sync.Mutex
	conn   *streamConn
	closed bool // under mu: a port reopened while closing is closed at once
	stop   chan struct{}
	once   sync.Once
}

func openSerial(sp linkSpec) (*serialLink, error) {
	s := &serialLink{path: sp.addr, baud: sp.baud, stop: make(chan struct{})}
	// Open once now so that a wrong path is reported at start-up, not retried forever.
	p, err := serial.Open(s.path, &serial.Mode{BaudRate: s.baud})
	if err != nil {
		return nil, err
	}
	s.conn = newStreamConn(p, 0) // a quiet radio is not a dead one: no read deadline
	return s, nil
}

func (s *serialLink) run(ctx context.Context, l *link) {
	for {
		s.mu.Lock()
		c := s.conn
		s.mu.Unlock()
		if c != nil {
			c.readLoop(ctx, l, netip.AddrPort{})
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
			s.conn = newStreamConn(p, 0)
			s.mu.Unlock()
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
	s.mu.Unlock()
}

func (s *serialLink) localAddr() net.Addr { return &net.UnixAddr{Name: s.path, Net: "serial"} }
func (s *serialLink) multiPeer() bool     { return false }

func (s *serialLink) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return 1
	}
	return 0
}
