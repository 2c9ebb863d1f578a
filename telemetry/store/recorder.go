package store

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Recorder subscribes to the hub and writes every frame to the store in
// batched transactions: a commit every FlushInterval bounds what a crash can
// lose, and batching keeps fsyncs off the per-frame path.
type Recorder struct {
	Store *Store
	Hub   *telemetry.Hub
	// (optional) FlushInterval bounds how long a frame waits before it is
	// committed. Defaults to 100 ms.
	FlushInterval time.Duration
	// (optional) QueueLen bounds frames waiting in memory; beyond it frames are
	// dropped and counted. Defaults to 65536.
	QueueLen int
	// (optional) Logger. Defaults to slog.Default().
	Logger *slog.Logger

	sub       *telemetry.Subscription
	written   atomic.Uint64
	failed    atomic.Uint64
	terminate chan struct{}
	done      chan struct{}
}

// Initialize starts recording.
func (r *Recorder) Initialize() error {
	if r.FlushInterval == 0 {
		r.FlushInterval = 100 * time.Millisecond
	}
	if r.QueueLen == 0 {
		r.QueueLen = 65536
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	r.sub = r.Hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindFrame}}, r.QueueLen)
	r.terminate = make(chan struct{})
	r.done = make(chan struct{})
	go r.run()
	return nil
}

// Close stops recording after committing what is queued.
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

// Dropped is how many frames never reached the store: a full queue or a failed commit.
func (r *Recorder) Dropped() uint64 { return r.sub.Dropped() + r.failed.Load() }

func (r *Recorder) run() {
	defer close(r.done)
	ticker := time.NewTicker(r.FlushInterval)
	defer ticker.Stop()
	var msgs []telemetry.Message
	var frames []telemetry.Frame
	flush := func() {
		msgs = r.sub.Drain(msgs[:0])
		if len(msgs) == 0 {
			return
		}
		frames = frames[:0]
		for _, m := range msgs {
			frames = append(frames, m.(telemetry.Frame))
		}
		clear(msgs)
		if err := r.Store.AppendFrames(frames); err != nil {
			r.failed.Add(uint64(len(frames)))
			r.Logger.Error("recorder: commit failed; frames lost", "frames", len(frames), "err", err)
			return
		}
		r.written.Add(uint64(len(frames)))
	}
	for {
		select {
		case <-ticker.C:
			flush()
		case <-r.terminate:
			flush()
			return
		}
	}
}
