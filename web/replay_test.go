package web

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/replay"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

var replayT0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// recordedFlight stores 120 s of two armed vehicles: heartbeat at 1 Hz and a
// position at 2 Hz whose latitude encodes its time (47 + seconds/1e4), plus
// a detection and an operator action; vehicle 2 disarms at 100 s.
func recordedFlight(t testing.TB) *store.Store {
	st := storetest.MustOpen(t)
	var frames []telemetry.Frame
	add := frameEncoder(t, &frames)
	for ms := 0; ms < 120000; ms += 500 {
		at := replayT0.Add(time.Duration(ms) * time.Millisecond)
		for _, id := range []uint8{1, 2} {
			if ms%1000 == 0 {
				armed := id == 1 || ms < 100000
				hb := &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, CustomMode: 3}
				if armed {
					hb.BaseMode = common.MAV_MODE_FLAG_SAFETY_ARMED | common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
				}
				add(id, at, hb)
			}
			add(id, at, &common.MessageGlobalPositionInt{Lat: int32((47 + float64(ms)/1e7) * 1e7), Lon: int32(8e7) + int32(id), Alt: 500000, Hdg: 65535})
		}
	}
	events := []telemetry.Event{
		telemetry.Detection{EventHeader: telemetry.Header(replayT0.Add(30*time.Second), 1), Class: "person", ConfidencePct: 90, Lat: 47.001, Lon: 8.001},
		telemetry.Alert{EventHeader: telemetry.Header(replayT0.Add(31*time.Second), 2), Type: telemetry.AlertLowBattery, Text: "battery 20%"},
	}
	if err := st.Append(frames, events); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendAudit(telemetry.OperatorAction{EventHeader: telemetry.Header(replayT0.Add(32*time.Second), 1), User: "ann", Action: "command", Detail: "rtl", Result: "accepted"}); err != nil {
		t.Fatal(err)
	}
	return st
}

// frameEncoder returns a function that encodes a message as vehicle id
// would send it (component 1) and appends the frame to *frames.
func frameEncoder(t testing.TB, frames *[]telemetry.Frame) func(id uint8, at time.Time, m message.Message) {
	encs := map[uint8]*mavwire.Encoder{}
	return func(id uint8, at time.Time, m message.Message) {
		e := encs[id]
		if e == nil {
			e = &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: id, ComponentID: 1}
			encs[id] = e
		}
		raw, err := e.Encode(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		*frames = append(*frames, telemetry.Frame{Time: at, SystemID: id, ComponentID: 1, MessageID: m.GetID(), Raw: raw})
	}
}

func newStoreServer(t *testing.T, st *store.Store) *Server {
	t.Helper()
	hub := &telemetry.Hub{}
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	s := &Server{Addr: "127.0.0.1:0", Fleet: fleet, Hub: hub, Store: st}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func secondsOf(v gcs.VehicleState) float64 { return (v.Lat - 47) * 1e4 }

func dialReplay(t *testing.T, s *Server, query string) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.URL(), "http")+"/ws/replay?"+query, authtest.Header(adminToken(t, s)))
	if err != nil {
		body := ""
		if resp != nil {
			b, _ := io.ReadAll(resp.Body)
			body = string(b)
		}
		t.Fatalf("dial replay: %v %s", err, body)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readUntil reads replay messages, folding vehicles into shown, until ok.
// replayIn is ReplayMessage as a client decodes it (events stay raw JSON).
type replayIn struct {
	LiveMessage
	Replay ReplayClock `json:"replay"`
	Events []struct {
		Type  string          `json:"type"`
		Event json.RawMessage `json:"event"`
	} `json:"events"`
	Error string `json:"error"`
}

func readUntil(t *testing.T, c *websocket.Conn, shown map[uint8]gcs.VehicleState, what string, ok func(replayIn) bool) replayIn {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var m replayIn
		if err := c.ReadJSON(&m); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		switch m.Type {
		case "reset":
			clear(shown) // the snapshot replaces everything shown
		case "vehicles":
		default:
			t.Fatalf("message type %q, want \"reset\" or the live stream's \"vehicles\"", m.Type)
		}
		for _, v := range m.Vehicles {
			shown[v.SysID] = v
		}
		if ok(m) {
			return m
		}
	}
}

