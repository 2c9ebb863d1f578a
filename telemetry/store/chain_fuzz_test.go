package store

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzParseLinkBody: a chain link comes from a file that may have been
// tampered with, so its parser is a parser of outside input. Properties: it
// never panics; a body made by appendEntry parses back to the same entries;
// and whatever parses re-encodes to exactly the bytes it came from (one
// body, one reading).
func FuzzParseLinkBody(f *testing.F) {
	body := func(entries ...sealEntry) []byte {
		b := binary.BigEndian.AppendUint64(nil, 1234)
		b = append(b, 0)
		b = binary.AppendUvarint(b, uint64(len(entries)))
		for i := range entries {
			b = appendEntry(b, &entries[i])
		}
		return b
	}
	seeds := [][]sealEntry{
		nil,
		{{bucket: sealChunk, key: chunkKey(0, 3, 99, 1), vlen: 1000, digest: [32]byte{1}, header: [12]byte{2}}},
		{{bucket: sealEvent, key: []byte("0123456789abcdef"), vlen: 40, digest: [32]byte{3}}, {bucket: sealAudit, op: opDelete, key: []byte{1}}},
	}
	for _, entries := range seeds {
		b := body(entries...)
		_, _, got, err := parseLinkBody(b)
		if err != nil || len(got) != len(entries) {
			f.Fatalf("seed %x: %v, %d entries", b, err, len(got))
		}
		for i := range got {
			if got[i].bucket != entries[i].bucket || got[i].op != entries[i].op || !bytes.Equal(got[i].key, entries[i].key) ||
				got[i].vlen != entries[i].vlen || got[i].digest != entries[i].digest || got[i].header != entries[i].header {
				f.Fatalf("seed entry %d parsed as %+v, want %+v", i, got[i], entries[i])
			}
		}
		f.Add(b)
	}
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		at, flags, entries, err := parseLinkBody(data)
		if err != nil {
			return
		}
		again := binary.BigEndian.AppendUint64(nil, uint64(at.UnixMicro()))
		again = append(again, flags)
		again = binary.AppendUvarint(again, uint64(len(entries)))
		for i := range entries {
			again = appendEntry(again, &entries[i])
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("body %x parses to entries that encode as %x", data, again)
		}
	})
}
