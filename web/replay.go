package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	mavdecode "github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry/replay"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// /ws/replay is a thin WebSocket adapter over telemetry/replay's Session,
// which owns the orchestration (clock, seek snapshots, events, store
// errors). The frames are decoded by the live decode path
// (mavlink/decode: the vehicle table, admission, link timeout, state update) and sent as the same LiveMessage JSON as
// /ws/live plus the replay clock and the events of the replayed time. One
// goroutine (the handler's) owns the session. docs/api.md lists the messages.

// ReplayMessage is what /ws/replay sends. Type is "reset" for the snapshot
// after connecting and after every seek — the client drops everything it
// shows and draws Vehicles and Events, which hold the state at Replay.Time
// and every event up to it, nothing later — and "vehicles" for the updates
// in between (changed states, the events of the replayed time since the
// last message).
type ReplayMessage struct {
	LiveMessage
	Replay ReplayClock   `json:"replay"`
	Events []ReplayEvent `json:"events,omitempty"`
	// EventsOmitted counts the oldest events a reset snapshot left out (see replay.MaxSnapshotEvents).
	EventsOmitted int    `json:"events_omitted,omitempty"`
	Error         string `json:"error,omitempty"`       // the last command was refused
	StoreError    string `json:"store_error,omitempty"` // reading the store failed; replay goes on
}

// ReplayClock is the state of the replay clock.
type ReplayClock = replay.Clock

// ReplayEvent is an event of the replayed time: detection, alert, mode change,
// upload (transfer_result) … and operator actions.
type ReplayEvent = replay.Event

// ReplayCommand is what the client sends: {"cmd": "play"|"pause"|"seek"|"speed"|"step", "time": …, "speed": …}.
type ReplayCommand struct {
	Cmd   string    `json:"cmd"`
	Time  time.Time `json:"time"`
	Speed float64   `json:"speed"`
}

const replayClockEvery = 250 * time.Millisecond

// newReplayDecoder is the replay.Decoder of /ws/replay and of the timeline:
// the shared decoder's vehicle table (mavlink/decode), with the live rules —
// admission by an autopilot heartbeat, the fleet's link timeout, the same
// state update; replayed vehicles are named by the networks the store has
// numbered.
func (s *Server) newReplayDecoder() replay.Decoder[gcs.VehicleState] {
	t := &mavdecode.Table{LinkTimeout: s.Fleet.LinkTimeout}
	if s.Store != nil {
		if name, err := s.Store.NetworkNamer(); err == nil {
			t.NetworkName = name
		}
	}
	return t
}

// replayWindow reads the window from ?sortie=ID[&fleet=1] or
// ?from=…&to=…[&vehicle=1,2][&stream=N].
func (s *Server) replayWindow(r *http.Request) (replay.Window, error) {
	q := r.URL.Query()
	if v := q.Get("sortie"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil || id == 0 {
			return replay.Window{}, fmt.Errorf("sortie must be a sortie id, got %q", v)
		}
		return replay.SortieWindow(s.Store, id, q.Get("fleet") == "1")
	}
	var w replay.Window
	var err error
	if w.From, err = parseTime(r, "from"); err != nil {
		return w, err
	}
	if w.To, err = parseTime(r, "to"); err != nil {
		return w, err
	}
	if w.From.IsZero() || w.To.IsZero() {
		return w, errors.New("replay needs ?sortie=ID, or ?from=…&to=… (RFC 3339 times)")
	}
	if w.Systems, err = parseVehicles(r, "vehicle"); err != nil {
		return w, err
	}
	w.Vehicles = w.Systems
	if v := q.Get("stream"); v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return w, fmt.Errorf("stream must be a number, got %q", v)
		}
		w.Stream = uint32(n)
	}
	return w, nil
}

// replayError answers a refused replay or timeline request.
func replayError(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	if errors.Is(err, store.ErrNotFound) {
		status = http.StatusNotFound
	}
	writeError(w, status, err.Error())
}

func (s *Server) handleReplay(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	win, err := s.replayWindow(r)
	if err != nil {
		replayError(w, err)
		return
	}
	sess := &replay.Session[gcs.VehicleState]{Store: s.Store, Window: win, NewDecoder: s.newReplayDecoder}
	if v := r.URL.Query().Get("history"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("history must be a positive duration such as 10m, got %q", v))
			return
		}
		sess.History = d
	}
	if err := sess.Initialize(); err != nil {
		replayError(w, err)
		return
	}
	if v := r.URL.Query().Get("speed"); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err == nil {
			err = sess.SetSpeed(x)
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "speed: "+err.Error())
			return
		}
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.wsConns.Add(1)
	defer s.wsConns.Done()
	defer conn.Close()

	cmds := make(chan ReplayCommand, 16)
	closed := make(chan struct{})
	conn.SetReadLimit(4096)
	go func() {
		defer close(closed)
		for {
			var c ReplayCommand
			if err := conn.ReadJSON(&c); err != nil {
				var se *json.SyntaxError
				var te *json.UnmarshalTypeError
				if errors.As(err, &se) || errors.As(err, &te) {
					c = ReplayCommand{Cmd: "invalid: " + err.Error()}
				} else {
					return
				}
			}
			select {
			case cmds <- c:
			default: // a client flooding commands loses the excess
			}
		}
	}()

	if r.URL.Query().Get("play") == "1" {
		sess.Play()
	}
	tick := time.NewTicker(liveBatchInterval)
	defer tick.Stop()
	ping := time.NewTicker(livePingPeriod)
	defer ping.Stop()
	cmdErr := ""
	var lastClock time.Time
	for {
		u := sess.Poll()
		msg := ReplayMessage{LiveMessage: LiveMessage{Type: "vehicles", Vehicles: u.Vehicles}, Replay: u.Clock,
			Events: u.Events, EventsOmitted: u.EventsOmitted, Error: cmdErr}
		if u.Reset {
			msg.Type = "reset"
		}
		if u.Err != nil {
			msg.StoreError = u.Err.Error()
			s.Logger.Error("web: replay: reading the store failed", "err", u.Err)
		}
		if u.Reset || len(msg.Vehicles) > 0 || len(msg.Events) > 0 || cmdErr != "" || u.Err != nil || time.Since(lastClock) >= replayClockEvery {
			_ = conn.SetWriteDeadline(time.Now().Add(liveWriteWait))
			if err := conn.WriteJSON(msg); err != nil {
				return
			}
			lastClock = time.Now()
		}
		cmdErr = ""

		select {
		case <-r.Context().Done():
			wsGoingAway(conn)
			return
		case <-closed:
			return
		case <-ping.C:
			if err := wsPing(conn, liveWriteWait); err != nil {
				return
			}
		case c := <-cmds:
			cmdErr = applyReplayCommand(sess, c)
		case <-tick.C:
		}
	}
}

