package simulator

import (
	"net"
	"sync"
	"time"
)

// tcpConn is a tcp://HOST:PORT link: the fleet connects to the GCS's TCP
// server (gcs tcps://) and reconnects after a second when the connection drops.
type tcpConn struct {
	addr string

	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

// tcpWriteTimeout bounds a write so that a GCS that stops reading cannot stall the fleet's loop.
const tcpWriteTimeout = 200 * time.Millisecond

func (t *tcpConn) write(b []byte) error {
	t.mu.Lock()
	c := t.conn
	t.mu.Unlock()
	if c == nil {
		return errNotConnected
	}
	_ = c.SetWriteDeadline(time.Now().Add(tcpWriteTimeout))
	if _, err := c.Write(b); err != nil {
		c.Close() // the reader notices and reconnects
		return err
	}
	return nil
}

func (t *tcpConn) set(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.conn = c
	return true
}

func (t *tcpConn) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	if t.conn != nil {
		t.conn.Close()
	}
}

// readTCP connects, reads and hands chunks of the stream to the loop, and reconnects.
func (f *Fleet) readTCP(l *link) {
	defer f.wg.Done()
	buf := make([]byte, 65536)
	for f.ctx.Err() == nil {
		c, err := (&net.Dialer{Timeout: 2 * time.Second}).DialContext(f.ctx, "tcp", l.tcp.addr)
		if err != nil {
			select {
			case <-f.ctx.Done():
				return
			case <-time.After(time.Second):
				continue
			}
		}
		if !l.tcp.set(c) {
			c.Close()
			return
		}
		for {
			n, err := c.Read(buf)
			if err != nil {
				break
			}
			select {
			case f.in <- inbound{l: l, data: append([]byte(nil), buf[:n]...)}:
			default:
				f.inDrops.Add(1)
			}
		}
		l.tcp.set(nil)
		c.Close()
	}
}
