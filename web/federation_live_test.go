package web

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/borderwatch/borderwatch/federation"
	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	mdecode "github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// fedClock is an injected clock for the station and the headquarters.
type fedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fedClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fedSetup is a real embedded NATS server with JetStream, a station "east"
// publishing its hub, and a headquarters web server reading it.
type fedSetup struct {
	hub *telemetry.Hub // the station's
	hq  *federation.HQ
	s   *Server
	clk *fedClock
}

func newFedSetup(t *testing.T, set func(*Server)) *fedSetup {
	t.Helper()
	ns := &federation.Embedded{Listen: "127.0.0.1:0", StoreDir: t.TempDir(), Name: "test"}
	if err := ns.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Close)
	conn := func(name string) *federation.ConnOptions {
		return &federation.ConnOptions{URL: ns.ClientURL(), Name: name, ReconnectWait: 20 * time.Millisecond}
	}
	clk := &fedClock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	f := &fedSetup{hub: &telemetry.Hub{}, clk: clk}
	stConn, err := federation.Connect(*conn("east"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stConn.Close)
	st := &federation.Station{Name: "east", Conn: stConn, Hub: f.hub, OutboxPath: filepath.Join(t.TempDir(), "east.outbox"), RetryInterval: 20 * time.Millisecond, Clock: clk.Now}
	if err := st.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	hqConn, err := federation.Connect(*conn("hq"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hqConn.Close)
	f.hq = &federation.HQ{Name: "hq", Conn: hqConn, DiscoverInterval: 50 * time.Millisecond, Clock: clk.Now}
	if err := f.hq.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.hq.Close)
	f.s, _ = newTestServerWith(t, func(s *Server) {
		s.HQ = f.hq
		if set != nil {
			set(s)
		}
	})
	return f
}

func (f *fedSetup) state(id telemetry.VehicleID, mode string) {
	f.hub.Publish(mdecode.VehicleState{ID: id, SysID: uint8(id), Autopilot: "ardupilot", VehicleType: "multirotor", Mode: mode, Armed: true, LinkOK: true, BatteryPct: 70, Time: f.clk.Now()})
}

func (f *fedSetup) detect(track uint32) {
	f.hub.Publish(telemetry.Detection{EventHeader: telemetry.EventHeader{Time: f.clk.Now(), SystemID: 1}, TrackID: track, Class: "person", ConfidencePct: 90, Lat: 31.34, Lon: -110.94})
}

// fedMsg is any message of /ws/federation.
type fedMsg struct {
	Type       string                   `json:"type"`
	Vehicles   []map[string]any         `json:"vehicles"`
	Events     []federation.RemoteEvent `json:"events"`
	Alerts     []federation.RemoteEvent `json:"alerts"`
	Detections []federation.RemoteEvent `json:"detections"`
	Coalesced  uint64                   `json:"coalesced"`
}

