//go:build linux

package gcs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

// openPTY makes a pseudo-terminal pair: the fleet opens the slave as its
// serial port, the test plays the radio on the master. A real serial device
// is not available on a build machine; a pty goes through the same termios
// setup and read/write path of the serial library.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlock pty: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skipf("pty number: %v", e)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

func TestFleet_Links_SerialSkipsBootBanner(t *testing.T) {
	master, path := openPTY(t)
	f := newTestFleet(t, &telemetry.Hub{}, nil, "serial://"+path+"?baud=115200")
	enc := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 11, ComponentID: 1}
	hb, _ := enc.Encode(nil, copterHB())
	banner := []byte("ChibiOS boot\r\nArduCopter V4.8.0\r\n")
	if _, err := master.Write(append(banner, hb...)); err != nil {
		t.Fatal(err)
	}
	// The link reader counts a frame after handing it to the fleet, so wait
	// for the count too: on a loaded machine the vehicle can appear first.
	testenv.Eventually(t, 5*time.Second, "vehicle over the serial port, its frame counted", func() bool {
		_, ok, _ := f.Vehicle(context.Background(), 11)
		return ok && f.LinkStats()[0].Frames >= 1
	})
	if st := f.LinkStats()[0]; st.GarbageBytes != uint64(len(banner)) || st.Frames != 1 {
		t.Fatalf("serial stats %+v", st)
	}
	// The GCS heartbeat comes back out of the port.
	got := make(chan bool, 1)
	go func() {
		sc := mavwire.Scanner{Dialect: dialect.ReadWriter}
		buf := make([]byte, 512)
		found := false
		_ = master.SetReadDeadline(time.Now().Add(5 * time.Second))
		for !found {
			n, err := master.Read(buf)
			if err != nil {
				break
			}
			sc.Stream(bytes.Clone(buf[:n]), func(fr mavwire.Frame) {
				if m, err := fr.Decode(dialect.ReadWriter); err == nil {
					if h, ok := m.(*common.MessageHeartbeat); ok && h.Type == common.MAV_TYPE_GCS {
						found = true
					}
				}
			})
		}
		got <- found
	}()
	if !<-got {
		t.Fatal("no GCS heartbeat on the serial port")
	}
}

// A serial port has no deadlines, so a port on which nothing arrives for the
// idle timeout (a hung USB adapter) was held for ever. The watchdog closes
// it, counts it, and reopens it; a vehicle heard on the reopened port is
// heard again. The waits are conditions with generous bounds (a pty is a
// real device: its reads cannot run in synctest's virtual time).
func TestFleet_Links_SerialWatchdog_ReopensSilentPort(t *testing.T) {
	master, path := openPTY(t)
	f := newTestFleet(t, &telemetry.Hub{}, func(f *Fleet) { f.StreamIdleTimeout = 200 * time.Millisecond }, "serial://"+path+"?baud=115200")
	enc := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 12, ComponentID: 1}
	hb, _ := enc.Encode(nil, copterHB())
	if _, err := master.Write(hb); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, "vehicle over the serial port", func() bool {
		return f.LinkStats()[0].Frames >= 1
	})
	// Silence: the watchdog closes the port.
	testenv.Eventually(t, 30*time.Second, "the silent port closed by the watchdog", func() bool {
		return f.LinkStats()[0].IdleClosed >= 1
	})
	// The port is reopened: heartbeats written now are read again.
	before := f.LinkStats()[0].Frames
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			hb, _ := enc.Encode(nil, copterHB())
			_, _ = master.Write(hb) // fails while no one holds the port open
		}
	}()
	testenv.Eventually(t, 30*time.Second, "frames read on the reopened port", func() bool {
		st := f.LinkStats()[0]
		return st.Frames > before && st.Connections == 1
	})
}

