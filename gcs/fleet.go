package gcs

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

// MAVLink identity of the ground station (MAV_COMP_ID_MISSIONPLANNER is what GCSs use).
const (
	DefaultSystemID    = 255
	DefaultComponentID = 190
)

// Fleet owns the links and the vehicles heard on them. One goroutine (run)
// owns all vehicle state; links' readers hand it frames through a channel,
// and API callers ask it for snapshots or hand it closures (do). Protocol
// sessions (commands, parameters, transfers) run in their caller's goroutine
// and receive their vehicle's replies through a bounded inbox.
//
// Lock order: Fleet.busyMu and router.mu are leaves (never held together, and
// never while waiting on the loop).
type Fleet struct {
	// Links are link URLs (see ParseLinkURL). At least one.
	Links []string
	// Hub receives every frame, every vehicle state change and the typed events.
	Hub *telemetry.Hub
	// (optional) SystemID of the GCS. Defaults to 255.
	SystemID uint8
	// (optional) LinkTimeout after which a silent vehicle's link is lost.
	// Defaults to decode.DefaultLinkTimeout (3.5 s).
	LinkTimeout time.Duration
	// (optional) HeartbeatPeriod of the GCS heartbeat. Defaults to 1 s.
	HeartbeatPeriod time.Duration
	// (optional) Networks numbers the MAVLink networks the links name
	// (?network=NAME), so that vehicle ids (network number × 256 + system
	// id) survive restarts and reordered links: the server gives its store.
	// Defaults to numbering the named networks 1, 2 … in the order the links
	// first name them, which keeps ids only while the links stay in order.
	Networks NetworkRegistry
	// (optional) SigningStore keeps signing keys and timestamps. Defaults to
	// none: no vehicle is signed, and SetupSigning fails.
	SigningStore SigningStore
	// (optional) StreamRates are the messages (id → Hz) the fleet asks each new
	// vehicle for, since ArduPilot streams almost nothing until asked.
	// Defaults to DefaultStreamRates; set NoStreamRequests to ask for nothing.
	StreamRates      map[uint32]float64
	NoStreamRequests bool
	// (optional) RequestTimeout, ItemTimeout and StallTimeout are the floors
	// of the protocol timeouts: the wait for a first answer, the wait between
	// transfer items, and how long a transfer may make no progress before it
	// fails. They grow with the vehicle's measured round trip. Default to
	// mavlink.io's 1500 ms and 250 ms, and 15 s.
	RequestTimeout, ItemTimeout, StallTimeout time.Duration
	// (optional) LegacyTransfers restores the transfer policy that came
	// before: RequestTimeout bounds the first answer even once the round trip
	// is known, and an empty list is cleared without first reading whether
	// the vehicle holds anything. For benchmarks that measure both in one run.
	LegacyTransfers bool
	// (optional) StreamIdleTimeout closes a TCP connection that sent nothing
	// for this long (tcp:// then dials again), and closes and reopens a
	// serial port that sent nothing for this long (its watchdog). Defaults
	// to DefaultStreamIdle.
	StreamIdleTimeout time.Duration
	// (optional) MaxTCPConnections bounds the peers of a tcps:// link; more
	// are closed at once and counted. Defaults to DefaultMaxTCPConnections.
	MaxTCPConnections int
	// (optional) Now is the clock. Defaults to time.Now.
	Now func() time.Time
	// (optional) Logger. Defaults to slog.Default(). Keys are never logged.
	Logger *slog.Logger

	links    []*link
	netNames map[uint32]string // network number → name, of the links' networks
	in       chan inbound
	requests chan func()
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup // link readers
	bg       sync.WaitGroup // background protocol work (stream requests)
	streams  streamQueue
	done     chan struct{}
	once     sync.Once
	r        router

	busyMu sync.Mutex
	busy   map[busyKey]bool

	// inboxDropped counts protocol messages a session's full inbox could
	// not take (the session recovers through its retries).
	inboxDropped atomic.Uint64

	// owned by run()
	// table is the shared decoder's vehicle table (mavlink/decode, as replay
	// uses): admission, the state update and the link-timeout rule. vehicles
	// holds what only a live fleet knows of each of its vehicles (where it
	// was heard, its sessions, parameters, signing), by the same id.
	table     decode.Table
	vehicles  map[telemetry.VehicleID]*vehicle
	peers     map[*link]map[netip.AddrPort]time.Time
	keys      map[telemetry.VehicleID]*signedStreams // loaded signing keys (nil value: looked up, none)
	tsSaved   uint64
	timesyncs map[int64]time.Time // our TIMESYNC requests in flight, by ts1
}

