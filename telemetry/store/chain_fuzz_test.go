package store

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzParseLinkBody: a chain link comes from a file that may have been
// tampered with, so its parser is a parser of outside input. Properties: it
// never panics; a body made by appendEntry parses back to the same entries;
// and whatever parses re-encodes to exactly the bytes it came from (so no
// two bodies parse alike and verification hashes what it read).
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
	f.Add(body())
	f.Add(body(sealEntry{bucket: sealChunk, key: chunkKey(0, 3, 99, 1), vlen: 1000, digest: [32]byte{1}, header: [12]byte{2}}))
	f.Add(body(sealEntry{bucket: sealEvent, key: []byte("0123456789abcdef"), vlen: 40}, sealEntry{bucket: sealAudit, op: opDelete, key: []byte{1}}))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
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
