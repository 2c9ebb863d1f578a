// Package basemap builds offline vector basemaps from an agency's own GIS
// layers and reads and writes them as PMTiles v3 archives.
//
// The archive format is the PMTiles v3 specification
// (github.com/protomaps/PMTiles, spec/v3/spec.md): a 127-byte header, a root
// directory and optional leaf directories of varint-encoded, gzip-compressed
// entries keyed by Hilbert tile ids, JSON metadata, then the tile data. We
// write and read it here rather than import github.com/protomaps/go-pmtiles:
// that package pulls the AWS, Azure and Google Cloud SDKs and a pure-Go SQLite
// into the binary (measured in docs/dependencies.md), and its directory
// decoder ignores malformed input instead of refusing it. The browser reads
// what we write with the independent `pmtiles` npm package, and a test checks
// that it does.
package basemap

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// HeaderLen is the fixed size of a PMTiles v3 header.
const HeaderLen = 127

// rootMaxLen: the header and root directory must fit in the first 16 KiB so
// that a reader gets both with one request (spec, "Directories").
const rootMaxLen = 16384 - HeaderLen

// Compression is a PMTiles compression code.
type Compression uint8

// Compression codes (spec: "Compression").
const (
	CompressionUnknown Compression = 0
	CompressionNone    Compression = 1
	CompressionGzip    Compression = 2
	CompressionBrotli  Compression = 3
	CompressionZstd    Compression = 4
)

// TileType is a PMTiles tile type code.
type TileType uint8

// Tile types (spec: "Tile Type").
const (
	TileTypeUnknown TileType = 0
	TileTypeMVT     TileType = 1
	TileTypePNG     TileType = 2
	TileTypeJPEG    TileType = 3
	TileTypeWebP    TileType = 4
	TileTypeAVIF    TileType = 5
)

// Header is a PMTiles v3 header.
type Header struct {
	RootOffset, RootLength         uint64
	MetadataOffset, MetadataLength uint64
	LeafDirsOffset, LeafDirsLength uint64
	TileDataOffset, TileDataLength uint64
	AddressedTiles, TileEntries    uint64
	TileContents                   uint64
	Clustered                      bool
	InternalCompression            Compression
	TileCompression                Compression
	TileType                       TileType
	MinZoom, MaxZoom               uint8
	MinLonE7, MinLatE7             int32
	MaxLonE7, MaxLatE7             int32
	CenterZoom                     uint8
	CenterLonE7, CenterLatE7       int32
}

// Entry is one directory entry: a run of RunLength tiles from TileID sharing
// the bytes at Offset/Length, or with RunLength 0 a leaf directory.
type Entry struct {
	TileID    uint64
	Offset    uint64
	Length    uint32
	RunLength uint32
}

var magic = []byte("PMTiles")

func (h *Header) marshal() []byte {
	b := make([]byte, HeaderLen)
	copy(b, magic)
	b[7] = 3
	le := binary.LittleEndian
	for i, v := range []uint64{h.RootOffset, h.RootLength, h.MetadataOffset, h.MetadataLength,
		h.LeafDirsOffset, h.LeafDirsLength, h.TileDataOffset, h.TileDataLength,
		h.AddressedTiles, h.TileEntries, h.TileContents} {
		le.PutUint64(b[8+8*i:], v)
	}
	if h.Clustered {
		b[96] = 1
	}
	b[97], b[98], b[99] = byte(h.InternalCompression), byte(h.TileCompression), byte(h.TileType)
	b[100], b[101] = h.MinZoom, h.MaxZoom
	le.PutUint32(b[102:], uint32(h.MinLonE7))
	le.PutUint32(b[106:], uint32(h.MinLatE7))
	le.PutUint32(b[110:], uint32(h.MaxLonE7))
	le.PutUint32(b[114:], uint32(h.MaxLatE7))
	b[118] = h.CenterZoom
	le.PutUint32(b[119:], uint32(h.CenterLonE7))
	le.PutUint32(b[123:], uint32(h.CenterLatE7))
	return b
}

// ErrNotPMTiles means the data does not start with a PMTiles v3 header.
var ErrNotPMTiles = errors.New("not a PMTiles archive (no \"PMTiles\" magic at the start)")

func unmarshalHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < HeaderLen {
		return h, fmt.Errorf("pmtiles: header is %d bytes, want %d: the file is truncated", len(b), HeaderLen)
	}
	if !bytes.Equal(b[:7], magic) {
		return h, ErrNotPMTiles
	}
	if b[7] != 3 {
		return h, fmt.Errorf("pmtiles: spec version %d, only version 3 is read (convert it with the pmtiles tool)", b[7])
	}
	le := binary.LittleEndian
	f := []*uint64{&h.RootOffset, &h.RootLength, &h.MetadataOffset, &h.MetadataLength,
		&h.LeafDirsOffset, &h.LeafDirsLength, &h.TileDataOffset, &h.TileDataLength,
		&h.AddressedTiles, &h.TileEntries, &h.TileContents}
	for i, p := range f {
		*p = le.Uint64(b[8+8*i:])
	}
	h.Clustered = b[96] == 1
	h.InternalCompression, h.TileCompression, h.TileType = Compression(b[97]), Compression(b[98]), TileType(b[99])
	h.MinZoom, h.MaxZoom = b[100], b[101]
	h.MinLonE7 = int32(le.Uint32(b[102:]))
	h.MinLatE7 = int32(le.Uint32(b[106:]))
	h.MaxLonE7 = int32(le.Uint32(b[110:]))
	h.MaxLatE7 = int32(le.Uint32(b[114:]))
	h.CenterZoom = b[118]
	h.CenterLonE7 = int32(le.Uint32(b[119:]))
	h.CenterLatE7 = int32(le.Uint32(b[123:]))
	return h, nil
}

// TileID is the Hilbert tile id of z/x/y (spec: "Tile IDs"): tiles of lower
// zooms first, then along a Hilbert curve within a zoom.
func TileID(z uint8, x, y uint32) uint64 {
	acc := (uint64(1)<<(2*uint(z)) - 1) / 3
	for a := int(z) - 1; a >= 0; a-- {
		s := uint32(1) << uint(a)
		rx := s & x
		ry := s & y
		acc += uint64((3*rx)^ry) << uint(a)
		x, y = hilbertRotate(s, x, y, rx, ry)
	}
	return acc
}

// TileZXY is the inverse of TileID.
func TileZXY(id uint64) (z uint8, x, y uint32) {
	z = uint8((bits.Len64(3*id+1) - 1) / 2)
	t := id - (uint64(1)<<(2*uint(z))-1)/3
	for a := uint8(0); a < z; a++ {
		s := uint32(1) << a
		rx := 1 & uint32(t>>1)
		ry := 1 & (uint32(t) ^ rx)
		x, y = hilbertRotate(s, x, y, rx, ry)
		x += rx << a
		y += ry << a
		t >>= 2
	}
	return z, x, y
}

func hilbertRotate(n, x, y, rx, ry uint32) (uint32, uint32) {
	if ry == 0 {
		if rx != 0 {
			x = n - 1 - x
			y = n - 1 - y
		}
		return y, x
	}
	return x, y
}

// marshalDirectory encodes entries (sorted by TileID) as the spec's
// columnar varint directory, gzip-compressed.
func marshalDirectory(entries []Entry) []byte {
	var raw []byte
	raw = binary.AppendUvarint(raw, uint64(len(entries)))
	last := uint64(0)
	for _, e := range entries {
		raw = binary.AppendUvarint(raw, e.TileID-last)
		last = e.TileID
	}
	for _, e := range entries {
		raw = binary.AppendUvarint(raw, uint64(e.RunLength))
	}
	for _, e := range entries {
		raw = binary.AppendUvarint(raw, uint64(e.Length))
	}
	for i, e := range entries {
		if i > 0 && e.Offset == entries[i-1].Offset+uint64(entries[i-1].Length) {
			raw = binary.AppendUvarint(raw, 0) // contiguous with the previous entry
		} else {
			raw = binary.AppendUvarint(raw, e.Offset+1)
		}
	}
	return gzipBytes(raw)
}

