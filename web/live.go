package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// liveBatchInterval groups each client's pending updates into one WebSocket
// frame: one write per update collapses at 10 k updates/s, batching every
// 10-20 ms held 20 k/s to 100 clients (BRIEF.md).
const liveBatchInterval = 20 * time.Millisecond

const (
	liveHubQueueLen = 8192
	liveWriteWait   = 5 * time.Second
	livePingPeriod  = 20 * time.Second
)

var upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 16384}

// LiveMessage is what /ws/live sends: a batch of vehicle states (each vehicle
// at most once, its latest), and how many updates this client has missed
// because it read too slowly (it got the newer state instead).
type LiveMessage struct {
	Type     string             `json:"type"` // "vehicles"
	Vehicles []gcs.VehicleState `json:"vehicles"`
	Dropped  uint64             `json:"dropped"`
}

// LiveEvents is the other message /ws/live sends: events as they happen
// (detections, alerts, mode and arm changes, status texts, mission progress,
// transfer results, operator actions), oldest first. Events are never
// coalesced; a client too slow to take them loses the oldest and is told how
// many in dropped.
type LiveEvents struct {
	Type    string      `json:"type"` // "events"
	Events  []LiveEvent `json:"events"`
	Dropped uint64      `json:"dropped"`
}

// LiveEvent is one event and its type name ("detection", "alert" …, as the
// store names them; "alert_ack" for an acknowledgement, which is not a hub
// event). ID is an alert's id (store.AlertID), the one an acknowledgement
// names, so a browser can match the two.
type LiveEvent struct {
	Type  string          `json:"type"`
	ID    string          `json:"id,omitempty"`
	Event json.RawMessage `json:"event"`
}

// UploadProgress is the third message /ws/live sends, on its own, while a
// plan upload runs: items sent of total for one list of one vehicle. Only
// the latest per vehicle and list waits for a slow client.
type UploadProgress struct {
	Type    string              `json:"type"` // "upload_progress"
	Vehicle telemetry.VehicleID `json:"vehicle"`
	List    string              `json:"list"` // "mission", "fence" or "rally"
	Sent    int                 `json:"sent"`
	Total   int                 `json:"total"`
}

type progressKey struct {
	vehicle telemetry.VehicleID
	list    string
}

// liveEventBacklog bounds the events waiting in one client's mailbox.
const liveEventBacklog = 512

// liveClient is one browser's mailbox: the encoded states not yet written,
// oldest first. A client that falls behind keeps its backlog while it is
// younger than liveBacklogBatches and smaller than liveClientBacklog states
// (so a writer that missed a batch or two loses nothing); past either, the
// backlog is coalesced to the latest state per vehicle, so that a client
// that stays behind gets fresh states rather than ever older ones, and
// what was let go is counted in dropped; a write that takes longer than
// liveWriteWait disconnects it.
type liveClient struct {
	ready chan struct{}
	// view is what the client shows (nil: liveDefaultView); its reader
	// stores a new one, the fan-out loads it every batch.
	view atomic.Pointer[liveView]
	// fanView is the view the fan-out last served (fan-out goroutine only).
	fanView *liveView

	mu            sync.Mutex
	pending       []livePending
	batch         uint64     // the fan-out's batch number now (set as it delivers)
	limit         int        // coalesce when pending grows past it (liveClientBacklog, or twice the vehicles left after coalescing)
	last          []liveSent // the newest state put per vehicle (by liveVehicle.idx): never send an older one after it
	dropped       uint64
	events        [][]byte // encoded LiveEvents, oldest first, at most liveEventBacklog
	eventsDropped uint64
	progress      map[progressKey][]byte // encoded UploadProgress, latest per vehicle and list
	control       [][]byte               // answers to the client's messages (view echo, errors), at most liveControlBacklog
}

// livePending is one encoded state waiting in a client's mailbox.
type livePending struct {
	id    liveID
	batch uint64 // the fan-out's batch that put it
	enc   []byte
	whole bool // enc is the whole state, not its motion form
}

// liveSent is what a client was last given of one vehicle: the state's
// seq, and the statusSeq of its status (liveEntry).
type liveSent struct{ seq, status uint64 }

// liveControlBacklog bounds the answers waiting for a client that sends
// views faster than it reads.
const liveControlBacklog = 16

// liveClientBacklog is how many states a client's mailbox holds before it
// coalesces them: about a second and a half of a view of 100 drones at
// 10 Hz with 2000 more at 1 Hz.
const liveClientBacklog = 4096

// liveBacklogBatches is how old (in 20 ms batches) a client's backlog may
// grow before it is coalesced: a writer held up 200 ms catches up whole;
// one that stays behind is not fed states ever further in the past.
const liveBacklogBatches = 10

