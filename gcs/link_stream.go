package gcs

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

var (
	errQueueFull = errors.New("write queue full")
	errNoPeer    = errors.New("no connected peer")
)

// streamQueueLen bounds a stream connection's pending frames: a peer that
// stops reading loses frames (counted) instead of stalling the fleet.
const streamQueueLen = 256

// Stream deadlines. A vehicle sends a HEARTBEAT every second, so a TCP
// connection silent for DefaultStreamIdle is dead (a peer gone without a FIN,
// a half-open connection) and is closed, and a tcp:// link dials again; a
// write that cannot complete within streamWriteTimeout (a peer that stopped
// reading) closes the connection instead of holding its writer forever.
const (
	DefaultStreamIdle  = 30 * time.Second
	streamWriteTimeout = 10 * time.Second
)

// deadliner is what net.Conn offers and a serial port does not.
type deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// streamConn is one byte-stream connection (a TCP connection or a serial
// port) with a bounded write queue drained by its own goroutine, so that a
// stalled peer never blocks the sender.
type streamConn struct {
	rw     io.ReadWriteCloser
	idle   time.Duration // read deadline (0: none)
	queue  chan []byte
	closed atomic.Bool
	done   chan struct{}
}

func newStreamConn(rw io.ReadWriteCloser, idle time.Duration) *streamConn {
	c := &streamConn{rw: rw, idle: idle, queue: make(chan []byte, streamQueueLen), done: make(chan struct{})}
	go c.writeLoop()
	return c
}

func (c *streamConn) writeLoop() {
	dl, _ := c.rw.(deadliner)
	for {
		select {
		case b := <-c.queue:
			if dl != nil {
				_ = dl.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
			}
			if _, err := c.rw.Write(b); err != nil {
				c.close()
				return
			}
		case <-c.done:
			return
		}
	}
}

// enqueue copies b (the caller reuses its buffer) onto the write queue.
func (c *streamConn) enqueue(b []byte) error {
	if c.closed.Load() {
		return errNoPeer
	}
	select {
	case c.queue <- append([]byte(nil), b...):
		return nil
	default:
		return errQueueFull
	}
}

// readLoop scans the stream until it fails; garbage between frames (an
// autopilot's boot banner) is skipped and counted by the scanner.
func (c *streamConn) readLoop(ctx context.Context, l *link, from netip.AddrPort) {
	sc := mavwire.Scanner{Dialect: dialect.ReadWriter}
	buf := make([]byte, 4096)
	dl, _ := c.rw.(deadliner)
	for {
		if dl != nil && c.idle > 0 {
			_ = dl.SetReadDeadline(time.Now().Add(c.idle))
		}
		n, err := c.rw.Read(buf)
		if n > 0 && !l.receive(ctx, &sc, buf[:n], from, true) {
			return
		}
		if err != nil {
			return
		}
	}
}

func (c *streamConn) close() {
	if c.closed.CompareAndSwap(false, true) {
		close(c.done)
		c.rw.Close()
	}
}
