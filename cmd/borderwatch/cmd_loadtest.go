package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/gorilla/websocket"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/web/auth"
)

func init() {
	register(command{
		name:    "loadtest",
		summary: "Load the whole server in-process (MAVLink in, store, live WebSocket out) and print throughput, latency and drops.",
		usage:   "[--drones N] [--rate HZ] [--clients N] [--duration D]",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			var o loadOptions
			fs.IntVar(&o.drones, "drones", 250, "vehicles sending telemetry (1-254: the MAVLink system id space of one network)")
			fs.Float64Var(&o.rate, "rate", 10, "GLOBAL_POSITION_INT per vehicle per second (plus a 1 Hz HEARTBEAT)")
			fs.IntVar(&o.clients, "clients", 100, "WebSocket clients on /ws/live")
			fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long to send")
			fs.StringVar(&o.data, "data", "", "store file (default: a new file in a temporary folder, removed afterwards)")
			fs.BoolVar(&o.json, "json", false, "print the result as JSON")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("unexpected arguments %q", args)
				}
				res, err := loadtest(ctx, o, e.stderr)
				if err != nil {
					return err
				}
				if o.json {
					enc := json.NewEncoder(e.stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(res)
				}
				res.print(e.stdout)
				return nil
			}
		},
	})
}

type loadOptions struct {
	drones   int
	rate     float64
	clients  int
	duration time.Duration
	data     string
	json     bool
}

// loadResult is what a load test measured.
type loadResult struct {
	Drones, Clients int
	RateHz          float64
	DurationS       float64

	FramesSent       uint64  // datagrams' frames sent by the generator
	FramesReceived   uint64  // frames the links accepted from admitted vehicles (these must all be recorded)
	FramesUnadmitted uint64  // frames of a system not (yet) a vehicle: a position ahead of its first heartbeat; never recorded, by design
	FramesPerSecond  float64 // received frames per second
	FramesRecorded   uint64
	RecorderDropped  uint64
	HubDropped       uint64
	HubCoalesced     uint64

	StatesPublished  uint64  // position states the generator caused (sent GLOBAL_POSITION_INT)
	StatesDelivered  uint64  // vehicle states received by all clients together
	DeliveredPerSec  float64 // per client
	ClientsLagging   int     // clients that were told they missed updates
	ClientsFailed    int     // clients whose connection broke
	LatencyP50Ms     float64 // server receive of the frame → client receive of the state
	LatencyP90Ms     float64
	LatencyP99Ms     float64
	LatencyMaxMs     float64
	CPUSeconds       float64 // user+system CPU of the whole process (server, generator and clients)
	CPUMicrosPerRecv float64 // CPU per received frame, all parts included
}

