package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// Station publishes one server's vehicles, events and sorties to JetStream
// and answers the headquarters' forwarded requests. Configure the fields,
// then Initialize; Close stops it (the caller closes Conn afterwards).
type Station struct {
	// Name is the station's name: one NATS subject token (CheckName).
	Name string
	// Conn is a connection to the NATS cluster (Connect), owned by the caller.
	Conn *nats.Conn
	// Hub is the server's hub: states and events are read from it.
	Hub *telemetry.Hub
	// OutboxPath is the bbolt file of events not yet acknowledged.
	OutboxPath string

	// (optional) Sorties lists the sorties to summarise at the headquarters
	// (those that ended in the last day, and open ones). Defaults to none.
	Sorties func(since time.Time) ([]store.Sortie, error)
	// (optional) Executor runs requests forwarded by a headquarters.
	// Defaults to none: forwarded requests are refused.
	Executor Executor
	// (optional) TrustedHQ are the nkey public keys (U…) of headquarters
	// whose forwarded requests the station runs. Defaults to none: every
	// forwarded request is refused.
	TrustedHQ []string
	// (optional) StateInterval is the least time between two states of one
	// vehicle. Defaults to 1 s.
	StateInterval time.Duration
	// (optional) RetryInterval is how often a failed events batch is sent
	// again. Defaults to 1 s.
	RetryInterval time.Duration
	// (optional) SortieInterval is how often sorties are looked at. Defaults to 10 s.
	SortieInterval time.Duration
	// (optional) MaxOutbox bounds the events kept while the uplink is down.
	// Defaults to 1 000 000 (a few hundred MB at most).
	MaxOutbox int
	// (optional) Clock gives the time. Defaults to time.Now.
	Clock func() time.Time
	// (optional) Logger. Defaults to slog.Default().
	Logger *slog.Logger

	js      jetstream.JetStream
	box     *outbox
	sub     *telemetry.Subscription
	rpc     *nats.Subscription
	replays replayCache
	kick    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	once    sync.Once

	statesSent, statesDropped, statesCoalesced atomic.Uint64
	batchesSent, publishErrors                 atomic.Uint64
	forwarded, forwardRefused                  atomic.Uint64
	lastErr                                    atomic.Pointer[string]
}

// Initialize checks the configuration, creates the streams (idempotent),
// opens the outbox and starts publishing.
func (s *Station) Initialize() error {
	if err := CheckName("station", s.Name); err != nil {
		return err
	}
	if s.Conn == nil || s.Hub == nil || s.OutboxPath == "" {
		return errors.New("federation: a station needs Conn, Hub and OutboxPath")
	}
	if s.StateInterval <= 0 {
		s.StateInterval = time.Second
	}
	if s.RetryInterval <= 0 {
		s.RetryInterval = time.Second
	}
	if s.SortieInterval <= 0 {
		s.SortieInterval = 10 * time.Second
	}
	if s.MaxOutbox <= 0 {
		s.MaxOutbox = 1_000_000
	}
	if s.Clock == nil {
		s.Clock = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	for _, k := range s.TrustedHQ {
		if err := checkPublicKey(k); err != nil {
			return err
		}
	}
	js, err := jetstream.New(s.Conn)
	if err != nil {
		return fmt.Errorf("federation: JetStream: %w", err)
	}
	s.js = js
	// The streams are created when the uplink is there; a station that
	// starts without one creates them on its first successful publish.
	if err := s.ensureStreams(context.Background()); err != nil {
		s.Logger.Warn("federation: streams not created yet (uplink down?); retrying when publishing", "err", err)
	}
	if s.box, err = openOutbox(s.OutboxPath, s.MaxOutbox); err != nil {
		return err
	}
	s.rpc, err = s.Conn.QueueSubscribe(rpcSubject(s.Name), "station", s.handleRPC)
	if err != nil {
		s.box.close()
		return fmt.Errorf("federation: subscribe to %s: %w", rpcSubject(s.Name), err)
	}
	s.kick = make(chan struct{}, 1)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.sub = s.Hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindState, telemetry.KindEvent}}, 4096)
	s.wg.Add(2)
	go s.hubLoop()
	go s.publishLoop()
	return nil
}

// ensureStreams creates the shared states stream and this station's events
// stream when they do not exist yet.
func (s *Station) ensureStreams(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := ensureStatesStream(ctx, s.js); err != nil {
		return err
	}
	if err := ensureStream(ctx, s.js, eventsStreamConfig(s.Name)); err != nil {
		return fmt.Errorf("federation: create stream %s: %w", eventsStream(s.Name), err)
	}
	return nil
}