// DefaultStreamRates are the messages a vehicle is asked for, in Hz.
var DefaultStreamRates = map[uint32]float64{
	33:  5,   // GLOBAL_POSITION_INT
	30:  5,   // ATTITUDE
	1:   1,   // SYS_STATUS
	24:  1,   // GPS_RAW_INT
	245: 1,   // EXTENDED_SYS_STATE
	242: 0.2, // HOME_POSITION
	42:  1,   // MISSION_CURRENT
	147: 0.5, // BATTERY_STATUS
	162: 1,   // FENCE_STATUS
}

type busyKey struct {
	vid  telemetry.VehicleID
	kind string
}

// vehicle is the fleet loop's record of one vehicle.
type vehicle struct {
	// state is the vehicle's entry in the fleet's decode.Table.
	state    *VehicleState
	link     *link
	from     netip.AddrPort
	lastSeen time.Time
	compid   uint8 // the autopilot's component id
	flavour  Flavour
	inboxes  map[*inbox]struct{}
	seqs     map[uint8]uint8 // last sequence number per component
	rtt      time.Duration
	params   map[string]Param
	// paramTotal is the vehicle's parameter count (PARAM_VALUE's
	// param_count), 0 before any: the cache is complete at that size.
	paramTotal int
	sign       *signedStreams
	wasLost    bool // the link was lost at least once
}

// inbox carries a vehicle's protocol messages to one running session.
type inbox struct {
	ch chan message.Message
	// commandOnly: the session reads only COMMAND_ACK and STATUSTEXT.
	commandOnly bool
}

// inboxLen bounds a session's inbox; a session that falls behind loses
// messages (counted) and recovers through its retries. A command session's
// is smaller: an ACK and the STATUSTEXTs explaining a refusal.
const (
	inboxLen        = 256
	commandInboxLen = 16
)

