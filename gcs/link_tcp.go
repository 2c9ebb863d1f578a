package gcs

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"
)

// tcpReconnect is how long a tcp:// link waits before dialling again after
// the connection failed or closed.
const tcpReconnect = time.Second

// tcpClient is tcp://HOST:PORT: it connects to a vehicle or a router (SITL,
// mavlink-router) and reconnects whenever the connection drops.
type tcpClient struct {
	addr   string
	idle   time.Duration
	mu     sync.Mutex
	conn   *streamConn // nil while disconnected
	closed bool        // under mu: a connection dialled while closing is closed at once
	stop   chan struct{}
	once   sync.Once
}

func openTCPClient(sp linkSpec) (*tcpClient, error) {
	if _, err := net.ResolveTCPAddr("tcp", sp.addr); err != nil {
		return nil, err
	}
	return &tcpClient{addr: sp.addr, idle: sp.idle, stop: make(chan struct{})}, nil
}

func (t *tcpClient) run(ctx context.Context, l *link) {
	d := net.Dialer{Timeout: 5 * time.Second}
	for {
		conn, err := d.DialContext(ctx, "tcp", t.addr)
		if err == nil {
			c := newStreamConn(conn, t.idle, &l.idleClosed)
			t.mu.Lock()
			if t.closed {
				// Dialled while close() ran: nobody would close it, and
				// Fleet.Close would wait for its reader forever.
				t.mu.Unlock()
				c.close()
				return
			}
			t.conn = c
			t.mu.Unlock()
			c.readLoop(ctx, l, netip.AddrPort{})
			c.close()
			t.mu.Lock()
			t.conn = nil
			t.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.stop:
			return
		case <-time.After(tcpReconnect):
		}
	}
}

func (t *tcpClient) write(b []byte, _ netip.AddrPort) error {
	t.mu.Lock()
	c := t.conn
	t.mu.Unlock()
	if c == nil {
		return errNoPeer
	}
	return c.enqueue(b)
}

func (t *tcpClient) close() {
	t.once.Do(func() { close(t.stop) })
	t.mu.Lock()
	t.closed = true
	if t.conn != nil {
		t.conn.close()
	}
	t.mu.Unlock()
}

func (t *tcpClient) localAddr() net.Addr {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conn != nil {
		if c, ok := t.conn.rw.(net.Conn); ok {
			return c.LocalAddr()
		}
	}
	return &net.TCPAddr{}
}

func (t *tcpClient) multiPeer() bool { return false }

func (t *tcpClient) connections() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conn != nil {
		return 1
	}
	return 0
}
