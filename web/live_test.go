package web

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
)

// newTestServer runs a Server on loopback with a real (idle) fleet link.
func newTestServer(t *testing.T) (*Server, *telemetry.Hub) {
	t.Helper()
	hub := &telemetry.Hub{}
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	s := &Server{Addr: "127.0.0.1:0", Fleet: fleet, Hub: hub}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, hub
}

func dialLive(t *testing.T, s *Server) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.URL(), "http")+"/ws/live", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestLive_SlowClient_GetsLatestStateAndDropCountWhileOthersKeepUp(t *testing.T) {
	s, hub := newTestServer(t)
	fast := dialLive(t, s)
	slow := dialLive(t, s)
	// Wait until both are registered with the fan-out.
	testenv.Eventually(t, 5*time.Second, "clients registered", func() bool {
		s.fanout.mu.Lock()
		defer s.fanout.mu.Unlock()
		return len(s.fanout.clients) == 2
	})

	// The fast client reads everything in the background.
	fastSeen := make(chan uint16, 1024)
	go func() {
		for {
			var msg LiveMessage
			if err := fast.ReadJSON(&msg); err != nil {
				close(fastSeen)
				return
			}
			for _, v := range msg.Vehicles {
				fastSeen <- uint16(v.MissionSeq)
			}
		}
	}()

	// Publish 3 vehicles × 200 updates; the slow client reads nothing meanwhile.
	const updates = 200
	for i := 1; i <= updates; i++ {
		for id := uint8(1); id <= 3; id++ {
			st := gcs.NewVehicleState(id)
			st.MissionSeq = i
			st.Time = time.Now()
			hub.Publish(st)
		}
		if i%20 == 0 {
			time.Sleep(2 * liveBatchInterval) // let batches go out to the fast client
		}
	}
	// The fast client sees the final state of the run.
	testenv.Eventually(t, 5*time.Second, "fast client receives the last update", func() bool {
		for {
			select {
			case seq, ok := <-fastSeen:
				if !ok {
					t.Fatal("fast client disconnected")
				}
				if seq == updates {
					return true
				}
			default:
				return false
			}
		}
	})

	// The slow client's mailbox held at most one state per vehicle: when it
	// finally reads, it gets the latest state of each vehicle and a drop count.
	latest := map[uint8]int{}
	var dropped uint64
	_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(latest) < 3 || latest[1] != updates || latest[2] != updates || latest[3] != updates {
		var msg LiveMessage
		if err := slow.ReadJSON(&msg); err != nil {
			t.Fatalf("slow client: %v (latest %v)", err, latest)
		}
		for _, v := range msg.Vehicles {
			latest[v.SysID] = v.MissionSeq
		}
		dropped = msg.Dropped
	}
	if dropped == 0 {
		t.Fatal("slow client was not told it missed updates")
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
