package basemap

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// maxTileBytes bounds one tile; maxMetadataBytes the decompressed metadata.
const (
	maxTileBytes     = 16 << 20
	maxMetadataBytes = 16 << 20
	// maxDirDepth: the spec allows leaf directories under the root; real
	// archives nest one level, and a bound stops a directory that points at
	// itself.
	maxDirDepth = 4
)

// Reader reads tiles from a PMTiles v3 archive. It refuses malformed
// archives with an error and never panics on them (FuzzOpen).
type Reader struct {
	r    io.ReaderAt
	size int64
	// Header is the archive's header.
	Header Header
	root   []Entry

	// mu guards leaves, a bounded cache of decoded leaf directories by
	// offset: reading many tiles would otherwise inflate the same leaf
	// again for every tile.
	mu     sync.Mutex
	leaves map[uint64][]Entry
}

// maxCachedLeaves bounds the leaf cache (a leaf is ~4096 entries, ~100 KiB).
const maxCachedLeaves = 64

func (rd *Reader) leaf(e Entry) ([]Entry, error) {
	rd.mu.Lock()
	es, ok := rd.leaves[e.Offset]
	rd.mu.Unlock()
	if ok {
		return es, nil
	}
	if e.Offset > rd.Header.LeafDirsLength || uint64(e.Length) > rd.Header.LeafDirsLength-e.Offset {
		return nil, fmt.Errorf("pmtiles: leaf directory at %d lies outside the leaf section", e.Offset)
	}
	b, err := rd.read(rd.Header.LeafDirsOffset+e.Offset, uint64(e.Length))
	if err != nil {
		return nil, err
	}
	if es, err = unmarshalDirectory(b, rd.Header.InternalCompression); err != nil {
		return nil, fmt.Errorf("leaf %w", err)
	}
	rd.mu.Lock()
	if rd.leaves == nil || len(rd.leaves) >= maxCachedLeaves {
		rd.leaves = make(map[uint64][]Entry)
	}
	rd.leaves[e.Offset] = es
	rd.mu.Unlock()
	return es, nil
}

// Open reads the header and root directory of the archive in r (size bytes).
func Open(r io.ReaderAt, size int64) (*Reader, error) {
	hb := make([]byte, HeaderLen)
	if size < HeaderLen {
		return nil, fmt.Errorf("pmtiles: file is %d bytes, shorter than a header (%d)", size, HeaderLen)
	}
	if _, err := r.ReadAt(hb, 0); err != nil {
		return nil, fmt.Errorf("pmtiles: read header: %w", err)
	}
	h, err := unmarshalHeader(hb)
	if err != nil {
		return nil, err
	}
	rd := &Reader{r: r, size: size, Header: h}
	for _, s := range []struct {
		name     string
		off, len uint64
	}{{"root directory", h.RootOffset, h.RootLength}, {"metadata", h.MetadataOffset, h.MetadataLength},
		{"leaf directories", h.LeafDirsOffset, h.LeafDirsLength}, {"tile data", h.TileDataOffset, h.TileDataLength}} {
		if s.off > uint64(size) || s.len > uint64(size)-s.off {
			return nil, fmt.Errorf("pmtiles: %s (offset %d, %d bytes) runs past the end of the %d-byte file: truncated or corrupt", s.name, s.off, s.len, size)
		}
	}
	if h.RootOffset+h.RootLength > 16384 {
		return nil, fmt.Errorf("pmtiles: root directory ends at byte %d, past the first 16384 bytes the spec allows", h.RootOffset+h.RootLength)
	}
	if h.MinZoom > h.MaxZoom || h.MaxZoom > 31 {
		return nil, fmt.Errorf("pmtiles: zoom range %d..%d is invalid", h.MinZoom, h.MaxZoom)
	}
	rootBytes, err := rd.read(h.RootOffset, h.RootLength)
	if err != nil {
		return nil, err
	}
	if rd.root, err = unmarshalDirectory(rootBytes, h.InternalCompression); err != nil {
		return nil, fmt.Errorf("root %w", err)
	}
	return rd, nil
}

func (rd *Reader) read(off, n uint64) ([]byte, error) {
	if off > uint64(rd.size) || n > uint64(rd.size)-off {
		return nil, fmt.Errorf("pmtiles: range %d+%d is outside the %d-byte file", off, n, rd.size)
	}
	b := make([]byte, n)
	if _, err := rd.r.ReadAt(b, int64(off)); err != nil {
		return nil, fmt.Errorf("pmtiles: read %d bytes at %d: %w", n, off, err)
	}
	return b, nil
}

// Metadata decodes the archive's JSON metadata.
func (rd *Reader) Metadata() (map[string]any, error) {
	b, err := rd.read(rd.Header.MetadataOffset, rd.Header.MetadataLength)
	if err != nil {
		return nil, err
	}
	raw, err := decompress(b, rd.Header.InternalCompression, maxMetadataBytes)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	m := map[string]any{}
	if len(raw) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("pmtiles: metadata is not a JSON object: %w", err)
	}
	return m, nil
}

// Tile returns the stored bytes of tile z/x/y (compressed as
// Header.TileCompression says), or ok false when the archive has no such tile.
func (rd *Reader) Tile(z uint8, x, y uint32) (data []byte, ok bool, err error) {
	if z > 31 || x >= 1<<z || y >= 1<<z {
		return nil, false, fmt.Errorf("pmtiles: tile %d/%d/%d does not exist", z, x, y)
	}
	id := TileID(z, x, y)
	dir := rd.root
	for depth := 0; depth < maxDirDepth; depth++ {
		e, found := findEntry(dir, id)
		if !found {
			return nil, false, nil
		}
		if e.RunLength > 0 {
			if e.Length > maxTileBytes {
				return nil, false, fmt.Errorf("pmtiles: tile %d/%d/%d is %d bytes, over the limit of %d", z, x, y, e.Length, maxTileBytes)
			}
			if e.Offset > rd.Header.TileDataLength || uint64(e.Length) > rd.Header.TileDataLength-e.Offset {
				return nil, false, fmt.Errorf("pmtiles: tile %d/%d/%d lies outside the tile data section", z, x, y)
			}
			b, err := rd.read(rd.Header.TileDataOffset+e.Offset, uint64(e.Length))
			return b, err == nil, err
		}
		var err error
		if dir, err = rd.leaf(e); err != nil {
			return nil, false, err
		}
	}
	return nil, false, fmt.Errorf("pmtiles: directories nest deeper than %d levels", maxDirDepth)
}

// Entries calls fn for every tile entry of the archive, walking leaf
// directories, in tile-id order.
func (rd *Reader) Entries(fn func(Entry) error) error {
	var walk func(es []Entry, depth int) error
	walk = func(es []Entry, depth int) error {
		if depth >= maxDirDepth {
			return fmt.Errorf("pmtiles: directories nest deeper than %d levels", maxDirDepth)
		}
		for _, e := range es {
			if e.RunLength > 0 {
				if err := fn(e); err != nil {
					return err
				}
				continue
			}
			leaf, err := rd.leaf(e)
			if err != nil {
				return err
			}
			if err := walk(leaf, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(rd.root, 0)
}
