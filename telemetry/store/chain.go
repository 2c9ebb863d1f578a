package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The evidence chain: every transaction that writes or deletes a recorded
// record (a frame chunk, an event, an audit entry, a plan version) appends
// one link to the "chain" bucket, so that any later change to a stored
// record is detectable (VerifyChain, `borderwatch verify`).
//
//	key:   link number u64 BE (1, 2, …)
//	value: version u8 (1) | link hash [32] | body
//	body:  commit time µs u64 BE | flags u8 | entry count uvarint | entries…
//	entry: bucket u8 | op u8 (0 put, 1 delete) | key length uvarint | key
//	       | put: value length uvarint | SHA-256 [32] | chunks only: header [12]
//	link hash = SHA-256(previous link hash | link number u64 BE | body)
//
// One link per transaction keeps the recorder's batched commits fast: a
// commit of 100 ms of a fleet's frames adds one Put to the chain bucket and
// one hash of each changed chunk's new bytes. A chunk's digest is
// SHA-256 of its records (the value after the 13-byte header); the header
// (last frame time, frame count) is kept in the entry as it was, because the
// recorder rewrites an open chunk at each commit: later links of the same
// chunk supersede earlier ones, and its records only ever grow, so the last
// link's digest covers every frame committed before.
//
// The head (the last link's number and hash) is in meta "chain_head". A
// chain proves nothing against someone who rewrites the store and every link
// after the change; it proves the record against a head published before
// (an evidence package's manifest, a supervisor's note).
var (
	bucketChain  = []byte("chain")
	keyChainHead = []byte("chain_head")
)

const (
	chainVersion = 1
	// chainBaseline flags the first link of a store that held records
	// before it had a chain: those were sealed when the chain began.
	chainBaseline = 1

	sealChunk byte = 1
	sealEvent byte = 2
	sealAudit byte = 3
	sealPlan  byte = 4
	// sealPlanUpload: which plan version went to which vehicle (plans.go).
	sealPlanUpload byte = 5

	opPut    byte = 0
	opDelete byte = 1
)

var sealKinds = map[byte]string{sealChunk: "frames", sealEvent: "event", sealAudit: "audit", sealPlan: "plan", sealPlanUpload: "plan_upload"}

// ChainHead names the last link of the chain.
type ChainHead struct {
	Link uint64   `json:"link"`
	Hash [32]byte `json:"-"`
}

// String is the head as "LINK:HEX".
func (h ChainHead) String() string {
	return fmt.Sprintf("%d:%s", h.Link, hex.EncodeToString(h.Hash[:]))
}