func newLiveClient() *liveClient {
	return &liveClient{ready: make(chan struct{}, 1), limit: liveClientBacklog}
}

func (c *liveClient) signal() {
	select {
	case c.ready <- struct{}{}:
	default:
	}
}

// lastLocked is what the client was last given of vehicle v. c.mu is held.
func (c *liveClient) lastLocked(v *liveVehicle) *liveSent {
	if v.idx >= len(c.last) {
		// A slice by the fan-out's vehicle index, not a map by id: this is
		// looked up for every state every client takes.
		// Grown in place: a fleet appearing at once grows every client's
		// slice 2000 times in a second, and a temporary slice each time
		// was 200 000 allocations to collect in that second.
		n := len(c.last)
		c.last = slices.Grow(c.last, v.idx+1-n)[:v.idx+1]
		clear(c.last[n:])
	}
	return &c.last[v.idx]
}

// putLocked files state e of vehicle v, encoded as enc (the whole state,
// or its motion form), newer than any the client was given of it (the
// fan-out's put checks). c.mu is held.
func (c *liveClient) putLocked(v *liveVehicle, e *liveEntry, enc []byte, whole bool) {
	*c.lastLocked(v) = liveSent{e.seq, e.statusSeq}
	c.pending = append(c.pending, livePending{v.id, c.batch, enc, whole})
	if len(c.pending) > c.limit || c.pending[0].batch+liveBacklogBatches < c.batch {
		c.coalesceLocked()
	}
}

// coalesceLocked keeps the latest waiting state of each vehicle, in the
// order of those states, and counts the others as dropped. When the latest
// is a motion form and a whole state waits before it, the latest whole one
// is kept too (before it): the motion is of that status, which the client
// must not miss.
func (c *liveClient) coalesceLocked() {
	type last struct{ latest, whole int } // indexes into c.pending
	keep := make(map[liveID]last, len(c.pending)/2)
	for i, p := range c.pending {
		k, ok := keep[p.id]
		if !ok {
			k.whole = -1
		}
		k.latest = i
		if p.whole {
			k.whole = i
		}
		keep[p.id] = k
	}
	kept := c.pending[:0]
	for i, p := range c.pending {
		if k := keep[p.id]; k.latest == i || k.whole == i {
			p.batch = c.batch // what is kept starts a new backlog
			kept = append(kept, p)
		}
	}
	c.dropped += uint64(len(c.pending) - len(kept))
	clear(c.pending[len(kept):])
	c.pending = kept
	// A fleet larger than the backlog would coalesce at every put.
	c.limit = max(liveClientBacklog, 2*len(kept))
}

// putControl queues an answer to the client's own message.
func (c *liveClient) putControl(b []byte) {
	c.mu.Lock()
	if len(c.control) == liveControlBacklog {
		c.control = append(c.control[:0], c.control[1:]...)
	}
	c.control = append(c.control, b)
	c.mu.Unlock()
	c.signal()
}

// takeControl empties the answers into dst.
func (c *liveClient) takeControl(dst [][]byte) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	dst = append(dst[:0], c.control...)
	clear(c.control)
	c.control = c.control[:0]
	return dst
}

func (c *liveClient) putProgress(k progressKey, b []byte) {
	c.mu.Lock()
	if c.progress == nil {
		c.progress = map[progressKey][]byte{}
	}
	c.progress[k] = b
	c.mu.Unlock()
	select {
	case c.ready <- struct{}{}:
	default:
	}
}

// takeProgress empties the progress mailbox into dst.
func (c *liveClient) takeProgress(dst [][]byte) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	dst = dst[:0]
	for k, b := range c.progress {
		dst = append(dst, b)
		delete(c.progress, k)
	}
	return dst
}

// publishUploadProgress hands one progress report to every /ws/live client.
// It is called from the transfer as items move, so it only queues.
func (s *Server) publishUploadProgress(p UploadProgress) {
	p.Type = "upload_progress"
	b := mustJSON(p)
	k := progressKey{p.Vehicle, p.List}
	s.fanout.mu.Lock()
	for c := range s.fanout.clients {
		c.putProgress(k, b)
	}
	s.fanout.mu.Unlock()
}

// publishLiveEvent sends one event that does not pass through the hub (an
// alert acknowledgement) to every /ws/live client, in the events stream.
func (s *Server) publishLiveEvent(ev LiveEvent) {
	b := mustJSON(ev)
	s.fanout.mu.Lock()
	for c := range s.fanout.clients {
		c.putEvents([][]byte{b})
	}
	s.fanout.mu.Unlock()
}

func (c *liveClient) putEvents(events [][]byte) {
	c.mu.Lock()
	c.events = append(c.events, events...)
	if over := len(c.events) - liveEventBacklog; over > 0 {
		c.eventsDropped += uint64(over)
		c.events = append(c.events[:0], c.events[over:]...)
	}
	c.mu.Unlock()
	select {
	case c.ready <- struct{}{}:
	default:
	}
}

