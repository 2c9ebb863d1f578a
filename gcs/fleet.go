package gcs

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/gcs/dialect"
	"github.com/borderwatch/borderwatch/gcs/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

// MAVLink identity of the ground station (MAV_COMP_ID_MISSIONPLANNER is what GCSs use).
const (
	DefaultSystemID    = 255
	DefaultComponentID = 190
)

// Fleet owns the links and the vehicles heard on them. One goroutine (run)
// owns all vehicle state; links' readers hand it frames through a channel, and
// API callers ask it for snapshots.
type Fleet struct {
	// Links are link URLs (see ParseLinkURL). At least one.
	Links []string
	// Hub receives every frame and every vehicle state change.
	Hub *telemetry.Hub
	// (optional) SystemID of the GCS. Defaults to 255.
	SystemID uint8
	// (optional) LinkTimeout after which a silent vehicle's link is lost. Defaults to 3.5 s.
	LinkTimeout time.Duration
	// (optional) HeartbeatPeriod of the GCS heartbeat. Defaults to 1 s.
	HeartbeatPeriod time.Duration
	// (optional) Now is the clock. Defaults to time.Now.
	Now func() time.Time
	// (optional) Logger. Defaults to slog.Default().
	Logger *slog.Logger

	links    []*link
	in       chan inbound
	requests chan func()
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	done     chan struct{}
	once     sync.Once

	// owned by run()
	vehicles map[uint8]*vehicle
	peers    map[*link]map[netip.AddrPort]time.Time
	enc      mavwire.Encoder
	buf      []byte
}

// vehicle is the fleet loop's record of one vehicle.
type vehicle struct {
	state    VehicleState
	link     *link
	from     netip.AddrPort
	lastSeen time.Time
}

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
		f.LinkTimeout = 3500 * time.Millisecond
	}
	if f.HeartbeatPeriod == 0 {
		f.HeartbeatPeriod = time.Second
	}
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.Logger == nil {
		f.Logger = slog.Default()
	}
	for i, u := range f.Links {
		l, err := openLink(i, u)
		if err != nil {
			for _, o := range f.links {
				o.close()
			}
			return err
		}
		f.links = append(f.links, l)
	}
	f.in = make(chan inbound, 4096)
	f.requests = make(chan func())
	f.vehicles = make(map[uint8]*vehicle)
	f.peers = make(map[*link]map[netip.AddrPort]time.Time)
	f.enc = mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: f.SystemID, ComponentID: DefaultComponentID}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	f.done = make(chan struct{})
	for _, l := range f.links {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			l.read(f.ctx, f.Now, f.in)
		}()
	}
	go f.run()
	return nil
}

// Close stops the fleet and closes its links. It is idempotent.
func (f *Fleet) Close() {
	f.once.Do(func() {
		f.cancel()
		for _, l := range f.links {
			l.close()
		}
		f.wg.Wait()
		<-f.done
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
		return fmt.Errorf("fleet: closed")
	}
	select {
	case <-done:
		return nil
	case <-f.done:
		return fmt.Errorf("fleet: closed")
	}
}

// Vehicles returns a snapshot of every known vehicle, ordered by system id.
func (f *Fleet) Vehicles(ctx context.Context) ([]VehicleState, error) {
	var out []VehicleState
	err := f.do(ctx, func() {
		out = make([]VehicleState, 0, len(f.vehicles))
		for _, v := range f.vehicles {
			out = append(out, v.state)
		}
	})
	slices.SortFunc(out, func(a, b VehicleState) int { return int(a.SysID) - int(b.SysID) })
	return out, err
}

// Vehicle returns one vehicle's snapshot.
func (f *Fleet) Vehicle(ctx context.Context, sysid uint8) (VehicleState, bool, error) {
	var out VehicleState
	var ok bool
	err := f.do(ctx, func() {
		if v, found := f.vehicles[sysid]; found {
			out, ok = v.state, true
		}
	})
	return out, ok, err
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
			f.sendHeartbeat()
		case <-check.C:
			f.checkLinks()
		case <-f.ctx.Done():
			return
		}
	}
}

func (f *Fleet) handle(in inbound) {
	f.Hub.Publish(in.frame)
	if in.link.listen {
		p := f.peers[in.link]
		if p == nil {
			p = make(map[netip.AddrPort]time.Time)
			f.peers[in.link] = p
		}
		p[in.from] = in.frame.Time
	}
	if in.msg == nil {
		return
	}
	sysid := in.frame.SystemID
	v := f.vehicles[sysid]
	if v == nil {
		hb, ok := in.msg.(*common.MessageHeartbeat)
		// Only an autopilot's heartbeat makes a vehicle: other ground stations
		// and components (cameras, gimbals) do not.
		if !ok || hb.Type == common.MAV_TYPE_GCS || hb.Autopilot == common.MAV_AUTOPILOT_INVALID {
			return
		}
		v = &vehicle{state: NewVehicleState(sysid)}
		f.vehicles[sysid] = v
		f.Logger.Info("vehicle discovered", "sysid", sysid, "link", in.link.url, "from", in.from.String())
	}
	if hb, ok := in.msg.(*common.MessageHeartbeat); ok && (hb.Type == common.MAV_TYPE_GCS || hb.Autopilot == common.MAV_AUTOPILOT_INVALID) {
		return // a component's heartbeat must not overwrite the autopilot's mode
	}
	v.link, v.from, v.lastSeen = in.link, in.from, in.frame.Time
	changed := v.state.Apply(in.msg, in.frame.Time)
	v.state.LastHeard = in.frame.Time
	if !v.state.LinkOK {
		v.state.LinkOK = true
		changed = true
		f.Logger.Info("vehicle link up", "sysid", sysid)
	}
	if changed {
		f.Hub.Publish(v.state)
	}
}

func (f *Fleet) checkLinks() {
	now := f.Now()
	for id, v := range f.vehicles {
		if v.state.LinkOK && now.Sub(v.lastSeen) > f.LinkTimeout {
			v.state.LinkOK = false
			v.state.Time = now
			f.Logger.Warn("vehicle link lost", "sysid", id, "silent_for", now.Sub(v.lastSeen).Round(time.Millisecond))
			f.Hub.Publish(v.state)
		}
	}
	// Forget UDP peers that have been silent for long: they are gone or re-bound.
	for _, p := range f.peers {
		for a, t := range p {
			if now.Sub(t) > 10*f.LinkTimeout {
				delete(p, a)
			}
		}
	}
}

func (f *Fleet) sendHeartbeat() {
	var err error
	f.buf, err = f.enc.Encode(f.buf[:0], &common.MessageHeartbeat{
		Type:           common.MAV_TYPE_GCS,
		Autopilot:      common.MAV_AUTOPILOT_INVALID,
		SystemStatus:   common.MAV_STATE_ACTIVE,
		MavlinkVersion: 3,
	})
	if err != nil {
		f.Logger.Error("encode heartbeat", "err", err)
		return
	}
	for _, l := range f.links {
		if !l.listen {
			l.send(f.buf, netip.AddrPort{})
			continue
		}
		for a := range f.peers[l] {
			l.send(f.buf, a)
		}
	}
}
