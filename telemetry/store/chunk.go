package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Frames are packed into chunks, many frames per bbolt value, as time-series
// databases do: one key per frame costs a B+tree entry and a Put each, which
// caps a bbolt writer at about 6 % of a plain file's append rate (BRIEF.md).
//
// A chunk holds the frames of one vehicle of one stream, in arrival order.
// Its key sorts by stream, then vehicle, then the time of its first frame,
// so that seeking to a time for one vehicle is one B+tree seek, and for a set
// of vehicles one seek each followed by a merge. A vehicle of the default
// network (id = system id < 256) has the key every store has used:
//
//	key:   stream u32 BE | sysid u8 | first frame µs u64 BE | seq u32 BE   (17 bytes)
//
// and a vehicle of another network (id ≥ 256, telemetry.VehicleID) has
//
//	key:   stream u32 BE | 0xFF 0xFF | vehicle id u32 BE | first frame µs u64 BE | seq u32 BE   (22 bytes)
//
// so stores written before networks existed read as they are, with no
// migration and no change to their evidence chain. The 0xFF 0xFF marker sorts
// after every 17-byte key of the stream (a default-network key has its
// system id, then a time whose top byte is 0 until the year 4000), and keys
// are told apart by their length as well. Every chunk's value is
//
//	value: version u8 (1) | last frame µs u64 BE | count u32 BE | records…
//	record: time delta µs from the previous frame (zig-zag varint) | link (uvarint) | len (uvarint) | raw frame
//
// The delta is signed so that a frame received out of order (two links, a
// clock step) is kept with its own time rather than clamped. The seq suffix
// keeps keys unique when two chunks of one vehicle start in the same µs.
const (
	chunkKeyLen    = 17 // a default-network vehicle's key
	netChunkKeyLen = 22 // another network's vehicle's key
	chunkKeySuffix = 12 // first frame µs | seq, after the vehicle prefix
	chunkHeaderLen = 13
	chunkVersion   = 1
	// maxChunkBytes closes a chunk once it is this large: big enough that the
	// per-key and per-page cost vanishes (16 KiB gave about 0.17 of a plain
	// file's append rate, 64 KiB about 0.25), small enough that a seek decodes
	// little (tens of µs).
	maxChunkBytes = 64 << 10
	// chunkStartBytes is a new chunk's first buffer; it grows fourfold as
	// the chunk fills (grow: 4, 16, 64 KiB, two copies of at most 16 KiB). Each vehicle has a chunk open, and a fleet heard
	// at once opens them all in one commit: a whole chunk's buffer each
	// was 2000 × 64 KiB allocated and zeroed in a 2000-drone server's
	// first second (the GC it drove slowed every goroutine), and held
	// while a chunk took minutes to fill.
	chunkStartBytes = 4 << 10
)

func chunkKey(stream uint32, id telemetry.VehicleID, firstUS uint64, seq uint32) []byte {
	k := vehiclePrefix(stream, id)
	k = binary.BigEndian.AppendUint64(k, firstUS)
	return binary.BigEndian.AppendUint32(k, seq)
}

// vehiclePrefix is the key prefix of every chunk of one vehicle of one stream.
func vehiclePrefix(stream uint32, id telemetry.VehicleID) []byte {
	p := make([]byte, 4, netChunkKeyLen)
	binary.BigEndian.PutUint32(p, stream)
	if id < 256 {
		return append(p, byte(id))
	}
	p = append(p, 0xFF, 0xFF)
	return binary.BigEndian.AppendUint32(p, uint32(id))
}

// nextVehiclePrefix is the first key after every chunk of vehicle id in the
// stream: where the next vehicle's chunks may begin.
func nextVehiclePrefix(stream uint32, id telemetry.VehicleID) []byte {
	if id == 255 {
		return append(binary.BigEndian.AppendUint32(nil, stream), 0xFF, 0xFF)
	}
	return vehiclePrefix(stream, id+1)
}

// isVehicleKey reports whether k is a chunk key under prefix (a
// vehiclePrefix): the prefix alone is not enough, as the default network's
// system id 255 prefix is also the start of other networks' keys.
func isVehicleKey(k, prefix []byte) bool {
	return len(k) == len(prefix)+chunkKeySuffix && bytes.HasPrefix(k, prefix)
}

