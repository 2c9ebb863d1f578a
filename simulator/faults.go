package simulator

import (
	"container/heap"
	"math/rand/v2"
	"time"
)

// LinkFaults describes what one direction of a radio link does to datagrams.
// All times are simulated time, so a stepped fleet reproduces them exactly.
type LinkFaults struct {
	// (optional) Loss is the probability (0-1) that a datagram is dropped. Defaults to 0.
	Loss float64
	// (optional) Latency is the one-way delay of every datagram. Defaults to 0.
	Latency time.Duration
	// (optional) Jitter adds a uniform random delay in [-Jitter, +Jitter] (never below zero). Defaults to 0.
	Jitter time.Duration
	// (optional) Duplicate is the probability (0-1) that a datagram arrives twice. Defaults to 0.
	Duplicate float64
	// (optional) Reorder is the probability (0-1) that a datagram is held back by
	// ReorderDelay so that the ones after it overtake it. Defaults to 0.
	Reorder float64
	// (optional) ReorderDelay is how long a reordered datagram is held back. Defaults to 50 ms.
	ReorderDelay time.Duration
	// (optional) Outages are windows in which every datagram is dropped.
	Outages []Outage
}

// Outage is a window of total silence, from Start (simulated time since the
// fleet started) for Duration.
type Outage struct {
	Start, Duration time.Duration
}

// Faults configures both directions of every link of a fleet.
type Faults struct {
	// Up is the GCS → vehicle direction, Down vehicle → GCS.
	Up, Down LinkFaults
	// (optional) Seed makes the random faults reproducible. Defaults to 1.
	Seed uint64
}

func (lf LinkFaults) zero() bool {
	return lf.Loss == 0 && lf.Latency == 0 && lf.Jitter == 0 && lf.Duplicate == 0 && lf.Reorder == 0 && len(lf.Outages) == 0
}

// PipeStats counts what one direction of a link did to datagrams.
type PipeStats struct {
	In          uint64 // datagrams offered
	Lost        uint64 // dropped by Loss
	OutageLost  uint64 // dropped inside an outage window
	Duplicated  uint64 // extra copies made
	Reordered   uint64 // held back by ReorderDelay
	Delivered   uint64 // copies handed on (duplicates included)
	QueueDrops  uint64 // dropped because the delay queue was full
	MaxQueueLen int
}

// maxQueue bounds a delay queue: a 1 s latency at 1000 datagrams/s fits.
const maxQueue = 4096

// pipe applies LinkFaults to a stream of datagrams. It is owned by the
// fleet's loop goroutine; now is simulated time.
type pipe[T any] struct {
	cfg     LinkFaults
	rng     *rand.Rand
	q       delayQueue[T]
	seq     uint64
	lastDue time.Duration
	Stats   PipeStats
}

func newPipe[T any](cfg LinkFaults, seed uint64) *pipe[T] {
	if cfg.ReorderDelay == 0 {
		cfg.ReorderDelay = 50 * time.Millisecond
	}
	return &pipe[T]{cfg: cfg, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// push offers a datagram at time now. With no faults configured it returns
// true and the caller delivers it at once (the fast path a 1000-vehicle fleet
// relies on); otherwise the datagram is queued and pop releases it when due.
func (p *pipe[T]) push(now time.Duration, v T) (immediate bool) {
	p.Stats.In++
	if p.cfg.zero() {
		p.Stats.Delivered++
		return true
	}
	for _, o := range p.cfg.Outages {
		if now >= o.Start && now < o.Start+o.Duration {
			p.Stats.OutageLost++
			return false
		}
	}
	if p.cfg.Loss > 0 && p.rng.Float64() < p.cfg.Loss {
		p.Stats.Lost++
		return false
	}
	copies := 1
	if p.cfg.Duplicate > 0 && p.rng.Float64() < p.cfg.Duplicate {
		copies = 2
		p.Stats.Duplicated++
	}
	for c := 0; c < copies; c++ {
		d := p.cfg.Latency
		if p.cfg.Jitter > 0 {
			d += time.Duration((p.rng.Float64()*2 - 1) * float64(p.cfg.Jitter))
			if d < 0 {
				d = 0
			}
		}
		due := now + d
		if p.cfg.Reorder > 0 && p.rng.Float64() < p.cfg.Reorder {
			due += p.cfg.ReorderDelay
			p.Stats.Reordered++
		} else if due < p.lastDue && p.cfg.Jitter == 0 {
			due = p.lastDue // a radio keeps order unless told to jitter or reorder
		} else {
			p.lastDue = due
		}
		if len(p.q) >= maxQueue {
			p.Stats.QueueDrops++
			continue
		}
		p.seq++
		heap.Push(&p.q, queued[T]{due: due, seq: p.seq, v: v})
		p.Stats.MaxQueueLen = max(p.Stats.MaxQueueLen, len(p.q))
	}
	return false
}

// pop returns the next datagram due at or before now.
func (p *pipe[T]) pop(now time.Duration) (T, bool) {
	if len(p.q) == 0 || p.q[0].due > now {
		var zero T
		return zero, false
	}
	it := heap.Pop(&p.q).(queued[T])
	p.Stats.Delivered++
	return it.v, true
}

type queued[T any] struct {
	due time.Duration
	seq uint64
	v   T
}

type delayQueue[T any] []queued[T]

func (q delayQueue[T]) Len() int { return len(q) }
func (q delayQueue[T]) Less(i, j int) bool {
	if q[i].due != q[j].due {
		return q[i].due < q[j].due
	}
	return q[i].seq < q[j].seq
}
func (q delayQueue[T]) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *delayQueue[T]) Push(x any)   { *q = append(*q, x.(queued[T])) }
func (q *delayQueue[T]) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
