package federation

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// startNATS runs a real NATS server with JetStream on a loopback port, its
// store in the test's temporary folder.
func startNATS(t testing.TB) *Embedded {
	t.Helper()
	e := &Embedded{Listen: "127.0.0.1:0", StoreDir: t.TempDir(), Name: "test"}
	if err := e.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// connect connects to url with a short reconnect wait (tests reconnect in
// milliseconds, not seconds).
func connect(t testing.TB, url, name string) *nats.Conn {
	t.Helper()
	nc, err := Connect(ConnOptions{URL: url, Name: name, ReconnectWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// fakeClock is an injected clock that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// uplink is a station's uplink as a loopback TCP relay to the NATS server
// that the test can cut and restore: a real cut of the station's TCP
// connection (the NATS client sees it closed and reconnects), not a mock.
type uplink struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newUplink(t testing.TB, target string) *uplink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &uplink{ln: ln, target: target}
	u.wg.Add(1)
	go u.serve()
	t.Cleanup(func() {
		ln.Close()
		u.Cut()
		u.wg.Wait()
	})
	return u
}

func (u *uplink) URL() string { return "nats://" + u.ln.Addr().String() }

func (u *uplink) serve() {
	defer u.wg.Done()
	for {
		c, err := u.ln.Accept()
		if err != nil {
			return
		}
		u.mu.Lock()
		if u.cut {
			u.mu.Unlock()
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", u.target)
		if err != nil {
			u.mu.Unlock()
			c.Close()
			continue
		}
		u.conns = append(u.conns, c, s)
		u.mu.Unlock()
		u.wg.Add(2)
		go func() { defer u.wg.Done(); io.Copy(s, c); s.Close() }()
		go func() { defer u.wg.Done(); io.Copy(c, s); c.Close() }()
	}
}

// Cut closes every connection through the uplink and refuses new ones.
func (u *uplink) Cut() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.cut = true
	for _, c := range u.conns {
		c.Close()
	}
	u.conns = nil
}

// Restore lets connections through again.
func (u *uplink) Restore() {
	u.mu.Lock()
	u.cut = false
	u.mu.Unlock()
}
