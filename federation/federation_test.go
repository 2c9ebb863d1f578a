package federation

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

func startStation(t *testing.T, name, url string, hub *telemetry.Hub, clk *fakeClock) *Station {
	t.Helper()
	s := &Station{Name: name, Conn: connect(t, url, name), Hub: hub, OutboxPath: filepath.Join(t.TempDir(), name+".outbox"),
		RetryInterval: 20 * time.Millisecond, Clock: clk.Now}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func startHQ(t *testing.T, url string, clk *fakeClock, onEvent func(string, Event)) *HQ {
	t.Helper()
	h := &HQ{Name: "hq", Conn: connect(t, url, "hq"), DiscoverInterval: 50 * time.Millisecond, Clock: clk.Now, OnEvent: onEvent}
	if err := h.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

func vehicle(hq *HQ, key string) (RemoteVehicle, bool) {
	for _, v := range hq.Vehicles() {
		if v.Key == key {
			return v, true
		}
	}
	return RemoteVehicle{}, false
}

// The uplink of a station is cut for 30 s (of the injected clocks: the
// station's and the HQ's clocks are moved on by 30 s in 1 s steps while a
// detection happens at every step, so no wall time is slept); during the
// cut the HQ shows the station's drone as stale, and after reconnection
// every detection reaches the HQ, in order, exactly once.
func TestStation_UplinkCut_EventsCatchUpInOrderOnce(t *testing.T) {
	ns := startNATS(t)
	up := newUplink(t, ns.ns.Addr().String())
	clk := newFakeClock()
	hub := &telemetry.Hub{}
	st := startStation(t, "east", up.URL(), hub, clk)

	var mu sync.Mutex
	var applied []RemoteEvent
	hq := startHQ(t, ns.ClientURL(), clk, func(station string, e Event) {
		mu.Lock()
		applied = append(applied, RemoteEvent{Station: station, Event: e})
		mu.Unlock()
	})

	state := func() {
		hub.Publish(decode.VehicleState{ID: 1, SysID: 1, Autopilot: "ardupilot", LinkOK: true, Lat: 31.35, Lon: -110.95, Time: clk.Now()})
	}
	detect := func(track uint32) {
		hub.Publish(telemetry.Detection{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 1}, TrackID: track, Class: "person", ConfidencePct: 90})
	}
	state()
	var sent []uint32
	for i := range uint32(5) {
		detect(i + 1)
		sent = append(sent, i+1)
	}
	testenv.Eventually(t, 10*time.Second, "the drone and 5 detections at the HQ", func() bool {
		v, ok := vehicle(hq, "east/1")
		return ok && !v.Stale && len(hq.Detections()) == 5
	})

	up.Cut()
	testenv.Eventually(t, 10*time.Second, "the station sees its uplink down", func() bool { return !st.Conn.IsConnected() })
	for i := range uint32(30) {
		clk.Advance(time.Second)
		state()
		detect(100 + i)
		sent = append(sent, 100+i)
	}
	testenv.Eventually(t, 10*time.Second, "35 events written to the outbox", func() bool { return st.Stats().EventsPending >= 30 })
	if v, ok := vehicle(hq, "east/1"); !ok || !v.Stale {
		t.Fatalf("during the cut the HQ shows the drone as %+v, want stale", v)
	}
	b, _ := json.Marshal(mustVehicle(t, hq, "east/1"))
	var shown map[string]any
	json.Unmarshal(b, &shown)
	if shown["link_ok"] != false || shown["stale"] != true || shown["station"] != "east" {
		t.Fatalf("a stale drone is shown as %s", b)
	}
	if len(hq.Detections()) != 5 {
		t.Fatalf("HQ has %d detections during the cut", len(hq.Detections()))
	}
	// States are not queued behind a dead uplink: they are dropped and counted.
	testenv.Eventually(t, 10*time.Second, "states dropped during the cut", func() bool { return st.Stats().StatesDropped > 0 })

	up.Restore()
	testenv.Eventually(t, 15*time.Second, "every detection at the HQ", func() bool { return len(hq.Detections()) >= len(sent) })
	dets := hq.Detections()
	if len(dets) != len(sent) {
		t.Fatalf("HQ has %d detections, want %d", len(dets), len(sent))
	}
	for i, d := range dets {
		var det telemetry.Detection
		if err := json.Unmarshal(d.Data, &det); err != nil {
			t.Fatal(err)
		}
		if det.TrackID != sent[i] || d.Seq != uint64(i+1) || d.Station != "east" {
			t.Fatalf("detection %d at the HQ is track %d seq %d, want track %d seq %d", i, det.TrackID, d.Seq, sent[i], i+1)
		}
	}
	mu.Lock()
	for i, e := range applied {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d applied with seq %d", i+1, e.Seq)
		}
	}
	if len(applied) != len(sent) {
		t.Fatalf("%d events applied, want %d", len(applied), len(sent))
	}
	mu.Unlock()
	// The drone is live again with its next state.
	clk.Advance(time.Second)
	state()
	testenv.Eventually(t, 10*time.Second, "the drone live again", func() bool {
		v, ok := vehicle(hq, "east/1")
		return ok && !v.Stale
	})
	if s := st.Stats(); s.EventsPending != 0 {
		t.Fatalf("outbox not empty after catch-up: %+v", s)
	}
}

func mustVehicle(t *testing.T, hq *HQ, key string) RemoteVehicle {
	t.Helper()
	v, ok := vehicle(hq, key)
	if !ok {
		t.Fatalf("no vehicle %s at the HQ", key)
	}
	return v
}

