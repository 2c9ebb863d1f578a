// Package simulator runs simulated drones that speak MAVLink to a ground
// station like ArduCopter, ArduPlane and PX4 do, so that every other part of
// Borderwatch can be tested and shown without hardware. It shares only
// protocol definitions (mavlink/dialect, mavlink/mavwire) with the gcs package.
//
// One goroutine steps every vehicle of a Fleet, so a large fleet stays cheap;
// time is either real (with a speed-up factor) or stepped by the caller for
// deterministic tests. docs/simulator.md describes the behaviour and the
// scenario format.
package simulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

var dialectRW = dialect.ReadWriter

// Demo area: a patrol north of the US–Mexico border at Nogales, Arizona,
// matching the demo border layer (missions/demodata).
const (
	DefaultCenterLat = 31.3520
	DefaultCenterLon = -110.9500
)

// maxPerLink: system ids 1-254 (255 is the GCS) on one link.
const maxPerLink = 254

// Fleet is a set of simulated vehicles talking to one or more ground stations.
type Fleet struct {
	// (optional) Drones is how many vehicles to simulate. Defaults to the
	// scenario's count; a larger number repeats the scenario's vehicles side by side.
	Drones int
	// GCS is the ground station's address: udp://HOST:PORT, or tcp://HOST:PORT
	// to connect to a GCS's TCP server. Several,
	// separated by commas, carry more than 254 vehicles: each address takes
	// the next block of system ids 1-254.
	GCS string
	// (optional) Networks spreads the drones evenly over the first Networks
	// GCS addresses, each numbering its drones from FirstSystemID, as
	// separate MAVLink networks do: with 4 drones over 2 networks both
	// addresses get system ids 1 and 2. The ground station puts each address
	// on its own network (serve --mavlink udp://…:14550?network=a --mavlink
	// udp://…:14551?network=b), where the same system id is another vehicle.
	// Defaults to 0: the addresses take blocks of 254 system ids in turn.
	Networks int
	// (optional) Scenario to run. Defaults to the built-in "demo" scenario.
	Scenario *Scenario
	// (optional) Flavor overrides every vehicle's flavour (arducopter, arduplane, px4).
	Flavor string
	// (optional) FirstSystemID of vehicles the scenario does not number. Defaults to 1.
	FirstSystemID uint8
	// (optional) PortPerVehicle gives each vehicle its own UDP socket (as
	// separate radios would) instead of one shared socket per GCS address.
	PortPerVehicle bool
	// (optional) CenterLat/CenterLon move the default demo scenario to another place.
	CenterLat, CenterLon float64
	// (optional) Rate of position and attitude telemetry in Hz. Defaults to 10.
	Rate float64
	// (optional) Speedup runs simulated time K times faster than the wall clock. Defaults to 1.
	Speedup float64
	// (optional) Stepped stops the clock: simulated time advances only
	// through Step, which makes tests deterministic.
	Stepped bool
	// (optional) StepPeriod is the physics step. Defaults to 1/Rate, at most 100 ms.
	StepPeriod time.Duration
	// (optional) Faults of the links; nil takes the scenario's, if any.
	Faults *Faults
	// (optional) QuietStreams makes ArduPilot vehicles behave like a real one:
	// only HEARTBEAT and HOME_POSITION until the GCS asks with
	// REQUEST_DATA_STREAM or SET_MESSAGE_INTERVAL. Defaults to false (stream everything).
	QuietStreams bool
	// (optional) BootBanner makes ArduPilot vehicles send plain text before
	// their first MAVLink frame, as a real one does on a serial or TCP port. Defaults to false.
	BootBanner bool
	// (optional) Seed for every random choice (detections, wind gusts). Defaults to the scenario's, or 1.
	Seed uint64
	// (optional) Epoch is the wall time of simulated time zero. Defaults to the time of Initialize.
	Epoch time.Time
	// (optional) Logger. Defaults to slog.Default().
	Logger *slog.Logger

	logger    *slog.Logger
	seed      uint64
	epoch     time.Time
	step      time.Duration
	vehicles  []*vehicle
	links     []*link
	targets   []Target
	ridDrones []RemoteIDDrone
	wind      Wind
	windRng   *rand.Rand
	gust      [2]float64

	in       chan inbound
	inDrops  atomic.Uint64
	requests chan func()
	sent     atomic.Uint64
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	once     sync.Once
	inited   bool

	// owned by run()
	now      time.Duration
	nextStep time.Duration
}

