package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// startStoredHQ starts a headquarters named "hq" whose view is kept in the
// bbolt file path; the caller closes it.
func startStoredHQ(t *testing.T, url, path string, clk *fakeClock) *HQ {
	t.Helper()
	h := &HQ{Name: "hq", Conn: connect(t, url, "hq"), StorePath: path, DiscoverInterval: 50 * time.Millisecond, Clock: clk.Now}
	if err := h.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// eventTexts lists a view's alerts or detections as "station:seq:what".
func eventTexts(t *testing.T, evs []RemoteEvent) []string {
	t.Helper()
	var out []string
	for _, e := range evs {
		var v struct {
			Text    string `json:"text"`
			TrackID uint32 `json:"track_id"`
		}
		if err := json.Unmarshal(e.Data, &v); err != nil {
			t.Fatal(err)
		}
		what := v.Text
		if e.Type == TypeDetection {
			what = fmt.Sprint(v.TrackID)
		}
		out = append(out, fmt.Sprintf("%s:%d:%s", e.Station, e.Seq, what))
	}
	return out
}

// The HQ sees a station's vehicles, alerts, detections and sorties; it is
// closed; the station goes on (more events, a sortie closes, a new
// vehicle) while the JetStream retention limits take away what the HQ had
// already read (the old events purged from the stream, one vehicle's last
// state aged out of BW_STATES); a new HQ with the same name and file shows
// every alert, detection and sortie exactly once, in order, and every
// vehicle: stale where its last state is old, live where it is new.
func TestHQ_Restart_ViewSurvivesWithNothingLostOrDoubled(t *testing.T) {
	ns := startNATS(t)
	clk := newFakeClock()
	hub := &telemetry.Hub{}
	var mu sync.Mutex
	t0 := clk.Now()
	sorties := []store.Sortie{{ID: 1, SystemID: 1, Source: "live", Start: t0.Add(-10 * time.Minute), End: t0, Open: true, DistanceM: 100}}
	st := &Station{Name: "east", Conn: connect(t, ns.ClientURL(), "east"), Hub: hub, OutboxPath: filepath.Join(t.TempDir(), "east.outbox"),
		RetryInterval: 20 * time.Millisecond, SortieInterval: 20 * time.Millisecond, Clock: clk.Now,
		Sorties: func(time.Time) ([]store.Sortie, error) {
			mu.Lock()
			defer mu.Unlock()
			return append([]store.Sortie(nil), sorties...), nil
		}}
	if err := st.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	state := func(id telemetry.VehicleID) {
		hub.Publish(decode.VehicleState{ID: id, SysID: uint8(id), Autopilot: "ardupilot", LinkOK: true, Lat: 31.35, Lon: -110.95, Time: clk.Now()})
	}
	var wantAlerts, wantDetections []string
	seq := uint64(0)
	detect := func(track uint32) {
		hub.Publish(telemetry.Detection{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 1}, TrackID: track, Class: "person"})
	}
	alert := func(text string) {
		hub.Publish(telemetry.Alert{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 2}, Type: telemetry.AlertLowBattery, Text: text})
	}
	// The station's sequence counts sortie summaries too (seq counts
	// every event the station sends).
	path := filepath.Join(t.TempDir(), "hq.db.hqview")
	hq := startStoredHQ(t, ns.ClientURL(), path, clk)
	testenv.Eventually(t, 10*time.Second, "the open sortie at the HQ", func() bool { return len(hq.Sorties()) == 1 })
	seq++ // the sortie summary
	state(1)
	state(2)
	for i := range 3 {
		detect(uint32(10 + i))
		seq++
		wantDetections = append(wantDetections, fmt.Sprint(10+i))
		alert(fmt.Sprintf("before %d", i))
		seq++
		wantAlerts = append(wantAlerts, fmt.Sprintf("before %d", i))
		testenv.Eventually(t, 10*time.Second, "the events at the HQ", func() bool { return len(hq.Alerts()) == i+1 && len(hq.Detections()) == i+1 })
	}
	testenv.Eventually(t, 10*time.Second, "two live vehicles at the HQ", func() bool {
		v1, ok1 := vehicle(hq, "east/1")
		v2, ok2 := vehicle(hq, "east/2")
		return ok1 && ok2 && !v1.Stale && !v2.Stale
	})
	waitAcked(t, ns.ClientURL(), "east")
	hq.Close()
	hq.Conn.Close()

	// While the HQ is down: more events, the sortie closes, time passes
	// beyond StaleAfter, and a third vehicle appears.
	clk.Advance(time.Minute)
	for i := range 4 {
		detect(uint32(20 + i))
		seq++
		wantDetections = append(wantDetections, fmt.Sprint(20+i))
		alert(fmt.Sprintf("while down %d", i))
		seq++
		wantAlerts = append(wantAlerts, fmt.Sprintf("while down %d", i))
	}
	mu.Lock()
	sorties[0].Open, sorties[0].Closed, sorties[0].End, sorties[0].DistanceM = false, "disarmed", clk.Now(), 900
	sorties = append(sorties, store.Sortie{ID: 2, SystemID: 3, Source: "live", Start: clk.Now(), End: clk.Now(), Open: true})
	mu.Unlock()
	state(3)
	testenv.Eventually(t, 10*time.Second, "the station's outbox empty", func() bool {
		s := st.Stats()
		return s.EventsPending == 0 && s.BatchesSent > 0
	})
	js, err := jetstream.New(st.Conn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	testenv.Eventually(t, 10*time.Second, "the third vehicle's state in BW_STATES", func() bool {
		s, err := js.Stream(ctx, StatesStream)
		if err != nil {
			return false
		}
		_, err = s.GetLastMsgForSubject(ctx, stateSubject("east", 3))
		return err == nil
	})
	// Retention takes what the first HQ had read: every message before
	// the first one sent while it was down, and vehicle 2's last state.
	evStream, err := js.Stream(ctx, eventsStream("east"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := evStream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := evStream.Consumer(ctx, "hq_hq")
	if err != nil {
		t.Fatal(err)
	}
	floor := cons.CachedInfo().AckFloor.Stream
	if floor == 0 || floor >= info.State.LastSeq {
		t.Fatalf("the HQ's consumer acknowledged up to %d of %d messages", floor, info.State.LastSeq)
	}
	if err := evStream.Purge(ctx, jetstream.WithPurgeSequence(floor+1)); err != nil {
		t.Fatal(err)
	}
	states, err := js.Stream(ctx, StatesStream)
	if err != nil {
		t.Fatal(err)
	}
	if err := states.Purge(ctx, jetstream.WithPurgeSubject(stateSubject("east", 2))); err != nil {
		t.Fatal(err)
	}

	hq = startStoredHQ(t, ns.ClientURL(), path, clk)
	// Before it reads anything, the restarted HQ shows what it had.
	if got := len(hq.Detections()); got < 3 {
		t.Fatalf("the restarted HQ shows %d detections at once, want the 3 it had", got)
	}
	for _, key := range []string{"east/1", "east/2"} {
		if v, ok := vehicle(hq, key); !ok || !v.Stale {
			t.Fatalf("after the restart %s is %+v, want shown and stale (its state is a minute old)", key, v)
		}
	}
	testenv.Eventually(t, 10*time.Second, "every event and the new vehicle at the restarted HQ", func() bool {
		v3, ok := vehicle(hq, "east/3")
		return len(hq.Detections()) >= len(wantDetections) && len(hq.Alerts()) >= len(wantAlerts) && ok && !v3.Stale && hq.Stations()[0].LastSeq == seq+2
	})
	for _, l := range []struct {
		name      string
		got       []RemoteEvent
		want      []string
		firstSeqs string
	}{{"detections", hq.Detections(), wantDetections, "[2 4 6]"}, {"alerts", hq.Alerts(), wantAlerts, "[3 5 7]"}} {
		// The station's numbers of the events sent while the HQ was down
		// depend on when its sortie poll saw the closed sortie: the test
		// checks those only for order.
		var texts []string
		var seqs []uint64
		for i, e := range l.got {
			if i > 0 && e.Seq <= l.got[i-1].Seq {
				t.Fatalf("%s after the restart out of order: seq %d after %d", l.name, e.Seq, l.got[i-1].Seq)
			}
			_, what, _ := strings.Cut(eventTexts(t, l.got[i:i+1])[0][len("east:"):], ":")
			texts = append(texts, what)
			seqs = append(seqs, e.Seq)
		}
		if fmt.Sprint(texts) != fmt.Sprint(l.want) || fmt.Sprint(seqs[:3]) != l.firstSeqs {
			t.Fatalf("%s after the restart:\n got %v (seqs %v)\nwant %v (first seqs %s)", l.name, texts, seqs, l.want, l.firstSeqs)
		}
	}
	so := hq.Sorties()
	if len(so) != 2 {
		t.Fatalf("%d sorties after the restart, want 2", len(so))
	}
	var s1 store.Sortie
	for _, s := range so {
		var x store.Sortie
		json.Unmarshal(s.Data, &x)
		if x.ID == 1 {
			s1 = x
		}
	}
	if s1.Open || s1.DistanceM != 900 {
		t.Fatalf("sortie 1 after the restart: %+v, want its closed summary", s1)
	}
	for key, stale := range map[string]bool{"east/1": true, "east/2": true, "east/3": false} {
		if v, ok := vehicle(hq, key); !ok || v.Stale != stale {
			t.Fatalf("after the restart %s is %+v (shown %v), want stale %v", key, v, ok, stale)
		}
	}
	if d := hq.Stats().Duplicates; d != 0 {
		t.Fatalf("%d duplicates after a clean restart", d)
	}
}

// A batch written to the view whose acknowledgement never reached the
// cluster (the HQ stopped between the two) comes again after the restart
// and is skipped: its events are shown once.
func TestHQ_Restart_WrittenButNotAcknowledged_ShownOnce(t *testing.T) {
	ns := startNATS(t)
	clk := newFakeClock()
	hub := &telemetry.Hub{}
	st := startStation(t, "east", ns.ClientURL(), hub, clk)
	path := filepath.Join(t.TempDir(), "hq.db.hqview")
	hq := startStoredHQ(t, ns.ClientURL(), path, clk)
	hub.Publish(telemetry.Detection{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 1}, TrackID: 7})
	testenv.Eventually(t, 10*time.Second, "the detection at the HQ", func() bool { return len(hq.Detections()) == 1 })
	hq.Close()
	hq.Conn.Close()
	// The consumer forgets the acknowledgement: removed and made again
	// from the stream's start, as if the ack had been lost.
	js, _ := jetstream.New(st.Conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := js.DeleteConsumer(ctx, eventsStream("east"), "hq_hq"); err != nil {
		t.Fatal(err)
	}
	hub.Publish(telemetry.Detection{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 1}, TrackID: 8})
	hq = startStoredHQ(t, ns.ClientURL(), path, clk)
	testenv.Eventually(t, 10*time.Second, "the second detection", func() bool { return len(hq.Detections()) >= 2 })
	if got := eventTexts(t, hq.Detections()); fmt.Sprint(got) != "[east:1:7 east:2:8]" {
		t.Fatalf("detections: %v", got)
	}
	if d := hq.Stats().Duplicates; d != 1 {
		t.Fatalf("%d duplicates counted, want 1 (the batch read again)", d)
	}
}

// A view file lost (moved away) while the HQ's consumer has acknowledged
// events: the new HQ reads the station's stream again from its start, so
// it shows what the stream still holds instead of starting empty.
func TestHQ_Restart_ViewFileLost_ReadsStreamAgain(t *testing.T) {
	ns := startNATS(t)
	clk := newFakeClock()
	hub := &telemetry.Hub{}
	startStation(t, "east", ns.ClientURL(), hub, clk)
	hq := startStoredHQ(t, ns.ClientURL(), filepath.Join(t.TempDir(), "first.hqview"), clk)
	for i := range 3 {
		hub.Publish(telemetry.Alert{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 2}, Type: telemetry.AlertLowBattery, Text: fmt.Sprint(i)})
	}
	testenv.Eventually(t, 10*time.Second, "three alerts", func() bool { return len(hq.Alerts()) == 3 })
	waitAcked(t, ns.ClientURL(), "east")
	hq.Close()
	hq.Conn.Close()
	hq = startStoredHQ(t, ns.ClientURL(), filepath.Join(t.TempDir(), "new.hqview"), clk)
	testenv.Eventually(t, 10*time.Second, "three alerts read again", func() bool { return len(hq.Alerts()) >= 3 })
	if got := eventTexts(t, hq.Alerts()); fmt.Sprint(got) != "[east:1:0 east:2:1 east:3:2]" {
		t.Fatalf("alerts: %v", got)
	}
}