type chunkKeyParts struct {
	stream  uint32
	id      telemetry.VehicleID
	firstUS uint64
}

func parseChunkKey(k []byte) (chunkKeyParts, bool) {
	switch {
	case len(k) == chunkKeyLen:
		return chunkKeyParts{
			stream:  binary.BigEndian.Uint32(k[0:4]),
			id:      telemetry.VehicleID(k[4]),
			firstUS: binary.BigEndian.Uint64(k[5:13]),
		}, true
	case len(k) == netChunkKeyLen && k[4] == 0xFF && k[5] == 0xFF:
		id := telemetry.VehicleID(binary.BigEndian.Uint32(k[6:10]))
		if id < 256 {
			return chunkKeyParts{}, false
		}
		return chunkKeyParts{
			stream:  binary.BigEndian.Uint32(k[0:4]),
			id:      id,
			firstUS: binary.BigEndian.Uint64(k[10:18]),
		}, true
	}
	return chunkKeyParts{}, false
}

// chunkBuilder accumulates the frames of one chunk.
type chunkBuilder struct {
	key    []byte // nil until the first frame
	firstU uint64
	lastU  uint64 // time of the previous frame (delta base)
	maxU   uint64 // latest frame time (the header's "last")
	count  uint32
	buf    []byte // header + records
	// dirty is set by add and cleared when the chunk is stored.
	dirty bool
	// h hashes the records (buf after the header) up to hashed, for the
	// evidence chain: each commit hashes only the bytes added since the last.
	h      hash.Hash
	hashed int
}

func (c *chunkBuilder) empty() bool { return c.count == 0 }

// reset starts a new chunk in a new buffer: bbolt keeps a reference to a
// value until its transaction commits, so the old one must not be reused.
func (c *chunkBuilder) reset() {
	c.key = nil
	c.count = 0
	c.buf = nil
	c.dirty = false
	c.hashed = 0
}

// add appends one frame; key is the chunk's key when it is the first frame
// (see needsKey). The header is written by value().
func (c *chunkBuilder) add(us uint64, link uint16, raw []byte, key []byte) {
	if c.count == 0 {
		c.key = key
		c.firstU, c.lastU, c.maxU = us, us, us
		c.buf = append(make([]byte, 0, chunkStartBytes), make([]byte, chunkHeaderLen)...)
		c.buf[0] = chunkVersion
	}
	c.grow(len(raw) + 3*binary.MaxVarintLen64) // the time delta, link and length varints
	c.buf = binary.AppendVarint(c.buf, int64(us)-int64(c.lastU))
	if link < 0x80 {
		c.buf = append(c.buf, byte(link), byte(len(raw)))
		if len(raw) >= 0x80 {
			c.buf = binary.AppendUvarint(c.buf[:len(c.buf)-1], uint64(len(raw)))
		}
	} else {
		c.buf = binary.AppendUvarint(c.buf, uint64(link))
		c.buf = binary.AppendUvarint(c.buf, uint64(len(raw)))
	}
	c.buf = append(c.buf, raw...)
	c.lastU = us
	if us > c.maxU {
		c.maxU = us
	}
	c.count++
	c.dirty = true
}

// grow makes room for n more bytes, the buffer growing fourfold up to a
// whole chunk's size (doubling cost the recorder benchmark a quarter of
// its rate in copies and garbage; fourfold costs nothing measurable). The old buffer is left as it is: a value handed to bbolt is
// referenced until its transaction commits.
func (c *chunkBuilder) grow(n int) {
	if len(c.buf)+n <= cap(c.buf) {
		return
	}
	size := min(max(4*cap(c.buf), chunkStartBytes), maxChunkBytes+512)
	c.buf = append(make([]byte, 0, max(size, len(c.buf)+n)), c.buf...)
}

// digest is SHA-256 of the chunk's records so far (the value after its header).
func (c *chunkBuilder) digest() [32]byte {
	if c.h == nil {
		c.h = sha256.New()
	}
	if c.hashed < chunkHeaderLen {
		c.h.Reset()
		c.hashed = chunkHeaderLen
	}
	c.h.Write(c.buf[c.hashed:])
	c.hashed = len(c.buf)
	var out [32]byte
	c.h.Sum(out[:0])
	return out
}