// MarshalJSON writes {"link": N, "hash": "hex"}.
func (h ChainHead) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Link uint64 `json:"link"`
		Hash string `json:"hash"`
	}{h.Link, hex.EncodeToString(h.Hash[:])})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (h *ChainHead) UnmarshalJSON(b []byte) error {
	var v struct {
		Link uint64 `json:"link"`
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	raw, err := hex.DecodeString(v.Hash)
	if err != nil || len(raw) != 32 {
		return fmt.Errorf("chain head hash must be 64 hex digits, got %q", v.Hash)
	}
	h.Link = v.Link
	copy(h.Hash[:], raw)
	return nil
}

// sealEntry is one record written or deleted in a transaction.
type sealEntry struct {
	bucket byte
	op     byte
	key    []byte
	vlen   uint64
	digest [32]byte
	header [12]byte // chunks: the value's bytes 1-12 (last frame µs, count)
}

// seal collects the entries of one transaction and writes its link. A nil
// *seal records nothing (a store without the chain: benchmarks only).
type seal struct {
	entries []sealEntry
	flags   byte
}

func (sl *seal) put(bucket byte, key, value []byte) {
	if sl == nil {
		return
	}
	sl.entries = append(sl.entries, sealEntry{bucket: bucket, key: bytes.Clone(key), vlen: uint64(len(value)), digest: sha256.Sum256(value)})
}

// putChunk records a chunk whose records hash to digest (see chunkBuilder.digest).
func (sl *seal) putChunk(key, value []byte, digest [32]byte) {
	if sl == nil {
		return
	}
	e := sealEntry{bucket: sealChunk, key: bytes.Clone(key), vlen: uint64(len(value)), digest: digest}
	copy(e.header[:], value[1:chunkHeaderLen])
	sl.entries = append(sl.entries, e)
}

func (sl *seal) del(bucket byte, key []byte) {
	if sl == nil {
		return
	}
	sl.entries = append(sl.entries, sealEntry{bucket: bucket, op: opDelete, key: bytes.Clone(key)})
}

// newSeal is the seal of one transaction of s (nil when s has no chain).
func (s *Store) newSeal() *seal {
	if s.noChain {
		return nil
	}
	return &seal{}
}

// commit appends the transaction's link, when it changed any sealed record.
func (sl *seal) commit(tx *bolt.Tx) error {
	if sl == nil || (len(sl.entries) == 0 && sl.flags == 0) {
		return nil
	}
	meta := tx.Bucket(bucketMeta)
	head, _ := readHead(meta)
	body := make([]byte, 0, 16+len(sl.entries)*80)
	body = binary.BigEndian.AppendUint64(body, micros(time.Now()))
	body = append(body, sl.flags)
	body = binary.AppendUvarint(body, uint64(len(sl.entries)))
	for i := range sl.entries {
		body = appendEntry(body, &sl.entries[i])
	}
	seq := head.Link + 1
	link := linkHash(head.Hash, seq, body)
	v := make([]byte, 0, 1+32+len(body))
	v = append(v, chainVersion)
	v = append(v, link[:]...)
	v = append(v, body...)
	if err := tx.Bucket(bucketChain).Put(binary.BigEndian.AppendUint64(nil, seq), v); err != nil {
		return err
	}
	sl.entries = sl.entries[:0]
	sl.flags = 0
	return meta.Put(keyChainHead, append(binary.BigEndian.AppendUint64(nil, seq), link[:]...))
}

func appendEntry(b []byte, e *sealEntry) []byte {
	b = append(b, e.bucket, e.op)
	b = binary.AppendUvarint(b, uint64(len(e.key)))
	b = append(b, e.key...)
	if e.op == opPut {
		b = binary.AppendUvarint(b, e.vlen)
		b = append(b, e.digest[:]...)
		if e.bucket == sealChunk {
			b = append(b, e.header[:]...)
		}
	}
	return b
}

func linkHash(prev [32]byte, seq uint64, body []byte) [32]byte {
	h := sha256.New()
	h.Write(prev[:])
	h.Write(binary.BigEndian.AppendUint64(nil, seq))
	h.Write(body)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func readHead(meta *bolt.Bucket) (ChainHead, bool) {
	v := meta.Get(keyChainHead)
	if len(v) != 40 {
		return ChainHead{}, false
	}
	var h ChainHead
	h.Link = binary.BigEndian.Uint64(v)
	copy(h.Hash[:], v[8:])
	return h, true
}

// ChainHead returns the head of the evidence chain (Link 0 when the store has none).
func (s *Store) ChainHead() (ChainHead, error) {
	var h ChainHead
	err := s.view(func(tx *bolt.Tx) error {
		h, _ = readHead(tx.Bucket(bucketMeta))
		return nil
	})
	return h, err
}

// startChain seals, in the first link, every record a store held before it
// had a chain (a file of an earlier version): verification says they were
// sealed when the chain began, not when they were recorded.
func startChain(tx *bolt.Tx) error {
	if _, ok := readHead(tx.Bucket(bucketMeta)); ok {
		return nil
	}
	sl := &seal{flags: chainBaseline}
	err := forEachSealed(tx, func(bucket byte, key, value []byte) error {
		if bucket == sealChunk {
			if len(value) < chunkHeaderLen {
				sl.put(bucket, key, value) // sealed as it is; verify reports it unreadable
				return nil
			}
			sl.putChunk(key, value, sha256.Sum256(value[chunkHeaderLen:]))
			return nil
		}
		sl.put(bucket, key, value)
		return nil
	})
	if err != nil {
		return err
	}
	return sl.commit(tx)
}

// forEachSealed visits every record the chain covers.
func forEachSealed(tx *bolt.Tx, fn func(bucket byte, key, value []byte) error) error {
	for _, b := range []struct {
		id   byte
		name []byte
	}{{sealChunk, bucketChunks}, {sealEvent, bucketEvents}, {sealAudit, bucketAudit}} {
		if err := tx.Bucket(b.name).ForEach(func(k, v []byte) error {
			if v == nil {
				return nil // a nested bucket: not a record
			}
			return fn(b.id, k, v)
		}); err != nil {
			return err
		}
	}
	if ub := tx.Bucket(bucketPlanUploads); ub != nil {
		if err := ub.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil
			}
			return fn(sealPlanUpload, k, v)
		}); err != nil {
			return err
		}
	}
	plans := tx.Bucket(bucketPlans)
	return plans.ForEachBucket(func(name []byte) error {
		pb := plans.Bucket(name)
		return pb.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil
			}
			return fn(sealPlan, planSealKey(name, k), v)
		})
	})
}

// planSealKey names a plan version in the chain: name length u16 BE | name | version key.
func planSealKey(name, versionKey []byte) []byte {
	k := binary.BigEndian.AppendUint16(nil, uint16(len(name)))
	k = append(k, name...)
	return append(k, versionKey...)
}

func parsePlanSealKey(k []byte) (name, version []byte, ok bool) {
	if len(k) < 2 {
		return nil, nil, false
	}
	n := int(binary.BigEndian.Uint16(k))
	if len(k) < 2+n {
		return nil, nil, false
	}
	return k[2 : 2+n], k[2+n:], true
}

// sealedGet reads a sealed record back (nil when it is not stored).
func sealedGet(tx *bolt.Tx, bucket byte, key []byte) []byte {
	switch bucket {
	case sealChunk:
		return tx.Bucket(bucketChunks).Get(key)
	case sealEvent:
		return tx.Bucket(bucketEvents).Get(key)
	case sealAudit:
		return tx.Bucket(bucketAudit).Get(key)
	case sealPlanUpload:
		if b := tx.Bucket(bucketPlanUploads); b != nil {
			return b.Get(key)
		}
		return nil
	case sealPlan:
		name, ver, ok := parsePlanSealKey(key)
		if !ok {
			return nil
		}
		pb := tx.Bucket(bucketPlans).Bucket(name)
		if pb == nil {
			return nil
		}
		return pb.Get(ver)
	}
	return nil
}

// sealedUpdate runs fn in a write transaction and appends the link of what
// it sealed before the transaction commits.
func (s *Store) sealedUpdate(fn func(tx *bolt.Tx, sl *seal) error) error {
	sl := s.newSeal()
	return s.update(func(tx *bolt.Tx) error {
		if err := fn(tx, sl); err != nil {
			return err
		}
		return sl.commit(tx)
	})
}