func dialFed(t *testing.T, s *Server, d *websocket.Dialer) *websocket.Conn {
	t.Helper()
	if d == nil {
		d = websocket.DefaultDialer
	}
	c, _, err := d.Dial("ws"+strings.TrimPrefix(s.URL(), "http")+"/ws/federation", authtest.Header(adminToken(t, s)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readFed reads messages until one satisfies ok (bounded by the read deadline).
func readFed(t *testing.T, c *websocket.Conn, what string, ok func(fedMsg) bool) fedMsg {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(max(20*time.Second, testenv.MinWait)))
	for {
		var m fedMsg
		if err := c.ReadJSON(&m); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok(m) {
			return m
		}
	}
}

func vehicleIn(m fedMsg, key string) map[string]any {
	for _, v := range m.Vehicles {
		if v["key"] == key {
			return v
		}
	}
	return nil
}

// The stream starts with the view (the station's drone already there),
// then pushes a new detection and the drone's next state as the HQ applies
// them, and the moment the drone turns stale by the HQ's clock: grey and
// link lost, never live.
func TestFedLive_Stream_SnapshotChangesAndStale(t *testing.T) {
	f := newFedSetup(t, nil)
	f.state(1, "AUTO")
	testenv.Eventually(t, 10*time.Second, "east/1 at the HQ", func() bool { return len(f.hq.Vehicles()) == 1 })

	c := dialFed(t, f.s, nil)
	snap := readFed(t, c, "the snapshot", func(m fedMsg) bool { return m.Type == "snapshot" })
	v := vehicleIn(snap, "east/1")
	if v == nil || v["station"] != "east" || v["mode"] != "AUTO" || v["stale"] != false || v["armed"] != true || v["battery_pct"] != 70.0 {
		t.Fatalf("snapshot %+v, want east/1 live in AUTO", snap.Vehicles)
	}

	// The command panel's modes of a station's vehicle, from its autopilot.
	res, err := client(t, f.s).Get(f.s.URL() + "/api/v1/federation/stations/east/vehicles/1/modes")
	if err != nil {
		t.Fatal(err)
	}
	var modes gcs.VehicleModes
	json.NewDecoder(res.Body).Decode(&modes)
	res.Body.Close()
	if res.StatusCode != 200 || modes.Autopilot != "ardupilot" || !slices.ContainsFunc(modes.Modes, func(m gcs.Mode) bool { return m.Name == "RTL" && m.Settable }) {
		t.Fatalf("modes of east/1: %d %+v", res.StatusCode, modes)
	}
	if res, err := client(t, f.s).Get(f.s.URL() + "/api/v1/federation/stations/west/vehicles/1/modes"); err != nil || res.StatusCode != 404 {
		t.Fatalf("modes of an unknown station's vehicle: %v %v, want 404", res.StatusCode, err)
	}

	f.detect(42)
	ev := readFed(t, c, "the detection", func(m fedMsg) bool { return m.Type == "events" })
	var det telemetry.Detection
	if len(ev.Events) != 1 || ev.Events[0].Type != federation.TypeDetection || ev.Events[0].Station != "east" || json.Unmarshal(ev.Events[0].Data, &det) != nil || det.TrackID != 42 {
		t.Fatalf("events %+v, want east's detection of track 42", ev.Events)
	}

	f.clk.Advance(time.Second)
	f.state(1, "RTL")
	readFed(t, c, "the drone in RTL", func(m fedMsg) bool {
		v := vehicleIn(m, "east/1")
		return m.Type == "vehicles" && v != nil && v["mode"] == "RTL"
	})

	f.clk.Advance(6 * time.Second)
	f.hq.CheckStale()
	st := readFed(t, c, "the drone stale", func(m fedMsg) bool { return m.Type == "vehicles" && vehicleIn(m, "east/1") != nil })
	v = vehicleIn(st, "east/1")
	if v["stale"] != true || v["link_ok"] != false || v["age_s"].(float64) < 6 {
		t.Fatalf("after 6 s without a state the stream shows %v, want stale, link lost, age ≥ 6 s", v)
	}
}

// A client that stops reading is disconnected (its socket fills, its
// mailbox of events overruns) while another client, reading, gets every
// event in order and the drone's latest state: the slow one never slows
// the others.
func TestFedLive_SlowClient_DisconnectedWithoutSlowingOthers(t *testing.T) {
	f := newFedSetup(t, func(s *Server) { s.fedLive.sockBuf = 4096 })
	f.state(1, "AUTO")
	testenv.Eventually(t, 10*time.Second, "east/1 at the HQ", func() bool { return len(f.hq.Vehicles()) == 1 })

	// The slow client's socket takes a few kilobytes, and it never reads.
	small := &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			_ = c.(*net.TCPConn).SetReadBuffer(4096)
		}
		return c, err
	}}
	slow := dialFed(t, f.s, small)
	fast := dialFed(t, f.s, nil)
	readFed(t, fast, "the snapshot", func(m fedMsg) bool { return m.Type == "snapshot" })
	testenv.Eventually(t, 10*time.Second, "both clients watching", func() bool { return f.hq.WatchStats().Watchers == 2 })

	const n = federation.WatchEventBacklog + 400
	for i := range n {
		f.detect(uint32(i + 1))
	}
	f.clk.Advance(time.Second)
	f.state(1, "LOITER")
	var seqs []uint64
	sawLoiter := false
	for len(seqs) < n || !sawLoiter {
		m := readFed(t, fast, "every detection and the latest state", func(fedMsg) bool { return true })
		for _, e := range m.Events {
			seqs = append(seqs, e.Seq)
		}
		if v := vehicleIn(m, "east/1"); v != nil && v["mode"] == "LOITER" {
			sawLoiter = true
		}
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("the reading client's event %d has seq %d: lost or out of order", i, s)
		}
	}
	testenv.Eventually(t, 30*time.Second, "the slow client disconnected", func() bool {
		return f.s.fedLive.clients.Load() == 1 && f.s.fedLive.tooSlow.Load()+f.s.fedLive.failures.Load() >= 1
	})
	// /metrics says so: the disconnect is counted as too slow or as a
	// failed write, as the stream counted it.
	m := scrapeMetrics(t, f.s)
	tooSlow, failures := m["borderwatch_federation_live_too_slow_total"], m["borderwatch_federation_live_write_failures_total"]
	if tooSlow+failures < 1 || tooSlow != float64(f.s.fedLive.tooSlow.Load()) || failures != float64(f.s.fedLive.failures.Load()) {
		t.Fatalf("/metrics: too slow %v, write failures %v; the stream counted %d and %d", tooSlow, failures, f.s.fedLive.tooSlow.Load(), f.s.fedLive.failures.Load())
	}
	// What the slow client finds when it reads at last: the start of the
	// stream, then the end of it.
	_ = slow.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		if _, _, err := slow.ReadMessage(); err != nil {
			break
		}
	}
}

// scrapeMetrics reads /metrics as an admin: each unlabelled sample's value
// by name.
func scrapeMetrics(t *testing.T, s *Server) map[string]float64 {
	t.Helper()
	resp, err := client(t, s).Get(s.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %v", resp.StatusCode, err)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		name, val, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(val, 64); err == nil {
			out[name] = v
		}
	}
	return out
}