// blockingPort is a port whose writes never complete until it is closed
// (hardware flow control holding a real port's writes): an io.Pipe nobody
// reads. A real serial device that holds writes cannot be had on a build
// machine, and a pty's buffer is too large to fill reliably.
type blockingPort struct {
	in   *io.PipeReader // reads: its writer never writes
	inW  *io.PipeWriter
	out  *io.PipeWriter // writes: its reader never reads
	outR *io.PipeReader
}

func newBlockingPort() *blockingPort {
	in, inW := io.Pipe()
	outR, out := io.Pipe()
	return &blockingPort{in: in, inW: inW, out: out, outR: outR}
}

func (p *blockingPort) Read(b []byte) (int, error)  { return p.in.Read(b) }
func (p *blockingPort) Write(b []byte) (int, error) { return p.out.Write(b) }

// Close wakes a blocked read and a blocked write, as closing a port does.
func (p *blockingPort) Close() error {
	p.in.Close()
	p.outR.Close()
	return nil
}

// A write that never completes is bounded by the watchdog too: after
// streamWriteTimeout the port is closed (which wakes the writer and the
// reader) and counted. In virtual time (synctest), with an idle timeout far
// longer, so that only the stalled write can be the cause.
func TestSerialWatchdog_StalledWrite_ClosesAndCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{}
		s := &serialLink{idle: time.Hour}
		p := newBlockingPort()
		c := newStreamConn(p, 0, &l.idleClosed)
		done := make(chan struct{})
		defer close(done)
		go s.watch(c, l, done)
		if err := c.enqueue([]byte{0xFD}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(streamWriteTimeout - time.Second)
		synctest.Wait()
		if c.closed.Load() || l.idleClosed.Load() != 0 {
			t.Fatalf("closed before the write timeout (idle closes %d)", l.idleClosed.Load())
		}
		// The watchdog looks four times per bound: caught within a quarter of it.
		time.Sleep(time.Second + streamWriteTimeout/4 + time.Second)
		synctest.Wait()
		if !c.closed.Load() || l.idleClosed.Load() != 1 {
			t.Fatalf("closed %v, idle closes %d; want the stalled port closed and counted once", c.closed.Load(), l.idleClosed.Load())
		}
	})
}

// The idle rule in virtual time: a port silent for the idle timeout is
// closed and counted; one that receives bytes in time is not.
func TestSerialWatchdog_Silence_ClosesAfterIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &link{}
		s := &serialLink{idle: 30 * time.Second}
		p := newBlockingPort()
		c := newStreamConn(p, 0, &l.idleClosed)
		done := make(chan struct{})
		defer close(done)
		go s.watch(c, l, done)
		// Bytes at 20 s keep it open past 30 s.
		time.Sleep(20 * time.Second)
		c.lastRead.Store(int64(time.Since(c.born)))
		time.Sleep(20 * time.Second)
		synctest.Wait()
		if c.closed.Load() {
			t.Fatal("closed although bytes arrived 20 s ago")
		}
		time.Sleep(15 * time.Second)
		synctest.Wait()
		if !c.closed.Load() || l.idleClosed.Load() != 1 {
			t.Fatalf("closed %v, idle closes %d; want closed after 30 s of silence, counted once", c.closed.Load(), l.idleClosed.Load())
		}
	})
}

// A serial port whose device goes away (the radio unplugged: here the pty's
// master closes, and its slave node disappears) makes the link down.
func TestFleet_CheckLinks_SerialPortGone(t *testing.T) {
	master, path := openPTY(t)
	f := newTestFleet(t, &telemetry.Hub{}, nil, "serial://"+path+"?baud=57600")
	if err := f.CheckLinks(); err != nil {
		t.Fatalf("serial port open: %v", err)
	}
	master.Close()
	testenv.Eventually(t, 10*time.Second, "the serial link reported down", func() bool { return f.CheckLinks() != nil })
	if err := f.CheckLinks(); !strings.Contains(err.Error(), "serial://"+path) || !strings.Contains(err.Error(), "port is not open") {
		t.Fatalf("CheckLinks: %v", err)
	}
}
