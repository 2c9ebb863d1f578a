package store

import (
	"container/heap"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry"
)

// sysReader walks the chunks of one system of one stream from a time on.
type sysReader struct {
	c      *bolt.Cursor
	id     telemetry.VehicleID
	prefix []byte
	cr     chunkReader
	cur    telemetry.Frame
	from   uint64
	done   bool
}

// seek positions the reader at the first frame at or after from: one B+tree
// seek to the first chunk starting after from, then one step back to the
// chunk that may contain it.
func (r *sysReader) seek(from uint64) error {
	r.from = from
	key := binary.BigEndian.AppendUint64(append(make([]byte, 0, netChunkKeyLen), r.prefix...), from)
	k, _ := r.c.Seek(key)
	var pk, pv []byte
	if k == nil {
		pk, pv = r.c.Last()
	} else {
		pk, pv = r.c.Prev()
	}
	if pk != nil && isVehicleKey(pk, r.prefix) {
		last, err := chunkLast(pv)
		if err != nil {
			return err
		}
		if last >= from {
			return r.load(pk, pv)
		}
	}
	k, v := r.c.Seek(key)
	if k == nil || !isVehicleKey(k, r.prefix) {
		r.done = true
		return nil
	}
	return r.load(k, v)
}

func (r *sysReader) load(k, v []byte) error {
	if err := r.cr.reset(k, v); err != nil {
		return err
	}
	return r.advance()
}

// advance moves to the next frame at or after from.
func (r *sysReader) advance() error {
	for {
		ok, err := r.cr.next(&r.cur)
		if err != nil {
			return err
		}
		if ok {
			if r.cr.us >= r.from {
				return nil
			}
			continue
		}
		k, v := r.c.Next()
		if k == nil || !isVehicleKey(k, r.prefix) {
			r.done = true
			return nil
		}
		if err := r.cr.reset(k, v); err != nil {
			return err
		}
	}
}

// merger merges the systems' readers in time order.
type merger struct {
	h    readerHeap
	to   uint64 // 0: no end
	last *sysReader
}

func newMerger(tx *bolt.Tx, q Query) (*merger, error) {
	b := tx.Bucket(bucketChunks)
	systems := q.Systems
	if len(systems) == 0 {
		systems = systemsOf(b.Cursor(), q.Stream)
	}
	m := &merger{to: micros(q.To)}
	from := micros(q.From)
	seen := map[telemetry.VehicleID]bool{}
	for _, id := range systems {
		if seen[id] {
			continue
		}
		seen[id] = true
		r := &sysReader{c: b.Cursor(), id: id, prefix: vehiclePrefix(q.Stream, id)}
		if err := r.seek(from); err != nil {
			return nil, err
		}
		if !r.done {
			m.h = append(m.h, r)
		}
	}
	heap.Init(&m.h)
	return m, nil
}

// next returns the next frame, or nil at the end. The frame is valid until the next call.
func (m *merger) next() (*telemetry.Frame, error) {
	if m.last != nil {
		if err := m.last.advance(); err != nil {
			return nil, err
		}
		if m.last.done {
			heap.Pop(&m.h)
		} else {
			heap.Fix(&m.h, 0)
		}
		m.last = nil
	}
	if len(m.h) == 0 {
		return nil, nil
	}
	r := m.h[0]
	if m.to != 0 && r.cr.us >= m.to {
		return nil, nil
	}
	m.last = r
	return &r.cur, nil
}

type readerHeap []*sysReader

func (h readerHeap) Len() int { return len(h) }
func (h readerHeap) Less(i, j int) bool {
	ti, tj := h[i].cr.us, h[j].cr.us
	if ti != tj {
		return ti < tj
	}
	return h[i].id < h[j].id
}
func (h readerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *readerHeap) Push(x any)   { *h = append(*h, x.(*sysReader)) }
func (h *readerHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}

// lastBefore is the time of the system's last frame before t, if any: one
// seek to the chunk that may hold it, then a walk back over chunks (only
// frames received out of order can make it go back more than one).
func (r *sysReader) lastBefore(t uint64) (uint64, bool, error) {
	key := binary.BigEndian.AppendUint64(append(make([]byte, 0, netChunkKeyLen), r.prefix...), t)
	k, _ := r.c.Seek(key)
	var v []byte
	if k == nil {
		k, v = r.c.Last()
	} else {
		k, v = r.c.Prev()
	}
	var best uint64
	found := false
	for steps := 0; k != nil && isVehicleKey(k, r.prefix) && steps < 64; k, v = r.c.Prev() {
		steps++
		if err := r.cr.reset(k, v); err != nil {
			return 0, false, err
		}
		var f telemetry.Frame
		for {
			ok, err := r.cr.next(&f)
			if err != nil {
				return 0, false, err
			}
			if !ok {
				break
			}
			if r.cr.us < t && (!found || r.cr.us > best) {
				best, found = r.cr.us, true
			}
		}
		if found {
			return best, true, nil
		}
	}
	return 0, false, nil
}
