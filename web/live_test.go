package web

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/bcrypt"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// newTestServer runs a Server on loopback with a real (idle) fleet link.
func newTestServer(t testing.TB) (*Server, *telemetry.Hub) {
	t.Helper()
	return newTestServerWith(t, nil)
}

// newTestServerWith is newTestServer with set (optional) filling in more
// of the Server before Initialize.
func newTestServerWith(t testing.TB, set func(*Server)) (*Server, *telemetry.Hub) {
	t.Helper()
	hub := &telemetry.Hub{}
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	// No sortie store (the endpoints that need one answer 503), but
	// accounts in a store of their own, so that tests can log in.
	accounts := &auth.Accounts{Store: storetest.MustOpen(t), BcryptCost: bcrypt.MinCost}
	if err := accounts.Initialize(); err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: "127.0.0.1:0", Fleet: fleet, Hub: hub, Accounts: accounts}
	if set != nil {
		set(s)
	}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	adminToken(t, s) // calls through send, call and client carry it
	return s, hub
}

func dialLive(t *testing.T, s *Server) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.URL(), "http")+"/ws/live", authtest.Header(adminToken(t, s)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestLive_Stream_DeliversEveryVehiclesLatestState(t *testing.T) {
	s, hub := newTestServer(t)
	c := dialLive(t, s)
	testenv.Eventually(t, 5*time.Second, "client registered", func() bool {
		s.fanout.mu.Lock()
		defer s.fanout.mu.Unlock()
		return len(s.fanout.clients) == 1
	})
	const updates = 200
	for i := 1; i <= updates; i++ {
		for id := uint8(1); id <= 3; id++ {
			st := gcs.NewVehicleState(telemetry.VehicleID(id))
			st.MissionSeq = i
			st.Time = time.Now()
			hub.Publish(st)
		}
		if i%20 == 0 {
			time.Sleep(2 * liveBatchInterval)
		}
	}
	latest := map[uint8]int{}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for latest[1] != updates || latest[2] != updates || latest[3] != updates {
		var msg LiveMessage
		if err := c.ReadJSON(&msg); err != nil {
			t.Fatalf("client: %v (latest %v)", err, latest)
		}
		for _, v := range msg.Vehicles {
			if v.MissionSeq < latest[v.SysID] {
				t.Fatalf("vehicle %d went back from %d to %d", v.SysID, latest[v.SysID], v.MissionSeq)
			}
			latest[v.SysID] = v.MissionSeq
		}
	}
}

// A client whose socket is full stops taking from its mailbox. The kernel's
// socket buffers make that hard to provoke with real sockets in a short test,
// so this drives the mailbox directly: it must keep a short backlog whole
// and in order, then coalesce to the newest state per vehicle and count
// what it let go.
func TestLiveClient_Mailbox_KeepsBacklogThenLatestPerVehicleAndCountsDrops(t *testing.T) {
	c := newLiveClient()
	f := &liveFanout{counters: &liveCounters{}, logger: slog.Default()}
	put := func(id liveID, seq uint64) {
		c.mu.Lock()
		f.put(c, false, f.vehicle(id, time.Time{}), &liveEntry{seq: seq, enc: []byte(fmt.Sprintf(`{"id":%d,"mission_seq":%d}`, id, seq))})
		c.mu.Unlock()
		c.signal()
	}
	// A short lag: every state waits, in order.
	for i := uint64(1); i <= 10; i++ {
		put(1, i)
		put(2, i)
	}
	// An older state after a newer one (a class catching up) is not sent.
	put(1, 5)
	got, dropped := c.take(nil)
	if len(got) != 20 || dropped != 0 || string(got[0].enc) != `{"id":1,"mission_seq":1}` || string(got[19].enc) != `{"id":2,"mission_seq":10}` {
		t.Fatalf("backlog of %d states (dropped %d): %s … %s", len(got), dropped, got[0].enc, got[len(got)-1].enc)
	}
	// A long one: past the backlog, the latest per vehicle, in order.
	const n = liveClientBacklog
	for i := uint64(11); i < 11+n; i++ {
		put(1, i)
		put(2, i)
	}
	got, dropped = c.take(got)
	if len(got) > liveClientBacklog || dropped == 0 || uint64(len(got))+dropped != 2*n {
		t.Fatalf("after %d puts: %d waiting, %d dropped", 2*n, len(got), dropped)
	}
	last := map[liveID]int{}
	for _, p := range got {
		var st struct {
			ID  liveID `json:"id"`
			Seq int    `json:"mission_seq"`
		}
		if err := json.Unmarshal(p.enc, &st); err != nil || st.Seq <= last[st.ID] {
			t.Fatalf("state %s after seq %d (%v)", p.enc, last[st.ID], err)
		}
		last[st.ID] = st.Seq
	}
	if last[1] != 10+n || last[2] != 10+n {
		t.Fatalf("the latest states did not survive: %v", last)
	}
	if again, _ := c.take(nil); len(again) != 0 {
		t.Fatalf("take did not empty the mailbox: %d left", len(again))
	}
	// A backlog older than liveBacklogBatches is coalesced too: a client
	// that stays behind gets fresh states, not ever older ones.
	before := c.dropped
	for b := uint64(1); b <= liveBacklogBatches+2; b++ {
		c.batch = b
		put(1, 10_000+b)
	}
	got, dropped = c.take(got)
	// At batch 12 the state of batch 1 is 11 old: the backlog becomes the latest.
	if len(got) != 1 || dropped-before != liveBacklogBatches+1 || string(got[0].enc) != fmt.Sprintf(`{"id":1,"mission_seq":%d}`, 10_000+liveBacklogBatches+2) {
		t.Fatalf("a backlog %d batches old: %d waiting, %d dropped", liveBacklogBatches+1, len(got), dropped-before)
	}
	select {
	case <-c.ready:
	default:
		t.Fatal("put did not signal the writer")
	}
}

func TestLive_ClosedServer_EndsStreams(t *testing.T) {
	s, _ := newTestServer(t)
	c := dialLive(t, s)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}()
	s.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("WebSocket still open after the server closed")
	}
	// Close is idempotent.
	s.Close()
	if _, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://")); err == nil {
		t.Fatal("server still accepts connections after Close")
	}
}