// needsKey reports whether the next frame starts the chunk.
func (c *chunkBuilder) needsKey() bool { return c.count == 0 }

// value is the chunk's bbolt value, its header brought up to date.
func (c *chunkBuilder) value() []byte {
	binary.BigEndian.PutUint64(c.buf[1:9], c.maxU)
	binary.BigEndian.PutUint32(c.buf[9:13], c.count)
	return c.buf
}

func (c *chunkBuilder) full() bool { return len(c.buf) >= maxChunkBytes }

// chunkLast is the time of the latest frame in a chunk value.
func chunkLast(v []byte) (uint64, error) {
	if len(v) < chunkHeaderLen || v[0] != chunkVersion {
		return 0, fmt.Errorf("%w: chunk header", ErrCorruptRecord)
	}
	return binary.BigEndian.Uint64(v[1:9]), nil
}

func chunkCount(v []byte) (uint32, error) {
	if len(v) < chunkHeaderLen || v[0] != chunkVersion {
		return 0, fmt.Errorf("%w: chunk header", ErrCorruptRecord)
	}
	return binary.BigEndian.Uint32(v[9:13]), nil
}

// chunkReader decodes the frames of one chunk value. The frames' Raw slices
// alias the value (bbolt's memory map): valid only inside the transaction.
type chunkReader struct {
	v    []byte
	off  int
	us   uint64
	left uint32
	id   telemetry.VehicleID
}

func (r *chunkReader) reset(key, v []byte) error {
	kp, ok := parseChunkKey(key)
	if !ok || len(v) < chunkHeaderLen || v[0] != chunkVersion {
		return fmt.Errorf("%w: chunk %x", ErrCorruptRecord, key)
	}
	r.v, r.off, r.us, r.id = v, chunkHeaderLen, kp.firstUS, kp.id
	r.left = binary.BigEndian.Uint32(v[9:13])
	return nil
}

// next decodes the next frame into f, or reports false at the chunk's end.
func (r *chunkReader) next(f *telemetry.Frame) (bool, error) {
	if r.left == 0 {
		return false, nil
	}
	d, n := binary.Varint(r.v[r.off:])
	if n <= 0 {
		return false, fmt.Errorf("%w: frame time in chunk", ErrCorruptRecord)
	}
	r.off += n
	link, n := binary.Uvarint(r.v[r.off:])
	if n <= 0 || link > 0xFFFF {
		return false, fmt.Errorf("%w: frame link in chunk", ErrCorruptRecord)
	}
	r.off += n
	l, n := binary.Uvarint(r.v[r.off:])
	if n <= 0 || l > uint64(len(r.v)-r.off-n) {
		return false, fmt.Errorf("%w: frame length in chunk", ErrCorruptRecord)
	}
	r.off += n
	raw := r.v[r.off : r.off+int(l) : r.off+int(l)]
	r.off += int(l)
	r.us = uint64(int64(r.us) + d)
	r.left--
	if err := fillFrame(f, r.us, uint16(link), raw); err != nil {
		return false, err
	}
	f.Network = r.id.Network()
	return true, nil
}

// fillFrame sets f from a stored raw frame, reading the ids from its header.
func fillFrame(f *telemetry.Frame, us uint64, link uint16, raw []byte) error {
	f.Time = time.UnixMicro(int64(us)).UTC()
	f.Link = link
	f.Raw = raw
	switch {
	case len(raw) >= 12 && raw[0] == 0xFD:
		f.SystemID, f.ComponentID = raw[5], raw[6]
		f.MessageID = uint32(raw[7]) | uint32(raw[8])<<8 | uint32(raw[9])<<16
	case len(raw) >= 8 && raw[0] == 0xFE:
		f.SystemID, f.ComponentID, f.MessageID = raw[3], raw[4], uint32(raw[5])
	default:
		return fmt.Errorf("%w: frame at %d µs is not MAVLink", ErrCorruptRecord, us)
	}
	return nil
}

// micros is t in microseconds since the Unix epoch; earlier times clamp to 0
// so that the zero time.Time means "from the beginning".
func micros(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	us := t.UnixMicro()
	if us < 0 {
		return 0
	}
	return uint64(us)
}
