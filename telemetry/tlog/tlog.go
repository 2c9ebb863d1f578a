// Package tlog reads and writes telemetry logs in the format every MAVLink
// tool reads (QGroundControl, Mission Planner, MAVProxy, pymavlink): a
// sequence of records, each an 8-byte big-endian timestamp in microseconds
// since the Unix epoch followed by one raw MAVLink 1 (0xFE) or 2 (0xFD) frame,
// with no padding.
//
// The Reader takes outside files: a bad checksum, a truncated last record or
// bytes that are not a record are counted and skipped, never fatal, and never
// a panic (FuzzReader).
package tlog

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialect"

	bwdialect "github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

const (
	// maxMicros is 9999-12-31T23:59:59.999999Z: a later timestamp is not a
	// receive time (and no JSON or tool can represent it).
	maxMicros = 253402300799999999

	tsLen = 8
	// recordMax is the longest record: a timestamp and the longest frame.
	recordMax = tsLen + mavwire.MaxFrameLen
)

// Record is one record of a tlog.
type Record struct {
	Time time.Time
	// Frame aliases the Reader's buffer: valid until the next Read.
	Frame mavwire.Frame
}

// Stats counts what a Reader delivered and skipped.
type Stats struct {
	Records      uint64 // records delivered
	Unknown      uint64 // delivered records whose message id is not in the dialect (checksum not verifiable)
	BadChecksum  uint64 // records skipped for a wrong checksum
	GarbageBytes uint64 // bytes skipped that did not start a record
	Truncated    uint64 // a partial record at the end of the file (0 or 1)
	BadTime      uint64 // records skipped for a timestamp after year 9999 (not a time)
	// BadChecksumByID counts the skipped records per message id.
	BadChecksumByID map[uint32]uint64
}

// Reader reads records from a tlog.
type Reader struct {
	// R is the tlog's bytes.
	R io.Reader
	// (optional) Dialect verifies checksums. Defaults to Borderwatch's dialect
	// (ardupilotmega, common and borderwatch).
	Dialect *dialect.ReadWriter

	Stats Stats

	buf  []byte
	r, w int
	eof  bool
	err  error
}

// Initialize prepares the reader.
func (r *Reader) Initialize() error {
	if r.R == nil {
		return errors.New("tlog: Reader needs R")
	}
	if r.Dialect == nil {
		r.Dialect = bwdialect.ReadWriter
	}
	r.buf = make([]byte, 256<<10)
	r.Stats.BadChecksumByID = map[uint32]uint64{}
	return nil
}

// fill makes at least n bytes available unless the input ends first.
func (r *Reader) fill(n int) {
	if r.w-r.r >= n || r.eof {
		return
	}
	if r.r > 0 && len(r.buf)-r.r < n {
		copy(r.buf, r.buf[r.r:r.w])
		r.w -= r.r
		r.r = 0
	}
	for r.w-r.r < n && !r.eof {
		m, err := r.R.Read(r.buf[r.w:])
		r.w += m
		if err != nil {
			r.eof = true
			if !errors.Is(err, io.EOF) {
				r.err = err
			}
		}
	}
}

// Read returns the next good record, or io.EOF at the end of the input (or
// the input's own error).
func (r *Reader) Read() (Record, error) {
	for {
		r.fill(recordMax)
		avail := r.w - r.r
		if avail == 0 {
			return Record{}, r.end()
		}
		if avail < tsLen+1 {
			r.Stats.Truncated++
			r.r = r.w
			return Record{}, r.end()
		}
		b := r.buf[r.r:r.w]
		if m := b[tsLen]; m != mavwire.MagicV1 && m != mavwire.MagicV2 {
			// Not a record here: resynchronise one byte further.
			r.Stats.GarbageBytes++
			r.r++
			continue
		}
		f, consumed, _, err := mavwire.Parse(b[tsLen:], r.Dialect)
		switch {
		case err == nil && binary.BigEndian.Uint64(b) > maxMicros:
			r.r += tsLen + consumed
			r.Stats.BadTime++
		case err == nil:
			r.r += tsLen + consumed
			r.Stats.Records++
			if !f.Known {
				r.Stats.Unknown++
			}
			us := binary.BigEndian.Uint64(b)
			return Record{Time: time.UnixMicro(int64(us)).UTC(), Frame: f}, nil
		case errors.Is(err, mavwire.ErrIncompatFlags), errors.Is(err, mavwire.ErrHidesFrame):
			// A start byte followed by flags no MAVLink 2 frame has: noise.
			r.Stats.GarbageBytes++
			r.r++
		case errors.Is(err, mavwire.ErrChecksum):
			n, id := frameLen(b[tsLen:])
			r.Stats.BadChecksum++
			r.Stats.BadChecksumByID[id]++
			r.r += tsLen + n
		default: // the input ends inside this record
			r.Stats.Truncated++
			r.r = r.w
			return Record{}, r.end()
		}
	}
}

func (r *Reader) end() error {
	if r.err != nil {
		return fmt.Errorf("tlog: read: %w", r.err)
	}
	return io.EOF
}

// frameLen is the length of the frame at b (whose header is complete, since
// Parse checked its checksum) and its message id.
func frameLen(b []byte) (int, uint32) {
	if b[0] == mavwire.MagicV2 {
		n := 10 + int(b[1]) + 2
		if b[2]&mavwire.IncompatFlagSigned != 0 {
			n += 13
		}
		return n, uint32(b[7]) | uint32(b[8])<<8 | uint32(b[9])<<16
	}
	return 6 + int(b[1]) + 2, uint32(b[5])
}

// Writer writes records. Call Flush at the end.
type Writer struct {
	bw  *bufio.Writer
	hdr [tsLen]byte
}

// NewWriter writes records to w through a buffer.
func NewWriter(w io.Writer) *Writer { return &Writer{bw: bufio.NewWriterSize(w, 256<<10)} }

// Write appends one record.
func (w *Writer) Write(t time.Time, raw []byte) error {
	binary.BigEndian.PutUint64(w.hdr[:], uint64(t.UnixMicro()))
	if _, err := w.bw.Write(w.hdr[:]); err != nil {
		return err
	}
	_, err := w.bw.Write(raw)
	return err
}

// Flush writes what is buffered.
func (w *Writer) Flush() error { return w.bw.Flush() }
