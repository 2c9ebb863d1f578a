//go:build linux

package gcs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
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