// takeEvents empties the event backlog into dst and returns the drop count so far.
func (c *liveClient) takeEvents(dst [][]byte) ([][]byte, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	dst = append(dst[:0], c.events...)
	clear(c.events)
	c.events = c.events[:0]
	return dst, c.eventsDropped
}

// take empties the mailbox into dst (reusing it), oldest first, and
// returns the drop count so far.
func (c *liveClient) take(dst []livePending) ([]livePending, uint64) {
	clear(dst)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending, dst = dst[:0], c.pending
	return dst, c.dropped
}

func (f *liveFanout) add(c *liveClient) {
	f.mu.Lock()
	f.clients[c] = struct{}{}
	f.mu.Unlock()
}

func (f *liveFanout) remove(c *liveClient) {
	f.mu.Lock()
	delete(f.clients, c)
	f.mu.Unlock()
}

// runLive is the fan-out goroutine; it stops when the server closes.
func (s *Server) runLive() {
	defer s.wsConns.Done()
	sub := s.Hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindState}}, liveHubQueueLen)
	defer sub.Close()
	evSub := s.Hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, liveHubQueueLen)
	defer evSub.Close()
	ticks := s.liveTicks
	if ticks == nil {
		t := time.NewTicker(liveBatchInterval)
		defer t.Stop()
		ticks = t.C
	}
	var msgs, evs []telemetry.Message
	for {
		var now time.Time
		select {
		case <-s.ctx.Done():
			return
		case now = <-ticks:
		}
		evs = evSub.Drain(evs[:0])
		if len(evs) > 0 {
			s.fanoutEvents(evs)
			clear(evs)
		}
		msgs = sub.Drain(msgs[:0])
		s.fanout.tick(now, msgs)
		clear(msgs)
		if s.liveTicked != nil {
			s.liveTicked <- struct{}{}
		}
	}
}

// fanoutEvents encodes each event once and appends it to every client's backlog.
func (s *Server) fanoutEvents(evs []telemetry.Message) {
	encoded := make([][]byte, 0, len(evs))
	for _, m := range evs {
		e, ok := m.(telemetry.Event)
		if !ok {
			continue
		}
		le := LiveEvent{Type: store.EventType(e), Event: mustJSON(e)}
		if a, ok := e.(telemetry.Alert); ok {
			le.ID = store.AlertID(a)
		}
		b, err := json.Marshal(le)
		if err != nil {
			s.Logger.Error("live: encode event", "err", err)
			continue
		}
		encoded = append(encoded, b)
	}
	if len(encoded) == 0 {
		return
	}
	s.fanout.mu.Lock()
	for c := range s.fanout.clients {
		c.putEvents(encoded)
	}
	s.fanout.mu.Unlock()
}

// mustJSON encodes a value whose type is known to encode (the event structs).
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
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

	c := newLiveClient()
	// The reader takes the client's view messages (and notices a closed
	// browser tab). A bad message is answered with an error and changes
	// nothing; a message over the read limit ends the connection (1009).
	closed := make(chan struct{})
	conn.SetReadLimit(liveViewReadLimit)
	go func() {
		defer close(closed)
		for {
			typ, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			s.applyLiveView(c, typ, data)
		}
	}()

	// Register before taking the snapshot so that no change falls between them;
	// a state in both is simply sent twice.
	s.fanout.add(c)
	defer s.fanout.remove(c)
	initial, err := s.Fleet.Vehicles(r.Context())
	if err != nil {
		return
	}
	snapshot := make([]livePending, 0, len(initial))
	for _, st := range initial {
		if b, err := json.Marshal(st); err == nil {
			snapshot = append(snapshot, livePending{id: st.ID, enc: b})
		}
	}
	if len(snapshot) > 0 {
		if _, ok := s.writeLive(conn, snapshot, 0, nil); !ok {
			return
		}
	}

	var reported uint64 // drops already added to the server's counter
	var batch []livePending
	var events, progress, control, parts [][]byte
	wsPump(r, conn, closed, c.ready, liveWriteWait, func() bool {
		control = c.takeControl(control)
		if !s.writeEach(conn, control) {
			return false
		}
		var evDropped uint64
		events, evDropped = c.takeEvents(events)
		if len(events) > 0 && !s.writeEvents(conn, events, evDropped) {
			return false
		}
		progress = c.takeProgress(progress)
		if !s.writeEach(conn, progress) {
			return false
		}
		var dropped uint64
		batch, dropped = c.take(batch)
		if len(batch) == 0 {
			return true
		}
		s.live.dropped.Add(dropped - reported)
		reported = dropped
		var ok bool
		parts, ok = s.writeLive(conn, batch, dropped, parts)
		return ok
	})
}

