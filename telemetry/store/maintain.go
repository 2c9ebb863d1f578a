package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole store to w while it stays in
// use (bbolt's hot copy: one read transaction, writers go on).
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes a copy of the store to path, atomically: a crash leaves
// either the old file or the complete new one.
func (s *Store) BackupFile(path string) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	n, err := s.Backup(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	return n, nil
}

// Dropped says what a retention pass removed.
type Dropped struct {
	Chunks, Frames, Events, Audit, Sorties, Streams int
}

// retentionBatch bounds the keys one retention transaction deletes, so that
// the recorder's commits are never held up for long.
const retentionBatch = 2000

// DropBefore deletes live frames received before cutoff, events and audit
// entries before it, closed live sorties that ended before it, and imported
// streams (with their sorties) imported before it. A chunk is deleted only
// when its last frame is older than cutoff, so nothing newer is lost.
func (s *Store) DropBefore(cutoff time.Time) (Dropped, error) {
	var d Dropped
	cut := micros(cutoff)
	// Live chunks, one system at a time, oldest first, in bounded transactions.
	systems, err := s.Systems(liveStream)
	if err != nil {
		return d, err
	}
	for _, id := range systems {
		for {
			more := false
			err := s.sealedUpdate(func(tx *bolt.Tx, sl *seal) error {
				c := tx.Bucket(bucketChunks).Cursor()
				p := vehiclePrefix(liveStream, id)
				n := 0
				for k, v := c.Seek(p); k != nil && isVehicleKey(k, p); k, v = c.Seek(p) {
					last, err := chunkLast(v)
					if err != nil {
						return err
					}
					if last >= cut {
						return nil
					}
					cnt, _ := chunkCount(v)
					sl.del(sealChunk, k)
					if err := c.Delete(); err != nil {
						return err
					}
					d.Chunks++
					d.Frames += int(cnt)
					if n++; n >= retentionBatch {
						more = true
						return nil
					}
				}
				return nil
			})
			if err != nil {
				return d, err
			}
			if !more {
				break
			}
		}
	}
	for _, b := range []struct {
		name []byte
		seal byte
		n    *int
	}{{bucketEvents, sealEvent, &d.Events}, {bucketAudit, sealAudit, &d.Audit}} {
		for {
			more := false
			err := s.sealedUpdate(func(tx *bolt.Tx, sl *seal) error {
				c := tx.Bucket(b.name).Cursor()
				n := 0
				for k, _ := c.First(); k != nil; k, _ = c.First() {
					if len(k) < 8 || binary.BigEndian.Uint64(k) >= cut {
						return nil
					}
					sl.del(b.seal, k)
					if err := c.Delete(); err != nil {
						return err
					}
					*b.n++
					if n++; n >= retentionBatch {
						more = true
						return nil
					}
				}
				return nil
			})
			if err != nil {
				return d, err
			}
			if !more {
				break
			}
		}
	}
	// Imported streams go by their import time: a log of 2015 imported
	// yesterday is yesterday's data.
	var oldStreams []uint32
	err = s.update(func(tx *bolt.Tx) error {
		sb := tx.Bucket(bucketStreams)
		err := sb.ForEach(func(k, v []byte) error {
			var si StreamInfo
			if err := json.Unmarshal(v, &si); err != nil {
				return fmt.Errorf("%w: stream %x: %v", ErrCorruptRecord, k, err)
			}
			if si.Imported.Before(cutoff) {
				oldStreams = append(oldStreams, si.ID)
			}
			return nil
		})
		if err != nil {
			return err
		}
		c := tx.Bucket(bucketSorties).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var so Sortie
			if err := json.Unmarshal(v, &so); err != nil {
				return fmt.Errorf("%w: sortie %x: %v", ErrCorruptRecord, k, err)
			}
			old := so.Stream == liveStream && !so.Open && so.End.Before(cutoff)
			if so.Stream != liveStream && contains(oldStreams, so.Stream) {
				old = true
			}
			if old {
				if err := c.Delete(); err != nil {
					return err
				}
				d.Sorties++
			}
		}
		return nil
	})
	if err != nil {
		return d, err
	}
	for _, id := range oldStreams {
		n, err := s.DeleteStream(id)
		d.Frames += n
		if err != nil {
			return d, err
		}
		d.Streams++
	}
	return d, nil
}

// DeleteStream deletes an imported stream's frames and record (not its sorties).
func (s *Store) DeleteStream(id uint32) (frames int, err error) {
	if id == liveStream {
		return 0, fmt.Errorf("%w: the live stream cannot be deleted (use retention)", ErrInvalid)
	}
	p := binary.BigEndian.AppendUint32(nil, id)
	for {
		more := false
		err = s.sealedUpdate(func(tx *bolt.Tx, sl *seal) error {
			c := tx.Bucket(bucketChunks).Cursor()
			n := 0
			for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Seek(p) {
				cnt, _ := chunkCount(v)
				frames += int(cnt)
				sl.del(sealChunk, k)
				if err := c.Delete(); err != nil {
					return err
				}
				if n++; n >= retentionBatch {
					more = true
					return nil
				}
			}
			return tx.Bucket(bucketStreams).Delete(streamKey(id))
		})
		if err != nil || !more {
			return frames, err
		}
	}
}
