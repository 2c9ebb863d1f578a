package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry"
)

// ChainReport is what VerifyChain found.
type ChainReport struct {
	// NoChain is true for a file last written by a Borderwatch without the
	// evidence chain: nothing can be checked until a server opens it (which
	// starts the chain, sealing what the file holds then).
	NoChain bool      `json:"no_chain,omitempty"`
	Links   uint64    `json:"links"`
	Head    ChainHead `json:"head"`
	// Started is when the first link was written.
	Started time.Time `json:"started"`
	// Baseline counts the records the store held before it had a chain: the
	// first link sealed them when the chain began, not when they were recorded.
	Baseline int `json:"baseline_records"`
	// Records counts the stored records checked against the chain.
	Records  int            `json:"records"`
	Problems []ChainProblem `json:"problems"`
	// Omitted counts problems beyond the first maxChainProblems.
	Omitted int `json:"problems_omitted,omitempty"`
}

// OK reports whether nothing was found changed.
func (r ChainReport) OK() bool { return len(r.Problems) == 0 }

// ChainProblem is one record (or link) that does not match the chain.
type ChainProblem struct {
	// Link is the chain link that last sealed the record (or the link found altered).
	Link   uint64    `json:"link"`
	What   string    `json:"what"`
	Record RecordRef `json:"record"`
}

func (p ChainProblem) String() string {
	return fmt.Sprintf("%s: %s (chain link %d)", p.Record, p.What, p.Link)
}

// RecordRef says which stored record a problem is about.
type RecordRef struct {
	Kind string `json:"kind"` // "frames", "event", "audit", "plan", "chain"
	Key  string `json:"key"`  // the bbolt key, hex
	// Frames: the chunk's stream, vehicle and time span, and the sorties it belongs to.
	Stream   uint32              `json:"stream,omitempty"`
	Vehicle  telemetry.VehicleID `json:"vehicle,omitempty"`
	SystemID uint8               `json:"sysid,omitempty"`
	From     time.Time           `json:"from,omitempty"`
	To       time.Time           `json:"to,omitempty"`
	Sorties  []uint64            `json:"sorties,omitempty"`
	// Events and audit entries: their time and type.
	Time      time.Time `json:"time,omitempty"`
	EventType string    `json:"event_type,omitempty"`
	// Plans: name and version.
	Plan    string `json:"plan,omitempty"`
	Version int    `json:"version,omitempty"`
}

func (r RecordRef) String() string {
	const layout = "2006-01-02T15:04:05.000000Z"
	switch r.Kind {
	case "frames":
		s := fmt.Sprintf("frames of vehicle %d (stream %d) received %s – %s", r.Vehicle, r.Stream, r.From.Format(layout), r.To.Format(layout))
		if len(r.Sorties) > 0 {
			ids := make([]string, len(r.Sorties))
			for i, id := range r.Sorties {
				ids[i] = fmt.Sprint(id)
			}
			s = "sortie " + strings.Join(ids, ", ") + ": " + s
		}
		return s
	case "event", "audit":
		what := "event"
		if r.Kind == "audit" {
			what = "audit entry"
		}
		if r.EventType != "" {
			what += " " + r.EventType
		}
		return fmt.Sprintf("%s at %s (key %s)", what, r.Time.Format(layout), r.Key)
	case "plan":
		return fmt.Sprintf("plan %q version %d", r.Plan, r.Version)
	case "plan_upload":
		return fmt.Sprintf("plan upload record at %s (key %s)", r.Time.Format(layout), r.Key)
	case "chain":
		return "the chain itself"
	}
	return fmt.Sprintf("%s record %s", r.Kind, r.Key)
}

const maxChainProblems = 100

// VerifyChain checks the evidence chain of an open store.
func (s *Store) VerifyChain() (ChainReport, error) {
	var r ChainReport
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		r, err = verifyChain(tx)
		return err
	})
	return r, err
}

// VerifyFile checks the evidence chain of a store file without changing it
// (read-only; it never creates a file). A server holding the file open
// makes it fail with ErrHeld: ask that server (Store.VerifyChain through
// GET /api/v1/verify), or verify a backup.
func VerifyFile(path string) (ChainReport, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return ChainReport{}, fmt.Errorf("verify %s: %w (ask the running server: GET /api/v1/verify; or verify a backup: borderwatch backup)", path, ErrHeld)
		}
		return ChainReport{}, fmt.Errorf("verify %s: %w", path, err)
	}
	defer db.Close()
	var r ChainReport
	err = db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketChunks, bucketEvents, bucketAudit, bucketPlans} {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("%s is not a Borderwatch store (no %q bucket)", path, name)
			}
		}
		if tx.Bucket(bucketChain) == nil {
			r.NoChain = true
			return nil
		}
		var err error
		r, err = verifyChain(tx)
		return err
	})
	return r, err
}

type sealedFinal struct {
	link  uint64
	entry sealEntry
}