func (r loadResult) print(w io.Writer) {
	fmt.Fprintf(w, "load: %d vehicles × %.0f Hz, %d live clients, %.1f s\n", r.Drones, r.RateHz, r.Clients, r.DurationS)
	fmt.Fprintf(w, "frames: sent %d, received %d (%.0f/s, lost %d), before admission %d, recorded %d, recorder dropped %d\n",
		r.FramesSent, r.FramesReceived, r.FramesPerSecond, r.FramesSent-min(r.FramesSent, r.FramesReceived+r.FramesUnadmitted), r.FramesUnadmitted, r.FramesRecorded, r.RecorderDropped)
	fmt.Fprintf(w, "hub: dropped %d, coalesced %d\n", r.HubDropped, r.HubCoalesced)
	fmt.Fprintf(w, "live: %d states delivered (%.0f/s per client), %d clients lagging, %d failed\n",
		r.StatesDelivered, r.DeliveredPerSec, r.ClientsLagging, r.ClientsFailed)
	fmt.Fprintf(w, "latency (frame received → state at client): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		r.LatencyP50Ms, r.LatencyP90Ms, r.LatencyP99Ms, r.LatencyMaxMs)
	fmt.Fprintf(w, "cpu: %.1f s (%.1f µs per received frame, everything in this process)\n", r.CPUSeconds, r.CPUMicrosPerRecv)
}

// loadtest runs server, generator and clients in this process. The latency
// is measured on one clock: the server stamps each frame's receive time into
// the vehicle state, and clients compare it with their own receive time.
func loadtest(ctx context.Context, o loadOptions, log io.Writer) (loadResult, error) {
	if o.drones < 1 || o.drones > 254 {
		return loadResult{}, fmt.Errorf("--drones must be 1-254: a vehicle is a MAVLink system id, and one network has 254 of them")
	}
	if o.rate <= 0 || o.rate > 1000 || o.clients < 0 || o.duration <= 0 {
		return loadResult{}, fmt.Errorf("--rate must be in (0, 1000], --clients ≥ 0 and --duration > 0")
	}
	if o.data == "" {
		dir, err := os.MkdirTemp("", "borderwatch-loadtest")
		if err != nil {
			return loadResult{}, err
		}
		defer os.RemoveAll(dir)
		o.data = filepath.Join(dir, "loadtest.db")
	}
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: o.data})
	if err != nil {
		return loadResult{}, err
	}
	defer sys.Close()
	wsURL := "ws" + strings.TrimPrefix(sys.web.URL(), "http") + "/ws/live"
	// The clients log in like any script: a token of a watching user, made
	// for this run and removed with it.
	token, err := loadtestToken(sys.web.AccountsInUse())
	if err != nil {
		return loadResult{}, err
	}
	defer func() { _ = sys.web.AccountsInUse().RemoveUser(loadtestUser) }()
	header := http.Header{"Authorization": {"Bearer " + token}}

	var cpu0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &cpu0)

	clients := make([]*loadClient, o.clients)
	for i := range clients {
		c, _, err := websocket.DefaultDialer.DialContext(ctx, wsURL, header)
		if err != nil {
			return loadResult{}, fmt.Errorf("client %d: %w", i, err)
		}
		clients[i] = &loadClient{conn: c}
		go clients[i].read()
	}
	defer func() {
		for _, c := range clients {
			c.conn.Close()
		}
	}()

	gen, err := newLoadGenerator(sys.fleet.LinkAddrs()[0].(*net.UDPAddr), o.drones)
	if err != nil {
		return loadResult{}, err
	}
	defer gen.close()
	fmt.Fprintf(log, "loadtest: sending for %v …\n", o.duration)
	start := time.Now()
	gen.run(ctx, o.rate, o.duration)
	elapsed := time.Since(start)

	// Let the pipeline drain: the recorder commits every 100 ms, clients get a batch every 20 ms.
	sent := gen.frames.Load()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && sys.fleet.LinkStats()[0].Frames < sent {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)

	var cpu1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &cpu1)
	cpu := tvSeconds(cpu1.Utime) + tvSeconds(cpu1.Stime) - tvSeconds(cpu0.Utime) - tvSeconds(cpu0.Stime)

	link := sys.fleet.LinkStats()[0]
	hub := sys.hub.Stats()
	res := loadResult{
		Drones: o.drones, Clients: o.clients, RateHz: o.rate, DurationS: elapsed.Seconds(),
		FramesSent: sent, FramesReceived: link.Frames - link.Unadmitted, FramesUnadmitted: link.Unadmitted, FramesPerSecond: float64(link.Frames) / elapsed.Seconds(),
		FramesRecorded: sys.recorder.Written(), RecorderDropped: sys.recorder.Dropped(),
		HubDropped: hub.Dropped, HubCoalesced: hub.Coalesced,
		StatesPublished: gen.positions.Load(),
		CPUSeconds:      cpu,
	}
	if link.Frames > 0 {
		res.CPUMicrosPerRecv = cpu * 1e6 / float64(link.Frames)
	}
	var lat []float64
	for _, c := range clients {
		c.mu.Lock()
		res.StatesDelivered += c.states
		if c.dropped > 0 {
			res.ClientsLagging++
		}
		if c.err != nil && !isClosedErr(c.err) {
			res.ClientsFailed++
		}
		lat = append(lat, c.latMs...)
		c.mu.Unlock()
	}
	if o.clients > 0 {
		res.DeliveredPerSec = float64(res.StatesDelivered) / float64(o.clients) / elapsed.Seconds()
	}
	slices.Sort(lat)
	res.LatencyP50Ms, res.LatencyP90Ms, res.LatencyP99Ms = percentile(lat, 0.50), percentile(lat, 0.90), percentile(lat, 0.99)
	if len(lat) > 0 {
		res.LatencyMaxMs = lat[len(lat)-1]
	}
	return res, nil
}

