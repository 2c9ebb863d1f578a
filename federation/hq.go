package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/borderwatch/borderwatch/telemetry"
)

// HQ is a headquarters: it reads every station's streams and keeps a view
// of their fleets, alerts, detections and sorties. Configure the fields,
// then Initialize; Close stops it (the caller closes Conn afterwards).
type HQ struct {
	// Name is the headquarters' name; its durable consumers are named after
	// it, so two headquarters each read every event.
	Name string
	// Conn is a connection to the NATS cluster (Connect), owned by the caller.
	Conn *nats.Conn

	// (optional) Key signs forwarded requests (an nkey user key pair).
	// Defaults to none: Forward answers that the HQ cannot command.
	Key nkeys.KeyPair
	// (optional) StaleAfter is how old a vehicle's last state may be before
	// it is shown as stale. Defaults to 5 s (five missed states).
	StaleAfter time.Duration
	// (optional) DiscoverInterval is how often new stations are looked for.
	// Defaults to 5 s.
	DiscoverInterval time.Duration
	// (optional) MaxEvents is how many alerts and how many detections are
	// kept (the newest). Defaults to 2000 each.
	MaxEvents int
	// (optional) StorePath is a bbolt file that keeps the view across
	// restarts (hq_store.go): a batch of events is acknowledged only once
	// written there. Defaults to none: the view lives in memory only and
	// starts, after a restart, from what the consumers read next.
	StorePath string
	// (optional) OnEvent is called with every event applied, in each
	// station's order (from the consumer's goroutine; keep it short).
	OnEvent func(station string, e Event)
	// (optional) Clock gives the time. Defaults to time.Now.
	Clock func() time.Time
	// (optional) Logger. Defaults to slog.Default().
	Logger *slog.Logger

	js     jetstream.JetStream
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	// mu guards the view below (a few maps; consumers' callbacks write,
	// API calls read copies).
	mu         sync.Mutex
	consumers  map[string]jetstream.ConsumeContext // station → its events consumer
	states     jetstream.ConsumeContext
	vehicles   map[vehicleKey]*remoteVehicle
	stations   map[string]*stationView
	alerts     []RemoteEvent
	detections []RemoteEvent
	sorties    map[sortieKey]RemoteEvent
	disk       hqDisk // the view on disk (hq_store.go); its writeMu comes before mu

	duplicates, gaps, badMessages atomic.Uint64

	watch hqWatch // the view's watchers (hq_watch.go)
}

type vehicleKey struct {
	station string
	id      telemetry.VehicleID
}

type sortieKey struct {
	station string
	id      uint64
}

type remoteVehicle struct {
	sent, received time.Time
	state          json.RawMessage
}

type stationView struct {
	lastSeq   uint64
	lastHeard time.Time
	// streamSeq is the place in the station's stream of the last batch
	// applied (its JetStream sequence, not the station's): a view restored
	// from an older copy is behind its consumer (resetForgotten).
	streamSeq uint64
	// numbering names the station's numbering lastSeq counts in
	// (batch.Numbering); empty until a batch named one.
	numbering string
}

// RemoteEvent is an event of a station as the HQ shows it.
type RemoteEvent struct {
	Station string `json:"station"`
	Event
}