func gzipBytes(raw []byte) []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // the level is valid: no error
	w.Write(raw)                                          // writes to a bytes.Buffer do not fail
	w.Close()
	return b.Bytes()
}

// maxDirBytes bounds a decompressed directory: a hostile archive must not
// make the reader allocate without limit. A real root or leaf directory of a
// few thousand entries is tens of KiB.
const maxDirBytes = 16 << 20

func decompress(data []byte, c Compression, limit int64) ([]byte, error) {
	switch c {
	case CompressionNone:
		if int64(len(data)) > limit {
			return nil, fmt.Errorf("pmtiles: %d bytes exceed the limit of %d", len(data), limit)
		}
		return data, nil
	case CompressionGzip:
		r, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("pmtiles: bad gzip data: %w", err)
		}
		out, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err != nil {
			return nil, fmt.Errorf("pmtiles: bad gzip data: %w", err)
		}
		if int64(len(out)) > limit {
			return nil, fmt.Errorf("pmtiles: data decompresses beyond the limit of %d bytes", limit)
		}
		return out, nil
	}
	return nil, fmt.Errorf("pmtiles: compression %d is not supported here (only none and gzip): rebuild the archive with gzip", c)
}

// unmarshalDirectory decodes a directory, refusing anything malformed.
func unmarshalDirectory(data []byte, c Compression) ([]Entry, error) {
	raw, err := decompress(data, c, maxDirBytes)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	r := bytes.NewReader(raw)
	next := func(what string, i uint64) (uint64, error) {
		v, err := binary.ReadUvarint(r)
		if err != nil {
			return 0, fmt.Errorf("pmtiles: directory truncated in %s of entry %d", what, i)
		}
		return v, nil
	}
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, errors.New("pmtiles: directory has no entry count")
	}
	// Every entry takes at least four bytes (one per column).
	if n > uint64(len(raw))/4 {
		return nil, fmt.Errorf("pmtiles: directory claims %d entries in %d bytes", n, len(raw))
	}
	es := make([]Entry, n)
	last := uint64(0)
	for i := range es {
		d, err := next("tile id", uint64(i))
		if err != nil {
			return nil, err
		}
		if i > 0 && d == 0 {
			return nil, fmt.Errorf("pmtiles: directory entry %d repeats tile id %d (ids must increase)", i, last)
		}
		if last+d < last {
			return nil, fmt.Errorf("pmtiles: directory entry %d: tile id overflows", i)
		}
		last += d
		es[i].TileID = last
	}
	for i := range es {
		v, err := next("run length", uint64(i))
		if err != nil {
			return nil, err
		}
		if v > 1<<32-1 {
			return nil, fmt.Errorf("pmtiles: directory entry %d: run length %d too large", i, v)
		}
		es[i].RunLength = uint32(v)
	}
	for i := range es {
		v, err := next("length", uint64(i))
		if err != nil {
			return nil, err
		}
		if v == 0 || v > 1<<32-1 {
			return nil, fmt.Errorf("pmtiles: directory entry %d: length %d out of range", i, v)
		}
		es[i].Length = uint32(v)
	}
	for i := range es {
		v, err := next("offset", uint64(i))
		if err != nil {
			return nil, err
		}
		switch {
		case v == 0 && i == 0:
			return nil, errors.New("pmtiles: first directory entry has no offset")
		case v == 0:
			es[i].Offset = es[i-1].Offset + uint64(es[i-1].Length)
		default:
			es[i].Offset = v - 1
		}
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("pmtiles: %d bytes after the directory's entries", r.Len())
	}
	return es, nil
}

// findEntry finds the entry holding id: an exact match, or the run or leaf
// directory that starts before it (spec: "Directory search").
func findEntry(es []Entry, id uint64) (Entry, bool) {
	lo, hi := 0, len(es)-1
	for lo <= hi {
		m := (lo + hi) / 2
		switch {
		case id > es[m].TileID:
			lo = m + 1
		case id < es[m].TileID:
			hi = m - 1
		default:
			return es[m], true
		}
	}
	if hi >= 0 {
		e := es[hi]
		if e.RunLength == 0 || id-e.TileID < uint64(e.RunLength) {
			return e, true
		}
	}
	return Entry{}, false
}
