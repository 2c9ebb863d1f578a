package web

import (
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

// liveBatchInterval groups each client's pending updates into one WebSocket
// frame: one write per update collapses at 10 k updates/s, batching every
// 10-20 ms held 20 k/s to 100 clients (BRIEF.md).
const liveBatchInterval = 20 * time.Millisecond

const (
	liveQueueLen   = 1024
	liveWriteWait  = 5 * time.Second
	livePingPeriod = 20 * time.Second
)

var upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 16384}

// LiveMessage is what /ws/live sends: a batch of vehicle states (each vehicle
// at most once, its latest), and how many updates this client has missed.
type LiveMessage struct {
	Type     string             `json:"type"` // "vehicles"
	Vehicles []gcs.VehicleState `json:"vehicles"`
	Dropped  uint64             `json:"dropped"`
}

func (s *Server) handleLive(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered the client
	}
	s.wsConns.Add(1)
	defer s.wsConns.Done()
	defer conn.Close()
	s.live.clients.Add(1)
	defer s.live.clients.Add(-1)

	sub := s.Hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindState}}, liveQueueLen)
	defer sub.Close()

	// The reader notices a closed browser tab; the client sends nothing we need yet.
	closed := make(chan struct{})
	conn.SetReadLimit(4096)
	go func() {
		defer close(closed)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()

	// Start with every known vehicle so the map is complete at once.
	initial, err := s.Fleet.Vehicles(r.Context())
	if err != nil {
		return
	}
	if len(initial) > 0 && !s.writeLive(conn, LiveMessage{Type: "vehicles", Vehicles: initial}) {
		return
	}

	batch := time.NewTicker(liveBatchInterval)
	defer batch.Stop()
	ping := time.NewTicker(livePingPeriod)
	defer ping.Stop()
	var pending []telemetry.Message
	latest := map[uint8]int{}
	var reported uint64 // drops already added to the server's counter
	for {
		select {
		case <-r.Context().Done():
			_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
			return
		case <-closed:
			return
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(liveWriteWait)); err != nil {
				return
			}
		case <-batch.C:
			pending = sub.Drain(pending[:0])
			if len(pending) == 0 {
				continue
			}
			msg := LiveMessage{Type: "vehicles", Dropped: sub.Dropped() + sub.Coalesced()}
			clear(latest)
			for _, m := range pending {
				st := m.(gcs.VehicleState)
				if i, ok := latest[st.SysID]; ok {
					msg.Vehicles[i] = st
					continue
				}
				latest[st.SysID] = len(msg.Vehicles)
				msg.Vehicles = append(msg.Vehicles, st)
			}
			clear(pending)
			s.live.dropped.Add(msg.Dropped - reported)
			reported = msg.Dropped
			if !s.writeLive(conn, msg) {
				return
			}
		}
	}
}

func (s *Server) writeLive(conn *websocket.Conn, msg LiveMessage) bool {
	_ = conn.SetWriteDeadline(time.Now().Add(liveWriteWait))
	if err := conn.WriteJSON(msg); err != nil {
		s.live.failures.Add(1)
		return false
	}
	s.live.batches.Add(1)
	s.live.states.Add(uint64(len(msg.Vehicles)))
	return true
}
