// Package storetest opens real stores for tests: a bbolt file in the test's
// temporary directory, checked for integrity when the test ends (as bbolt's
// own internal/btesting does).
package storetest

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry/store"
)

// MustOpen opens a new store in t.TempDir(). On cleanup it closes the store
// and fails the test if the file does not pass bbolt's consistency check.
func MustOpen(t testing.TB) *store.Store {
	t.Helper()
	return MustOpenPath(t, filepath.Join(t.TempDir(), "store.db"))
}

// MustOpenPath is MustOpen on a given file (to reopen one).
func MustOpenPath(t testing.TB, path string) *store.Store {
	t.Helper()
	s := &store.Store{Path: path}
	if err := s.Initialize(); err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
		Check(t, path)
	})
	return s
}

// Check fails the test if the bbolt file at path is inconsistent or its
// evidence chain does not match what it stores.
func Check(t testing.TB, path string) {
	t.Helper()
	defer func() {
		r, err := store.VerifyFile(path)
		if err != nil {
			t.Errorf("verify the chain of %s: %v", path, err)
			return
		}
		for _, p := range r.Problems {
			t.Errorf("store file %s: %s", path, p)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		t.Errorf("reopen %s for its check: %v", path, err)
		return
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("store file %s is inconsistent: %v", path, err)
		}
		return nil
	})
	if err != nil {
		t.Errorf("check %s: %v", path, err)
	}
}