// Initialize opens the links and starts the fleet.
func (f *Fleet) Initialize() error {
	if len(f.Links) == 0 {
		return fmt.Errorf("fleet: no links: give at least one, e.g. udp://0.0.0.0:14550")
	}
	if f.Hub == nil {
		return fmt.Errorf("fleet: Hub is required")
	}
	if f.SystemID == 0 {
		f.SystemID = DefaultSystemID
	}
	if f.LinkTimeout == 0 {
		f.LinkTimeout = decode.DefaultLinkTimeout
	}
	if f.HeartbeatPeriod == 0 {
		f.HeartbeatPeriod = time.Second
	}
	def := defaultTiming(0)
	if f.RequestTimeout == 0 {
		f.RequestTimeout = def.GeneralFloor
	}
	if f.ItemTimeout == 0 {
		f.ItemTimeout = def.ItemFloor
	}
	if f.StallTimeout == 0 {
		f.StallTimeout = def.Stall
	}
	if f.StreamRates == nil {
		f.StreamRates = DefaultStreamRates
	}
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.Logger == nil {
		f.Logger = slog.Default()
	}
	if f.StreamIdleTimeout == 0 {
		f.StreamIdleTimeout = DefaultStreamIdle
	}
	if f.MaxTCPConnections == 0 {
		f.MaxTCPConnections = DefaultMaxTCPConnections
	}
	f.in = make(chan inbound, 4096)
	nets, err := f.numberNetworks()
	if err != nil {
		return err
	}
	for i, u := range f.Links {
		l, err := openLink(i, u, f.Now, f.in, linkOptions{idle: f.StreamIdleTimeout, maxConns: f.MaxTCPConnections, network: nets[i]})
		if err != nil {
			for _, o := range f.links {
				o.close()
			}
			f.links = nil
			return fmt.Errorf("fleet: %w", err)
		}
		f.links = append(f.links, l)
	}
	f.requests = make(chan func())
	f.vehicles = make(map[telemetry.VehicleID]*vehicle)
	f.peers = make(map[*link]map[netip.AddrPort]time.Time)
	f.keys = make(map[telemetry.VehicleID]*signedStreams)
	f.timesyncs = make(map[int64]time.Time)
	f.busy = make(map[busyKey]bool)
	f.table = decode.Table{LinkTimeout: f.LinkTimeout, NetworkName: func(n uint32) string {
		if name, ok := f.netNames[n]; ok {
			return name
		}
		return decode.NetworkLabel(n)
	}}
	f.r.init(f.SystemID, f.Now)
	if f.SigningStore != nil {
		ts, err := f.SigningStore.SigningTimestamp()
		if err != nil {
			for _, o := range f.links {
				o.close()
			}
			return fmt.Errorf("fleet: %w: read the last signing timestamp: %w", ErrSigning, err)
		}
		f.r.setTimestampFloor(ts)
		f.tsSaved = ts
		keys, err := f.SigningStore.SigningKeys()
		if err != nil {
			for _, o := range f.links {
				o.close()
			}
			return fmt.Errorf("fleet: %w: read the vehicles' signing keys: %w", ErrSigning, err)
		}
		for vid, key := range keys {
			f.keys[vid] = &signedStreams{key: key}
			f.r.setKey(vid, &key)
		}
		f.saveTimestamp(false) // the mark ahead of use, before the first signed frame
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	f.done = make(chan struct{})
	for _, l := range f.links {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			l.tr.run(f.ctx, l)
		}()
	}
	f.startStreamWorkers()
	go f.run()
	return nil
}

// NetworkRegistry numbers MAVLink networks by name, the same number for a
// name every time (store.Store keeps them). "" is the default network, 0.
type NetworkRegistry interface {
	NetworkNumber(name string) (uint32, error)
}

// numberNetworks checks every link's network name and numbers it, in the
// order of f.Links.
func (f *Fleet) numberNetworks() ([]uint32, error) {
	f.netNames = map[uint32]string{0: ""}
	local := map[string]uint32{"": 0}
	out := make([]uint32, len(f.Links))
	for i, u := range f.Links {
		name, err := LinkNetwork(u)
		if err != nil {
			return nil, fmt.Errorf("fleet: %w", err)
		}
		n, ok := local[name]
		switch {
		case ok:
		case f.Networks != nil:
			if n, err = f.Networks.NetworkNumber(name); err != nil {
				return nil, fmt.Errorf("fleet: number network %q: %w", name, err)
			}
		default:
			n = uint32(len(local))
		}
		if n >= telemetry.MaxNetworks {
			return nil, fmt.Errorf("fleet: network %q has number %d, beyond %d", name, n, telemetry.MaxNetworks-1)
		}
		local[name] = n
		f.netNames[n] = name
		out[i] = n
	}
	return out, nil
}

// NetworkName is the name of a network number of the fleet's links ("" for
// the default network), and false when no link is on it.
func (f *Fleet) NetworkName(number uint32) (string, bool) {
	name, ok := f.netNames[number]
	return name, ok
}

// timing is the session timing for a vehicle with round trip rtt.
func (f *Fleet) timing(rtt time.Duration) timing {
	return timing{GeneralFloor: f.RequestTimeout, ItemFloor: f.ItemTimeout, Stall: f.StallTimeout, srtt: rtt}
}

// Close stops the fleet and closes its links. It is idempotent.
func (f *Fleet) Close() {
	f.once.Do(func() {
		if f.cancel == nil {
			return // never initialized
		}
		f.cancel()
		<-f.done    // the loop is gone: nothing starts new background work
		f.bg.Wait() // stream requests end with the context
		for _, l := range f.links {
			l.close()
		}
		f.wg.Wait()
		f.saveTimestamp(true)
	})
}