// writeEach writes already encoded messages one by one within
// liveWriteWait each; false (counted) when one does not go.
func (s *Server) writeEach(conn *websocket.Conn, msgs [][]byte) bool {
	for _, b := range msgs {
		_ = conn.SetWriteDeadline(time.Now().Add(liveWriteWait))
		if err := conn.WriteMessage(websocket.TextMessage, b); err != nil {
			s.live.failures.Add(1)
			return false
		}
	}
	return true
}

// wsPump is the write loop of a WebSocket the server pushes to (/ws/live,
// /ws/federation): it pings the client every livePingPeriod (a ping stalled
// for wait ends it), tells it "going away" when the server shuts down,
// ends when the reader sees the client close, and calls write each time
// ready fires, until write returns false.
func wsPump(r *http.Request, conn *websocket.Conn, closed, ready <-chan struct{}, wait time.Duration, write func() bool) {
	ping := time.NewTicker(livePingPeriod)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			wsGoingAway(conn)
			return
		case <-closed:
			return
		case <-ping.C:
			if err := wsPing(conn, wait); err != nil {
				return
			}
		case <-ready:
			if !write() {
				return
			}
		}
	}
}

// applyLiveView takes one message from a client: a view replaces the one
// the fan-out serves it (answered with the view as applied), anything else
// is answered with an error and changes nothing.
func (s *Server) applyLiveView(c *liveClient, typ int, data []byte) {
	var v *liveView
	err := errors.New("view: send the view as a JSON text message")
	if typ == websocket.TextMessage {
		v, err = parseLiveView(data)
	}
	if err != nil {
		s.live.viewErrors.Add(1)
		c.putControl(mustJSON(liveErrorMessage{Type: "error", Error: err.Error()}))
		return
	}
	s.live.views.Add(1)
	c.view.Store(v)
	c.putControl(mustJSON(v.message()))
}

// writeLive writes one LiveMessage around states already encoded by the
// fan-out, oldest first; parts is scratch space it returns for reuse.
func (s *Server) writeLive(conn *websocket.Conn, states []livePending, dropped uint64, parts [][]byte) ([][]byte, bool) {
	parts = parts[:0]
	for _, p := range states {
		parts = append(parts, p.enc)
	}
	ok := s.writeBatch(conn, "vehicles", parts, dropped)
	clear(parts)
	if !ok {
		return parts, false
	}
	s.live.batches.Add(1)
	s.live.states.Add(uint64(len(states)))
	return parts, true
}

// writeEvents writes one LiveEvents message around already encoded events.
func (s *Server) writeEvents(conn *websocket.Conn, events [][]byte, dropped uint64) bool {
	if !s.writeBatch(conn, "events", events, dropped) {
		return false
	}
	s.live.events.Add(uint64(len(events)))
	return true
}

// writeBatch writes {"type":TYPE,"TYPE":[parts…],"dropped":N} (writeEnvelope).
func (s *Server) writeBatch(conn *websocket.Conn, typ string, parts [][]byte, dropped uint64) bool {
	n, err := writeEnvelope(conn, liveWriteWait, typ, parts, `,"dropped":`+strconv.FormatUint(dropped, 10))
	if err != nil {
		s.live.failures.Add(1)
		return false
	}
	s.live.bytes.Add(uint64(n))
	return true
}

// writeEnvelope writes {"type":TYPE,"TYPE":[parts…]EXTRA} as one message
// within wait and returns its length. The parts are already JSON (encoded
// once for every client), so the envelope is written around them directly:
// putting them through json.Marshal again as RawMessages re-validates every
// byte for every client, which cost more than the encoding it saved.
// /ws/live and /ws/federation write through it.
func writeEnvelope(conn *websocket.Conn, wait time.Duration, typ string, parts [][]byte, extra string) (int, error) {
	_ = conn.SetWriteDeadline(time.Now().Add(wait))
	w, err := conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return 0, err
	}
	head, tail := `{"type":"`+typ+`","`+typ+`":[`, `]`+extra+"}"
	_, err = io.WriteString(w, head)
	n := len(head) + len(tail) + max(0, len(parts)-1)
	for i, b := range parts {
		if err == nil && i > 0 {
			_, err = io.WriteString(w, ",")
		}
		if err == nil {
			_, err = w.Write(b)
			n += len(b)
		}
	}
	if err == nil {
		_, err = io.WriteString(w, tail)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// wsGoingAway tells a WebSocket client that the server is shutting down
// (close code 1001), so that it reconnects rather than reports an error.
func wsGoingAway(conn *websocket.Conn) {
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
}

// wsPing pings a WebSocket client; an error (a write stalled for wait)
// ends the connection.
func wsPing(conn *websocket.Conn, wait time.Duration) error {
	return conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wait))
}