// A damaged record in the view's file is refused at start with an error
// that names the file and the record and says what to do; nothing is
// written to the file.
func TestHQ_Initialize_DamagedViewRefused(t *testing.T) {
	ns := startNATS(t)
	path := filepath.Join(t.TempDir(), "hq.hqview")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucketIfNotExists(bucketHQDetections)
		return b.Put([]byte("\x00\x00\x00\x00\x00\x00\x00\x01"), []byte("{not json"))
	})
	db.Close()
	h := &HQ{Name: "hq", Conn: connect(t, ns.ClientURL(), "hq"), StorePath: path}
	err = h.Initialize()
	if err == nil {
		h.Close()
		t.Fatal("a damaged view was accepted")
	}
	for _, want := range []string{path, "hq_detections", "damaged", "move the file away"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not say %q", err, want)
		}
	}
}

// waitAcked waits until the HQ's consumer of a station's stream has
// acknowledged every message in it, so that a test's restart starts from
// a known place (an acknowledgement is sent after the view changed).
func waitAcked(t *testing.T, url, station string) {
	t.Helper()
	js, err := jetstream.New(connect(t, url, "check"))
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "every batch acknowledged by the HQ", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s, err := js.Stream(ctx, eventsStream(station))
		if err != nil {
			return false
		}
		c, err := s.Consumer(ctx, "hq_hq")
		if err != nil {
			return false
		}
		return c.CachedInfo().AckFloor.Stream == s.CachedInfo().State.LastSeq
	})
}

