package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// recordSortie records a live sortie of vehicle 3 (arm, 60 s of positions in
// 20 commits, disarm), a detection, an operator action and a plan version,
// and returns the store's path closed.
func recordSortie(t *testing.T) (path string, so store.Sortie) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "store.db")
	s := &store.Store{Path: path}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	m := newMaker(t)
	var batch []telemetry.Frame
	for i := 0; i <= 600; i++ {
		at := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		if i%10 == 0 {
			batch = append(batch, m.frame(3, at, heartbeat(i < 600)))
		}
		batch = append(batch, m.frame(3, at, position(31.3+float64(i)*1e-5, -110.9, 1300)))
		if i%30 == 29 {
			var evs []telemetry.Event
			if i == 299 {
				evs = append(evs, telemetry.Detection{EventHeader: telemetry.Header(at, 3), TrackID: 7, Class: "person", Lat: 31.3, Lon: -110.9})
			}
			if err := s.Append(batch, evs); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := s.Append(batch, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAudit(telemetry.OperatorAction{EventHeader: telemetry.Header(t0.Add(20*time.Second), 3), User: "ana", Action: "mode", Detail: "LOITER"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SavePlan(store.PlanVersion{Name: "north", Author: "ana", ContentType: "application/json", Data: []byte(`{"items":[]}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordPlanUpload(store.PlanUpload{Time: t0.Add(5 * time.Second), Plan: "north", Version: 1, SysID: 3, User: "ana", Verified: true}); err != nil {
		t.Fatal(err)
	}
	sorties, err := s.Sorties(store.SortieFilter{})
	if err != nil || len(sorties) != 1 {
		t.Fatalf("sorties = %v, %v; want one", sorties, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, sorties[0]
}

// alter changes one stored value directly in the bbolt file, as someone
// with the file and a bbolt library could.
func alter(t *testing.T, path string, bucket []byte, pick func(k, v []byte) bool, change func(v []byte) []byte) []byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var key []byte
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		return b.ForEach(func(k, v []byte) error {
			if key == nil && v != nil && pick(k, v) {
				key = bytes.Clone(k)
			}
			return nil
		})
	})
	if err != nil || key == nil {
		t.Fatalf("no record to alter in %s: %v", bucket, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		nv := change(bytes.Clone(b.Get(key)))
		if nv == nil {
			return b.Delete(key)
		}
		return b.Put(key, nv)
	})
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func mustVerify(t *testing.T, path string) store.ChainReport {
	t.Helper()
	r, err := store.VerifyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVerifyFile_Intact_OK(t *testing.T) {
	path, _ := recordSortie(t)
	r := mustVerify(t, path)
	if !r.OK() || r.NoChain {
		t.Fatalf("intact store: problems %v (no chain %v)", r.Problems, r.NoChain)
	}
	// 601 positions + 60 heartbeats in one chunk, a detection, an audit entry, a plan version, an upload record.
	if r.Records != 5 || r.Baseline != 0 || r.Links < 22 || r.Head.Link != r.Links {
		t.Fatalf("report = %+v; want 4 records, no baseline, a link per commit", r)
	}
}

func TestVerifyFile_AlteredFrame_ReportsSortieVehicleAndTime(t *testing.T) {
	path, so := recordSortie(t)
	alter(t, path, []byte("chunks"), func(k, v []byte) bool { return true }, func(v []byte) []byte {
		v[len(v)/2] ^= 0x01 // one bit of one frame in the middle of the sortie
		return v
	})
	r := mustVerify(t, path)
	if len(r.Problems) != 1 {
		t.Fatalf("problems = %v; want exactly the altered chunk", r.Problems)
	}
	p := r.Problems[0]
	if p.Record.Kind != "frames" || p.Record.SystemID != 3 || !slices.Equal(p.Record.Sorties, []uint64{so.ID}) {
		t.Fatalf("problem = %+v; want frames of vehicle 3 in sortie %d", p, so.ID)
	}
	if !p.Record.From.Equal(t0) || !p.Record.To.Equal(t0.Add(60*time.Second)) {
		t.Fatalf("problem spans %s – %s; want the sortie's frames %s – %s", p.Record.From, p.Record.To, t0, t0.Add(60*time.Second))
	}
	if s := p.String(); !strings.Contains(s, "sortie 1") || !strings.Contains(s, "vehicle 3") || !strings.Contains(s, "2026-05-01T12:00:00") || !strings.Contains(s, "changed") {
		t.Fatalf("message %q does not say sortie, vehicle, time and what happened", s)
	}
}

func TestVerifyFile_AlteredEventAuditPlan_EachNamed(t *testing.T) {
	cases := []struct {
		bucket string
		change func([]byte) []byte
		kind   string
		want   string
	}{
		{"events", func(v []byte) []byte { return bytes.Replace(v, []byte("person"), []byte("animal"), 1) }, "event", "event detection at 2026-05-01T12:00:29.900000Z"},
		{"audit", func(v []byte) []byte { return bytes.Replace(v, []byte("ana"), []byte("bob"), 1) }, "audit", "audit entry operator_action at 2026-05-01T12:00:20.000000Z"},
		{"events", func([]byte) []byte { return nil }, "event", "deleted"},
		{"plan_uploads", func(v []byte) []byte {
			return bytes.Replace(v, []byte(`"verified":true`), []byte(`"verified":false`), 1)
		}, "plan_upload", "plan upload record at 2026-05-01T12:00:05.000000Z"},
	}
	for _, c := range cases {
		t.Run(c.bucket+"/"+c.want, func(t *testing.T) {
			path, _ := recordSortie(t)
			alter(t, path, []byte(c.bucket), func(k, v []byte) bool { return true }, c.change)
			r := mustVerify(t, path)
			if len(r.Problems) != 1 || r.Problems[0].Record.Kind != c.kind || !strings.Contains(r.Problems[0].String(), c.want) {
				t.Fatalf("problems = %v; want one %s problem saying %q", r.Problems, c.kind, c.want)
			}
		})
	}
	t.Run("plan", func(t *testing.T) {
		path, _ := recordSortie(t)
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("plans")).Bucket([]byte("north")).Put([]byte{0, 0, 0, 1}, []byte(`{"name":"north","version":1,"data":"e30="}`))
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		r := mustVerify(t, path)
		if len(r.Problems) != 1 || !strings.Contains(r.Problems[0].String(), `plan "north" version 1`) {
			t.Fatalf("problems = %v; want plan north version 1 changed", r.Problems)
		}
	})
}

func TestVerifyFile_AddedRecordAndAlteredLink_Reported(t *testing.T) {
	path, _ := recordSortie(t)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		k := make([]byte, 16)
		k[0] = 0x01
		return tx.Bucket([]byte("events")).Put(k, []byte(`{"type":"alert","event":{}}`))
	})
	if err == nil {
		err = db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("chain"))
			k, v := b.Cursor().First()
			v = bytes.Clone(v)
			v[len(v)-1] ^= 0x80
			return b.Put(bytes.Clone(k), v)
		})
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r := mustVerify(t, path)
	var whats []string
	for _, p := range r.Problems {
		whats = append(whats, p.String())
	}
	all := strings.Join(whats, "\n")
	if len(r.Problems) != 2 || !strings.Contains(all, "not in the chain") || !strings.Contains(all, "chain was altered here (chain link 1)") {
		t.Fatalf("problems:\n%s\nwant the added event and the altered first link", all)
	}
}

func TestVerifyFile_StoreWithoutChain_SaysSoThenSealsAtFirstOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s := &store.Store{Path: path}
	store.WithoutChain(s) // what an earlier version wrote
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	fleetLog(t, s, []telemetry.VehicleID{1, 2}, 3000)
	if err := s.AppendAudit(telemetry.OperatorAction{EventHeader: telemetry.Header(t0, 1), User: "ana", Action: "arm"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("chain")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if r := mustVerify(t, path); !r.NoChain || !r.OK() {
		t.Fatalf("report = %+v; want no chain and no failure", r)
	}
	s2 := storetest.MustOpenPath(t, path)
	fleetLog(t, s2, []telemetry.VehicleID{1}, 10)
	r, err := s2.VerifyChain()
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.NoChain || r.Baseline != 3 || r.Links != 2 {
		t.Fatalf("report = %+v; want the 3 old records sealed by link 1, the new frames by link 2", r)
	}
}

func TestVerifyFile_RetentionAndImport_StayIntact(t *testing.T) {
	tlog := filepath.Join(testenv.SharedData(t), "tlogs", "dronekit_python", "test.tlog")
	f, err := os.Open(tlog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := storetest.MustOpen(t)
	fleetLog(t, s, []telemetry.VehicleID{1, 2}, 20000)
	if err := s.AppendAudit(telemetry.OperatorAction{EventHeader: telemetry.Header(t0.Add(time.Second), 1), User: "ana", Action: "arm"}); err != nil {
		t.Fatal(err)
	}
	res, err := s.ImportTlog(f, "import:test.tlog", nil)
	if err != nil || res.Frames == 0 {
		t.Fatalf("import: %v, %d frames", err, res.Frames)
	}
	d, err := s.DropBefore(t0.Add(1000 * time.Second))
	if err != nil || d.Chunks == 0 || d.Audit != 1 {
		t.Fatalf("retention dropped %+v, %v; want old chunks and the audit entry", d, err)
	}
	if _, err := s.DeleteStream(res.Stream); err != nil {
		t.Fatal(err)
	}
	r, err := s.VerifyChain()
	if err != nil || !r.OK() {
		t.Fatalf("after retention and a deleted import: %v, problems %v", err, r.Problems)
	}
	head, err := s.ChainHead()
	if err != nil || head != r.Head || head.Link == 0 {
		t.Fatalf("ChainHead = %v, %v; want %v", head, err, r.Head)
	}
}
