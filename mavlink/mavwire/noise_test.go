package mavwire_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

// heartbeats is n HEARTBEAT frames of system 42 back to back.
func heartbeats(t testing.TB, n int) []byte {
	t.Helper()
	enc := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 42, ComponentID: 1}
	var out []byte
	for range n {
		var err error
		out, err = enc.Encode(out, &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, MavlinkVersion: 3})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// ours counts the HEARTBEATs of system 42 our stream scanner finds.
func ours(data []byte) int {
	sc := &mavwire.Scanner{Dialect: dialect.ReadWriter}
	n := 0
	count := func(f mavwire.Frame) {
		if f.SystemID == 42 && f.MessageID == 0 && f.Known {
			n++
		}
	}
	for len(data) > 0 { // fed in 1 KiB reads, as a TCP or serial link delivers
		k := min(len(data), 1024)
		sc.Stream(data[:k], count)
		data = data[k:]
	}
	return n
}

// gomavlibs counts the same with gomavlib's frame reader, reading on after
// every error as a link does.
func gomavlibs(data []byte) int {
	r := &frame.Reader{BufByteReader: nil, ByteReader: bytes.NewReader(data), DialectRW: dialect.ReadWriter}
	if err := r.Initialize(); err != nil {
		return 0
	}
	n := 0
	for range len(data) + 1 { // each Read consumes at least one byte
		f, err := r.Read()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			continue
		}
		if f.GetSystemID() == 42 && f.GetMessage().GetID() == 0 {
			n++
		}
	}
	return n
}

// 12 bytes of line noise starting with a MAVLink 2 start byte swallowed 9 238
// of the 20 000 heartbeats after them (issue 12): a frame with unknown
// incompatibility flags was taken as a frame of the length it claimed.
func TestScanner_NoiseWithUnknownIncompatFlags_LosesNothingAfter(t *testing.T) {
	noise := []byte{0xFD, 0xF0, 0x9A, 0x33, 0x12, 0xC4, 0x07, 0xEE, 0x51, 0x00, 0x8B, 0x6D}
	data := append(noise, heartbeats(t, 20000)...)
	if got := ours(data); got != 20000 {
		t.Fatalf("recovered %d of 20000 heartbeats after the noise", got)
	}
	if _, consumed, _, err := mavwire.Parse(noise, dialect.ReadWriter); !errors.Is(err, mavwire.ErrIncompatFlags) || consumed != 1 {
		t.Fatalf("Parse of the noise: consumed %d, %v; want 1 byte and ErrIncompatFlags", consumed, err)
	}
}

// On any noise before a run of good frames, our scanner loses no more of
// them than gomavlib's frame reader does.
func FuzzScanner_Stream_LosesNoMoreThanGomavlib(f *testing.F) {
	f.Add([]byte{0xFD, 0xF0, 0x9A, 0x33, 0x12, 0xC4, 0x07, 0xEE, 0x51, 0x00, 0x8B, 0x6D})
	f.Add([]byte{0xFD, 0xFF, 0x00, 0x00, 0x00, 0x01, 0x01, 0x99, 0x99, 0x01})
	f.Add([]byte{0xFE, 0x30, 0x00})
	f.Add([]byte("ArduCopter V4.8.0 boot\r\n"))
	good := heartbeats(f, 50)
	f.Fuzz(func(t *testing.T, noise []byte) {
		if len(noise) > 600 {
			return
		}
		data := append(append([]byte(nil), noise...), good...)
		o, g := ours(data), gomavlibs(data)
		if o < g {
			t.Fatalf("after %d bytes of noise we recovered %d heartbeats, gomavlib %d", len(noise), o, g)
		}
	})
}