// Initialize checks the configuration and starts reading.
func (h *HQ) Initialize() error {
	if err := CheckName("headquarters", h.Name); err != nil {
		return err
	}
	if h.Conn == nil {
		return errors.New("federation: a headquarters needs Conn")
	}
	if h.StaleAfter <= 0 {
		h.StaleAfter = 5 * time.Second
	}
	if h.DiscoverInterval <= 0 {
		h.DiscoverInterval = 5 * time.Second
	}
	if h.MaxEvents <= 0 {
		h.MaxEvents = 2000
	}
	if h.Clock == nil {
		h.Clock = time.Now
	}
	if h.Logger == nil {
		h.Logger = slog.Default()
	}
	js, err := jetstream.New(h.Conn)
	if err != nil {
		return fmt.Errorf("federation: JetStream: %w", err)
	}
	h.js = js
	h.consumers = map[string]jetstream.ConsumeContext{}
	h.vehicles = map[vehicleKey]*remoteVehicle{}
	h.stations = map[string]*stationView{}
	h.sorties = map[sortieKey]RemoteEvent{}
	if err := h.openStore(); err != nil {
		return err
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.wg.Add(2)
	go h.discoverLoop()
	go h.staleLoop()
	return nil
}

// discoverLoop starts reading states once and each new station's events.
// Until the cluster answers, it tries again every DiscoverInterval.
func (h *HQ) discoverLoop() {
	defer h.wg.Done()
	t := time.NewTicker(h.DiscoverInterval)
	defer t.Stop()
	for {
		if err := h.discover(); err != nil && h.ctx.Err() == nil {
			h.Logger.Warn("federation: looking for stations", "err", err)
		}
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Discover looks for stations now (besides every DiscoverInterval).
func (h *HQ) discover() error {
	ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
	defer cancel()
	h.mu.Lock()
	haveStates := h.states != nil
	h.mu.Unlock()
	if !haveStates {
		if err := ensureStatesStream(ctx, h.js); err != nil {
			return err
		}
		// Latest state of every vehicle first, then every new one. An
		// ordered consumer: states are latest-wins, so after a restart or
		// a reconnection the last of each is what matters, not a backlog.
		c, err := h.js.OrderedConsumer(ctx, StatesStream, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy, FilterSubjects: []string{statesSubjects}})
		if err != nil {
			return fmt.Errorf("reading %s: %w", StatesStream, err)
		}
		cc, err := c.Consume(h.onState)
		if err != nil {
			return fmt.Errorf("reading %s: %w", StatesStream, err)
		}
		h.mu.Lock()
		h.states = cc
		h.mu.Unlock()
	}
	names := h.js.StreamNames(ctx, jetstream.WithStreamListSubject("bw.*.events"))
	for name := range names.Name() {
		station, ok := strings.CutPrefix(name, eventsStreamPrefix)
		if !ok || CheckName("station", station) != nil {
			continue
		}
		h.mu.Lock()
		_, known := h.consumers[station]
		h.mu.Unlock()
		if known {
			continue
		}
		if err := h.follow(ctx, station); err != nil {
			return err
		}
	}
	return names.Err()
}

// follow reads a station's events with a durable consumer: the cluster
// remembers what this HQ acknowledged, so it resumes there after its own
// restart or a disconnection, and a station's backlog after an uplink cut
// arrives in the stream's order.
func (h *HQ) follow(ctx context.Context, station string) error {
	if err := h.resetForgotten(ctx, station, "hq_"+h.Name); err != nil {
		return err
	}
	c, err := h.js.CreateOrUpdateConsumer(ctx, eventsStream(station), jetstream.ConsumerConfig{
		Durable:       "hq_" + h.Name,
		Description:   "Borderwatch headquarters " + h.Name,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxAckPending: 1, // one batch at a time keeps the station's order
		AckWait:       30 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("consumer on %s: %w", eventsStream(station), err)
	}
	cc, err := c.Consume(func(m jetstream.Msg) { h.onEvents(station, m) })
	if err != nil {
		return fmt.Errorf("reading %s: %w", eventsStream(station), err)
	}
	h.mu.Lock()
	h.consumers[station] = cc
	if h.stations[station] == nil {
		h.stations[station] = &stationView{}
	}
	h.mu.Unlock()
	h.Logger.Info("federation: following station", "station", station)
	return nil
}

func (h *HQ) onState(m jetstream.Msg) {
	sm, err := decodeState(m.Data())
	if err != nil {
		h.badMessages.Add(1)
		return
	}
	now := h.Clock()
	h.mu.Lock()
	defer h.mu.Unlock()
	k := vehicleKey{sm.Station, sm.Vehicle}
	if v := h.vehicles[k]; v != nil && v.sent.After(sm.Sent) {
		return // an older state (redelivered) never replaces a newer one
	}
	h.vehicles[k] = &remoteVehicle{sent: sm.Sent, received: now, state: sm.State}
	h.markDirty(k)
	st := h.station(sm.Station)
	st.lastHeard = now
	h.notifyVehicleLocked(k, now)
}

func (h *HQ) station(name string) *stationView {
	st := h.stations[name]
	if st == nil {
		st = &stationView{}
		h.stations[name] = st
	}
	return st
}

// onEvents applies one batch: every event after the last one applied, in
// order; copies of events already applied (a batch sent twice) are skipped
// and counted. With a StorePath the new events are written first and the
// batch is acknowledged only then; a batch that could not be written is
// neither applied nor acknowledged, and comes again.
func (h *HQ) onEvents(station string, m jetstream.Msg) {
	b, err := decodeBatch(m.Data(), station)
	if err != nil {
		h.badMessages.Add(1)
		h.Logger.Warn("federation: a message on a station's events subject is not a batch of that station; skipped", "station", station, "err", err)
		m.Term()
		return
	}
	h.disk.writeMu.Lock()
	h.mu.Lock()
	st := h.station(station)
	heard := h.Clock()
	var msgSeq uint64
	if meta, err := m.Metadata(); err == nil {
		msgSeq = meta.Sequence.Stream
	}
	applied, last, dups, gaps, numbering, renumbered := h.freshBatch(st, b, msgSeq)
	streamSeq, prevSeq := max(st.streamSeq, msgSeq), st.lastSeq
	h.mu.Unlock()
	if renumbered {
		h.Logger.Warn("federation: a station numbers its events anew (its outbox was lost or made again); applying them", "station", station, "numbering", numbering, "last_of_the_old_numbering", prevSeq)
	}
	if err := h.persistBatch(station, storedStation{LastSeq: last, LastHeard: heard, StreamSeq: streamSeq, Numbering: numbering}, applied); err != nil {
		h.disk.writeMu.Unlock()
		h.disk.writeErrors.Add(1)
		h.Logger.Error("federation: writing a batch to the headquarters' view failed; it is not acknowledged and comes again", "station", station, "err", err)
		m.NakWithDelay(time.Second)
		return
	}
	h.mu.Lock()
	st.lastHeard, st.lastSeq, st.streamSeq, st.numbering = heard, last, streamSeq, numbering
	for _, e := range applied {
		h.apply(station, e)
	}
	h.mu.Unlock()
	h.disk.writeMu.Unlock()
	h.duplicates.Add(uint64(dups))
	for _, g := range gaps {
		h.gaps.Add(1)
		h.Logger.Warn("federation: events missing from a station (its outbox was full or damaged)", "station", station, "after", g[0], "next", g[1])
	}
	if h.OnEvent != nil {
		for _, e := range applied {
			h.OnEvent(station, e)
		}
	}
	h.notifyEvents(station, applied)
	if err := m.Ack(); err != nil {
		h.Logger.Warn("federation: acknowledging a batch (it will come again and be skipped)", "station", station, "err", err)
	}
}

// apply adds an event to the view; h.mu is held.
func (h *HQ) apply(station string, e Event) {
	re := RemoteEvent{Station: station, Event: e}
	switch e.Type {
	case TypeAlert:
		h.alerts = appendBounded(h.alerts, re, h.MaxEvents)
	case TypeDetection:
		h.detections = appendBounded(h.detections, re, h.MaxEvents)
	case TypeSortie:
		if id, ok := sortieID(e); ok {
			h.sorties[sortieKey{station, id}] = re
		}
	}
}

func appendBounded(l []RemoteEvent, e RemoteEvent, max int) []RemoteEvent {
	if len(l) >= max {
		l = slices.Delete(l, 0, len(l)-max+1)
	}
	return append(l, e)
}

// RemoteVehicle is a station's vehicle as the HQ shows it: the station's
// own state (its id, sysid, position …) with the station's name, a key
// "STATION/ID" that names it across stations, and whether it is stale.
type RemoteVehicle struct {
	Station string `json:"station"`
	Key     string `json:"key"`
	// Stale: no state for longer than StaleAfter. LinkOK is then false
	// whatever the station last said.
	Stale bool `json:"stale"`
	// AgeS is how old the last state is, in seconds.
	AgeS  float64         `json:"age_s"`
	State json.RawMessage `json:"-"`
}

// MarshalJSON flattens the station's state into the vehicle's object, so
// that a client reads the same fields (id, lat, lon, link_ok …) as from a
// station, plus station, key, stale and age_s.
func (v RemoteVehicle) MarshalJSON() ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(v.State, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	m["station"], m["key"], m["stale"], m["age_s"] = v.Station, v.Key, v.Stale, v.AgeS
	if v.Stale {
		m["link_ok"] = false
	}
	return json.Marshal(m)
}

// VehicleKey is the id of a station's vehicle across stations.
func VehicleKey(station string, id telemetry.VehicleID) string {
	return station + "/" + strconv.FormatUint(uint64(id), 10)
}

// Vehicles lists every station's vehicles, by station then id.
func (h *HQ) Vehicles() []RemoteVehicle {
	now := h.Clock()
	h.mu.Lock()
	out := make([]RemoteVehicle, 0, len(h.vehicles))
	for k, v := range h.vehicles {
		out = append(out, h.remoteVehicleLocked(k, v, now))
	}
	h.mu.Unlock()
	slices.SortFunc(out, func(a, b RemoteVehicle) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// Alerts returns the newest alerts of every station, oldest first.
func (h *HQ) Alerts() []RemoteEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.alerts)
}

// Detections returns the newest detections of every station, oldest first.
func (h *HQ) Detections() []RemoteEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.detections)
}

// Sorties returns the latest summary of every station's sorties, newest first.
func (h *HQ) Sorties() []RemoteEvent {
	h.mu.Lock()
	out := make([]RemoteEvent, 0, len(h.sorties))
	for _, s := range h.sorties {
		out = append(out, s)
	}
	h.mu.Unlock()
	slices.SortFunc(out, func(a, b RemoteEvent) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Station, b.Station)
	})
	return out
}

