package store_test

import (
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// The recorder's durability bound (docs/telemetry.md): a frame is committed
// within FlushInterval of its publication, plus the commit in progress. In
// virtual time (synctest) a commit takes no time, so the bound is exactly
// FlushInterval, whatever the machine's load: frames published at any moment
// of an interval are all committed when it ends, and none of a later one.
// (TestRecorder_Crash_LossWithinBound checks the same recorder against
// SIGKILL on the wall clock, where a starved process cannot keep any bound.)
func TestRecorder_Commit_WithinFlushInterval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	synctest.Test(t, func(t *testing.T) {
		s := &store.Store{Path: path}
		if err := s.Initialize(); err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var h telemetry.Hub
		const flush = 100 * time.Millisecond
		var commits []store.CommitInfo
		r := &store.Recorder{Store: s, Hub: &h, FlushInterval: flush, OnCommit: func(c store.CommitInfo) { commits = append(commits, c) }}
		if err := r.Initialize(); err != nil {
			t.Fatal(err)
		}
		m := newMaker(t)
		start := time.Now()
		published := 0
		for interval := range 5 {
			// Frames at several moments of the interval, the last just before its end.
			for _, at := range []time.Duration{0, 30 * time.Millisecond, 99 * time.Millisecond} {
				time.Sleep(start.Add(time.Duration(interval)*flush + at).Sub(time.Now()))
				h.Publish(m.frame(1, time.Now(), heartbeat(false)))
				published++
			}
			// The interval's end: the recorder's tick has committed them all.
			time.Sleep(start.Add(time.Duration(interval+1) * flush).Sub(time.Now()))
			synctest.Wait()
			if got := r.Written(); got != uint64(published) {
				t.Fatalf("interval %d: %d of %d frames committed at its end; the bound is one FlushInterval", interval, got, published)
			}
		}
		r.Close()
		if len(commits) != 5 || r.Dropped() != 0 {
			t.Fatalf("%d commits (want one per interval: 5), %d dropped", len(commits), r.Dropped())
		}
	})
	storetest.Check(t, path)
}