func tvSeconds(tv syscall.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// loadClient is one live WebSocket client. It decodes only what it measures.
type loadClient struct {
	conn *websocket.Conn

	mu      sync.Mutex
	states  uint64
	dropped uint64
	latMs   []float64
	err     error
}

// read counts states and samples latency. It scans for the "time" fields
// rather than decoding the whole JSON, so that 100 in-process clients do not
// eat the CPU the server is being measured on.
func (c *loadClient) read() {
	timeKey := []byte(`"time":"`)
	for {
		_, data, err := c.conn.ReadMessage()
		now := time.Now()
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
		var states uint64
		var lat []float64
		rest := data
		for {
			i := bytes.Index(rest, timeKey)
			if i < 0 {
				break
			}
			rest = rest[i+len(timeKey):]
			j := bytes.IndexByte(rest, '"')
			if j < 0 {
				break
			}
			states++
			// Sample to bound memory on long runs: one state in eight.
			if states%8 == 1 {
				if t, err := time.Parse(time.RFC3339Nano, string(rest[:j])); err == nil {
					lat = append(lat, float64(now.Sub(t).Microseconds())/1000)
				}
			}
			rest = rest[j:]
		}
		dropped := uint64(0)
		if i := bytes.LastIndex(data, []byte(`"dropped":`)); i >= 0 {
			end := i + len(`"dropped":`)
			k := end
			for k < len(data) && data[k] >= '0' && data[k] <= '9' {
				k++
			}
			dropped, _ = strconv.ParseUint(string(data[end:k]), 10, 64)
		}
		c.mu.Lock()
		c.states += states
		c.dropped = dropped
		c.latMs = append(c.latMs, lat...)
		c.mu.Unlock()
	}
}

func isClosedErr(err error) bool {
	return websocket.IsCloseError(err, websocket.CloseGoingAway, websocket.CloseNormalClosure) || strings.Contains(err.Error(), "use of closed")
}

// loadGenerator sends MAVLink as a fleet would: each vehicle's frames in one
// datagram per tick, spread over a few sockets like several radios.
type loadGenerator struct {
	conns     []*net.UDPConn
	encoders  []mavwire.Encoder
	frames    atomic.Uint64
	positions atomic.Uint64
}

func newLoadGenerator(to *net.UDPAddr, drones int) (*loadGenerator, error) {
	g := &loadGenerator{}
	for i := 0; i < 4; i++ {
		c, err := net.DialUDP("udp", nil, to)
		if err != nil {
			g.close()
			return nil, err
		}
		_ = c.SetWriteBuffer(4 << 20)
		g.conns = append(g.conns, c)
	}
	for i := 0; i < drones; i++ {
		g.encoders = append(g.encoders, mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: uint8(i + 1), ComponentID: 1})
	}
	return g, nil
}

func (g *loadGenerator) close() {
	for _, c := range g.conns {
		c.Close()
	}
}

// run sends for d at rate Hz per vehicle, spreading vehicles over the tick so
// that the load is smooth rather than one burst per tick.
func (g *loadGenerator) run(ctx context.Context, rate float64, d time.Duration) {
	period := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	var buf []byte
	lastHB := time.Time{}
	for tick := 0; ; tick++ {
		tickStart := start.Add(time.Duration(tick) * period)
		if time.Since(start) >= d || ctx.Err() != nil {
			return
		}
		heartbeat := tickStart.Sub(lastHB) >= time.Second
		if heartbeat {
			lastHB = tickStart
		}
		n := len(g.encoders)
		for i := range g.encoders {
			// Pace within the tick: vehicle i goes out at i/n of the period.
			if wait := time.Until(tickStart.Add(period * time.Duration(i) / time.Duration(n))); wait > 200*time.Microsecond {
				time.Sleep(wait)
			}
			e := &g.encoders[i]
			a := 2 * math.Pi * float64(tick) / (rate * 60)
			buf = buf[:0]
			frames := uint64(1)
			// The heartbeat first: a vehicle's frames are recorded only once
			// its HEARTBEAT has made it one (gcs.Fleet admits by heartbeat).
			if heartbeat {
				buf, _ = e.Encode(buf, &common.MessageHeartbeat{
					Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
					BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: 3, SystemStatus: common.MAV_STATE_ACTIVE, MavlinkVersion: 3,
				})
				frames++
			}
			buf, _ = e.Encode(buf, &common.MessageGlobalPositionInt{
				TimeBootMs: uint32(time.Since(start).Milliseconds()),
				Lat:        int32((31.35 + 0.01*math.Sin(a+float64(i))) * 1e7),
				Lon:        int32((-110.95 + 0.01*math.Cos(a+float64(i))) * 1e7),
				Alt:        1300000, RelativeAlt: 120000, Vx: 1000, Hdg: uint16(tick % 36000),
			})
			if _, err := g.conns[i%len(g.conns)].Write(buf); err == nil {
				g.frames.Add(frames)
				g.positions.Add(1)
			}
		}
	}
}

// loadtestUser is the account the load test's clients use.
const loadtestUser = "loadtest"

func loadtestToken(a *auth.Accounts) (string, error) {
	if err := a.EnsureUser(loadtestUser, auth.RoleSupervisor, auth.NewPassword()); err != nil {
		return "", fmt.Errorf("creating the load test's account: %w", err)
	}
	tok, _, err := a.CreateToken(loadtestUser, time.Hour, "borderwatch loadtest")
	return tok, err
}