type inbound struct {
	l    *link
	data []byte
}

// link is one UDP socket to one GCS address.
type link struct {
	idx       int
	url       string
	conn      *net.UDPConn // udp
	tcp       *tcpConn     // tcp
	up        *pipe[[]byte]
	down      *pipe[[]byte]
	bySys     [256][]*vehicle
	all       []*vehicle
	scanner   mavwire.Scanner
	writeErrs uint64
}

// build applies the defaults, builds the vehicles and opens the links.
func (f *Fleet) build() error {
	if f.Rate == 0 {
		f.Rate = 10
	}
	if f.Rate < 0 || f.Rate > 100 {
		return fmt.Errorf("simulator: rate %g Hz: want 0-100", f.Rate)
	}
	if f.Speedup == 0 {
		f.Speedup = 1
	}
	if f.Speedup < 0 {
		return fmt.Errorf("simulator: speedup %g must be positive", f.Speedup)
	}
	if f.FirstSystemID == 0 {
		f.FirstSystemID = 1
	}
	f.logger = f.Logger
	if f.logger == nil {
		f.logger = slog.Default()
	}
	f.epoch = f.Epoch
	if f.epoch.IsZero() {
		f.epoch = time.Now()
	}
	f.step = f.StepPeriod
	if f.step == 0 {
		f.step = min(100*time.Millisecond, time.Duration(float64(time.Second)/f.Rate))
	}
	sc := f.Scenario
	if sc == nil {
		var err error
		if sc, err = LoadScenario("demo"); err != nil {
			return err
		}
		if f.CenterLat != 0 || f.CenterLon != 0 {
			sc.shift(f.CenterLat-DefaultCenterLat, f.CenterLon-DefaultCenterLon)
		}
	}
	// A scenario built in Go (not parsed) is checked here: it fills in the flavours too.
	if err := sc.check(); err != nil {
		return err
	}
	f.seed = f.Seed
	if f.seed == 0 {
		f.seed = sc.Seed
	}
	if f.seed == 0 {
		f.seed = 1
	}
	f.wind = sc.Wind
	f.windRng = rand.New(rand.NewPCG(f.seed, 77))
	f.targets = append([]Target(nil), sc.Targets...)
	for i := range f.targets {
		f.targets[i].prepare()
	}
	f.ridDrones = append([]RemoteIDDrone(nil), sc.RemoteIDDrones...)
	for i := range f.ridDrones {
		f.ridDrones[i].prepare()
	}
	faults := Faults{}
	if f.Faults != nil {
		faults = *f.Faults
	} else if sc.Faults != nil {
		faults = sc.Faults.Faults()
	}
	if faults.Seed == 0 {
		faults.Seed = 1
	}

	specs, err := f.expand(sc)
	if err != nil {
		return err
	}
	addrs := map[string]*link{}
	open := func(u string) (*link, error) {
		l := &link{idx: len(f.links), url: u}
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "udp" && pu.Scheme != "tcp") || pu.Port() == "" {
			return nil, fmt.Errorf("simulator: GCS address %q: want udp://HOST:PORT or tcp://HOST:PORT, e.g. udp://127.0.0.1:14550", u)
		}
		if pu.Scheme == "tcp" {
			if _, err := net.ResolveTCPAddr("tcp", pu.Host); err != nil {
				return nil, fmt.Errorf("simulator: GCS address %q: %w", u, err)
			}
			l.tcp = &tcpConn{addr: pu.Host}
		} else {
			ua, err := net.ResolveUDPAddr("udp", pu.Host)
			if err != nil {
				return nil, fmt.Errorf("simulator: GCS address %q: %w", u, err)
			}
			if l.conn, err = net.DialUDP("udp", nil, ua); err != nil {
				return nil, fmt.Errorf("simulator: GCS address %q: %w", u, err)
			}
			_ = l.conn.SetReadBuffer(1 << 20)
		}
		l.up = newPipe[[]byte](faults.Up, faults.Seed*1000+uint64(l.idx)*2)
		l.down = newPipe[[]byte](faults.Down, faults.Seed*1000+uint64(l.idx)*2+1)
		l.scanner.Dialect = dialectRW
		f.links = append(f.links, l)
		return l, nil
	}
	for _, s := range specs {
		var l *link
		if f.PortPerVehicle {
			l, err = open(s.GCS)
		} else if l = addrs[s.GCS]; l == nil {
			l, err = open(s.GCS)
			addrs[s.GCS] = l
		}
		if err != nil {
			f.closeLinks()
			return err
		}
		if len(l.bySys[s.SysID]) > 0 {
			f.closeLinks()
			return fmt.Errorf("simulator: system id %d is used twice towards %s", s.SysID, s.GCS)
		}
		v := newVehicle(f, s, l)
		l.bySys[s.SysID] = append(l.bySys[s.SysID], v)
		l.all = append(l.all, v)
		f.vehicles = append(f.vehicles, v)
	}
	for _, v := range f.vehicles {
		v.load()
		v.start(0)
	}
	return nil
}

