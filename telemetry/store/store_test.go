package store_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// fleetLog makes n frames per vehicle at 10 Hz (attitude frames with a
// counter), appended in batches of 20 s (the recorder commits every 100 ms;
// what matters here is that chunks stay open across commits).
func fleetLog(t *testing.T, s *store.Store, vehicles []telemetry.VehicleID, n int) []telemetry.Frame {
	m := newMaker(t)
	var all, batch []telemetry.Frame
	for i := 0; i < n; i++ {
		for j, id := range vehicles {
			// Vehicles are offset by a few ms so that merge order is by time, not id.
			at := t0.Add(time.Duration(i)*100*time.Millisecond + time.Duration(len(vehicles)-j)*time.Millisecond)
			f := m.frame(id, at, &common.MessageAttitude{TimeBootMs: uint32(i)})
			batch = append(batch, f)
			all = append(all, f)
		}
		if len(batch) >= 200*len(vehicles) { // 20 s per commit: many commits, each rewriting open chunks
			if err := s.AppendFrames(batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := s.AppendFrames(batch); err != nil {
		t.Fatal(err)
	}
	return all
}

func sortedByTime(fs []telemetry.Frame) []telemetry.Frame {
	out := append([]telemetry.Frame(nil), fs...)
	// Stable insertion by time then sysid, as the store promises.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0; j-- {
			a, b := out[j-1], out[j]
			if a.Time.After(b.Time) || (a.Time.Equal(b.Time) && a.SystemID > b.SystemID) {
				out[j-1], out[j] = b, a
				continue
			}
			break
		}
	}
	return out
}

func TestStore_Scan_SeekReturnsEveryFrameFromTime(t *testing.T) {
	s := storetest.MustOpen(t)
	vehicles := []telemetry.VehicleID{3, 1, 7}
	all := sortedByTime(fleetLog(t, s, vehicles, 12000)) // ~260 KB per vehicle: several chunks each
	if n, err := s.CountFrames(); err != nil || n != len(all) {
		t.Fatalf("CountFrames = %d, %v; want %d", n, err, len(all))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 40; trial++ {
		from := t0.Add(time.Duration(rng.Int64N(int64(1210 * time.Second))))
		to := from.Add(time.Duration(rng.Int64N(int64(20 * time.Second))))
		systems := []telemetry.VehicleID{vehicles[rng.IntN(3)]}
		if trial%2 == 0 {
			systems = append(systems, vehicles[rng.IntN(3)], 9) // a duplicate and one never heard
		}
		var want []telemetry.Frame
		for _, f := range all {
			if !f.Time.Before(from) && f.Time.Before(to) && (containsID(systems, f.Vehicle())) {
				want = append(want, f)
			}
		}
		var got []telemetry.Frame
		err := s.Scan(store.Query{Systems: systems, From: from, To: to}, func(f telemetry.Frame) bool {
			got = append(got, f)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("trial %d [%v, %v) systems %v: %d frames, want %d", trial, from, to, systems, len(got), len(want))
		}
		for i := range got {
			if !got[i].Time.Equal(want[i].Time) || got[i].SystemID != want[i].SystemID || !bytes.Equal(got[i].Raw, want[i].Raw) {
				t.Fatalf("trial %d frame %d: got %v sys %d, want %v sys %d", trial, i, got[i].Time, got[i].SystemID, want[i].Time, want[i].SystemID)
			}
		}
	}
	// All systems, from before the log: everything, in order.
	n := 0
	err := s.Frames(time.Time{}, time.Time{}, func(f telemetry.Frame) bool {
		if !f.Time.Equal(all[n].Time) || f.SystemID != all[n].SystemID {
			t.Fatalf("frame %d out of order", n)
		}
		n++
		return true
	})
	if err != nil || n != len(all) {
		t.Fatalf("full scan: %d frames, %v; want %d", n, err, len(all))
	}
}

func containsID(ids []telemetry.VehicleID, id telemetry.VehicleID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestStore_Sorties_ArmDisarmSequences(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := storetest.MustOpenPath(t, path)
	m := newMaker(t)
	at := func(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }
	gcsHB := &common.MessageHeartbeat{Type: common.MAV_TYPE_GCS, Autopilot: common.MAV_AUTOPILOT_INVALID, BaseMode: common.MAV_MODE_FLAG_SAFETY_ARMED}
	frames := []telemetry.Frame{
		m.frame(1, at(0), heartbeat(false)),
		m.frame(1, at(0.5), position(47.0, 8.0, 500)), // before arming: not in a sortie
		m.frame(255, at(0.7), gcsHB),                  // a GCS heartbeat never makes a sortie
		m.frame(1, at(1), heartbeat(true)),            // sortie 1 starts
		m.frame(2, at(1.5), heartbeat(true)),          // vehicle 2 starts too
		m.frame(1, at(2), position(47.0, 8.0, 510)),
		m.frame(1, at(3), battery(80)),
		m.frame(1, at(4), position(47.001, 8.0, 530)), // ~111 m north
		m.frame(1, at(5), battery(75)),
	}
	if err := s.AppendFrames(frames); err != nil {
		t.Fatal(err)
	}
	// Events arrive with the frames: one detection, one breach, one low-battery alert.
	events := []telemetry.Event{
		telemetry.Detection{EventHeader: telemetry.Header(at(5.5), 1), Class: "person"},
		telemetry.Alert{EventHeader: telemetry.Header(at(5.6), 1), Type: telemetry.AlertFenceBreach},
		telemetry.Alert{EventHeader: telemetry.Header(at(5.7), 1), Type: telemetry.AlertLowBattery},
	}
	if err := s.Append([]telemetry.Frame{m.frame(1, at(6), position(47.002, 8.0, 520))}, events); err != nil {
		t.Fatal(err)
	}
	open, err := s.Sorties(store.SortieFilter{Vehicle: 1})
	if err != nil || len(open) != 1 || !open[0].Open {
		t.Fatalf("while armed: %+v, %v; want one open sortie", open, err)
	}

	// A restart in the middle of the flight, within the link-loss limit: the
	// sortie goes on.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = reopenAt(t, path, at(7))
	more := []telemetry.Frame{
		m.frame(1, at(7), heartbeat(true)),
		m.frame(1, at(8), position(47.003, 8.0, 505)),
		m.frame(1, at(9), heartbeat(false)), // sortie 1 ends
		m.frame(1, at(10), position(47.1, 8.0, 500)),
		m.frame(1, at(11), heartbeat(true)), // sortie 3 starts (2 is vehicle 2's)
		m.frame(1, at(12), heartbeat(false)),
		m.frame(1, at(13), heartbeat(false)),
	}
	if err := s.AppendFrames(more); err != nil {
		t.Fatal(err)
	}
	got, err := s.Sorties(store.SortieFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d sorties, want 3: %+v", len(got), got)
	}
	// Newest first: vehicle 1's second flight, vehicle 2's (still open), vehicle 1's first.
	second, v2, first := got[0], got[1], got[2]
	if first.SystemID != 1 || !first.Start.Equal(at(1)) || !first.End.Equal(at(9)) || first.Open {
		t.Errorf("first sortie %+v: want vehicle 1 from 1 s to 9 s, closed", first)
	}
	if first.DurationS != 8 || first.MaxAltM != 530 || first.MinBatteryPct != 75 || first.Detections != 1 || first.Breaches != 1 {
		t.Errorf("first sortie stats %+v: want 8 s, max alt 530, min battery 75, 1 detection, 1 breach", first)
	}
	if first.DistanceM < 330 || first.DistanceM > 337 { // 3 × 0.001° of latitude ≈ 333.6 m
		t.Errorf("first sortie distance %.1f m, want ≈ 333.6", first.DistanceM)
	}
	if first.Frames != 9 { // from the arming heartbeat to the disarming one
		t.Errorf("first sortie holds %d frames, want 9", first.Frames)
	}
	if v2.SystemID != 2 || !v2.Open || v2.MinBatteryPct != -1 {
		t.Errorf("vehicle 2 sortie %+v: want open, battery unknown", v2)
	}
	if second.SystemID != 1 || !second.Start.Equal(at(11)) || !second.End.Equal(at(12)) || second.Open {
		t.Errorf("second sortie %+v: want 11 s to 12 s", second)
	}
	one, err := s.Sortie(first.ID)
	if err != nil || one.ID != first.ID {
		t.Fatalf("Sortie(%d) = %+v, %v", first.ID, one, err)
	}
	if _, err := s.Sortie(999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Sortie(999) error %v, want ErrNotFound", err)
	}
}

func TestStore_DropBefore_RemovesOnlyOldData(t *testing.T) {
	s := storetest.MustOpen(t)
	all := fleetLog(t, s, []telemetry.VehicleID{1, 2}, 20000) // 2000 s: several chunks per vehicle
	ev := func(sec int) telemetry.Event {
		return telemetry.Alert{EventHeader: telemetry.Header(t0.Add(time.Duration(sec)*time.Second), 1), Type: telemetry.AlertLinkLost}
	}
	if err := s.Append(nil, []telemetry.Event{ev(10), ev(100), ev(1400)}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAudit(telemetry.OperatorAction{EventHeader: telemetry.EventHeader{Time: t0.Add(time.Second)}, User: "ann", Action: "login"}); err != nil {
		t.Fatal(err)
	}
	cutoff := t0.Add(1000 * time.Second)
	d, err := s.DropBefore(cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if d.Events != 2 || d.Audit != 1 || d.Frames == 0 {
		t.Errorf("dropped %+v: want 2 events, 1 audit entry and some frames", d)
	}
	// Every frame at or after the cutoff survives; what survives before it is
	// only the rest of a chunk that straddles the cutoff.
	kept := map[int64]int{}
	err = s.Frames(time.Time{}, time.Time{}, func(f telemetry.Frame) bool {
		kept[f.Time.UnixMicro()]++
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	oldKept := 0
	for _, f := range all {
		switch {
		case !f.Time.Before(cutoff) && kept[f.Time.UnixMicro()] == 0:
			t.Fatalf("frame at %v (after the cutoff) was dropped", f.Time)
		case f.Time.Before(cutoff) && kept[f.Time.UnixMicro()] > 0:
			oldKept++
		}
	}
	if oldKept > 2*4000 { // at most one straddling chunk per vehicle (64 KiB of ~19-byte frames)
		t.Errorf("%d frames older than the cutoff kept; want only a straddling chunk per vehicle", oldKept)
	}
	if n, _ := s.CountFrames(); n+d.Frames != len(all) {
		t.Errorf("kept %d + dropped %d != %d written", n, d.Frames, len(all))
	}
	var left int
	_ = s.Events(store.EventFilter{}, func(telemetry.Event) bool { left++; return true })
	if left != 1 {
		t.Errorf("%d events left, want 1", left)
	}
}

func TestStore_SigningKey_RoundTripAndNeverBack(t *testing.T) {
	s := storetest.MustOpen(t)
	if _, ok, err := s.SigningKey(5); ok || err != nil {
		t.Fatalf("empty store has a key: %v %v", ok, err)
	}
	key := [32]byte{1, 2, 3, 31: 9}
	if err := s.SetSigningKey(5, key); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := s.SigningKey(5); !ok || err != nil || got != key {
		t.Fatalf("SigningKey = %x %v %v", got, ok, err)
	}
	if err := s.DeleteSigningKey(5); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.SigningKey(5); ok {
		t.Fatal("key still there after delete")
	}
	if ts, err := s.SigningTimestamp(); ts != 0 || err != nil {
		t.Fatalf("initial timestamp %d %v", ts, err)
	}
	_ = s.SaveSigningTimestamp(500)
	_ = s.SaveSigningTimestamp(400) // a late, older save must not win
	if ts, _ := s.SigningTimestamp(); ts != 500 {
		t.Fatalf("timestamp %d, want 500", ts)
	}
}

// The fleet loads every key at start: keys of vehicles on other networks
// come back under their whole id, and the timestamp beside them is not a key.
func TestStore_SigningKeys_EveryVehicleOnEveryNetwork(t *testing.T) {
	s := storetest.MustOpen(t)
	onNet3 := telemetry.VehicleID(3<<8 | 7)
	want := map[telemetry.VehicleID][32]byte{5: {1, 31: 5}, onNet3: {2, 31: 7}}
	for id, k := range want {
		if err := s.SetSigningKey(id, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveSigningTimestamp(1234); err != nil {
		t.Fatal(err)
	}
	got, err := s.SigningKeys()
	if err != nil || !maps.Equal(got, want) {
		t.Fatalf("SigningKeys = %v, %v; want %v", got, err, want)
	}
	if err := s.DeleteSigningKey(5); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.SigningKeys(); len(got) != 1 || got[onNet3] != want[onNet3] {
		t.Fatalf("after deleting 5: %v", got)
	}
}

func TestStore_Append_NeverStoresSetupSigning(t *testing.T) {
	s := storetest.MustOpen(t)
	m := newMaker(t)
	f := m.frame(1, t0, &common.MessageSetupSigning{TargetSystem: 1, SecretKey: [32]uint8{7, 7, 7}})
	if err := s.AppendFrames([]telemetry.Frame{f, m.frame(1, t0, heartbeat(false))}); err != nil {
		t.Fatal(err)
	}
	_ = s.Frames(time.Time{}, time.Time{}, func(f telemetry.Frame) bool {
		if f.MessageID == store.MsgSetupSigning {
			t.Error("SETUP_SIGNING was stored")
		}
		return true
	})
	if n, _ := s.CountFrames(); n != 1 {
		t.Fatalf("%d frames stored, want 1", n)
	}
}

func TestStore_SavePlan_KeepsVersions(t *testing.T) {
	s := storetest.MustOpen(t)
	for i, body := range []string{`{"v":1}`, `{"v":2}`} {
		v, err := s.SavePlan(store.PlanVersion{Name: "north", Author: "ann", ContentType: "application/json", Data: []byte(body)})
		if err != nil || v != i+1 {
			t.Fatalf("SavePlan = %d, %v", v, err)
		}
	}
	latest, err := s.Plan("north", 0)
	if err != nil || string(latest.Data) != `{"v":2}` || latest.Version != 2 || latest.Author != "ann" {
		t.Fatalf("latest = %+v, %v", latest, err)
	}
	first, _ := s.Plan("north", 1)
	if string(first.Data) != `{"v":1}` {
		t.Fatalf("version 1 = %s", first.Data)
	}
	h, _ := s.PlanHistory("north")
	if len(h) != 2 || h[0].Data != nil {
		t.Fatalf("history %+v", h)
	}
	if _, err := s.Plan("south", 0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing plan: %v", err)
	}
	if _, err := s.SavePlan(store.PlanVersion{}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("nameless plan: %v", err)
	}
}

func TestStore_BackupFile_CopyOpensWithSameData(t *testing.T) {
	s := storetest.MustOpen(t)
	all := fleetLog(t, s, []telemetry.VehicleID{1}, 500)
	dst := filepath.Join(t.TempDir(), "backup.db")
	if _, err := s.BackupFile(dst); err != nil {
		t.Fatal(err)
	}
	fleetLog(t, s, []telemetry.VehicleID{2}, 10) // the original goes on; the copy does not change
	b := storetest.MustOpenPath(t, dst)
	if n, err := b.CountFrames(); err != nil || n != len(all) {
		t.Fatalf("backup holds %d frames, %v; want %d", n, err, len(all))
	}
}

func TestStore_Events_FilterByTypeAndVehicle(t *testing.T) {
	s := storetest.MustOpen(t)
	h := func(sec int, id telemetry.VehicleID) telemetry.EventHeader {
		return telemetry.Header(t0.Add(time.Duration(sec)*time.Second), id)
	}
	err := s.Append(nil, []telemetry.Event{
		telemetry.Detection{EventHeader: h(1, 1), Class: "person", Lat: 47},
		telemetry.Alert{EventHeader: h(2, 2), Type: telemetry.AlertLowBattery},
		telemetry.ModeChange{EventHeader: h(3, 1), From: "GUIDED", To: "AUTO"},
		telemetry.Detection{EventHeader: h(4, 2), Class: "vehicle"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []telemetry.Event
	_ = s.Events(store.EventFilter{Types: []string{"detection"}, Vehicles: []telemetry.VehicleID{1}}, func(e telemetry.Event) bool {
		got = append(got, e)
		return true
	})
	if len(got) != 1 || got[0].(telemetry.Detection).Class != "person" || got[0].(telemetry.Detection).Lat != 47 {
		t.Fatalf("got %+v", got)
	}
}

func TestStore_Initialize_ConvertsFirstFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := newMaker(t)
	var want []telemetry.Frame
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("frames"))
		if err != nil {
			return err
		}
		for i := 0; i < 1000; i++ {
			f := m.frame(telemetry.VehicleID(1+i%2), t0.Add(time.Duration(i)*time.Millisecond), &common.MessageAttitude{TimeBootMs: uint32(i)})
			want = append(want, f)
			k := binary.BigEndian.AppendUint64(nil, uint64(f.Time.UnixMicro()))
			k = binary.BigEndian.AppendUint32(k, uint32(i))
			if err := b.Put(k, append([]byte{0, 3}, f.Raw...)); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s := storetest.MustOpenPath(t, path)
	i := 0
	err = s.Frames(time.Time{}, time.Time{}, func(f telemetry.Frame) bool {
		if !f.Time.Equal(want[i].Time) || !bytes.Equal(f.Raw, want[i].Raw) || f.Link != 3 {
			t.Fatalf("converted frame %d differs", i)
		}
		i++
		return true
	})
	if err != nil || i != len(want) {
		t.Fatalf("%d frames after conversion, %v; want %d", i, err, len(want))
	}
}

func TestStore_Append_PointerAndNilEventsDoNotLoseFrames(t *testing.T) {
	s := storetest.MustOpen(t)
	m := newMaker(t)
	var nilAlert *telemetry.Alert
	err := s.Append([]telemetry.Frame{m.frame(1, t0, heartbeat(false))}, []telemetry.Event{
		&telemetry.Detection{EventHeader: telemetry.Header(t0, 1), Class: "boat"},
		nilAlert,
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountFrames(); n != 1 {
		t.Fatalf("%d frames stored, want 1", n)
	}
	var got []telemetry.Event
	_ = s.Events(store.EventFilter{}, func(e telemetry.Event) bool { got = append(got, e); return true })
	if len(got) != 1 || got[0].(telemetry.Detection).Class != "boat" || s.SkippedEvents() != 1 {
		t.Fatalf("events %+v, skipped %d", got, s.SkippedEvents())
	}
}

func TestStore_Users_AccountsAndTokens(t *testing.T) {
	s := storetest.MustOpen(t)
	if err := s.PutUser(store.User{Name: "ann", Role: "operator", PasswordHash: []byte("$2a$10$x")}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutToken(store.Token{Hash: "abc", User: "ann"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutToken(store.Token{Hash: "def", User: "bob"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("token for an unknown user: %v", err)
	}
	if tok, err := s.TokenByHash("abc"); err != nil || tok.User != "ann" {
		t.Fatalf("token %+v, %v", tok, err)
	}
	if u, err := s.User("ann"); err != nil || u.Role != "operator" || string(u.PasswordHash) != "$2a$10$x" {
		t.Fatalf("user %+v, %v", u, err)
	}
	if err := s.DeleteUser("ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenByHash("abc"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("token of a deleted user: %v", err)
	}
	if us, _ := s.Users(); len(us) != 0 {
		t.Fatalf("users %+v", us)
	}
}

func TestRecorder_Retention_DropsDataOlderThanAge(t *testing.T) {
	s := storetest.MustOpen(t)
	fleetLog(t, s, []telemetry.VehicleID{1}, 20000) // t0 … t0+2000 s: several chunks
	var h telemetry.Hub
	now := t0.Add(1 * time.Hour)
	r := &store.Recorder{Store: s, Hub: &h, Retention: time.Hour - 1000*time.Second, Now: func() time.Time { return now }}
	if err := r.Initialize(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	var first time.Time
	_ = s.Frames(time.Time{}, time.Time{}, func(f telemetry.Frame) bool { first = f.Time; return false })
	// The cutoff is t0+1000 s: what is left starts at most one chunk (~350 s of this log) before it.
	if first.Before(t0.Add(600*time.Second)) || first.After(t0.Add(1000*time.Second)) {
		t.Fatalf("oldest frame left at %v, want just before the cutoff at 1000 s", first.Sub(t0))
	}
}

// reopenAt opens the store at path with its clock at now.
func reopenAt(t *testing.T, path string, now time.Time) *store.Store {
	t.Helper()
	s := &store.Store{Path: path, Now: func() time.Time { return now }}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		storetest.Check(t, path)
	})
	return s
}

// Sorties of a vehicle that never disarmed stayed "flying" for ever (issue
// 12). A vehicle silent for the link-loss limit while others are heard has its
// sortie closed as "link lost"; one left open when the server stopped is
// closed as "server restart" when the store opens past the limit.
func TestStore_Sorties_NeverDisarmed_Closed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := reopenAt(t, path, t0)
	m := newMaker(t)
	at := func(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }
	if err := s.AppendFrames([]telemetry.Frame{
		m.frame(1, at(0), heartbeat(true)), // vehicle 1 armed, then silent
		m.frame(2, at(1), heartbeat(true)), // vehicle 2 flies on
	}); err != nil {
		t.Fatal(err)
	}
	limit := store.SortieLinkLossLimit.Seconds()
	if err := s.AppendFrames([]telemetry.Frame{m.frame(2, at(limit-1), heartbeat(true))}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Sorties(store.SortieFilter{Vehicle: 1}); len(got) != 1 || !got[0].Open {
		t.Fatalf("vehicle 1 within the limit: %+v; want open", got)
	}
	if err := s.AppendFrames([]telemetry.Frame{m.frame(2, at(limit+2), heartbeat(true))}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Sorties(store.SortieFilter{Vehicle: 1})
	if len(got) != 1 || got[0].Open || got[0].Closed != "link lost" || !got[0].End.Equal(at(0)) {
		t.Fatalf("vehicle 1 past the limit: %+v; want closed as link lost, ending at its last frame", got)
	}
	// The server stops with vehicle 2 armed and starts again an hour later.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = reopenAt(t, path, at(3600))
	got, _ = s.Sorties(store.SortieFilter{Vehicle: 2})
	if len(got) != 1 || got[0].Open || got[0].Closed != "server restart" || !got[0].End.Equal(at(limit+2)) {
		t.Fatalf("vehicle 2 after a restart past the limit: %+v; want closed as server restart", got)
	}
	// Coming back armed opens a new sortie.
	if err := s.AppendFrames([]telemetry.Frame{m.frame(2, at(3601), heartbeat(true))}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Sorties(store.SortieFilter{Vehicle: 2}); len(got) != 2 || !got[0].Open {
		t.Fatalf("vehicle 2 back: %+v; want a new open sortie", got)
	}
}

// A DETECTION with alt = NaN made the event's JSON fail and aborted the whole
// commit: every vehicle's frames of that batch were lost (issue 12). The event
// is now skipped and counted, and the frames are kept.
func TestStore_Append_UnencodableEvent_SkippedFramesKept(t *testing.T) {
	s := storetest.MustOpen(t)
	m := newMaker(t)
	frames := []telemetry.Frame{m.frame(1, t0, heartbeat(true)), m.frame(2, t0.Add(time.Second), heartbeat(true))}
	events := []telemetry.Event{
		telemetry.Detection{EventHeader: telemetry.Header(t0, 1), Class: "person", Lat: 31.3, Lon: -110.9, AltM: math.NaN()},
		telemetry.Detection{EventHeader: telemetry.Header(t0, 1), Class: "vehicle", Lat: 31.3, Lon: -110.9, AltM: 1200},
	}
	if err := s.Append(frames, events); err != nil {
		t.Fatalf("append: %v", err)
	}
	if n, _ := s.CountFrames(); n != 2 {
		t.Fatalf("%d frames stored, want 2", n)
	}
	if got := s.SkippedEvents(); got != 1 {
		t.Fatalf("skipped %d events, want 1", got)
	}
	var stored []string
	_ = s.Events(store.EventFilter{}, func(e telemetry.Event) bool {
		if d, ok := e.(telemetry.Detection); ok {
			stored = append(stored, d.Class)
		}
		return true
	})
	if len(stored) != 1 || stored[0] != "vehicle" {
		t.Fatalf("stored detections %v, want [vehicle]", stored)
	}
}