// Events written while the uplink is down survive the station's restart in
// its outbox, go out when the uplink is back, and the station's sequence
// goes on where it stopped.
func TestStation_RestartDuringCut_OutboxKeepsEvents(t *testing.T) {
	ns := startNATS(t)
	up := newUplink(t, ns.ns.Addr().String())
	clk := newFakeClock()
	hub := &telemetry.Hub{}
	outbox := filepath.Join(t.TempDir(), "east.outbox")
	start := func() *Station {
		s := &Station{Name: "east", Conn: connect(t, up.URL(), "east"), Hub: hub, OutboxPath: outbox, RetryInterval: 20 * time.Millisecond, Clock: clk.Now}
		if err := s.Initialize(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	st := start()
	hq := startHQ(t, ns.ClientURL(), clk, nil)
	alert := func(text string) {
		hub.Publish(telemetry.Alert{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 2}, Type: telemetry.AlertLowBattery, Text: text})
	}
	alert("a")
	testenv.Eventually(t, 10*time.Second, "the first alert at the HQ", func() bool { return len(hq.Alerts()) == 1 })
	up.Cut()
	testenv.Eventually(t, 10*time.Second, "uplink down", func() bool { return !st.Conn.IsConnected() })
	alert("b")
	alert("c")
	testenv.Eventually(t, 10*time.Second, "two alerts in the outbox", func() bool { return st.Stats().EventsPending == 2 })
	st.Close()
	st.Conn.Close()
	up.Restore()
	st = start()
	alert("d")
	testenv.Eventually(t, 10*time.Second, "every alert at the HQ", func() bool { return len(hq.Alerts()) >= 4 })
	var texts []string
	for i, a := range hq.Alerts() {
		var al telemetry.Alert
		json.Unmarshal(a.Data, &al)
		texts = append(texts, al.Text)
		if a.Seq != uint64(i+1) {
			t.Fatalf("alert %q has seq %d, want %d", al.Text, a.Seq, i+1)
		}
	}
	if fmt.Sprint(texts) != "[a b c d]" {
		t.Fatalf("alerts at the HQ: %v", texts)
	}
}

// A batch that comes twice (a station sent it again after losing the
// acknowledgement, beyond JetStream's duplicate window) is applied once.
func TestHQ_BatchAgain_AppliedOnce(t *testing.T) {
	ns := startNATS(t)
	clk := newFakeClock()
	hub := &telemetry.Hub{}
	st := startStation(t, "east", ns.ClientURL(), hub, clk)
	hq := startHQ(t, ns.ClientURL(), clk, nil)
	detect := func(track uint32) {
		hub.Publish(telemetry.Detection{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 1}, TrackID: track})
	}
	detect(1)
	detect(2)
	testenv.Eventually(t, 10*time.Second, "two detections", func() bool { return len(hq.Detections()) == 2 })
	// The same events again, as a new message (another message id).
	again := hq.Detections()
	evs := []Event{again[0].Event, again[1].Event}
	data, _ := json.Marshal(batch{Station: "east", Events: evs})
	if err := st.Conn.Publish(eventsSubject("east"), data); err != nil {
		t.Fatal(err)
	}
	detect(3)
	testenv.Eventually(t, 10*time.Second, "the third detection", func() bool { return len(hq.Detections()) == 3 })
	if d := hq.Stats().Duplicates; d != 2 {
		t.Fatalf("%d duplicates counted, want 2", d)
	}
	if got := hq.Detections(); got[2].Seq != 3 {
		t.Fatalf("third detection has seq %d", got[2].Seq)
	}
}

// Sortie summaries reach the HQ, and a sortie's newer summary replaces the
// older one. The station's sortie list is given as a function (the seam
// serve fills from its store; a stored sortie needs a whole armed flight,
// which the simulator test does not fly).
func TestStation_Sorties_ListedAtHQ(t *testing.T) {
	ns := startNATS(t)
	clk := newFakeClock()
	var mu sync.Mutex
	t0 := clk.Now()
	list := []store.Sortie{
		{ID: 1, SystemID: 1, Source: "live", Start: t0.Add(-time.Hour), End: t0.Add(-30 * time.Minute), Closed: "disarmed", DistanceM: 5000},
		{ID: 2, SystemID: 2, Source: "live", Start: t0.Add(-10 * time.Minute), End: t0, Open: true, DistanceM: 100},
	}
	s := &Station{Name: "west", Conn: connect(t, ns.ClientURL(), "west"), Hub: &telemetry.Hub{}, OutboxPath: filepath.Join(t.TempDir(), "o"),
		RetryInterval: 20 * time.Millisecond, SortieInterval: 20 * time.Millisecond, Clock: clk.Now,
		Sorties: func(since time.Time) ([]store.Sortie, error) {
			mu.Lock()
			defer mu.Unlock()
			return append([]store.Sortie(nil), list...), nil
		}}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	hq := startHQ(t, ns.ClientURL(), clk, nil)
	testenv.Eventually(t, 10*time.Second, "two sorties at the HQ", func() bool { return len(hq.Sorties()) == 2 })
	mu.Lock()
	list[1].Open, list[1].Closed, list[1].End, list[1].DistanceM = false, "disarmed", t0.Add(time.Minute), 900
	mu.Unlock()
	testenv.Eventually(t, 10*time.Second, "the closed sortie at the HQ", func() bool {
		so := hq.Sorties()
		if len(so) != 2 {
			return false
		}
		var s2 store.Sortie
		json.Unmarshal(so[0].Data, &s2)
		return s2.ID == 2 && !s2.Open && s2.DistanceM == 900 && so[0].Station == "west"
	})
	testenv.Eventually(t, 10*time.Second, "the outbox empty", func() bool { return s.Stats().EventsPending == 0 })
}
