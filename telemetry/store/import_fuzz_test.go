package store_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
	"github.com/borderwatch/borderwatch/telemetry/tlog"
)

// FuzzImportTlog imports arbitrary bytes: the import never fails on bad
// content, stores exactly the frames it reports, keeps what was stored
// before, and leaves a consistent file (checked by MustOpen's cleanup).
func FuzzImportTlog(f *testing.F) {
	m := newMaker(f)
	var buf bytes.Buffer
	w := tlog.NewWriter(&buf)
	for i, msg := range []message.Message{heartbeat(true), position(47, 8, 500), battery(50), heartbeat(false)} {
		fr := m.frame(telemetry.VehicleID(1+i%2), t0.Add(time.Duration(i)*time.Second), msg)
		_ = w.Write(fr.Time, fr.Raw)
	}
	_ = w.Flush()
	good := buf.Bytes()
	f.Add(good)
	f.Add(good[:len(good)-5])
	f.Add(append([]byte("xx"), good...))
	f.Add([]byte{})
	// No fsync: the fuzzer tests the import's logic, and thousands of
	// fsynced commits a second would measure the shared disk instead.
	path := filepath.Join(f.TempDir(), "fuzz.db")
	s := &store.Store{Path: path, NoSync: true}
	if err := s.Initialize(); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		s.Close()
		storetest.Check(f, path)
	})
	if err := s.AppendFrames([]telemetry.Frame{m.frame(9, t0, &common.MessageAttitude{})}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		before, err := s.CountFrames()
		if err != nil {
			t.Fatal(err)
		}
		sortiesBefore, _ := s.Sorties(store.SortieFilter{})
		res, err := s.ImportTlog(bytes.NewReader(data), "fuzz", nil)
		if err != nil {
			// Only "not a tlog" may refuse content, and a refusal keeps
			// nothing of the file and loses nothing stored before.
			if !errors.Is(err, store.ErrNotTlog) {
				t.Fatalf("import failed with %v, want ErrNotTlog or success", err)
			}
			after, _ := s.CountFrames()
			sortiesAfter, _ := s.Sorties(store.SortieFilter{})
			if after != before || len(sortiesAfter) != len(sortiesBefore) {
				t.Fatalf("a refused import changed the store: frames %d→%d, sorties %d→%d", before, after, len(sortiesBefore), len(sortiesAfter))
			}
			return
		}
		for _, so := range res.Sorties {
			if so.Start.Year() < 2000 || so.End.After(time.Now()) || so.DurationS < 0 {
				t.Fatalf("sortie bounds outside the sane range: %v to %v (%g s)", so.Start, so.End, so.DurationS)
			}
		}
		after, _ := s.CountFrames()
		if after-before != int(res.Frames) {
			t.Fatalf("import reported %d frames, the store gained %d", res.Frames, after-before)
		}
		n := 0
		_ = s.Scan(store.Query{Stream: res.Stream}, func(telemetry.Frame) bool { n++; return true })
		if n != int(res.Frames) {
			t.Fatalf("stream %d holds %d frames, import reported %d", res.Stream, n, res.Frames)
		}
		if res.Frames > 0 && len(res.Sorties) == 0 {
			t.Fatalf("%d frames imported but no sortie", res.Frames)
		}
		// Keep the store small so that every run costs the same.
		if _, err := s.DeleteStream(res.Stream); err != nil {
			t.Fatal(err)
		}
	})
}
