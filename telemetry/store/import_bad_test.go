package store_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
	"github.com/borderwatch/borderwatch/telemetry/tlog"
)

// Issue 12: a random 1 MB file imported with exit 0 as dozens of sorties of
// random system ids; an empty or JSON file "imported 0 frames". All are refused
// now, and the store keeps nothing of them.
func TestStore_ImportTlog_NotATlog_Refused(t *testing.T) {
	s := storetest.MustOpen(t)
	random := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	for name, data := range map[string][]byte{
		"random 1 MB": random,
		"empty":       {},
		"json":        []byte(`{"fileType":"Plan","version":1}`),
	} {
		before, _ := s.CountFrames()
		res, err := s.ImportTlog(bytes.NewReader(data), "import:"+name, nil)
		if !errors.Is(err, store.ErrNotTlog) {
			t.Errorf("%s: err %v, %d sorties; want ErrNotTlog", name, err, len(res.Sorties))
			continue
		}
		if after, _ := s.CountFrames(); after != before {
			t.Errorf("%s: refused import left %d frames", name, after-before)
		}
		if sos, _ := s.Sorties(store.SortieFilter{}); len(sos) != 0 {
			t.Errorf("%s: refused import left %d sorties", name, len(sos))
		}
	}
}

// A record whose timestamp is in the year 2431 is kept but counted, and it
// neither starts nor ends a sortie (issue 12: sorties ran to the year 9959).
func TestStore_ImportTlog_OutOfRangeTimes_NotSortieBounds(t *testing.T) {
	s := storetest.MustOpen(t)
	m := newMaker(t)
	var buf bytes.Buffer
	w := tlog.NewWriter(&buf)
	now := t0.Add(time.Hour)
	times := []time.Time{t0, t0.Add(time.Second), time.Date(2431, 1, 1, 0, 0, 0, 0, time.UTC), t0.Add(2 * time.Second), time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, at := range times {
		fr := m.frame(1, at, heartbeat(true))
		if err := w.Write(fr.Time, fr.Raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	res, err := store.ImportTlogAt(s, bytes.NewReader(buf.Bytes()), "import:times", nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 5 || res.OutOfRangeTime != 2 {
		t.Fatalf("frames %d, out of range %d; want 5 and 2", res.Frames, res.OutOfRangeTime)
	}
	if len(res.Sorties) != 1 {
		t.Fatalf("%d sorties, want 1", len(res.Sorties))
	}
	so := res.Sorties[0]
	if !so.Start.Equal(t0) || !so.End.Equal(t0.Add(2*time.Second)) || so.DurationS != 2 {
		t.Fatalf("sortie %v to %v (%g s); want %v to %v (2 s)", so.Start, so.End, so.DurationS, t0, t0.Add(2*time.Second))
	}
}

// companions came out of the JSON as a base64 string ("/w==") instead of a
// list of system ids (issue 12); records stored that way still read.
func TestSortie_Companions_JSONListOfIDs(t *testing.T) {
	so := store.Sortie{SystemID: 1, Companions: store.VehicleIDs{255, 190}}
	b, err := json.Marshal(so)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"companions":[255,190]`) {
		t.Fatalf("JSON %s; want companions as a list of numbers", b)
	}
	var old store.Sortie
	if err := json.Unmarshal([]byte(`{"id":3,"sysid":1,"companions":"/w=="}`), &old); err != nil {
		t.Fatalf("a record stored before the fix: %v", err)
	}
	if len(old.Companions) != 1 || old.Companions[0] != 255 {
		t.Fatalf("old record companions %v; want [255]", old.Companions)
	}
}