// LinkAddrs returns the local address of each link, in order.
func (f *Fleet) LinkAddrs() []net.Addr {
	out := make([]net.Addr, len(f.links))
	for i, l := range f.links {
		out[i] = l.LocalAddr()
	}
	return out
}

// LinkStats returns each link's counters, in order.
// SessionInboxDropped counts protocol messages (acknowledgements, mission
// items, parameter values) dropped because a running session's inbox was
// full; the session's retries recover them.
func (f *Fleet) SessionInboxDropped() uint64 { return f.inboxDropped.Load() }

func (f *Fleet) LinkStats() []LinkStats {
	out := make([]LinkStats, len(f.links))
	for i, l := range f.links {
		out[i] = l.stats()
	}
	return out
}

// do runs fn on the fleet loop and waits for it.
func (f *Fleet) do(ctx context.Context, fn func()) error {
	done := make(chan struct{})
	select {
	case f.requests <- func() { fn(); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	case <-f.done:
		return ErrClosed
	}
	select {
	case <-done:
		return nil
	case <-f.done:
		return ErrClosed
	}
}

// Vehicles returns a snapshot of every known vehicle, ordered by vehicle id
// (the default network's, by system id, first).
func (f *Fleet) Vehicles(ctx context.Context) ([]VehicleState, error) {
	var out []VehicleState
	err := f.do(ctx, func() {
		out = make([]VehicleState, 0, len(f.vehicles))
		for _, v := range f.vehicles {
			out = append(out, v.snapshot())
		}
	})
	slices.SortFunc(out, func(a, b VehicleState) int { return cmp.Compare(a.ID, b.ID) })
	return out, err
}

// Vehicle returns one vehicle's snapshot.
func (f *Fleet) Vehicle(ctx context.Context, vid telemetry.VehicleID) (VehicleState, bool, error) {
	var out VehicleState
	var ok bool
	err := f.do(ctx, func() {
		if v, found := f.vehicles[vid]; found {
			out, ok = v.snapshot(), true
		}
	})
	return out, ok, err
}

func (v *vehicle) snapshot() VehicleState {
	s := *v.state
	s.Link.RTTMs = float64(v.rtt) / float64(time.Millisecond)
	if n := s.Link.Frames + s.Link.Lost; n > 0 {
		s.Link.LossPct = math.Round(1000*float64(s.Link.Lost)/float64(n)) / 10
	}
	if v.link != nil {
		s.Link.Link = v.link.index
	}
	return s
}

func (f *Fleet) run() {
	defer close(f.done)
	hb := time.NewTicker(f.HeartbeatPeriod)
	defer hb.Stop()
	check := time.NewTicker(f.LinkTimeout / 7)
	defer check.Stop()
	for {
		select {
		case in := <-f.in:
			f.handle(in)
		case fn := <-f.requests:
			fn()
		case <-hb.C:
			f.sendHeartbeats()
		case <-check.C:
			f.checkLinks()
			f.saveTimestamp(false)
		case <-f.ctx.Done():
			return
		}
	}
}

// signingKey returns the key of vid: every stored key was loaded at
// Initialize, and keys change only through the fleet (useKey).
func (f *Fleet) signingKey(vid telemetry.VehicleID) *signedStreams { return f.keys[vid] }

func (f *Fleet) handle(in inbound) {
	vid := in.frame.Vehicle()
	v := f.vehicles[vid]
	if sign := f.signingKey(vid); sign != nil {
		if vd := sign.check(in.frame.Raw, in.frame.ComponentID, f.r.currentTimestamp()); vd != sigOK {
			if v != nil {
				// Counted, but Signed stays: a forger must not be able to
				// flip what the operator sees. A vehicle that stops signing
				// has all its frames refused, and its link is lost.
				v.state.Link.SigningRejected++
			}
			return // not the vehicle, or a replay: not state, not the record
		}
		if v != nil && !v.state.Signed {
			v.state.Signed = true
			f.Hub.Publish(v.snapshot())
		}
	}
	if in.link.multiPeer() {
		p := f.peers[in.link]
		if p == nil {
			p = make(map[netip.AddrPort]time.Time)
			f.peers[in.link] = p
		}
		p[in.from] = in.frame.Time
	}
	hb, isHB := in.msg.(*common.MessageHeartbeat)
	if v == nil && !(isHB && decode.Admits(hb)) && f.receiverFrame(vid, in, hb, isHB) {
		return
	}
	// Only frames of admitted systems (vehicles, and the components of one)
	// are recorded: line noise that happens to frame, or another ground
	// station, must not become sorties under random system ids.
	if v == nil && (!isHB || !decode.Admits(hb)) {
		in.link.unadmitted.Add(1)
		return
	}
	// SETUP_SIGNING carries a key in clear: it never goes to the record.
	if in.frame.MessageID != 256 {
		f.Hub.Publish(in.frame)
	}
	if in.msg == nil {
		if v != nil {
			f.count(v, in)
		}
		return
	}
	var reboots int
	if v != nil {
		reboots = v.state.Reboots
	}
	// The shared decoder's table admits (only an autopilot's heartbeat makes
	// a vehicle), updates the state and keeps the link-up rule; a
	// component's heartbeat changes nothing of the autopilot's.
	r := f.table.Message(vid, in.frame.ComponentID, in.msg, in.frame.Time, func(e telemetry.Event) { f.Hub.Publish(e) })
	if r.State == nil {
		return
	}
	if v == nil {
		v = &vehicle{state: r.State, compid: in.frame.ComponentID, flavour: flavourOf(hb.Autopilot),
			inboxes: map[*inbox]struct{}{}, seqs: map[uint8]uint8{}, params: map[string]Param{}}
		v.sign = f.keys[vid]
		v.state.Signed = v.sign != nil
		f.vehicles[vid] = v
		f.Logger.Info("vehicle discovered", "vehicle", vid, "network", v.state.Network, "sysid", vid.SysID(), "autopilot", v.flavour.String(), "link", in.link.url, "from", in.from.String())
		f.streams.add(vid, v.flavour)
	}
	f.count(v, in)
	if isHB && !decode.Admits(hb) {
		return // a component's heartbeat: not the autopilot's mode, nor a protocol reply
	}
	if isHB && in.frame.ComponentID == v.compid {
		v.flavour = flavourOf(hb.Autopilot)
	}
	if v.link != in.link || v.from != in.from {
		// The vehicle's id carries its network, and frames of it come only
		// from links of that network: replies go back on one of them.
		v.link, v.from = in.link, in.from
		f.r.setRoute(vid, route{link: in.link, to: in.from})
	}
	v.lastSeen = in.frame.Time
	changed := r.Changed
	if v.state.Reboots != reboots && !r.New {
		// A rebooted autopilot forgot the message rates we asked for.
		f.Logger.Warn("vehicle rebooted: its derived state was reset", "vehicle", vid)
		f.streams.add(vid, v.flavour)
	}
	if r.LinkUp && !r.New {
		// Restored means lost before: a vehicle heard for the first time
		// is news in the fleet list and on the map, not an alert. A
		// server starting with a fleet in the air would otherwise raise
		// one alert per vehicle at once (thousands, to the store and to
		// every client, in its busiest second) over nothing that went wrong.
		f.Logger.Info("vehicle link up", "vehicle", vid)
		f.Hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(in.frame.Time, vid),
			Type: telemetry.AlertLinkRestore, Severity: telemetry.SeverityNotice, Text: "link up on " + in.link.url})
		if v.wasLost {
			// It may have rebooted, forgetting the rates we asked for.
			f.streams.add(vid, v.flavour)
		}
	}
	f.protocol(v, in)
	if changed {
		f.Hub.Publish(v.snapshot())
	}
}