func ensureStatesStream(ctx context.Context, js jetstream.JetStream) error {
	if err := ensureStream(ctx, js, statesStreamConfig()); err != nil {
		return fmt.Errorf("federation: create stream %s: %w", StatesStream, err)
	}
	return nil
}

// statesStreamConfig is the shared stream of every vehicle's last state.
func statesStreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:              StatesStream,
		Description:       "Borderwatch: the latest state of every station's vehicles",
		Subjects:          []string{statesSubjects},
		Storage:           jetstream.FileStorage,
		MaxMsgsPerSubject: 1,
		MaxAge:            24 * time.Hour,
	}
}

// eventsStreamConfig is a station's stream of events and sortie summaries.
func eventsStreamConfig(station string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        eventsStream(station),
		Description: "Borderwatch station " + station + ": events and sortie summaries, in the station's order",
		Subjects:    []string{eventsSubject(station)},
		Storage:     jetstream.FileStorage,
		MaxAge:      7 * 24 * time.Hour,
		Duplicates:  10 * time.Minute,
	}
}

// ensureStream creates a stream that does not exist and leaves one that
// does as it is. Never an update: an operator may have raised its replicas
// or retention on the cluster (docs/operations.md), which an update with our
// defaults would undo; and an update racing another server's consumer
// creation on the same stream trips a data race inside nats-server's
// filestore (seen under -race with v2.15.3). It looks the stream up first:
// where streams are made in advance (the embedded server with users does,
// permissions.go), a station's user has no right to create one.
func ensureStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) error {
	_, err := js.Stream(ctx, cfg.Name)
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return err
	}
	_, err = js.CreateStream(ctx, cfg)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		_, err = js.Stream(ctx, cfg.Name)
	}
	return err
}

// hubLoop owns the latest state per vehicle and the rate limit: it reads
// the hub, writes events to the outbox and sends states that are due.
func (s *Station) hubLoop() {
	defer s.wg.Done()
	latest := map[telemetry.VehicleID]decode.VehicleState{}
	lastSent := map[telemetry.VehicleID]time.Time{}
	sortieSent := map[uint64]uint64{} // sortie id → hash of the summary sent
	tick := time.NewTicker(s.StateInterval / 4)
	defer tick.Stop()
	sorties := time.NewTicker(s.SortieInterval)
	defer sorties.Stop()
	s.pollSorties(sortieSent)
	var buf []telemetry.Message
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.sub.Ready():
			buf = s.sub.Drain(buf[:0])
			var evs []Event
			for _, m := range buf {
				switch m := m.(type) {
				case decode.VehicleState:
					if _, ok := latest[m.ID]; ok {
						s.statesCoalesced.Add(1)
					}
					latest[m.ID] = m
				case telemetry.Event:
					e, ok, err := eventOf(m)
					if err != nil {
						s.Logger.Error("federation", "err", err)
					}
					if ok {
						evs = append(evs, e)
					}
				}
			}
			s.store(evs)
		case <-sorties.C:
			s.pollSorties(sortieSent)
		case <-tick.C:
		}
		s.sendStates(latest, lastSent)
	}
}

