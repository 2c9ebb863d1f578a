package store

import (
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Recorder subscribes to the hub and writes every frame and event to the
// store in batched transactions.
//
// Durability bound: frames are drained and committed (fsynced) every
// FlushInterval, or at once when the previous commit took longer. A crash
// therefore loses at most the frames received in the last FlushInterval plus
// the duration of the last completed commit plus that of the commit in
// progress: about FlushInterval + 2 ms on a quiet disk (docs/telemetry.md;
// TestRecorder_Crash_LossWithinBound checks with SIGKILL that what was
// committed survives, TestRecorder_Commit_WithinFlushInterval the bound in
// virtual time).
type Recorder struct {
	Store *Store
	Hub   *telemetry.Hub
	// (optional) FlushInterval bounds how long a frame waits before it is
	// committed. Defaults to 100 ms.
	FlushInterval time.Duration
	// (optional) QueueLen bounds frames and events waiting in memory; beyond it
	// they are dropped and counted. Defaults to 262144 (about 2.6 s of 100 000 frames/s).
	QueueLen int
	// (optional) Retention drops data older than this age (Store.DropBefore),
	// checked every RetentionEvery. Defaults to 0: keep everything.
	Retention time.Duration
	// (optional) RetentionEvery is how often retention runs. Defaults to 1 minute.
	RetentionEvery time.Duration
	// (optional) Now is the clock of retention. Defaults to time.Now.
	Now func() time.Time
	// (optional) Logger. Defaults to slog.Default().
	Logger *slog.Logger
	// (optional) OnCommit is called after each durable commit, from the
	// recorder's goroutine (metrics, tests). Defaults to nil.
	OnCommit func(CommitInfo)
	// (optional) BeforeCommit is called before each commit starts, from the
	// recorder's goroutine, with the number of frames it carries. Defaults to nil.
	BeforeCommit func(frames int)

	sub       *telemetry.Subscription
	written   atomic.Uint64
	events    atomic.Uint64
	failed    atomic.Uint64
	commits   atomic.Uint64
	lastDur   atomic.Int64
	terminate chan struct{}
	done      chan struct{}
}

// Initialize starts recording.
func (r *Recorder) Initialize() error {
	if r.FlushInterval == 0 {
		r.FlushInterval = 100 * time.Millisecond
	}
	if r.QueueLen == 0 {
		r.QueueLen = 262144
	}
	if r.RetentionEvery == 0 {
		r.RetentionEvery = time.Minute
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	r.sub = r.Hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindFrame, telemetry.KindEvent}}, r.QueueLen)
	r.terminate = make(chan struct{})
	r.done = make(chan struct{})
	go r.run()
	return nil
}

// Close stops recording after committing what is queued. It is idempotent.
func (r *Recorder) Close() {
	select {
	case <-r.terminate:
	default:
		close(r.terminate)
	}
	<-r.done
	r.sub.Close()
}

// Written is how many frames were committed.
func (r *Recorder) Written() uint64 { return r.written.Load() }

// EventsWritten is how many events were committed.
func (r *Recorder) EventsWritten() uint64 { return r.events.Load() }

// Dropped is how many frames and events never reached the store: a full queue or a failed commit.
func (r *Recorder) Dropped() uint64 { return r.sub.Dropped() + r.failed.Load() }

// Commits is how many transactions the recorder committed.
func (r *Recorder) Commits() uint64 { return r.commits.Load() }

// LastCommitDuration is how long the last commit took (part of the durability bound).
func (r *Recorder) LastCommitDuration() time.Duration { return time.Duration(r.lastDur.Load()) }

// CommitInfo describes one durable commit.
type CommitInfo struct {
	Frames, Events int
	// Newest is the receive time of the newest frame committed.
	Newest   time.Time
	Duration time.Duration
}

func (r *Recorder) run() {
	defer close(r.done)
	ticker := time.NewTicker(r.FlushInterval)
	defer ticker.Stop()
	var retain <-chan time.Time
	if r.Retention > 0 {
		t := time.NewTicker(r.RetentionEvery)
		defer t.Stop()
		retain = t.C
		r.retain()
	}
	var msgs, spare []telemetry.Message
	var frames []telemetry.Frame
	var events []telemetry.Event
	flush := func() {
		msgs = r.sub.Swap(spare)
		spare = msgs
		if len(msgs) == 0 {
			return
		}
		frames, events = slices.Grow(frames[:0], len(msgs)), events[:0]
		for _, m := range msgs {
			switch v := m.(type) {
			case telemetry.Frame:
				frames = append(frames, v)
			case telemetry.Event:
				events = append(events, v)
			}
		}
		var newest time.Time
		for i := range frames {
			if frames[i].Time.After(newest) {
				newest = frames[i].Time
			}
		}
		if r.BeforeCommit != nil {
			r.BeforeCommit(len(frames))
		}
		start := time.Now()
		err := r.Store.Append(frames, events)
		dur := time.Since(start)
		r.lastDur.Store(int64(dur))
		clear(frames)
		clear(events)
		if err != nil {
			r.failed.Add(uint64(len(frames) + len(events)))
			r.Logger.Error("recorder: commit failed; frames lost", "frames", len(frames), "events", len(events), "err", err)
			return
		}
		r.commits.Add(1)
		r.written.Add(uint64(len(frames)))
		r.events.Add(uint64(len(events)))
		if r.OnCommit != nil {
			r.OnCommit(CommitInfo{Frames: len(frames), Events: len(events), Newest: newest, Duration: dur})
		}
	}
	for {
		select {
		case <-ticker.C:
			flush()
		case <-retain:
			flush()
			r.retain()
		case <-r.terminate:
			flush()
			return
		}
	}
}

func (r *Recorder) retain() {
	d, err := r.Store.DropBefore(r.Now().Add(-r.Retention))
	if err != nil {
		r.Logger.Error("recorder: retention failed", "err", err)
		return
	}
	if d != (Dropped{}) {
		r.Logger.Info("recorder: retention dropped old data", "frames", d.Frames, "events", d.Events, "audit", d.Audit, "sorties", d.Sorties, "streams", d.Streams)
	}
}