func TestReplay_Seek_ShowsEachVehicleWhereTheLogHasIt(t *testing.T) {
	s := newStoreServer(t, recordedFlight(t))
	c := dialReplay(t, s, "from="+replayT0.Format(time.RFC3339)+"&to="+replayT0.Add(2*time.Minute).Format(time.RFC3339))
	shown := map[uint8]gcs.VehicleState{}
	readUntil(t, c, shown, "the first state", func(m replayIn) bool { return len(shown) == 2 })

	for _, sec := range []float64{42.3, 10, 105} {
		at := replayT0.Add(time.Duration(sec * float64(time.Second)))
		shown = map[uint8]gcs.VehicleState{}
		if err := c.WriteJSON(ReplayCommand{Cmd: "seek", Time: at}); err != nil {
			t.Fatal(err)
		}
		readUntil(t, c, shown, "the seek", func(m replayIn) bool { return m.Replay.Time.Equal(at) && len(shown) == 2 })
		want := float64(int(sec*2)) / 2 // positions every 0.5 s
		for id, v := range shown {
			if d := secondsOf(v) - want; d > 1e-3 || d < -1e-3 {
				t.Errorf("seek to %v s: vehicle %d shows its %.2f s position, want %.2f", sec, id, secondsOf(v), want)
			}
			if !v.LinkOK || v.Autopilot != "ardupilot" {
				t.Errorf("seek to %v s: vehicle %d state %+v", sec, id, v)
			}
		}
		if wantArmed := sec < 100; shown[2].Armed != wantArmed {
			t.Errorf("seek to %v s: vehicle 2 armed %v, want %v", sec, shown[2].Armed, wantArmed)
		}
	}
}

func TestReplay_Play_SyncSpeedAndEvents(t *testing.T) {
	s := newStoreServer(t, recordedFlight(t))
	c := dialReplay(t, s, "from="+replayT0.Add(25*time.Second).Format(time.RFC3339)+"&to="+replayT0.Add(40*time.Second).Format(time.RFC3339)+"&speed=50")
	shown := map[uint8]gcs.VehicleState{}
	readUntil(t, c, shown, "the first state", func(m replayIn) bool { return m.Replay.Speed == 50 })
	if err := c.WriteJSON(ReplayCommand{Cmd: "play"}); err != nil {
		t.Fatal(err)
	}
	events := map[string]bool{}
	last := readUntil(t, c, shown, "the end of the window", func(m replayIn) bool {
		for _, e := range m.Events {
			events[e.Type] = true
		}
		// Both vehicles are always at the same replayed time (within one frame).
		if len(shown) == 2 {
			if d := secondsOf(shown[1]) - secondsOf(shown[2]); d > 0.5 || d < -0.5 {
				t.Fatalf("vehicles out of sync: %.1f s and %.1f s", secondsOf(shown[1]), secondsOf(shown[2]))
			}
		}
		return m.Replay.Ended
	})
	// The clock's speed itself is checked with an injected clock in
	// TestPlayer_SetSpeed_ClockRunsAtSpeed; here the stream must say it.
	if last.Replay.Speed != 50 {
		t.Errorf("replay speed %v, want 50", last.Replay.Speed)
	}
	if last.Replay.Playing || !last.Replay.Time.Equal(replayT0.Add(40*time.Second)) {
		t.Errorf("at the end: %+v", last.Replay)
	}
	for _, typ := range []string{"detection", "alert", "operator_action"} {
		if !events[typ] {
			t.Errorf("no %s event replayed (got %v)", typ, events)
		}
	}
	if err := c.WriteJSON(ReplayCommand{Cmd: "speed", Speed: 1000}); err != nil {
		t.Fatal(err)
	}
	readUntil(t, c, shown, "the refusal", func(m replayIn) bool { return strings.Contains(m.Error, "between 0.1 and 100") })
}