// count updates the vehicle's link statistics: sequence gaps per component
// are lost frames; a repeated sequence number is a duplicate (e.g. the same
// frame heard on two links) and is not counted twice.
func (f *Fleet) count(v *vehicle, in inbound) {
	raw := in.frame.Raw
	var seq uint8
	if raw[0] == mavwire.MagicV2 {
		seq = raw[4]
	} else {
		seq = raw[2]
	}
	last, seen := v.seqs[in.frame.ComponentID]
	v.seqs[in.frame.ComponentID] = seq
	if seen {
		gap := seq - last // wraps at 256
		switch {
		case gap == 0:
			return // duplicate
		case gap < 128:
			v.state.Link.Lost += uint64(gap - 1)
		default:
			v.seqs[in.frame.ComponentID] = last // late (reordered) frame: keep the newer sequence
		}
	}
	v.state.Link.Frames++
	v.state.Link.Bytes += uint64(len(raw))
}

// protocol routes a vehicle's protocol replies to the sessions waiting for
// them, and keeps the parameter cache and round-trip time.
func (f *Fleet) protocol(v *vehicle, in inbound) {
	var target uint8
	forCommands := false // a command session reads it
	switch m := in.msg.(type) {
	case *common.MessageMissionRequestInt:
		target = m.TargetSystem
	case *common.MessageMissionRequest:
		target = m.TargetSystem
	case *common.MessageMissionCount:
		target = m.TargetSystem
	case *common.MessageMissionItemInt:
		target = m.TargetSystem
	case *common.MessageMissionItem:
		target = m.TargetSystem
	case *common.MessageMissionAck:
		target = m.TargetSystem
	case *common.MessageCommandAck:
		target = m.TargetSystem
		if target != 0 && target != f.SystemID {
			return
		}
		forCommands = true
	case *common.MessageParamValue:
		f.cacheParam(v, m)
	case *common.MessageTimesync:
		f.timesync(v, in, m)
		return
	case *common.MessageHeartbeat:
		// The autopilot's heartbeat confirms a mode change (modeSession);
		// a camera's or gimbal's says nothing about the flight mode.
		if in.frame.ComponentID != v.compid {
			return
		}
	case *common.MessageStatustext:
		forCommands = true
	case *common.MessageMissionCurrent:
	default:
		return
	}
	if target != 0 && target != f.SystemID {
		return // addressed to another ground station
	}
	for ib := range v.inboxes {
		if ib.commandOnly && !forCommands {
			continue
		}
		select {
		case ib.ch <- in.msg:
		default:
			f.inboxDropped.Add(1)
		}
	}
}

