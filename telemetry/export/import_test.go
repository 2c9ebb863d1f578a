package export_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/export"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// plainRecord is one record as read by plainRead: an independent reader of
// the tlog record format (timestamp, then a frame whose length follows from
// its header), with its own checksum code, sharing nothing with package tlog
// but the dialect's CRC_EXTRA table.
type plainRecord struct {
	us    uint64
	raw   []byte
	id    uint32
	sysid uint8
	crcOK bool
}

func plainRead(t *testing.T, data []byte) (recs []plainRecord, trailing int) {
	for len(data) >= 9 {
		b := data[8:]
		var n, hdr int
		var id uint32
		var sysid uint8
		switch b[0] {
		case 0xFE:
			hdr = 6
			if len(b) < hdr {
				return recs, len(data)
			}
			n, id, sysid = hdr+int(b[1])+2, uint32(b[5]), b[3]
		case 0xFD:
			hdr = 10
			if len(b) < hdr {
				return recs, len(data)
			}
			n, id, sysid = hdr+int(b[1])+2, uint32(b[7])|uint32(b[8])<<8|uint32(b[9])<<16, b[5]
			if b[2]&1 != 0 {
				n += 13
			}
		default:
			t.Fatalf("plain reader: no frame after a timestamp (%x): the shared tlogs have no garbage", b[0])
		}
		if len(b) < n {
			break
		}
		raw := b[:n]
		ok := true
		if mp := dialect.ReadWriter.GetMessage(id); mp != nil {
			plen := int(b[1])
			sum := x25(append(slices.Clone(raw[1:hdr+plen]), mp.CRCExtra()))
			ok = sum == binary.LittleEndian.Uint16(raw[hdr+plen:])
		}
		recs = append(recs, plainRecord{us: binary.BigEndian.Uint64(data), raw: raw, id: id, sysid: sysid, crcOK: ok})
		data = data[8+n:]
	}
	return recs, len(data)
}

// x25 is the MAVLink checksum (CRC-16/MCRF4XX), written out here so that the
// test does not check the reader with its own code.
func x25(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		tmp := c ^ byte(crc)
		tmp ^= tmp << 4
		crc = (crc >> 8) ^ (uint16(tmp) << 8) ^ (uint16(tmp) << 3) ^ (uint16(tmp) >> 4)
	}
	return crc
}

// Figures from ../shared/data/SOURCES.md, found there with another parser.
var documented = map[string]struct{ frames, badCRC int }{
	"dronekit_python/flight.tlog":  {76791, 1314},
	"dronekit_python/test.tlog":    {417, 0},
	"ardusub_log_tools/small.tlog": {35916, 4},
}

