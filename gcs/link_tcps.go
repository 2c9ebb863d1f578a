package gcs

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"
)

// tcpServer is tcps://HOST:PORT: vehicles or routers connect to it; each
// connection is a peer, answered like a UDP sender.
type tcpServer struct {
	ln       *net.TCPListener
	idle     time.Duration
	maxConns int
	mu       sync.Mutex
	conns    map[netip.AddrPort]*streamConn
	closed   bool // under mu: a connection accepted while closing is closed at once
	wg       sync.WaitGroup
}

// DefaultMaxTCPConnections bounds a tcps:// link's peers: a fleet's
// vehicles or routers, not an unbounded number of strangers.
const DefaultMaxTCPConnections = 64

func openTCPServer(sp linkSpec) (*tcpServer, error) {
	a, err := net.ResolveTCPAddr("tcp", sp.addr)
	if err != nil {
		return nil, err
	}
	ln, err := net.ListenTCP("tcp", a)
	if err != nil {
		return nil, err
	}
	return &tcpServer{ln: ln, idle: sp.idle, maxConns: sp.maxConns, conns: map[netip.AddrPort]*streamConn{}}, nil
}

func (t *tcpServer) run(ctx context.Context, l *link) {
	defer t.wg.Wait()
	for {
		conn, err := t.ln.AcceptTCP()
		if err != nil {
			return // closed
		}
		from := conn.RemoteAddr().(*net.TCPAddr).AddrPort()
		t.mu.Lock()
		if t.closed || len(t.conns) >= t.maxConns {
			closing := t.closed
			t.mu.Unlock()
			// Counted before the close: a peer that sees its connection
			// closed must also see it counted in the link's statistics.
			if !closing {
				l.refusedConns.Add(1)
			}
			conn.Close()
			continue
		}
		c := newStreamConn(conn, t.idle, &l.idleClosed)
		t.conns[from] = c
		t.mu.Unlock()
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			c.readLoop(ctx, l, from)
			c.close()
			t.mu.Lock()
			delete(t.conns, from)
			t.mu.Unlock()
		}()
	}
}

func (t *tcpServer) write(b []byte, to netip.AddrPort) error {
	t.mu.Lock()
	c := t.conns[to]
	t.mu.Unlock()
	if c == nil {
		return errNoPeer
	}
	return c.enqueue(b)
}

func (t *tcpServer) close() {
	t.ln.Close()
	t.mu.Lock()
	t.closed = true
	for _, c := range t.conns {
		c.close()
	}
	t.mu.Unlock()
}

func (t *tcpServer) localAddr() net.Addr { return t.ln.Addr() }
func (t *tcpServer) multiPeer() bool     { return true }

func (t *tcpServer) connections() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}