// maxCachedParams bounds a vehicle's parameter cache: a real ArduPilot has
// about 1 400 parameters and PX4 about 900; a vehicle that sends more names
// than this is broken or hostile, and the rest are counted, not kept.
const maxCachedParams = 8192

// cacheParam keeps every value the vehicle sends (list, reads, sets and the
// ones it sends on its own in flight), except PX4's list checksum.
func (f *Fleet) cacheParam(v *vehicle, m *common.MessageParamValue) {
	p := paramFrom(v.flavour, m)
	if p.Name == paramHashCheck || p.Name == "" {
		return
	}
	if m.ParamCount > 0 && m.ParamCount != paramUnsolicited {
		v.paramTotal = int(m.ParamCount)
	}
	if _, ok := v.params[p.Name]; !ok && len(v.params) >= maxCachedParams {
		v.state.Link.ParamsDropped++
		return
	}
	if old, ok := v.params[p.Name]; ok && m.ParamIndex == paramUnsolicited {
		p.Index = old.Index // an unsolicited value keeps its place in the list
	}
	v.params[p.Name] = p
}

// timesync answers a vehicle's TIMESYNC request and turns the answer to ours
// into a round-trip sample.
func (f *Fleet) timesync(v *vehicle, in inbound, m *common.MessageTimesync) {
	if m.TargetSystem != 0 && m.TargetSystem != f.SystemID {
		return
	}
	now := in.frame.Time
	if m.Tc1 == 0 {
		f.r.send(in.frame.Vehicle(), &common.MessageTimesync{Tc1: now.UnixNano(), Ts1: m.Ts1,
			TargetSystem: in.frame.SystemID, TargetComponent: in.frame.ComponentID})
		return
	}
	if sent, ok := f.timesyncs[m.Ts1]; ok {
		delete(f.timesyncs, m.Ts1)
		v.sampleRTT(now.Sub(sent))
	}
}