// Initialize builds the vehicles, opens the links and starts the clock.
func (f *Fleet) Initialize() error {
	if f.inited {
		return errors.New("simulator: Initialize called twice")
	}
	if err := f.build(); err != nil {
		return err
	}
	f.inited = true
	f.in = make(chan inbound, 4096)
	f.requests = make(chan func())
	f.ctx, f.cancel = context.WithCancel(context.Background())
	for _, l := range f.links {
		f.wg.Add(1)
		if l.tcp != nil {
			go f.readTCP(l)
		} else {
			go f.read(l)
		}
	}
	f.wg.Add(1)
	go f.run()
	return nil
}

// expand turns the scenario into one spec per vehicle with its system id and GCS address.
func (f *Fleet) expand(sc *Scenario) ([]VehicleSpec, error) {
	n := f.Drones
	if n == 0 {
		n = len(sc.Vehicles)
	}
	if n < 0 {
		return nil, fmt.Errorf("simulator: drones %d must be positive", n)
	}
	gcs := strings.Split(f.GCS, ",")
	perLink := maxPerLink - int(f.FirstSystemID) + 1
	if f.Networks < 0 || f.Networks > len(gcs) {
		return nil, fmt.Errorf("simulator: %d networks need as many GCS addresses, got %d in %q", f.Networks, len(gcs), f.GCS)
	}
	if f.Networks > 1 {
		per := (n + f.Networks - 1) / f.Networks
		if per > perLink {
			return nil, fmt.Errorf("simulator: %d drones over %d networks is %d per network; one network holds %d system ids from %d",
				n, f.Networks, per, perLink, f.FirstSystemID)
		}
		perLink = per
	}
	numbered := n == len(sc.Vehicles)
	var out []VehicleSpec
	for i := 0; i < n; i++ {
		s := sc.Vehicles[i%len(sc.Vehicles)]
		s.Params = cloneMap(s.Params)
		if k := i / len(sc.Vehicles); k > 0 {
			// Copies fly beside the original, 40 m apart.
			s.Home.Lat, s.Home.Lon = offset(s.Home.Lat, s.Home.Lon, float64(k%10)*40, float64(k/10)*40)
			s.Mission = shiftMission(s.Mission, float64(k%10)*40, float64(k/10)*40)
		}
		if f.Flavor != "" {
			fl, err := ParseFlavor(f.Flavor)
			if err != nil {
				return nil, fmt.Errorf("simulator: %w", err)
			}
			s.flavor, s.Flavor = fl, fl.String()
		}
		if !numbered || s.SysID == 0 {
			s.SysID = f.FirstSystemID + uint8(i%perLink)
		}
		if s.GCS == "" {
			idx := i / perLink
			if idx >= len(gcs) {
				return nil, fmt.Errorf("simulator: %d vehicles need %d GCS addresses (254 system ids each), got %d in %q",
					n, (n+perLink-1)/perLink, len(gcs), f.GCS)
			}
			s.GCS = strings.TrimSpace(gcs[idx])
		}
		out = append(out, s)
	}
	return out, nil
}