func TestStore_ImportTlog_SharedLogsAgreeWithPlainReader(t *testing.T) {
	dir := filepath.Join(testenv.SharedData(t), "tlogs")
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tlog") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatalf("no .tlog files under %s", dir)
	}
	for _, file := range files {
		rel, _ := filepath.Rel(dir, file)
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			plain, trailing := plainRead(t, data)
			var good []plainRecord
			bad := 0
			for _, r := range plain {
				if r.crcOK {
					good = append(good, r)
				} else {
					bad++
				}
			}
			if d, ok := documented[filepath.ToSlash(rel)]; ok && (len(plain) != d.frames || bad != d.badCRC) {
				t.Fatalf("plain reader: %d frames, %d bad CRC; SOURCES.md says %d and %d", len(plain), bad, d.frames, d.badCRC)
			}

			s := storetest.MustOpen(t)
			res, err := s.ImportTlog(bytes.NewReader(data), "import:"+rel, nil)
			if err != nil {
				t.Fatal(err)
			}
			if int(res.Frames) != len(good) || int(res.Skipped.BadChecksum) != bad {
				t.Fatalf("imported %d frames, skipped %d bad CRC; the plain reader has %d good, %d bad", res.Frames, res.Skipped.BadChecksum, len(good), bad)
			}
			if wantTrunc := trailing > 0; (res.Skipped.Truncated == 1) != wantTrunc {
				t.Fatalf("truncated last record counted %d times; the file ends with %d partial bytes", res.Skipped.Truncated, trailing)
			}

			// Message-id histogram and every frame's bytes and time, per system in file order.
			stored := map[uint8][]telemetry.Frame{}
			err = s.Scan(store.Query{Stream: res.Stream}, func(f telemetry.Frame) bool {
				stored[f.SystemID] = append(stored[f.SystemID], f)
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
			wantBySys := map[uint8][]plainRecord{}
			wantHist, gotHist := map[uint32]int{}, map[uint32]int{}
			for _, r := range good {
				wantBySys[r.sysid] = append(wantBySys[r.sysid], r)
				wantHist[r.id]++
			}
			for _, fs := range stored {
				for _, f := range fs {
					gotHist[f.MessageID]++
				}
			}
			if !mapsEqual(wantHist, gotHist) {
				t.Fatalf("message-id histogram differs:\n stored %v\n plain  %v", gotHist, wantHist)
			}
			var track, plainTrack []pos
			for sysid, want := range wantBySys {
				got := sortByArrival(stored[sysid], want)
				if len(got) != len(want) {
					t.Fatalf("system %d: %d frames stored, %d in the file", sysid, len(got), len(want))
				}
				for i := range want {
					if uint64(got[i].Time.UnixMicro()) != want[i].us || !bytes.Equal(got[i].Raw, want[i].raw) {
						t.Fatalf("system %d frame %d differs", sysid, i)
					}
					if want[i].id == 33 {
						plainTrack = append(plainTrack, plainPos(want[i]))
						track = append(track, decodePos(t, got[i]))
					}
				}
			}
			if len(track) == 0 && strings.Contains(rel, "dronekit") {
				t.Fatal("no GLOBAL_POSITION_INT in a log that has a track")
			}
			for i := range track {
				if track[i] != plainTrack[i] {
					t.Fatalf("position %d: stored %+v, file %+v", i, track[i], plainTrack[i])
				}
			}

			// One sortie per vehicle, with the other systems (a GCS) as companions.
			sorties, err := s.Sorties(store.SortieFilter{})
			if err != nil || len(sorties) != len(res.Sorties) || len(sorties) == 0 {
				t.Fatalf("sorties %+v, %v; import reported %d", sorties, err, len(res.Sorties))
			}
			for _, so := range sorties {
				if so.Stream != res.Stream || so.Open || so.Frames != uint64(len(wantBySys[so.SystemID])) {
					t.Errorf("sortie %+v: want closed, in stream %d, with %d frames", so, res.Stream, len(wantBySys[so.SystemID]))
				}
				if len(so.Systems()) != len(wantBySys) {
					t.Errorf("sortie of system %d covers systems %v; the file has %d", so.SystemID, so.Systems(), len(wantBySys))
				}
			}
			t.Logf("%s: %d frames, %d bad CRC, truncated %d; sorties %d (vehicle %d, companions %v), %.0f m, max alt %.1f m",
				rel, res.Frames, bad, res.Skipped.Truncated, len(sorties), sorties[0].SystemID, sorties[0].Companions, sorties[0].DistanceM, sorties[0].MaxAltM)

			// Export the whole sortie as a tlog and import it again: the same frames.
			var out bytes.Buffer
			if _, err := export.Sortie(&out, s, sorties[0], export.TLog, export.Options{}); err != nil {
				t.Fatal(err)
			}
			again, err := s.ImportTlog(bytes.NewReader(out.Bytes()), "reimport", nil)
			if err != nil {
				t.Fatal(err)
			}
			if again.Frames != res.Frames || again.Skipped.BadChecksum != 0 || again.Skipped.Truncated != 0 {
				t.Fatalf("re-import: %d frames (%+v); first import %d", again.Frames, again.Skipped, res.Frames)
			}
			var a, b []telemetry.Frame
			_ = s.Scan(store.Query{Stream: res.Stream}, func(f telemetry.Frame) bool { a = append(a, f); return true })
			_ = s.Scan(store.Query{Stream: again.Stream}, func(f telemetry.Frame) bool { b = append(b, f); return true })
			for i := range a {
				if !a[i].Time.Equal(b[i].Time) || !bytes.Equal(a[i].Raw, b[i].Raw) {
					t.Fatalf("re-imported frame %d differs", i)
				}
			}
		})
	}
}

// sortByArrival returns the stored frames of one system in the file's order.
// The store keeps a system's frames in arrival order within a chunk and
// orders chunks by their first time, so a log whose clock steps back can
// come out in another order; matching by (time, bytes) restores it.
func sortByArrival(got []telemetry.Frame, want []plainRecord) []telemetry.Frame {
	inOrder := len(got) == len(want)
	for i := 0; inOrder && i < len(got); i++ {
		inOrder = uint64(got[i].Time.UnixMicro()) == want[i].us && bytes.Equal(got[i].Raw, want[i].raw)
	}
	if inOrder {
		return got
	}
	slices.SortStableFunc(got, func(a, b telemetry.Frame) int { return a.Time.Compare(b.Time) })
	slices.SortStableFunc(want, func(a, b plainRecord) int {
		switch {
		case a.us < b.us:
			return -1
		case a.us > b.us:
			return 1
		}
		return 0
	})
	return got
}

type pos struct{ lat, lon, alt int32 }

func plainPos(r plainRecord) pos {
	hdr := 6
	if r.raw[0] == 0xFD {
		hdr = 10
	}
	p := make([]byte, 28)
	copy(p, r.raw[hdr:hdr+int(r.raw[1])])
	i32 := func(o int) int32 { return int32(binary.LittleEndian.Uint32(p[o:])) }
	return pos{i32(4), i32(8), i32(12)}
}

func decodePos(t *testing.T, f telemetry.Frame) pos {
	return reflectPos(decode(t, f))
}

func mapsEqual(a, b map[uint32]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