func TestLive_Events_DeliveredInOrderWithTheirType(t *testing.T) {
	s, hub := newTestServer(t)
	c := dialLive(t, s)
	testenv.Eventually(t, 5*time.Second, "client registered", func() bool {
		s.fanout.mu.Lock()
		defer s.fanout.mu.Unlock()
		return len(s.fanout.clients) == 1
	})
	now := time.Now()
	hub.Publish(telemetry.Detection{EventHeader: telemetry.Header(now, 4), TrackID: 17, Class: "person", ConfidencePct: 81, Lat: 31.33, Lon: -110.94})
	hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(now, 4), Type: telemetry.AlertLinkLost, Severity: telemetry.SeverityCritical, Text: "link lost"})
	var got []LiveEvent
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(got) < 2 {
		var msg struct {
			Type   string      `json:"type"`
			Events []LiveEvent `json:"events"`
		}
		if err := c.ReadJSON(&msg); err != nil {
			t.Fatal(err)
		}
		if msg.Type == "events" {
			got = append(got, msg.Events...)
		}
	}
	if got[0].Type != "detection" || got[1].Type != "alert" {
		t.Fatalf("event types %q, %q; want detection then alert", got[0].Type, got[1].Type)
	}
	var d telemetry.Detection
	if err := json.Unmarshal(got[0].Event, &d); err != nil || d.TrackID != 17 || d.SystemID != 4 || d.Class != "person" {
		t.Fatalf("detection %+v (%v)", d, err)
	}
}

func TestLiveClient_EventBacklog_BoundedAndCountsDrops(t *testing.T) {
	c := newLiveClient()
	for i := 0; i < liveEventBacklog+10; i++ {
		c.putEvents([][]byte{[]byte(fmt.Sprintf(`{"n":%d}`, i))})
	}
	got, dropped := c.takeEvents(nil)
	if len(got) != liveEventBacklog || dropped != 10 || string(got[0]) != `{"n":10}` {
		t.Fatalf("backlog %d events (first %s), dropped %d", len(got), got[0], dropped)
	}
}