func verifyChain(tx *bolt.Tx) (ChainReport, error) {
	var r ChainReport
	head, ok := readHead(tx.Bucket(bucketMeta))
	cb := tx.Bucket(bucketChain)
	if !ok || cb == nil {
		r.NoChain = true
		return r, nil
	}
	r.Head = head
	add := func(p ChainProblem) {
		if len(r.Problems) >= maxChainProblems {
			r.Omitted++
			return
		}
		r.Problems = append(r.Problems, p)
	}
	finals := map[string]sealedFinal{}
	var prev [32]byte
	var want uint64 = 1
	c := cb.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			add(ChainProblem{What: fmt.Sprintf("a key %x that is not a link number was added to the chain", k), Record: RecordRef{Kind: "chain", Key: hex.EncodeToString(k)}})
			continue
		}
		seq := binary.BigEndian.Uint64(k)
		ref := RecordRef{Kind: "chain", Key: hex.EncodeToString(k)}
		if seq != want {
			add(ChainProblem{Link: seq, What: fmt.Sprintf("links %d to %d are missing from the chain", want, seq-1), Record: ref})
		}
		want = seq + 1
		r.Links++
		if len(v) < 1+32+9 || v[0] != chainVersion {
			add(ChainProblem{Link: seq, What: "the chain link is unreadable", Record: ref})
			continue
		}
		var stored [32]byte
		copy(stored[:], v[1:33])
		body := v[33:]
		altered := linkHash(prev, seq, body) != stored
		prev = stored
		at, flags, entries, err := parseLinkBody(body)
		switch {
		case altered:
			add(ChainProblem{Link: seq, What: "the chain link does not hash to what it stores: the chain was altered here", Record: ref})
		case err != nil:
			add(ChainProblem{Link: seq, What: "the chain link is unreadable: " + err.Error(), Record: ref})
		}
		if err != nil {
			continue
		}
		if seq == 1 {
			r.Started = at
			if flags&chainBaseline != 0 {
				r.Baseline = len(entries)
			}
		}
		for _, e := range entries {
			finals[string(append([]byte{e.bucket}, e.key...))] = sealedFinal{link: seq, entry: e}
		}
	}
	if r.Links > 0 && (head.Link != want-1 || head.Hash != prev) {
		add(ChainProblem{Link: head.Link, What: fmt.Sprintf("the chain head (link %d) is not the last link (%d): links were removed or added", head.Link, want-1), Record: RecordRef{Kind: "chain"}})
	}

	sorties := loadSortiesForReport(tx)
	err := forEachSealed(tx, func(bucket byte, key, value []byte) error {
		r.Records++
		id := string(append([]byte{bucket}, key...))
		f, ok := finals[id]
		delete(finals, id)
		switch {
		case !ok:
			add(ChainProblem{What: "this record is not in the chain: it was added after recording", Record: describeRecord(bucket, key, value, nil, sorties)})
		case f.entry.op == opDelete:
			add(ChainProblem{Link: f.link, What: "this record was deleted and is back", Record: describeRecord(bucket, key, value, nil, sorties)})
		case !matchesEntry(&f.entry, value):
			add(ChainProblem{Link: f.link, What: "this record was changed after it was recorded", Record: describeRecord(bucket, key, value, &f.entry, sorties)})
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	var missing []sealedFinal
	for _, f := range finals {
		if f.entry.op == opPut {
			missing = append(missing, f)
		}
	}
	slices.SortFunc(missing, func(a, b sealedFinal) int { return bytes.Compare(a.entry.key, b.entry.key) })
	for _, f := range missing {
		add(ChainProblem{Link: f.link, What: "this record was deleted (not by retention)", Record: describeRecord(f.entry.bucket, f.entry.key, nil, &f.entry, sorties)})
	}
	slices.SortStableFunc(r.Problems, func(a, b ChainProblem) int { return cmpU64(a.Link, b.Link) })
	return r, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func matchesEntry(e *sealEntry, v []byte) bool {
	if uint64(len(v)) != e.vlen {
		return false
	}
	if e.bucket == sealChunk {
		if len(v) < chunkHeaderLen || v[0] != chunkVersion || !bytes.Equal(v[1:chunkHeaderLen], e.header[:]) {
			return false
		}
		return sha256.Sum256(v[chunkHeaderLen:]) == e.digest
	}
	return sha256.Sum256(v) == e.digest
}

// uvarint reads a minimally encoded uvarint (a link is written by
// binary.AppendUvarint; any other encoding of the same number is refused, so
// that one body has one reading).
func uvarint(p []byte) (uint64, int) {
	n, l := binary.Uvarint(p)
	if l <= 0 || l != len(binary.AppendUvarint(nil, n)) {
		return 0, 0
	}
	return n, l
}

func parseLinkBody(body []byte) (at time.Time, flags byte, entries []sealEntry, err error) {
	if len(body) < 9 {
		return at, 0, nil, errors.New("short body")
	}
	at = time.UnixMicro(int64(binary.BigEndian.Uint64(body))).UTC()
	flags = body[8]
	p := body[9:]
	n, l := uvarint(p)
	if l <= 0 || n > uint64(len(p)) {
		return at, flags, nil, errors.New("bad entry count")
	}
	p = p[l:]
	entries = make([]sealEntry, 0, n)
	for i := uint64(0); i < n; i++ {
		if len(p) < 2 {
			return at, flags, nil, fmt.Errorf("entry %d cut short", i)
		}
		e := sealEntry{bucket: p[0], op: p[1]}
		p = p[2:]
		kl, l := uvarint(p)
		if l <= 0 || kl > uint64(len(p)-l) {
			return at, flags, nil, fmt.Errorf("entry %d: bad key length", i)
		}
		e.key = p[l : l+int(kl)]
		p = p[l+int(kl):]
		if e.op == opPut {
			vl, l := uvarint(p)
			if l <= 0 {
				return at, flags, nil, fmt.Errorf("entry %d: bad value length", i)
			}
			e.vlen = vl
			p = p[l:]
			need := 32
			if e.bucket == sealChunk {
				need += 12
			}
			if len(p) < need {
				return at, flags, nil, fmt.Errorf("entry %d cut short", i)
			}
			copy(e.digest[:], p)
			if e.bucket == sealChunk {
				copy(e.header[:], p[32:44])
			}
			p = p[need:]
		} else if e.op != opDelete {
			return at, flags, nil, fmt.Errorf("entry %d: unknown operation %d", i, e.op)
		}
		entries = append(entries, e)
	}
	if len(p) != 0 {
		return at, flags, nil, errors.New("bytes after the last entry")
	}
	return at, flags, entries, nil
}

func loadSortiesForReport(tx *bolt.Tx) []Sortie {
	var out []Sortie
	_ = tx.Bucket(bucketSorties).ForEach(func(k, v []byte) error {
		var s Sortie
		if json.Unmarshal(v, &s) == nil {
			out = append(out, s)
		}
		return nil
	})
	return out
}

// describeRecord names a record for a person: value is what is stored now
// (nil when deleted), e what the chain sealed (nil when unknown).
func describeRecord(bucket byte, key, value []byte, e *sealEntry, sorties []Sortie) RecordRef {
	ref := RecordRef{Kind: sealKinds[bucket], Key: hex.EncodeToString(key)}
	switch bucket {
	case sealChunk:
		kp, ok := parseChunkKey(key)
		if !ok {
			return ref
		}
		ref.Stream, ref.Vehicle, ref.SystemID = kp.stream, kp.id, kp.id.SysID()
		ref.From = time.UnixMicro(int64(kp.firstUS)).UTC()
		last := kp.firstUS
		if e != nil {
			last = binary.BigEndian.Uint64(e.header[0:8]) // as sealed, not as altered
		} else if l, err := chunkLast(value); err == nil {
			last = l
		}
		ref.To = time.UnixMicro(int64(last)).UTC()
		for _, so := range sorties {
			if so.Stream == kp.stream && slices.Contains(so.Systems(), kp.id) && !so.Start.After(ref.To) && !so.End.Before(ref.From) {
				ref.Sorties = append(ref.Sorties, so.ID)
			}
		}
	case sealEvent, sealAudit, sealPlanUpload:
		if len(key) >= 8 {
			ref.Time = time.UnixMicro(int64(binary.BigEndian.Uint64(key))).UTC()
		}
		var env envelope
		if value != nil && json.Unmarshal(value, &env) == nil {
			ref.EventType = env.Type
		}
	case sealPlan:
		if name, ver, ok := parsePlanSealKey(key); ok {
			ref.Plan = string(name)
			if len(ver) == 4 {
				ref.Version = int(binary.BigEndian.Uint32(ver))
			}
		}
	}
	return ref
}

// CheckHeadInFile checks, read-only, that the store at path holds chain
// link head.Link with head's hash: that a head seen before (an evidence
// package's manifest) is still part of the store's chain, so the package's
// recording is the store's. Run VerifyFile as well to check the records.
func CheckHeadInFile(path string, head ChainHead) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return fmt.Errorf("check %s: another process holds it open (stop the server, or check a backup)", path)
		}
		return fmt.Errorf("check %s: %w", path, err)
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketChain)
		if b == nil {
			return fmt.Errorf("%s has no evidence chain", path)
		}
		v := b.Get(binary.BigEndian.AppendUint64(nil, head.Link))
		switch {
		case v == nil:
			return fmt.Errorf("%s has no chain link %d: not the store this package came from, or links were removed", path, head.Link)
		case len(v) < 33 || !bytes.Equal(v[1:33], head.Hash[:]):
			return fmt.Errorf("chain link %d of %s is not the package's (%s): the chain was rewritten, or the package comes from another store", head.Link, path, head)
		}
		return nil
	})
}
