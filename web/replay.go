package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/gorilla/websocket"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// /ws/replay: a telemetry.Player over stored frames, decoded by the same
// code as the live path (gcs.VehicleState.Update), sent as the same
// LiveMessage JSON as /ws/live plus the replay clock and the events of the
// replayed time. One goroutine (the handler's) owns the player and the states.

// ReplayMessage is what /ws/replay sends.
type ReplayMessage struct {
	LiveMessage
	Replay ReplayClock   `json:"replay"`
	Events []ReplayEvent `json:"events,omitempty"`
	Error  string        `json:"error,omitempty"` // the last command was refused
}

// ReplayClock is the state of the replay clock.
type ReplayClock struct {
	Time    time.Time `json:"time"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Speed   float64   `json:"speed"`
	Playing bool      `json:"playing"`
	Ended   bool      `json:"ended"`
}

// ReplayEvent is an event of the replayed time: detection, alert, mode change … and operator actions.
type ReplayEvent struct {
	Type  string          `json:"type"`
	Event telemetry.Event `json:"event"`
}

// ReplayCommand is what the client sends: {"cmd": "play"|"pause"|"seek"|"speed"|"step", "time": …, "speed": …}.
type ReplayCommand struct {
	Cmd   string    `json:"cmd"`
	Time  time.Time `json:"time"`
	Speed float64   `json:"speed"`
}

const replayClockEvery = 250 * time.Millisecond

// replayDecoder folds frames into vehicle states with the live rules: an
// autopilot heartbeat makes a vehicle, a GCS's or a component's does not and
// must not overwrite the autopilot's mode.
type replayDecoder struct {
	states  map[uint8]*gcs.VehicleState
	compids map[uint8]uint8
	changed map[uint8]bool
	events  []ReplayEvent
	// keepEvents takes the decode path's events (imported logs, which have no
	// stored events); live recordings replay the stored events instead.
	keepEvents bool
}

func newReplayDecoder(keepEvents bool) *replayDecoder {
	return &replayDecoder{states: map[uint8]*gcs.VehicleState{}, compids: map[uint8]uint8{}, changed: map[uint8]bool{}, keepEvents: keepEvents}
}

func (d *replayDecoder) frame(f telemetry.Frame, live bool) {
	fr, _, _, err := mavwire.Parse(f.Raw, dialect.ReadWriter)
	if err != nil || !fr.Known {
		return
	}
	msg, err := fr.Decode(dialect.ReadWriter)
	if err != nil {
		return
	}
	hb, isHB := msg.(*common.MessageHeartbeat)
	componentHB := isHB && gcs.IsGCSOrComponent(hb)
	st := d.states[f.SystemID]
	if st == nil {
		if !isHB || componentHB {
			return
		}
		s := gcs.NewVehicleState(f.SystemID)
		st = &s
		d.states[f.SystemID] = st
		d.compids[f.SystemID] = f.ComponentID
	}
	if componentHB {
		return
	}
	emit := func(e telemetry.Event) {
		if live && d.keepEvents {
			d.events = append(d.events, ReplayEvent{Type: store.EventType(e), Event: e})
		}
	}
	changed := st.Update(msg, f.ComponentID, f.Time, emit)
	st.LastHeard = f.Time
	if !st.LinkOK {
		st.LinkOK = true
		changed = true
	}
	if changed {
		d.changed[f.SystemID] = true
	}
}

// linkCheck marks vehicles silent for longer than the live link timeout as lost, at replay time now.
func (d *replayDecoder) linkCheck(now time.Time) {
	for id, st := range d.states {
		if st.LinkOK && now.Sub(st.LastHeard) > 3500*time.Millisecond {
			st.LinkOK = false
			st.Time = now
			d.changed[id] = true
		}
	}
}

func (d *replayDecoder) take(all bool) []gcs.VehicleState {
	out := []gcs.VehicleState{}
	for id, st := range d.states {
		if all || d.changed[id] {
			out = append(out, *st)
		}
	}
	clear(d.changed)
	return out
}

// replaySetup reads the window from ?sortie=ID or ?from=…&to=…[&vehicle=1,2][&stream=N].
func (s *Server) replaySetup(r *http.Request) (*telemetry.Player, uint32, []uint8, error) {
	q := r.URL.Query()
	p := &telemetry.Player{}
	var stream uint32
	var vehicles []uint8
	if v := q.Get("sortie"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, 0, nil, fmt.Errorf("sortie must be a sortie id, got %q", v)
		}
		so, err := s.Store.Sortie(id)
		if err != nil {
			return nil, 0, nil, err
		}
		p.From, p.To = so.Window()
		p.Systems, stream, vehicles = so.Systems(), so.Stream, []uint8{so.SystemID}
	} else {
		var err error
		if p.From, err = parseTime(r, "from"); err != nil {
			return nil, 0, nil, err
		}
		if p.To, err = parseTime(r, "to"); err != nil {
			return nil, 0, nil, err
		}
		if p.From.IsZero() || p.To.IsZero() {
			return nil, 0, nil, errors.New("replay needs ?sortie=ID, or ?from=…&to=… (RFC 3339 times)")
		}
		if p.Systems, err = parseVehicles(r, "vehicle"); err != nil {
			return nil, 0, nil, err
		}
		vehicles = p.Systems
		if v := q.Get("stream"); v != "" {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return nil, 0, nil, fmt.Errorf("stream must be a number, got %q", v)
			}
			stream = uint32(n)
		}
	}
	p.Source = s.Store.Source(stream)
	if err := p.Initialize(); err != nil {
		return nil, 0, nil, err
	}
	if v := q.Get("speed"); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err == nil {
			err = p.SetSpeed(x)
		}
		if err != nil {
			return nil, 0, nil, fmt.Errorf("speed: %v", err)
		}
	}
	return p, stream, vehicles, nil
}

func (s *Server) handleReplay(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	p, stream, vehicles, err := s.replaySetup(r)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, store.ErrNotFound) {
			status = http.StatusNotFound
		}
		writeError(w, status, err.Error())
		return
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

	dec := newReplayDecoder(stream != 0)
	eventsFrom := p.Position()
	if r.URL.Query().Get("play") == "1" {
		p.Play()
	}
	emit := func(f telemetry.Frame) { dec.frame(f, !f.Time.Before(eventsFrom)) }
	tick := time.NewTicker(liveBatchInterval)
	defer tick.Stop()
	ping := time.NewTicker(livePingPeriod)
	defer ping.Stop()
	full, cmdErr := true, ""
	var lastClock time.Time
	for {
		pos, err := p.Poll(emit)
		if err != nil {
			cmdErr = err.Error()
		}
		dec.linkCheck(pos)
		msg := ReplayMessage{LiveMessage: LiveMessage{Type: "vehicles"}, Error: cmdErr}
		msg.Vehicles = dec.take(full)
		msg.Events = dec.events
		if stream == 0 && pos.After(eventsFrom) {
			msg.Events = append(msg.Events, s.storedEvents(vehicles, eventsFrom, pos)...)
			eventsFrom = pos.Add(time.Microsecond)
		} else if pos.After(eventsFrom) {
			eventsFrom = pos.Add(time.Microsecond)
		}
		dec.events = nil
		msg.Replay = ReplayClock{Time: pos, From: p.From, To: p.To, Speed: p.Speed(), Playing: p.Playing(), Ended: p.Ended()}
		if full || len(msg.Vehicles) > 0 || len(msg.Events) > 0 || cmdErr != "" || time.Since(lastClock) >= replayClockEvery {
			_ = conn.SetWriteDeadline(time.Now().Add(liveWriteWait))
			if err := conn.WriteJSON(msg); err != nil {
				return
			}
			lastClock = time.Now()
		}
		full, cmdErr = false, ""

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
		case c := <-cmds:
			reset, msg := applyReplayCommand(p, c, emit)
			if reset {
				dec = newReplayDecoder(stream != 0)
				eventsFrom = p.Position()
				full = true
			}
			cmdErr = msg
		case <-tick.C:
		}
	}
}

// applyReplayCommand applies one client command to the player. reset says
// the vehicle states must be rebuilt (after a seek); msg says why a command
// was refused.
func applyReplayCommand(p *telemetry.Player, c ReplayCommand, emit func(telemetry.Frame)) (reset bool, msg string) {
	switch c.Cmd {
	case "play":
		p.Play()
	case "pause":
		p.Pause()
	case "speed":
		if err := p.SetSpeed(c.Speed); err != nil {
			return false, err.Error()
		}
	case "seek":
		if c.Time.IsZero() {
			return false, `seek needs "time" (RFC 3339)`
		}
		p.Seek(c.Time)
		return true, ""
	case "step":
		if _, err := p.Step(emit); err != nil {
			return false, err.Error()
		}
	default:
		return false, fmt.Sprintf("unknown command %q: want play, pause, seek, speed or step", c.Cmd)
	}
	return false, ""
}

// storedEvents are the recorded events and operator actions in [from, to].
func (s *Server) storedEvents(vehicles []uint8, from, to time.Time) []ReplayEvent {
	var out []ReplayEvent
	f := store.EventFilter{From: from, To: to.Add(time.Microsecond), Limit: 1000}
	if len(vehicles) > 0 {
		f.Vehicles = append(append([]uint8(nil), vehicles...), 0)
	}
	_ = s.Store.Events(f, func(e telemetry.Event) bool {
		out = append(out, ReplayEvent{Type: store.EventType(e), Event: e})
		return true
	})
	_ = s.Store.Audit(store.EventFilter{From: f.From, To: f.To, Limit: 1000}, func(a telemetry.OperatorAction) bool {
		out = append(out, ReplayEvent{Type: "operator_action", Event: a})
		return true
	})
	return out
}