// store writes events to the outbox and wakes the publisher.
func (s *Station) store(evs []Event) {
	if len(evs) == 0 {
		return
	}
	if err := s.box.append(evs); err != nil {
		s.box.dropped.Add(uint64(len(evs)))
		s.Logger.Error("federation: events not kept in the outbox (disk?)", "events", len(evs), "err", err)
		return
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// sendStates publishes the states that are due. A state is never queued
// behind a dead uplink: without a connection it is dropped and counted,
// and the vehicle's next state goes when the uplink is back.
func (s *Station) sendStates(latest map[telemetry.VehicleID]decode.VehicleState, lastSent map[telemetry.VehicleID]time.Time) {
	now := s.Clock()
	for id, st := range latest {
		if t, ok := lastSent[id]; ok && now.Sub(t) < s.StateInterval {
			continue
		}
		delete(latest, id)
		if !s.Conn.IsConnected() {
			s.statesDropped.Add(1)
			continue
		}
		raw, err := json.Marshal(st)
		if err == nil {
			var data []byte
			data, err = json.Marshal(stateMsg{Station: s.Name, Vehicle: id, Sent: now.UTC(), State: raw})
			if err == nil {
				// A plain publish into the stream: no acknowledgement to wait
				// for, so a slow cluster never holds this loop.
				err = s.Conn.Publish(stateSubject(s.Name, id), data)
			}
		}
		if err != nil {
			s.statesDropped.Add(1)
			continue
		}
		lastSent[id] = now
		s.statesSent.Add(1)
	}
}

// pollSorties queues a summary of every sortie that changed since it was last sent.
func (s *Station) pollSorties(sent map[uint64]uint64) {
	if s.Sorties == nil {
		return
	}
	list, err := s.Sorties(s.Clock().Add(-24 * time.Hour))
	if err != nil {
		s.Logger.Warn("federation: listing sorties", "err", err)
		return
	}
	var evs []Event
	for _, so := range list {
		data, err := json.Marshal(so)
		if err != nil {
			continue
		}
		h := fnv.New64a()
		h.Write(data)
		sum := h.Sum64()
		if sent[so.ID] == sum {
			continue
		}
		sent[so.ID] = sum
		evs = append(evs, Event{Type: TypeSortie, Vehicle: so.Vehicle, Time: so.End.UTC(), Data: data})
	}
	s.store(evs)
}

// publishLoop sends the outbox in order, one batch at a time, and takes a
// batch out only when JetStream acknowledged it. A failed batch is sent
// again unchanged (same message id: JetStream drops the copy if the first
// one was stored after all).
func (s *Station) publishLoop() {
	defer s.wg.Done()
	retry := time.NewTimer(s.RetryInterval)
	defer retry.Stop()
	streamsReady := false
	for {
		for s.ctx.Err() == nil {
			evs, err := s.box.peek(256, 512<<10)
			if err != nil {
				s.fail(fmt.Errorf("reading the outbox: %w", err))
				break
			}
			if len(evs) == 0 {
				break
			}
			if !streamsReady {
				if err := s.ensureStreams(s.ctx); err != nil {
					s.fail(err)
					break
				}
				streamsReady = true
			}
			if err := s.publishBatch(evs); err != nil {
				s.fail(err)
				break
			}
			if err := s.box.ack(evs[len(evs)-1].Seq); err != nil {
				s.fail(fmt.Errorf("removing sent events from the outbox: %w", err))
				break
			}
			s.batchesSent.Add(1)
		}
		retry.Reset(s.RetryInterval)
		select {
		case <-s.ctx.Done():
			return
		case <-s.kick:
		case <-retry.C:
		}
	}
}

func (s *Station) publishBatch(evs []Event) error {
	data, err := json.Marshal(batch{Station: s.Name, Numbering: s.box.numbering, Events: evs})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	// The numbering is in the id: a new outbox's first batch is not a
	// copy of the old one's, which JetStream would drop.
	id := fmt.Sprintf("%s:%s:%d-%d", s.Name, s.box.numbering, evs[0].Seq, evs[len(evs)-1].Seq)
	_, err = s.js.PublishMsg(ctx, &nats.Msg{Subject: eventsSubject(s.Name), Data: data}, jetstream.WithMsgID(id))
	if err != nil {
		return fmt.Errorf("publishing events %d-%d: %w", evs[0].Seq, evs[len(evs)-1].Seq, err)
	}
	return nil
}

func (s *Station) fail(err error) {
	s.publishErrors.Add(1)
	msg := err.Error()
	if old := s.lastErr.Swap(&msg); old == nil || *old != msg {
		s.Logger.Warn("federation: events wait in the outbox", "err", err, "pending", s.box.pending.Load())
	}
}

// StationStats are a station's counters (for /metrics and tests).
type StationStats struct {
	StatesSent, StatesDropped, StatesCoalesced uint64
	EventsPending                              int64
	EventsDropped                              uint64
	BatchesSent, PublishErrors                 uint64
	Forwarded, ForwardRefused                  uint64
	Connected                                  bool
}

// Stats returns a snapshot of the counters.
func (s *Station) Stats() StationStats {
	return StationStats{
		StatesSent: s.statesSent.Load(), StatesDropped: s.statesDropped.Load(), StatesCoalesced: s.statesCoalesced.Load(),
		EventsPending: s.box.pending.Load(), EventsDropped: s.box.dropped.Load(),
		BatchesSent: s.batchesSent.Load(), PublishErrors: s.publishErrors.Load(),
		Forwarded: s.forwarded.Load(), ForwardRefused: s.forwardRefused.Load(),
		Connected: s.Conn.IsConnected(),
	}
}

// Close stops publishing and closes the outbox; what was not sent stays in
// it for the next start. It is idempotent.
func (s *Station) Close() {
	s.once.Do(func() {
		if s.cancel == nil {
			return
		}
		s.cancel()
		s.rpc.Unsubscribe()
		s.sub.Close()
		s.wg.Wait()
		if err := s.box.close(); err != nil {
			s.Logger.Error("federation: closing the outbox", "err", err)
		}
	})
}