func TestSorties_HTTP_ListDetailExportEvents(t *testing.T) {
	s := newStoreServer(t, recordedFlight(t))
	get := func(path string, wantStatus int) []byte { t.Helper(); return httpGet(t, s, path, wantStatus) }
	var list []store.Sortie
	if err := json.Unmarshal(get("/api/v1/sorties", 200), &list); err != nil || len(list) != 2 {
		t.Fatalf("sorties %+v, %v", list, err)
	}
	var v2 store.Sortie
	_ = json.Unmarshal(get("/api/v1/sorties?vehicle=2", 200), &list)
	if len(list) != 1 {
		t.Fatalf("vehicle 2 sorties: %+v", list)
	}
	_ = json.Unmarshal(get("/api/v1/sorties/"+itoa(list[0].ID), 200), &v2)
	if v2.SystemID != 2 || v2.Open || v2.DurationS != 100 {
		t.Fatalf("sortie %+v: want vehicle 2, closed after 100 s", v2)
	}
	var gpx struct {
		Pts []struct{} `xml:"trk>trkseg>trkpt"`
	}
	if err := xml.Unmarshal(get("/api/v1/sorties/"+itoa(v2.ID)+"/export?format=gpx", 200), &gpx); err != nil || len(gpx.Pts) != 201 {
		t.Fatalf("GPX export: %d points, %v", len(gpx.Pts), err)
	}
	get("/api/v1/sorties/"+itoa(v2.ID)+"/export?format=shapefile", 400)
	get("/api/v1/sorties/999/export?format=gpx", 404)
	get("/api/v1/sorties/abc", 400)
	var dets []telemetry.Detection
	if err := json.Unmarshal(get("/api/v1/detections?vehicle=1", 200), &dets); err != nil || len(dets) != 1 || dets[0].Class != "person" {
		t.Fatalf("detections %+v, %v", dets, err)
	}
	var alerts []telemetry.Alert
	_ = json.Unmarshal(get("/api/v1/alerts?from="+replayT0.Add(31*time.Second).Format(time.RFC3339), 200), &alerts)
	if len(alerts) != 1 || alerts[0].Type != telemetry.AlertLowBattery {
		t.Fatalf("alerts %+v", alerts)
	}
	var audit []telemetry.OperatorAction
	_ = json.Unmarshal(get("/api/v1/audit?user=ann", 200), &audit)
	if len(audit) != 1 || audit[0].Detail != "rtl" {
		t.Fatalf("audit %+v", audit)
	}
	get("/api/v1/alerts?from=yesterday", 400)
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// FuzzReplayCommand feeds client messages to a player over a real store:
// whatever arrives, nothing panics and the clock stays in the window.
func FuzzReplayCommand(f *testing.F) {
	for _, seed := range []string{`{"cmd":"play"}`, `{"cmd":"pause"}`, `{"cmd":"step"}`, `{"cmd":"speed","speed":100}`,
		`{"cmd":"speed","speed":1e308}`, `{"cmd":"speed","speed":-1}`, `{"cmd":"seek","time":"2026-05-01T12:00:30Z"}`,
		`{"cmd":"seek","time":"1900-01-01T00:00:00Z"}`, `{"cmd":"seek"}`, `{"cmd":"fly"}`, `[]`, `{"cmd":7}`} {
		f.Add([]byte(seed))
	}
	st := recordedFlight(f)
	srv := &Server{Fleet: &gcs.Fleet{LinkTimeout: 3500 * time.Millisecond}} // only its decoder is used
	f.Fuzz(func(t *testing.T, data []byte) {
		var c ReplayCommand
		if json.Unmarshal(data, &c) != nil {
			return
		}
		now := replayT0
		sess := &replay.Session[gcs.VehicleState]{Store: st, Window: replay.Window{From: replayT0, To: replayT0.Add(time.Minute)},
			NewDecoder: srv.newReplayDecoder, Now: func() time.Time { return now }}
		if err := sess.Initialize(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			applyReplayCommand(sess, c)
			now = now.Add(time.Second)
			u := sess.Poll()
			if u.Err != nil {
				t.Fatal(u.Err)
			}
			if u.Clock.Time.Before(u.Clock.From) || u.Clock.Time.After(u.Clock.To) {
				t.Fatalf("clock %v outside the window after %s", u.Clock.Time, data)
			}
			for _, e := range u.Events {
				if e.Event.EventTime().After(u.Clock.Time) {
					t.Fatalf("event at %v sent at replay time %v after %s", e.Event.EventTime(), u.Clock.Time, data)
				}
			}
		}
	})
}

func TestRecorderCollector_Metrics_ShowCommitsAndDrops(t *testing.T) {
	st := storetest.MustOpen(t)
	hub := &telemetry.Hub{}
	rec := &store.Recorder{Store: st, Hub: hub, FlushInterval: 10 * time.Millisecond}
	if err := rec.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	s := &Server{Addr: "127.0.0.1:0", Fleet: fleet, Hub: hub, Store: st, Collectors: []prometheus.Collector{RecorderCollector(rec)}}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 3, ComponentID: 1}
	raw, _ := e.Encode(nil, &common.MessageAttitude{})
	hub.Publish(telemetry.Frame{Time: replayT0, SystemID: 3, MessageID: 30, Raw: raw})
	testenv.Eventually(t, 5*time.Second, "the frame is committed", func() bool { return rec.Written() == 1 })
	resp, err := client(t, s).Get(s.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{"borderwatch_recorder_frames_total 1", "borderwatch_recorder_dropped_total 0", "borderwatch_recorder_last_commit_seconds"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