func cloneMap(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func shiftMission(m []ItemSpec, north, east float64) []ItemSpec {
	out := append([]ItemSpec(nil), m...)
	for i := range out {
		if out[i].Lat != 0 || out[i].Lon != 0 {
			out[i].Lat, out[i].Lon = offset(out[i].Lat, out[i].Lon, north, east)
		}
	}
	return out
}

// shift moves every position of a scenario.
func (s *Scenario) shift(dlat, dlon float64) {
	for i := range s.Vehicles {
		v := &s.Vehicles[i]
		v.Home.Lat += dlat
		v.Home.Lon += dlon
		for j := range v.Mission {
			if v.Mission[j].Lat != 0 || v.Mission[j].Lon != 0 {
				v.Mission[j].Lat += dlat
				v.Mission[j].Lon += dlon
			}
		}
		for j := range v.Rally {
			v.Rally[j].Lat += dlat
			v.Rally[j].Lon += dlon
		}
		for j := range v.Fence {
			for k := range v.Fence[j].Polygon {
				v.Fence[j].Polygon[k].Lat += dlat
				v.Fence[j].Polygon[k].Lon += dlon
			}
		}
	}
	for i := range s.Targets {
		for j := range s.Targets[i].Path {
			s.Targets[i].Path[j].Lat += dlat
			s.Targets[i].Path[j].Lon += dlon
		}
	}
}

// Close stops the vehicles and closes the links. It is idempotent.
func (f *Fleet) Close() {
	f.once.Do(func() {
		if !f.inited {
			return
		}
		f.cancel()
		f.closeLinks()
		f.wg.Wait()
	})
}

func (f *Fleet) closeLinks() {
	for _, l := range f.links {
		if l.tcp != nil {
			l.tcp.close()
		} else {
			l.conn.Close()
		}
	}
}

// Sent is how many datagrams the fleet has sent.
func (f *Fleet) Sent() uint64 { return f.sent.Load() }

// do runs fn on the loop goroutine and waits for it.
func (f *Fleet) do(fn func()) error {
	done := make(chan struct{})
	select {
	case f.requests <- func() { fn(); close(done) }:
	case <-f.ctx.Done():
		return ErrClosed
	}
	select {
	case <-done:
		return nil
	case <-f.ctx.Done():
		return ErrClosed
	}
}

// Step advances a Stepped fleet's clock by d: vehicles fly, send their
// telemetry and run their protocol timers as if d had passed.
func (f *Fleet) Step(d time.Duration) error {
	if !f.Stepped {
		return ErrNotStepped
	}
	return f.do(func() { f.advance(f.now + d) })
}

// Now is the fleet's simulated time since start.
func (f *Fleet) Now() time.Duration {
	var now time.Duration
	_ = f.do(func() { now = f.now })
	return now
}

func (f *Fleet) read(l *link) {
	defer f.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, err := l.conn.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || f.ctx.Err() != nil {
				return
			}
			continue // ICMP port unreachable while the GCS is not up yet
		}
		select {
		case f.in <- inbound{l: l, data: append([]byte(nil), buf[:n]...)}:
		default:
			f.inDrops.Add(1)
		}
	}
}

// tickPeriod is how often a real-time fleet looks at the wall clock; it
// bounds the resolution of link latency.
const tickPeriod = 5 * time.Millisecond