// When the view's file cannot be written (here: closed under the HQ, as a
// failed disk would refuse), a batch is neither applied nor acknowledged,
// and the failure is counted; a new HQ with a working file gets the batch.
func TestHQ_ViewWriteFails_BatchNotAppliedNorAcknowledged(t *testing.T) {
	ns := startNATS(t)
	clk := newFakeClock()
	hub := &telemetry.Hub{}
	startStation(t, "east", ns.ClientURL(), hub, clk)
	path := filepath.Join(t.TempDir(), "hq.hqview")
	hq := startStoredHQ(t, ns.ClientURL(), path, clk)
	alert := func(text string) {
		hub.Publish(telemetry.Alert{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 2}, Type: telemetry.AlertLowBattery, Text: text})
	}
	alert("written")
	testenv.Eventually(t, 10*time.Second, "the first alert", func() bool { return len(hq.Alerts()) == 1 })
	waitAcked(t, ns.ClientURL(), "east")
	hq.disk.db.Close()
	alert("not written")
	testenv.Eventually(t, 10*time.Second, "a failed write counted", func() bool { return hq.Stats().ViewWriteErrors > 0 })
	if n := len(hq.Alerts()); n != 1 {
		t.Fatalf("the view shows %d alerts after a failed write, want 1", n)
	}
	hq.Close()
	hq.Conn.Close()
	hq = startStoredHQ(t, ns.ClientURL(), path, clk)
	testenv.Eventually(t, 10*time.Second, "the batch again, at a working HQ", func() bool { return len(hq.Alerts()) >= 2 })
	if got := eventTexts(t, hq.Alerts()); fmt.Sprint(got) != "[east:1:written east:2:not written]" {
		t.Fatalf("alerts: %v", got)
	}
}

