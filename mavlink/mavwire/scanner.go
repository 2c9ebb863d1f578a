package mavwire

import (
	"errors"

	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
)

// Stats counts what a Scanner saw. Unknown frames (message ids outside the
// dialect) are still delivered: their checksum cannot be verified, but the raw
// frame is kept as the record.
type Stats struct {
	Frames       uint64 // frames delivered
	Bytes        uint64 // bytes of delivered frames
	Unknown      uint64 // delivered frames whose message id is not in the dialect
	GarbageBytes uint64 // non-MAVLink bytes skipped (boot banners, line noise)
	BadChecksum  uint64 // candidate frames dropped for a wrong checksum
	Truncated    uint64 // partial frames dropped at the end of a datagram
}

// Scanner extracts frames from datagrams or from a byte stream and counts what
// it had to skip. It is not safe for concurrent use: one per connection.
type Scanner struct {
	// Dialect to verify checksums with.
	Dialect *dialect.ReadWriter

	Stats Stats
	tail  []byte // stream bytes that may start a frame
}

// Datagram scans one datagram (UDP): frames may be packed back to back. A
// partial frame is dropped and counted, and scanning resumes after its magic
// byte, so a stray magic byte in garbage cannot hide a real frame behind it.
// fn's frame aliases data.
func (s *Scanner) Datagram(data []byte, fn func(Frame)) {
	truncated := false
	for len(data) > 0 {
		n, incomplete, delivered := s.step(data, fn)
		if delivered {
			truncated = false
		}
		if incomplete {
			truncated = true
			s.Stats.GarbageBytes++
			n++
		}
		data = data[n:]
	}
	if truncated {
		s.Stats.Truncated++
	}
}

// Stream scans the next bytes of a stream (TCP, serial): a partial frame at the
// end is kept until the next call. fn's frame aliases an internal buffer.
func (s *Scanner) Stream(data []byte, fn func(Frame)) {
	buf := data
	if len(s.tail) > 0 {
		s.tail = append(s.tail, data...)
		buf = s.tail
	}
	for len(buf) > 0 {
		n, incomplete, _ := s.step(buf, fn)
		buf = buf[n:]
		if incomplete {
			break
		}
	}
	// Keep the unconsumed bytes; a frame is never longer than MaxFrameLen, so the tail stays small.
	s.tail = append(s.tail[:0], buf...)
}

// step handles one Parse result: how far to advance, whether buf[n:] starts an
// incomplete frame, and whether a frame was delivered.
func (s *Scanner) step(buf []byte, fn func(Frame)) (n int, incomplete, delivered bool) {
	f, n, garbage, err := Parse(buf, s.Dialect)
	s.Stats.GarbageBytes += uint64(garbage)
	switch {
	case err == nil:
		s.Stats.Frames++
		s.Stats.Bytes += uint64(len(f.Raw))
		if !f.Known {
			s.Stats.Unknown++
		}
		fn(f)
		return n, false, true
	case errors.Is(err, ErrChecksum):
		s.Stats.BadChecksum++
		return n, false, false
	case errors.Is(err, ErrIncompatFlags), errors.Is(err, ErrHidesFrame):
		s.Stats.GarbageBytes++ // the start byte was noise
		return n, false, false
	default: // ErrIncomplete: only garbage, or a partial frame at buf[n:]
		return n, n < len(buf), false
	}
}