func (f *Fleet) run() {
	defer f.wg.Done()
	var tick <-chan time.Time
	wallStart := time.Now()
	if !f.Stepped {
		t := time.NewTicker(tickPeriod)
		defer t.Stop()
		tick = t.C
	}
	f.advance(0)
	for {
		select {
		case <-f.ctx.Done():
			return
		case in := <-f.in:
			if tick != nil {
				// Stamp the datagram with the current time, not the last tick's,
				// so that link latency is never shorter than configured.
				f.advance(f.simTime(time.Now(), wallStart))
			}
			if in.l.up.push(f.now, in.data) {
				f.deliver(in.l, in.data)
			}
			f.drain(f.now)
		case fn := <-f.requests:
			fn()
		case wall := <-tick:
			target := f.simTime(wall, wallStart)
			if target-f.now > 5*time.Second {
				// The process was stalled: skip ahead rather than burn CPU catching up.
				f.nextStep = target - 5*time.Second
			}
			f.advance(target)
		}
	}
}

// simTime is the simulated time at a wall-clock instant of a real-time fleet.
func (f *Fleet) simTime(wall, wallStart time.Time) time.Duration {
	return time.Duration(float64(wall.Sub(wallStart)) * f.Speedup)
}

// advance runs physics steps up to target and delivers what is due.
func (f *Fleet) advance(target time.Duration) {
	dt := f.step.Seconds()
	for f.nextStep <= target {
		f.now = f.nextStep
		f.drain(f.now)
		wind := f.windNow(dt)
		for _, v := range f.vehicles {
			v.step(f.now, dt, wind)
			v.detect(f.now)
			v.relayRemoteID(f.now)
			v.tickStreams(f.now)
			f.flush(v)
		}
		f.nextStep += f.step
	}
	f.now = max(f.now, target)
	f.drain(f.now)
}

// windNow: the mean wind plus a slowly wandering gust.
func (f *Fleet) windNow(dt float64) [2]float64 {
	from := f.wind.FromDeg * deg
	wn, we := -f.wind.SpeedMS*math.Cos(from), -f.wind.SpeedMS*math.Sin(from)
	if f.wind.GustMS > 0 {
		for i := range f.gust {
			f.gust[i] += (-f.gust[i]*0.1 + f.windRng.NormFloat64()*f.wind.GustMS*0.3) * dt
			f.gust[i] = clamp(f.gust[i], -f.wind.GustMS, f.wind.GustMS)
		}
	}
	return [2]float64{wn + f.gust[0], we + f.gust[1]}
}

// drain delivers the datagrams whose latency has elapsed, both ways.
func (f *Fleet) drain(now time.Duration) {
	for _, l := range f.links {
		for {
			d, ok := l.up.pop(now)
			if !ok {
				break
			}
			f.deliver(l, d)
		}
		for {
			d, ok := l.down.pop(now)
			if !ok {
				break
			}
			f.write(l, d)
		}
	}
}

// deliver hands a datagram from the GCS to the vehicles it is addressed to.
func (f *Fleet) deliver(l *link, data []byte) {
	scan := l.scanner.Datagram
	if l.tcp != nil {
		scan = l.scanner.Stream // a byte stream: frames may straddle reads
	}
	scan(data, func(fr mavwire.Frame) {
		if !fr.Known {
			return
		}
		msg, err := fr.Decode(dialectRW)
		if err != nil {
			return
		}
		sys, _, ok := target(msg)
		var vs []*vehicle
		switch {
		case !ok || sys == 0:
			vs = l.all
		default:
			vs = l.bySys[sys]
		}
		for _, v := range vs {
			v.handle(f.now, fr, msg)
			f.flush(v)
		}
	})
}

// flush sends a vehicle's pending datagram through the link's faults.
func (f *Fleet) flush(v *vehicle) {
	if len(v.out) == 0 {
		return
	}
	l := v.link
	if l.down.push(f.now, v.out) {
		f.write(l, v.out)
		v.out = v.out[:0]
		return
	}
	v.out = nil // the delay queue keeps the buffer
}

func (f *Fleet) write(l *link, data []byte) {
	if l.tcp != nil {
		if err := l.tcp.write(data); err != nil {
			l.writeErrs++
			return
		}
		f.sent.Add(1)
		return
	}
	if _, err := l.conn.Write(data); err != nil {
		l.writeErrs++ // the GCS may not be up yet (ICMP port unreachable)
		return
	}
	f.sent.Add(1)
}
