// Package mavwire reads and writes MAVLink 1 and 2 frames as bytes.
//
// gomavlib's frame reader hides the bytes it read, but Borderwatch records the raw
// frame (it is the record, see docs/architecture.md), counts the garbage it skips
// (autopilot boot banners) and verifies signatures per vehicle. So this package
// frames, checks and signs bytes itself and leaves message (de)serialisation to
// gomavlib's dialect ReadWriter, but for the four most frequent messages, which
// it decodes by their wire layout into gomavlib's structs (fast.go).
package mavwire

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// Frame markers and sizes from the MAVLink serialisation spec (mavlink.io/en/guide/serialization.html).
const (
	MagicV1 = 0xFE
	MagicV2 = 0xFD

	headerLenV1  = 6
	headerLenV2  = 10
	checksumLen  = 2
	signatureLen = 13 // link id (1) + timestamp (6) + signature (6)

	// IncompatFlagSigned marks a MAVLink 2 frame that carries a signature.
	IncompatFlagSigned = 0x01

	// MaxFrameLen is the longest possible frame: a signed MAVLink 2 frame with a 255-byte payload.
	MaxFrameLen = headerLenV2 + 255 + checksumLen + signatureLen
)

// Frame is one MAVLink frame as it came off the wire. Raw and Payload alias the
// buffer the frame was scanned from: copy them to keep them.
type Frame struct {
	Raw         []byte // the whole frame, magic byte to checksum (and signature)
	Payload     []byte // the message payload (MAVLink 2 trailing zeros truncated)
	V2          bool
	Incompat    uint8
	Seq         uint8
	SystemID    uint8
	ComponentID uint8
	MessageID   uint32
	// Known says whether the message id is in the dialect; only then was the checksum verified.
	Known bool
}

// Signed reports whether the frame carries a MAVLink 2 signature.
func (f Frame) Signed() bool { return f.V2 && f.Incompat&IncompatFlagSigned != 0 }

// Signature returns the link id, timestamp (10 µs units since 2015-01-01) and the
// 6-byte signature of a signed frame.
func (f Frame) Signature() (linkID uint8, timestamp uint64, sig [6]byte, ok bool) {
	if !f.Signed() || len(f.Raw) < signatureLen {
		return 0, 0, sig, false
	}
	s := f.Raw[len(f.Raw)-signatureLen:]
	linkID = s[0]
	timestamp = uint48(s[1:7])
	copy(sig[:], s[7:13])
	return linkID, timestamp, sig, true
}

// Decode turns the payload into a typed gomavlib message of the dialect
// (the frequent ones by their wire layout: fast.go).
func (f Frame) Decode(rw *dialect.ReadWriter) (message.Message, error) {
	mp := rw.GetMessage(f.MessageID)
	if mp == nil {
		return nil, fmt.Errorf("message id %d is not in the dialect", f.MessageID)
	}
	if msg, ok, err := decodeFast(f.MessageID, f.Payload, f.V2); ok {
		return msg, err
	}
	// The full slice expression stops gomavlib's zero-extension of truncated
	// MAVLink 2 payloads from appending into (and overwriting) the rest of Raw.
	p := f.Payload[:len(f.Payload):len(f.Payload)]
	return mp.Read(&message.MessageRaw{ID: f.MessageID, Payload: p}, f.V2)
}

// Sentinel errors of Parse.
var (
	// ErrIncomplete means the buffer ends inside a frame: feed more bytes (streams) or drop it (datagrams).
	ErrIncomplete = errors.New("mavwire: incomplete frame")
	// ErrChecksum means a candidate frame failed its checksum; one byte was consumed so scanning resumes after its magic byte.
	ErrChecksum = errors.New("mavwire: bad checksum")
	// ErrIncompatFlags means a MAVLink 2 start byte is followed by
	// incompatibility flags this implementation does not understand, which
	// the spec says must not be parsed as a frame: it is noise, not a frame.
	// One byte was consumed so scanning resumes after the start byte.
	ErrIncompatFlags = errors.New("mavwire: unknown incompatibility flags")
	// ErrHidesFrame means a candidate frame of a message id the dialect does
	// not define (no checksum to check) would cover the start of a frame
	// whose checksum verifies: the candidate is noise. One byte was consumed.
	ErrHidesFrame = errors.New("mavwire: unverifiable frame over a verified one")
)

