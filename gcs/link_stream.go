package gcs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
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

// errStalled reports a stream connection closed because it was idle past its
// timeout or a write stalled: a dead peer, not an error of ours.
var errStalled = errors.New("stream idle or write stalled")

// deadliner is what net.Conn offers and a serial port does not.
type deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// streamConn is one byte-stream connection (a TCP connection or a serial
// port) with a bounded write queue drained by its own goroutine, so that a
// stalled peer never blocks the sender.
type streamConn struct {
	rw    io.ReadWriteCloser
	idle  time.Duration // read deadline (0: none)
	queue chan []byte
	// stalls counts connections closed by a deadline (the link's idleClosed).
	stalls *atomic.Uint64
	closed atomic.Bool
	done   chan struct{}

	// For a watchdog where the transport has no deadlines (serial): the
	// monotonic time since born of the last read that returned bytes, and of
	// the start of the write in progress (-1: none).
	born      time.Time
	lastRead  atomic.Int64
	writeFrom atomic.Int64
}

func newStreamConn(rw io.ReadWriteCloser, idle time.Duration, stalls *atomic.Uint64) *streamConn {
	c := &streamConn{rw: rw, idle: idle, stalls: stalls, queue: make(chan []byte, streamQueueLen), done: make(chan struct{}), born: time.Now()}
	c.writeFrom.Store(-1)
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
			c.writeFrom.Store(int64(time.Since(c.born)))
			_, err := c.rw.Write(b)
			c.writeFrom.Store(-1)
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) && !c.closed.Load() {
					c.stalls.Add(1)
				}
				c.close()
				return
			}
		case <-c.done:
			return
		}
	}
}

// stalled is the watchdog's test for a transport without deadlines: nothing
// read for idle (the connection's age counts as silence until the first
// read), or a write in progress for longer than writeTimeout.
func (c *streamConn) stalled(idle, writeTimeout time.Duration) error {
	now := time.Since(c.born)
	if w := c.writeFrom.Load(); w >= 0 && now-time.Duration(w) > writeTimeout {
		return fmt.Errorf("%w: a write has not completed for %v", errStalled, writeTimeout)
	}
	if now-time.Duration(c.lastRead.Load()) > idle {
		return fmt.Errorf("%w: nothing received for %v", errStalled, idle)
	}
	return nil
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
		if n > 0 {
			c.lastRead.Store(int64(time.Since(c.born)))
			if !l.receive(ctx, &sc, buf[:n], from, true) {
				return
			}
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) && !c.closed.Load() {
				c.stalls.Add(1) // idle past the read deadline: a dead peer
			}
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