// A station whose outbox is lost (a new file: its events numbered from 1
// again) is heard: its new events reach the HQ instead of being taken for
// ones the HQ has. Read again from the stream's start (the HQ's consumer
// gone, its view kept), the old numbering's messages are skipped and
// nothing is shown twice.
func TestHQ_StationOutboxLost_NewNumberingApplied(t *testing.T) {
	ns := startNATS(t)
	clk := newFakeClock()
	hub := &telemetry.Hub{}
	st := startStation(t, "east", ns.ClientURL(), hub, clk)
	path := filepath.Join(t.TempDir(), "hq.hqview")
	hq := startStoredHQ(t, ns.ClientURL(), path, clk)
	alert := func(h *telemetry.Hub, text string, want int) {
		h.Publish(telemetry.Alert{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 2}, Type: telemetry.AlertLowBattery, Text: text})
		testenv.Eventually(t, 10*time.Second, "alert "+text+" at the HQ", func() bool { return len(hq.Alerts()) == want })
	}
	for i := range 3 {
		alert(hub, fmt.Sprint("old ", i), i+1)
	}
	st.Close()
	st.Conn.Close()
	hub = &telemetry.Hub{}
	startStation(t, "east", ns.ClientURL(), hub, clk) // a new outbox file
	alert(hub, "new 0", 4)
	alert(hub, "new 1", 5)
	want := "[east:1:old 0 east:2:old 1 east:3:old 2 east:1:new 0 east:2:new 1]"
	if got := eventTexts(t, hq.Alerts()); fmt.Sprint(got) != want {
		t.Fatalf("alerts: %v", got)
	}
	waitAcked(t, ns.ClientURL(), "east")
	hq.Close()
	hq.Conn.Close()

	js, _ := jetstream.New(connect(t, ns.ClientURL(), "admin"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := js.DeleteConsumer(ctx, eventsStream("east"), "hq_hq"); err != nil {
		t.Fatal(err)
	}
	hq = startStoredHQ(t, ns.ClientURL(), path, clk)
	alert(hub, "new 2", 6)
	want = want[:len(want)-1] + " east:3:new 2]"
	if got := eventTexts(t, hq.Alerts()); fmt.Sprint(got) != want {
		t.Fatalf("alerts after reading the stream again: %v", got)
	}
}