// Parse looks for the first frame in buf. It returns the frame, how many bytes of
// buf it consumed (garbage before the frame included) and how many of those were
// garbage. On ErrIncomplete, consumed covers only the garbage before the partial
// frame; on ErrChecksum it covers the garbage and the bad frame's magic byte.
func Parse(buf []byte, rw *dialect.ReadWriter) (f Frame, consumed, garbage int, err error) {
	return parse(buf, rw, true)
}

// hidesVerified reports whether a frame that starts inside buf[1:n] — the
// span an unverifiable candidate claims — parses with a verified checksum.
func hidesVerified(buf []byte, n int, rw *dialect.ReadWriter) bool {
	for i := 1; i < n && i < len(buf); i++ {
		if buf[i] != MagicV1 && buf[i] != MagicV2 {
			continue
		}
		if g, _, _, err := parse(buf[i:], rw, false); err == nil && g.Known {
			return true
		}
	}
	return false
}

func parse(buf []byte, rw *dialect.ReadWriter, checkHidden bool) (f Frame, consumed, garbage int, err error) {
	start := 0
	for start < len(buf) && buf[start] != MagicV1 && buf[start] != MagicV2 {
		start++
	}
	garbage = start
	if start == len(buf) {
		return Frame{}, start, garbage, ErrIncomplete
	}
	b := buf[start:]

	var hdr, plen int
	if b[0] == MagicV2 {
		hdr = headerLenV2
	} else {
		hdr = headerLenV1
	}
	if len(b) < 2 {
		return Frame{}, start, garbage, ErrIncomplete
	}
	plen = int(b[1])
	total := hdr + plen + checksumLen
	if b[0] == MagicV2 {
		if len(b) < 3 {
			return Frame{}, start, garbage, ErrIncomplete
		}
		// mavlink.io (serialization, incompat_flags): a frame with a flag
		// the receiver does not understand is dropped. Checking it before
		// waiting for the length it claims keeps line noise that starts with
		// 0xFD from swallowing the real frames after it.
		if b[2]&^IncompatFlagSigned != 0 {
			return Frame{}, start + 1, garbage, ErrIncompatFlags
		}
		if b[2]&IncompatFlagSigned != 0 {
			total += signatureLen
		}
	}
	if len(b) < total {
		return Frame{}, start, garbage, ErrIncomplete
	}
	raw := b[:total]

	f = Frame{Raw: raw, V2: raw[0] == MagicV2}
	if f.V2 {
		f.Incompat = raw[2]
		f.Seq = raw[4]
		f.SystemID = raw[5]
		f.ComponentID = raw[6]
		f.MessageID = uint32(raw[7]) | uint32(raw[8])<<8 | uint32(raw[9])<<16
	} else {
		f.Seq = raw[2]
		f.SystemID = raw[3]
		f.ComponentID = raw[4]
		f.MessageID = uint32(raw[5])
	}
	f.Payload = raw[hdr : hdr+plen]

	if mp := rw.GetMessage(f.MessageID); mp != nil {
		f.Known = true
		want := checksum(raw[1:hdr+plen], mp.CRCExtra())
		got := binary.LittleEndian.Uint16(raw[hdr+plen:])
		if want != got {
			return Frame{}, start + 1, garbage, ErrChecksum
		}
	} else if checkHidden && hidesVerified(b, total, rw) {
		// A message id the dialect does not define has no checksum we can
		// check, so noise that looks like a frame header passes as one; it
		// must never swallow a frame whose checksum does verify.
		return Frame{}, start + 1, garbage, ErrHidesFrame
	}
	return f, start + total, garbage, nil
}

// checksum is the frame's MAVLink checksum (fast.go: the table).
func checksum(headerAndPayload []byte, crcExtra byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range headerAndPayload {
		crc = crcAdd(crc, b)
	}
	return crcAdd(crc, crcExtra)
}

func uint48(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 | uint64(b[4])<<32 | uint64(b[5])<<40
}
