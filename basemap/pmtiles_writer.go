package basemap

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Archive is a set of tiles ready to be written as a PMTiles v3 file.
type Archive struct {
	// TileType of every tile; TileCompression says how their bytes are
	// compressed (MVT tiles from Build are gzip).
	TileType        TileType
	TileCompression Compression
	// Bounds and Center describe the covered area; CenterZoom the zoom to
	// open at.
	Bounds     orb.Bound
	Center     orb.Point
	CenterZoom uint8
	// Metadata is written as the archive's JSON metadata (vector_layers …).
	Metadata map[string]any

	tiles map[uint64][]byte
}

// Put stores one tile's bytes (already compressed as TileCompression says).
func (a *Archive) Put(z uint8, x, y uint32, data []byte) {
	if a.tiles == nil {
		a.tiles = make(map[uint64][]byte)
	}
	a.tiles[TileID(z, x, y)] = data
}

// Len is the number of tiles stored.
func (a *Archive) Len() int { return len(a.tiles) }

// WriteTo writes the archive: header, root directory, metadata, leaf
// directories, then the tile data in tile-id order with identical tiles
// (open sea, inland squares of a country) stored once.
func (a *Archive) WriteTo(w io.Writer) (int64, error) {
	if len(a.tiles) == 0 {
		return 0, fmt.Errorf("pmtiles: no tiles to write (no layer reached any tile)")
	}
	ids := make([]uint64, 0, len(a.tiles))
	for id := range a.tiles {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })

	var (
		data     []byte
		entries  []Entry
		seen     = make(map[[32]byte]Entry)
		contents uint64
	)
	minZ, maxZ := uint8(255), uint8(0)
	for _, id := range ids {
		t := a.tiles[id]
		z, _, _ := TileZXY(id)
		minZ, maxZ = min(minZ, z), max(maxZ, z)
		sum := sha256.Sum256(t)
		loc, dup := seen[sum]
		if !dup {
			loc = Entry{Offset: uint64(len(data)), Length: uint32(len(t))}
			data = append(data, t...)
			seen[sum] = loc
			contents++
		}
		// A run: the same bytes for the next tile id.
		if n := len(entries); n > 0 && dup && entries[n-1].Offset == loc.Offset &&
			entries[n-1].TileID+uint64(entries[n-1].RunLength) == id {
			entries[n-1].RunLength++
			continue
		}
		entries = append(entries, Entry{TileID: id, Offset: loc.Offset, Length: loc.Length, RunLength: 1})
	}
	root, leaves := buildDirectories(entries)

	meta, err := json.Marshal(a.Metadata)
	if err != nil {
		return 0, fmt.Errorf("pmtiles: metadata: %w", err)
	}
	meta = gzipBytes(meta)

	h := Header{
		RootOffset: HeaderLen, RootLength: uint64(len(root)),
		AddressedTiles: uint64(len(ids)), TileEntries: uint64(len(entries)), TileContents: contents,
		Clustered:           true,
		InternalCompression: CompressionGzip, TileCompression: a.TileCompression, TileType: a.TileType,
		MinZoom: minZ, MaxZoom: maxZ, CenterZoom: a.CenterZoom,
		MinLonE7: e7(a.Bounds.Min[0]), MinLatE7: e7(a.Bounds.Min[1]),
		MaxLonE7: e7(a.Bounds.Max[0]), MaxLatE7: e7(a.Bounds.Max[1]),
		CenterLonE7: e7(a.Center[0]), CenterLatE7: e7(a.Center[1]),
	}
	h.MetadataOffset = h.RootOffset + h.RootLength
	h.MetadataLength = uint64(len(meta))
	h.LeafDirsOffset = h.MetadataOffset + h.MetadataLength
	h.LeafDirsLength = uint64(len(leaves))
	h.TileDataOffset = h.LeafDirsOffset + h.LeafDirsLength
	h.TileDataLength = uint64(len(data))

	var n int64
	for _, part := range [][]byte{h.marshal(), root, meta, leaves, data} {
		m, err := w.Write(part)
		n += int64(m)
		if err != nil {
			return n, fmt.Errorf("pmtiles: write: %w", err)
		}
	}
	return n, nil
}

func e7(v float64) int32 { return int32(math.Round(v * 1e7)) }

// buildDirectories makes the root directory, and leaf directories when all
// entries do not fit in the root's 16 KiB: the root then points at leaves of
// growing size until it fits (as the reference writer does).
func buildDirectories(entries []Entry) (root, leaves []byte) {
	if root = marshalDirectory(entries); len(root) <= rootMaxLen {
		return root, nil
	}
	for leafSize := max(4096, len(entries)/3500); ; leafSize = leafSize * 6 / 5 {
		var rootEntries []Entry
		leaves = leaves[:0]
		for i := 0; i < len(entries); i += leafSize {
			leaf := marshalDirectory(entries[i:min(i+leafSize, len(entries))])
			rootEntries = append(rootEntries, Entry{TileID: entries[i].TileID, Offset: uint64(len(leaves)), Length: uint32(len(leaf))})
			leaves = append(leaves, leaf...)
		}
		if root = marshalDirectory(rootEntries); len(root) <= rootMaxLen {
			return root, leaves
		}
	}
}
