package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// `borderwatch sorties` with the default --data silently created an empty
// store in the current folder (issue 12). A read-only open never creates one.
func TestStore_ReadOnly_MissingFile_NotCreated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.db")
	s := &store.Store{Path: path, ReadOnly: true}
	if err := s.Initialize(); err == nil {
		s.Close()
		t.Fatal("opened a store that does not exist")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the read-only open created %s (%v)", path, err)
	}
}

// While a server holds the file, a read-only open says so with ErrHeld (the
// CLI then asks the server's API); once it is closed, the reader sees its data.
func TestStore_ReadOnly_HeldByWriter_ErrHeldThenReads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	w := &store.Store{Path: path}
	if err := w.Initialize(); err != nil {
		t.Fatal(err)
	}
	m := newMaker(t)
	if err := w.AppendFrames([]telemetry.Frame{m.frame(1, t0, heartbeat(true)), m.frame(1, t0.Add(1e9), heartbeat(false))}); err != nil {
		t.Fatal(err)
	}
	r := &store.Store{Path: path, ReadOnly: true}
	if err := r.Initialize(); !errors.Is(err, store.ErrHeld) {
		r.Close()
		t.Fatalf("read-only open of a held store: %v, want ErrHeld", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r = &store.Store{Path: path, ReadOnly: true}
	if err := r.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	list, err := r.Sorties(store.SortieFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("sorties %v, %v; want the one recorded", list, err)
	}
	if err := r.AppendFrames([]telemetry.Frame{m.frame(1, t0, heartbeat(true))}); err == nil {
		t.Fatal("a read-only store accepted frames")
	}
	storetest.Check(t, path)
}
