package web

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/borderwatch/borderwatch/federation"
	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

// /ws/federation: a headquarters' map, streamed. The HQ's view
// (federation.HQ) hands each client's federation.Watcher its changes as
// they are applied; this handler only writes them out:
//
//	{"type":"snapshot","vehicles":[…],"alerts":[…],"detections":[…]}   first, the view now
//	{"type":"vehicles","vehicles":[…],"coalesced":N}   states, each vehicle at most once (its latest); also when one turns stale
//	{"type":"events","events":[…]}                     new alerts and detections, oldest first
//
// Vehicles are GET /api/v1/federation/vehicles's objects (station, key,
// stale, age_s and the station's fields), events those of
// /api/v1/federation/alerts and /detections (station, seq, type, data).
// A client that reads slowly gets the latest state of each vehicle
// (coalesced counts what it missed); one that lets more than
// federation.WatchEventBacklog events wait, or whose write stalls for
// fedLiveWriteWait, is disconnected (close 1013, "try again later") so that
// it reconnects and reads the view afresh instead of missing an alert.

const (
	fedLiveWriteWait = 5 * time.Second
	// fedLiveSnapshotEvents is how many of the newest alerts and
	// detections the snapshot carries.
	fedLiveSnapshotEvents = 200
)

// fedLiveState is the stream's counters and its test hooks.
type fedLiveState struct {
	clients, tooSlow, failures atomic.Int64
	// (tests) sockBuf sets each stream's socket send buffer, so that a
	// client that stops reading blocks the writer within kilobytes rather
	// than the kernel's megabytes.
	sockBuf int
}

func (s *Server) handleFedLive(w http.ResponseWriter, r *http.Request) {
	hq := s.hqOr503(w)
	if hq == nil {
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered the client
	}
	s.wsConns.Add(1)
	defer s.wsConns.Done()
	defer conn.Close()
	s.fedLive.clients.Add(1)
	defer s.fedLive.clients.Add(-1)
	if tc, ok := conn.NetConn().(*net.TCPConn); ok && s.fedLive.sockBuf > 0 {
		_ = tc.SetWriteBuffer(s.fedLive.sockBuf)
	}

	// The client sends nothing; the reader notices a closed tab.
	closed := make(chan struct{})
	conn.SetReadLimit(512)
	go func() {
		defer close(closed)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()

	// Watch first, then read the view: nothing falls between the two (a
	// change in both is sent twice; the client keys vehicles and events).
	watcher := hq.Watch(federation.TypeAlert, federation.TypeDetection)
	defer watcher.Close()
	snap := struct {
		Type       string                     `json:"type"`
		Vehicles   []federation.RemoteVehicle `json:"vehicles"`
		Alerts     []federation.RemoteEvent   `json:"alerts"`
		Detections []federation.RemoteEvent   `json:"detections"`
	}{"snapshot", hq.Vehicles(), newest(hq.Alerts(), fedLiveSnapshotEvents), newest(hq.Detections(), fedLiveSnapshotEvents)}
	b, err := json.Marshal(snap)
	if err != nil {
		s.Logger.Error("federation stream: encoding the snapshot", "err", err)
		return
	}
	if !s.writeFedLive(conn, b) {
		return
	}

	wsPump(r, conn, closed, watcher.Ready(), fedLiveWriteWait, func() bool {
		batch := watcher.Take()
		if len(batch.Events) > 0 && !s.writeFedLiveBatch(conn, "events", batch.Events, "") {
			return false
		}
		if batch.Overrun {
			s.fedLive.tooSlow.Add(1)
			_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "too slow: reconnect and read the view again"), time.Now().Add(time.Second))
			return false
		}
		return len(batch.Vehicles) == 0 || s.writeFedLiveBatch(conn, "vehicles", batch.Vehicles, `,"coalesced":`+strconv.FormatUint(batch.Coalesced, 10))
	})
}

// writeFedLive writes one message within fedLiveWriteWait; a client that
// does not take it in time is let go.
func (s *Server) writeFedLive(conn *websocket.Conn, b []byte) bool {
	_ = conn.SetWriteDeadline(time.Now().Add(fedLiveWriteWait))
	if err := conn.WriteMessage(websocket.TextMessage, b); err != nil {
		s.fedLive.failures.Add(1)
		return false
	}
	return true
}

// writeFedLiveBatch writes {"type":TYPE,"TYPE":[parts…]EXTRA} around parts
// the HQ encoded once for every client (writeEnvelope).
func (s *Server) writeFedLiveBatch(conn *websocket.Conn, typ string, parts [][]byte, extra string) bool {
	if _, err := writeEnvelope(conn, fedLiveWriteWait, typ, parts, extra); err != nil {
		s.fedLive.failures.Add(1)
		return false
	}
	return true
}

// newest is the last n of l.
func newest[T any](l []T, n int) []T {
	return l[max(0, len(l)-n):]
}

// handleFedModes lists the modes a station's vehicle may be set to, from
// its autopilot and type as the HQ last heard them (the same table the
// station's GET /api/v1/vehicles/{id}/modes answers from), for the HQ's
// command panel.
func (s *Server) handleFedModes(w http.ResponseWriter, r *http.Request) {
	hq := s.hqOr503(w)
	if hq == nil {
		return
	}
	station, id, ok := stationVehicle(w, r)
	if !ok {
		return
	}
	v, ok := hq.Vehicle(station, id)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no vehicle %d of station %q heard here", id, station))
		return
	}
	var st struct {
		ID          telemetry.VehicleID `json:"id"`
		SysID       uint8               `json:"sysid"`
		Autopilot   string              `json:"autopilot"`
		VehicleType string              `json:"vehicle_type"`
	}
	if err := json.Unmarshal(v.State, &st); err != nil {
		writeError(w, http.StatusBadGateway, "the station's state of this vehicle is unreadable: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, gcs.VehicleModes{ID: st.ID, SysID: st.SysID, Autopilot: st.Autopilot, VehicleType: st.VehicleType, Modes: gcs.ModesOf(st.Autopilot, st.VehicleType)})
}