// StationStatus is what the HQ knows of one station.
type StationStatus struct {
	Name string `json:"name"`
	// LastSeq is the station's last event applied here.
	LastSeq uint64 `json:"last_seq"`
	// LastHeard is when the HQ last received anything from it (zero: never).
	LastHeard time.Time `json:"last_heard"`
	Vehicles  int       `json:"vehicles"`
	// Stale: nothing heard for longer than StaleAfter.
	Stale bool `json:"stale"`
}

// Stations lists the stations known, by name.
func (h *HQ) Stations() []StationStatus {
	now := h.Clock()
	h.mu.Lock()
	out := make([]StationStatus, 0, len(h.stations))
	for name, st := range h.stations {
		n := 0
		for k := range h.vehicles {
			if k.station == name {
				n++
			}
		}
		out = append(out, StationStatus{Name: name, LastSeq: st.lastSeq, LastHeard: st.lastHeard, Vehicles: n, Stale: now.Sub(st.lastHeard) > h.StaleAfter})
	}
	h.mu.Unlock()
	slices.SortFunc(out, func(a, b StationStatus) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// HQStats are the headquarters' counters.
type HQStats struct {
	Duplicates, Gaps, BadMessages uint64
	// ViewWriteErrors counts failed writes to the view's file (StorePath).
	ViewWriteErrors uint64
	Connected       bool
}

// Stats returns a snapshot of the counters.
func (h *HQ) Stats() HQStats {
	return HQStats{Duplicates: h.duplicates.Load(), Gaps: h.gaps.Load(), BadMessages: h.badMessages.Load(), ViewWriteErrors: h.disk.writeErrors.Load(), Connected: h.Conn.IsConnected()}
}

// Forward sends a user's request to a station's API and returns its answer.
func (h *HQ) Forward(ctx context.Context, station string, f Forwarded) (Reply, error) {
	f.HQ = h.Name
	if f.Time.IsZero() {
		f.Time = h.Clock().UTC()
	}
	return Forward(ctx, h.Conn, h.Key, station, f)
}

// Close stops reading. It is idempotent.
func (h *HQ) Close() {
	h.once.Do(func() {
		if h.cancel == nil {
			return
		}
		h.cancel()
		h.wg.Wait()
		h.mu.Lock()
		for _, cc := range h.consumers {
			cc.Stop()
		}
		if h.states != nil {
			h.states.Stop()
		}
		h.mu.Unlock()
		h.closeStore()
	})
}