// applyReplayCommand applies one client command to the session and says
// why it was refused ("" when it was not).
func applyReplayCommand(sess *replay.Session[gcs.VehicleState], c ReplayCommand) string {
	switch c.Cmd {
	case "play":
		sess.Play()
	case "pause":
		sess.Pause()
	case "speed":
		if err := sess.SetSpeed(c.Speed); err != nil {
			return err.Error()
		}
	case "seek":
		if c.Time.IsZero() {
			return `seek needs "time" (RFC 3339)`
		}
		sess.Seek(c.Time)
	case "step":
		if err := sess.Step(); err != nil {
			return err.Error()
		}
	default:
		return fmt.Sprintf("unknown command %q: want play, pause, seek, speed or step", c.Cmd)
	}
	return ""
}

// TimelineResponse answers GET /api/v1/sorties/{id}/timeline.
type TimelineResponse struct {
	Window  replay.Window   `json:"window"`
	Markers []replay.Marker `json:"markers"`
}

// sortieWindowFromPath is the replay window of the sortie in the path
// (?fleet=1: of the whole fleet during it); false when it answered an error.
func (s *Server) sortieWindowFromPath(w http.ResponseWriter, r *http.Request) (replay.Window, bool) {
	if !s.needStore(w) {
		return replay.Window{}, false
	}
	so, ok := s.sortieFromPath(w, r)
	if !ok {
		return replay.Window{}, false
	}
	win, err := replay.SortieWindow(s.Store, so.ID, r.URL.Query().Get("fleet") == "1")
	if err != nil {
		replayError(w, err)
		return replay.Window{}, false
	}
	return win, true
}

// handleSortieTimeline lists the markers of a sortie's replay (?fleet=1:
// of the whole fleet during it, as /ws/replay?sortie=ID&fleet=1 shows).
func (s *Server) handleSortieTimeline(w http.ResponseWriter, r *http.Request) {
	win, ok := s.sortieWindowFromPath(w, r)
	if !ok {
		return
	}
	ms, err := replay.Timeline(s.Store, win, s.newReplayDecoder)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "reading the timeline: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, TimelineResponse{Window: win, Markers: ms})
}

// handleSortieSeries answers GET /api/v1/sorties/{id}/series: altitude,
// ground speed, battery and link loss of the sortie's vehicles (?fleet=1:
// of the whole fleet during it; ?vehicle=1,2 narrows) over the whole
// sortie, min/max-downsampled to ?points=N per vehicle (store.Series), for
// the replay's plots.
func (s *Server) handleSortieSeries(w http.ResponseWriter, r *http.Request) {
	win, ok := s.sortieWindowFromPath(w, r)
	if !ok {
		return
	}
	q := store.SeriesQuery{Query: store.Query{Stream: win.Stream, Systems: win.Systems, From: win.From, To: win.To}}
	if s.Fleet != nil {
		q.LinkTimeout = s.Fleet.LinkTimeout // the live rule
	}
	ids, err := parseVehicles(r, "vehicle")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(ids) > 0 {
		q.Systems = ids
	}
	if v := r.URL.Query().Get("points"); v != "" {
		if q.Points, err = strconv.Atoi(v); err != nil || q.Points <= 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("points must be %d-%d, got %q", store.MinSeriesPoints, store.MaxSeriesPoints, v))
			return
		}
	}
	res, err := s.Store.Series(q)
	if err != nil {
		writeError(w, storeErrorStatus(err), "reading the series: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// FlownPlan is one vehicle's plan during a replayed sortie: the upload
// record and the library version it sent (Error instead when that version
// no longer reads).
type FlownPlan struct {
	Upload store.PlanUpload `json:"upload"`
	Plan   *missions.Plan   `json:"plan,omitempty"`
	Error  string           `json:"error,omitempty"`
}

// handleSortiePlans answers GET /api/v1/sorties/{id}/plans[?fleet=1]: the
// plan each vehicle of the sortie was flying (replay.FlownUploads), with the
// plan itself, in one answer for the replay's map.
func (s *Server) handleSortiePlans(w http.ResponseWriter, r *http.Request) {
	win, ok := s.sortieWindowFromPath(w, r)
	if !ok {
		return
	}
	ups, err := replay.FlownUploads(s.Store, win)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := make([]FlownPlan, 0, len(ups))
	for _, u := range ups {
		fp := FlownPlan{Upload: u}
		if fp.Plan, err = s.libraryPlan(u.Plan, u.Version); err != nil {
			fp.Error = err.Error()
		}
		out = append(out, fp)
	}
	writeJSON(w, http.StatusOK, out)
}