func (v *vehicle) sampleRTT(d time.Duration) {
	if d <= 0 || d > time.Minute {
		return
	}
	if v.rtt == 0 {
		v.rtt = d
	} else {
		v.rtt += (d - v.rtt) / 8
	}
}

func (f *Fleet) checkLinks() {
	now := f.Now()
	for _, id := range f.table.Expire(now) {
		v := f.vehicles[id]
		if v == nil {
			continue
		}
		v.wasLost = true
		silent := now.Sub(v.lastSeen).Round(time.Millisecond)
		f.Logger.Warn("vehicle link lost", "vehicle", id, "silent_for", silent)
		f.Hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(now, id),
			Type: telemetry.AlertLinkLost, Severity: telemetry.SeverityCritical,
			Text: fmt.Sprintf("no frame for %s", silent)})
		f.Hub.Publish(v.snapshot())
	}
	// Forget UDP peers that have been silent for long: they are gone or re-bound.
	for _, p := range f.peers {
		for a, t := range p {
			if now.Sub(t) > 10*f.LinkTimeout {
				delete(p, a)
			}
		}
	}
	for ts, t := range f.timesyncs {
		if now.Sub(t) > 10*time.Second {
			delete(f.timesyncs, ts)
		}
	}
}

// sendHeartbeats sends the GCS heartbeat to every peer, signed with the key
// of each signed vehicle behind it (a signed vehicle ignores unsigned frames,
// and would think its GCS gone), and a TIMESYNC to each vehicle whose link is up.
func (f *Fleet) sendHeartbeats() {
	hb := &common.MessageHeartbeat{Type: common.MAV_TYPE_GCS, Autopilot: common.MAV_AUTOPILOT_INVALID,
		SystemStatus: common.MAV_STATE_ACTIVE, MavlinkVersion: 3}
	type dest struct {
		l  *link
		to netip.AddrPort
	}
	signedAt := map[dest][]telemetry.VehicleID{}
	unsignedAt := map[dest]bool{}
	for id, v := range f.vehicles {
		if v.link == nil {
			continue
		}
		d := dest{v.link, v.from}
		if v.sign != nil {
			signedAt[d] = append(signedAt[d], id)
		} else {
			unsignedAt[d] = true
		}
	}
	for _, l := range f.links {
		if !l.multiPeer() {
			d := dest{l, netip.AddrPort{}}
			if len(signedAt[d]) == 0 || unsignedAt[d] {
				f.r.sendOn(l, netip.AddrPort{}, 0, hb)
			}
			continue
		}
		for a := range f.peers[l] {
			d := dest{l, a}
			if len(signedAt[d]) == 0 || unsignedAt[d] {
				f.r.sendOn(l, a, 0, hb)
			}
		}
	}
	for d, ids := range signedAt {
		for _, id := range ids {
			f.r.sendOn(d.l, d.to, id, hb)
		}
	}
	now := f.Now()
	for id, v := range f.vehicles {
		if v.state.LinkOK {
			ts := now.UnixNano() + int64(id) // distinct per vehicle, so answers match
			f.timesyncs[ts] = now
			f.r.send(id, &common.MessageTimesync{Ts1: ts, TargetSystem: id.SysID(), TargetComponent: v.compid})
		}
	}
}

// saveTimestamp persists the signing timestamp's high-water mark ahead of use.
func (f *Fleet) saveTimestamp(final bool) {
	if f.SigningStore == nil {
		return
	}
	cur := f.r.currentTimestamp()
	if !final && cur+tsAhead/2 < f.tsSaved {
		return
	}
	mark := cur + tsAhead
	if final {
		mark = cur + 1
		if mark < f.tsSaved {
			return
		}
	}
	if err := f.SigningStore.SaveSigningTimestamp(mark); err != nil {
		f.Logger.Error("signing: cannot save the signing timestamp", "err", err)
		return
	}
	f.tsSaved = mark
}
