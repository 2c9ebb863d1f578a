// Package loadtest loads a running Borderwatch server as a fleet and its
// operators would, and measures it: a MAVLink generator sends each drone's
// GLOBAL_POSITION_INT (and a heartbeat a second) to the server's UDP
// links, and /ws/live clients each view a region of the fleet. It reads
// what the server did from its /metrics (frames received and stored,
// drops at every stage, CPU and memory), and what the clients got from the
// stream: every in-view position, and the latency from the generator's
// send to the client's receive. The CLI (`borderwatch loadtest`) runs it
// against a server it starts in-process or, with --target, against one
// running as another process, so that the server's CPU is its own.
//
// The generator and clients talk to the server only over the wire, like
// any outside client: this package imports nothing of the server.
package loadtest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// LatencyWindow is the span of the run each p99 of
// Result.LatencyP99ByWindowMs covers.
const LatencyWindow = 3 * time.Second

// Options of one run.
type Options struct {
	// URL is the server's base URL (http://host:port).
	URL string
	// Token is a bearer token: a watching user's for /ws/live and the
	// vehicle list, an admin's for /metrics (unless the server serves it
	// openly).
	Token string
	// MAVLink are host:port of the server's UDP links, one per network;
	// the drones are spread over them in blocks (Drones / len(MAVLink) per
	// network, at most 254 each).
	MAVLink []string
	// Drones, Rate (Hz per drone), Clients and Duration of the run.
	Drones   int
	Rate     float64
	Clients  int
	Duration time.Duration
	// (optional) InView is about how many drones each client's view holds.
	// Defaults to 100 (or the fleet, when smaller).
	InView int
	// (optional) StoredFrames counts the frames the server's store holds
	// (an in-process run reads them back from the store itself). Defaults
	// to the server's borderwatch_recorder_frames_total, which counts
	// frames committed.
	StoredFrames func(context.Context) (uint64, error)
	// (optional) WholeStates makes the clients ask for every state whole,
	// as a script that does not merge motion updates would. Defaults to
	// compact views, as the browser's.
	WholeStates bool
	// (optional) InProcess says the server runs in the load test's process,
	// so its CPU figure includes the generator and clients.
	InProcess bool
	// (optional) Log gets progress lines. Defaults to none.
	Log io.Writer
	// (optional) Insecure skips TLS verification (a test server's own certificate).
	Insecure bool
}

// Result is what a run measured. Counts are for the run only (differences
// of the server's counters from before to after).
type Result struct {
	Target    string  `json:"target"` // the server's URL, or "in-process"
	Drones    int     `json:"drones"`
	Networks  int     `json:"networks"`
	Clients   int     `json:"clients"`
	InView    float64 `json:"in_view"` // drones per client's view, on average
	RateHz    float64 `json:"rate_hz"`
	DurationS float64 `json:"duration_s"`

	FramesSent       uint64 `json:"frames_sent"`       // by the generator (positions and heartbeats)
	PositionsSent    uint64 `json:"positions_sent"`    // GLOBAL_POSITION_INT sent
	SendErrors       uint64 `json:"send_errors"`       // datagrams the generator's sockets refused
	FramesReceived   uint64 `json:"frames_received"`   // accepted by the server's links from vehicles: all of these must be stored
	FramesUnadmitted uint64 `json:"frames_unadmitted"` // of a system before its first heartbeat: never stored, by design
	FramesLostUDP    uint64 `json:"frames_lost_udp"`   // sent but never received (socket buffers)
	FramesStored     uint64 `json:"frames_stored"`
	StoredLost       uint64 `json:"stored_lost"` // received but not in the store
	RecorderDropped  uint64 `json:"recorder_dropped"`
	HubDropped       uint64 `json:"hub_dropped"`
	HubCoalesced     uint64 `json:"hub_coalesced"`
	VehiclesOnServer int    `json:"vehicles_on_server"` // -1 if the server did not answer

	WholeStates       bool    `json:"whole_states"`            // the clients asked for whole states, not compact motion updates
	LiveEncoded       uint64  `json:"live_encoded"`            // states the fan-out encoded whole (each once for all clients)
	LiveEncodedMotion uint64  `json:"live_encoded_motion"`     // states it encoded in the motion form (each once for all compact clients)
	LiveBytes         uint64  `json:"live_bytes"`              // bytes of vehicles and events frames written to all clients
	LiveBytesClientS  float64 `json:"live_bytes_per_client_s"` // the same per client per second
	LiveStatesSent    uint64  `json:"live_states_sent"`        // states written to all clients together
	LiveDropped       uint64  `json:"live_dropped"`            // states clients skipped because they lagged
	LiveRateCoalesced uint64  `json:"live_rate_coalesced"`     // states a rate class skipped to keep its rate
	LiveWriteFailures uint64  `json:"live_write_failures"`     // clients disconnected for a slow write
	ClientsFailed     int     `json:"clients_failed"`          // clients whose connection broke

	InViewExpected     uint64  `json:"in_view_expected"`      // in-view positions sent × clients viewing them
	InViewDelivered    uint64  `json:"in_view_delivered"`     // of those, received by the client
	InViewMissing      uint64  `json:"in_view_missing"`       // not received
	InViewAllDelivered bool    `json:"in_view_all_delivered"` // every client got every in-view position
	OutOfViewPerDroneS float64 `json:"out_of_view_per_drone_s"`

	LatencyP50Ms float64 `json:"latency_p50_ms"` // generator's send → client's receive, in-view states
	LatencyP99Ms float64 `json:"latency_p99_ms"`
	LatencyMaxMs float64 `json:"latency_max_ms"`
	// LatencyP99ByWindowMs is the p99 of the in-view states sent in each
	// LatencyWindow of the run, in order (0 where none was received):
	// whether the tail is the start of the run or spread over it.
	LatencyP99ByWindowMs []float64 `json:"latency_p99_by_window_ms,omitempty"`

	ServerCPUSeconds     float64 `json:"server_cpu_s"`
	ServerCPUMicrosFrame float64 `json:"server_cpu_us_per_frame"` // per received frame
	ServerRSSMiB         float64 `json:"server_rss_mib"`          // peak seen during the run
	CPUIncludesLoad      bool    `json:"cpu_includes_load"`       // in-process: the generator and clients are in the same process
	// LoadCPUSeconds is this process's CPU over the same window: with
	// --target, the generator's and the clients' (which share the machine
	// with the server when both run on it); in-process, everything.
	LoadCPUSeconds float64 `json:"load_cpu_s"`
	// CPUWindowS is the wall time both CPU figures cover: the run and
	// the wait for the server to drain.
	CPUWindowS float64 `json:"cpu_window_s"`

	// Failures says which of the targets the run missed (empty: met):
	// stored frames lost, in-view states missing, p99 ≥ 100 ms.
	Failures []string `json:"failures,omitempty"`
}

// LostStored reports whether a frame the server accepted is missing from
// its store: the condition `borderwatch loadtest` exits non-zero on.
func (r Result) LostStored() bool { return r.StoredLost > 0 }

// P99Target is the latency the targets ask for.
const P99Target = 100 * time.Millisecond

// Run loads the server for o.Duration and measures it.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Drones < 1 || o.Rate <= 0 || o.Rate > 100 || o.Clients < 0 || o.Duration <= 0 {
		return Result{}, errors.New("loadtest: --drones ≥ 1, --rate in (0, 100], --clients ≥ 0 and --duration > 0")
	}
	if len(o.MAVLink) == 0 || o.URL == "" {
		return Result{}, errors.New("loadtest: the server's URL and at least one MAVLink address are needed")
	}
	if o.InView <= 0 {
		o.InView = 100
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	ticks := int(math.Ceil(o.Duration.Seconds() * o.Rate))
	if ticks > maxTicks {
		return Result{}, fmt.Errorf("loadtest: %d positions per drone; at most %d (shorten --duration or lower --rate)", ticks, maxTicks)
	}
	l := newLayout(o.Drones, o.InView)
	g, err := newGenerator(l, o.Rate, ticks, o.MAVLink)
	if err != nil {
		return Result{}, err
	}
	defer g.close()

	base := strings.TrimSuffix(o.URL, "/")
	header := http.Header{}
	if o.Token != "" {
		header.Set("Authorization", "Bearer "+o.Token)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if o.Insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	// A loaded server answers slowly (its fleet loop answers the vehicle
	// list behind the frames it is working through): give it time.
	srv := &server{url: base, header: header, http: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
	before, err := srv.scrape(ctx)
	if err != nil {
		return Result{}, err
	}
	loadCPU0, window0 := processCPU(), time.Now()
	storedBefore := uint64(before[mRecFrames])
	if o.StoredFrames != nil {
		if storedBefore, err = o.StoredFrames(ctx); err != nil {
			return Result{}, err
		}
	}

	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/ws/live"
	clients := make([]*client, 0, o.Clients)
	defer func() {
		for _, c := range clients {
			c.conn.Close()
		}
	}()
	for k := range o.Clients {
		c, err := dialClient(ctx, wsURL, header, l, g, l.viewFirstRow(k, o.Clients), !o.WholeStates)
		if err != nil {
			return Result{}, fmt.Errorf("client %d: %w", k, err)
		}
		clients = append(clients, c)
		go c.read()
	}

	fmt.Fprintf(o.Log, "loadtest: %d drones over %d network(s) × %g Hz, %d clients viewing about %d each, for %v …\n",
		o.Drones, len(o.MAVLink), o.Rate, o.Clients, l.viewSize(0), o.Duration)
	peakRSS := before[mRSS]
	sampleCtx, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() { // the server's memory, every 2 s (a scrape costs it little)
		defer close(sampled)
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-sampleCtx.Done():
				return
			case <-t.C:
				if m, err := srv.scrape(sampleCtx); err == nil {
					peakRSS = max(peakRSS, m[mRSS])
				}
			}
		}
	}()
	start := time.Now()
	g.run(ctx)
	elapsed := time.Since(start)
	stopSampling()
	<-sampled

	// Let the pipeline drain: the links take what the sockets hold, the
	// recorder commits every 100 ms, clients get a batch every 20 ms. A
	// loaded server may be seconds behind: wait while it makes progress
	// (up to a minute), and stop once it has stored what it received and
	// the clients are quiet, or once nothing moved for 5 s.
	sent := g.frames.Load()
	var after metrics
	var lastProgress float64
	progressAt, deadline := time.Now(), time.Now().Add(time.Minute)
	for {
		if after, err = srv.scrape(ctx); err != nil {
			return Result{}, err
		}
		received := after[mLinkFrames] - before[mLinkFrames]
		accepted := received - (after[mLinkUnadmitted] - before[mLinkUnadmitted])
		stored := after[mRecFrames] - before[mRecFrames]
		if p := received + stored; p != lastProgress {
			lastProgress, progressAt = p, time.Now()
		}
		settled := stored >= accepted && quiet(clients) && time.Since(progressAt) >= 400*time.Millisecond
		if settled || time.Since(progressAt) > 5*time.Second || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	stored := uint64(after[mRecFrames]) - uint64(before[mRecFrames])
	if o.StoredFrames != nil {
		n, err := o.StoredFrames(ctx)
		if err != nil {
			return Result{}, err
		}
		stored = n - storedBefore
	}
	vehicles, verr := srv.vehicles(ctx)
	if verr != nil {
		vehicles = -1 // reported below; the measurements stand
	}
	d := func(name string) uint64 { return uint64(math.Max(0, after[name]-before[name])) }
	res := Result{
		Target: base, Drones: o.Drones, Networks: len(o.MAVLink), Clients: o.Clients, RateHz: o.Rate, DurationS: elapsed.Seconds(),
		FramesSent: sent, PositionsSent: g.positions.Load(), SendErrors: g.sendErrs.Load(),
		FramesUnadmitted: d(mLinkUnadmitted), FramesStored: stored,
		RecorderDropped: d(mRecDropped), HubDropped: d(mHubDropped), HubCoalesced: d(mHubCoalesced),
		VehiclesOnServer:  vehicles,
		WholeStates:       o.WholeStates,
		LiveEncoded:       d(mLiveEncoded),
		LiveEncodedMotion: d(mLiveMotion),
		LiveBytes:         d(mLiveBytes),
		LiveStatesSent:    d(mLiveStates),
		LiveDropped:       d(mLiveDropped),
		LiveRateCoalesced: d(mLiveRateCoal),
		LiveWriteFailures: d(mLiveFailures),
		ServerCPUSeconds:  after[mCPU] - before[mCPU],
		ServerRSSMiB:      math.Max(peakRSS, after[mRSS]) / (1 << 20),
		CPUIncludesLoad:   o.InProcess,
		LoadCPUSeconds:    (processCPU() - loadCPU0).Seconds(),
		CPUWindowS:        time.Since(window0).Seconds(),
	}
	if o.InProcess {
		res.Target = "in-process"
	}
	res.FramesReceived = d(mLinkFrames) - res.FramesUnadmitted
	res.FramesLostUDP = sent - min(sent, d(mLinkFrames))
	res.StoredLost = res.FramesReceived - min(res.FramesReceived, stored)
	if res.FramesReceived > 0 {
		res.ServerCPUMicrosFrame = res.ServerCPUSeconds * 1e6 / float64(res.FramesReceived)
	}

	var lat []float64
	var outOfView uint64
	ticksPerWindow := max(1, int(o.Rate*LatencyWindow.Seconds()))
	var byWindow [][]float64
	for _, c := range clients {
		c.mu.Lock()
		for i, tick := range c.latTick {
			w := int(tick) / ticksPerWindow
			for len(byWindow) <= w {
				byWindow = append(byWindow, nil)
			}
			byWindow[w] = append(byWindow[w], c.latMs[i])
		}
		for i := c.first * l.cols; i < min(l.drones, (c.first+l.viewRows)*l.cols); i++ {
			res.InViewExpected += uint64(g.ticksSent(i))
		}
		res.InViewDelivered += c.inView
		res.InView += float64(l.viewSize(c.first))
		outOfView += c.outOfView
		if c.err != nil {
			res.ClientsFailed++
		}
		lat = append(lat, c.latMs...)
		c.mu.Unlock()
	}
	if o.Clients > 0 {
		res.InView /= float64(o.Clients)
		res.LiveBytesClientS = float64(res.LiveBytes) / float64(o.Clients) / elapsed.Seconds()
		if out := float64(o.Clients)*float64(o.Drones) - res.InView*float64(o.Clients); out > 0 {
			res.OutOfViewPerDroneS = float64(outOfView) / out / elapsed.Seconds()
		}
	}
	res.InViewMissing = res.InViewExpected - min(res.InViewExpected, res.InViewDelivered)
	res.InViewAllDelivered = res.InViewMissing == 0 && res.ClientsFailed == 0
	slices.Sort(lat)
	res.LatencyP50Ms, res.LatencyP99Ms = percentile(lat, 0.50), percentile(lat, 0.99)
	if len(lat) > 0 {
		res.LatencyMaxMs = lat[len(lat)-1]
	}
	for _, w := range byWindow {
		p := 0.0 // none received: JSON has no NaN
		if len(w) > 0 {
			slices.Sort(w)
			p = percentile(w, 0.99)
		}
		res.LatencyP99ByWindowMs = append(res.LatencyP99ByWindowMs, p)
	}

	if res.StoredLost > 0 {
		res.Failures = append(res.Failures, fmt.Sprintf("%d frames the server accepted are not in its store", res.StoredLost))
	}
	if !res.InViewAllDelivered {
		res.Failures = append(res.Failures, fmt.Sprintf("%d of %d in-view positions did not reach a client viewing them (%d clients failed, %d frames lost before the server)",
			res.InViewMissing, res.InViewExpected, res.ClientsFailed, res.FramesLostUDP))
	}
	if o.Clients > 0 && !(res.LatencyP99Ms < float64(P99Target.Milliseconds())) {
		res.Failures = append(res.Failures, fmt.Sprintf("p99 latency %.1f ms, target < %d ms", res.LatencyP99Ms, P99Target.Milliseconds()))
	}
	if verr != nil {
		res.Failures = append(res.Failures, fmt.Sprintf("could not count the server's vehicles: %v", verr))
	} else if vehicles < o.Drones {
		res.Failures = append(res.Failures, fmt.Sprintf("the server holds %d vehicles for %d drones: with several networks, does it tell them apart (links with ?network=NAME)?", vehicles, o.Drones))
	}
	return res, nil
}

// quiet reports whether no client has received anything for 200 ms.
func quiet(clients []*client) bool {
	for _, c := range clients {
		c.mu.Lock()
		t := c.lastChange
		c.mu.Unlock()
		if time.Since(t) < 200*time.Millisecond {
			return false
		}
	}
	return true
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// Print writes the result for a person.
func (r Result) Print(w io.Writer) {
	fmt.Fprintf(w, "load: %d drones over %d network(s) × %g Hz, %d live clients viewing %.0f drones each, %.1f s, server %s\n",
		r.Drones, r.Networks, r.RateHz, r.Clients, r.InView, r.DurationS, r.Target)
	fmt.Fprintf(w, "frames: sent %d (%d positions), lost before the server %d, received %d, before admission %d, stored %d, lost from the store %d\n",
		r.FramesSent, r.PositionsSent, r.FramesLostUDP, r.FramesReceived, r.FramesUnadmitted, r.FramesStored, r.StoredLost)
	fmt.Fprintf(w, "drops: send errors %d, hub dropped %d, hub coalesced %d, recorder dropped %d, live rate-coalesced %d, live lagging %d, live disconnected %d, clients failed %d\n",
		r.SendErrors, r.HubDropped, r.HubCoalesced, r.RecorderDropped, r.LiveRateCoalesced, r.LiveDropped, r.LiveWriteFailures, r.ClientsFailed)
	form := "compact: whole states and motion updates"
	if r.WholeStates {
		form = "whole states only"
	}
	fmt.Fprintf(w, "live (%s): %d states encoded whole and %d as motion, %d sent to clients, %.0f kB/s per client; in view: %d of %d positions delivered (%d missing); out of view: %.2f states per drone per second per client\n",
		form, r.LiveEncoded, r.LiveEncodedMotion, r.LiveStatesSent, r.LiveBytesClientS/1000, r.InViewDelivered, r.InViewExpected, r.InViewMissing, r.OutOfViewPerDroneS)
	fmt.Fprintf(w, "latency (generator's send → client's receive, in view): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		r.LatencyP50Ms, r.LatencyP99Ms, r.LatencyMaxMs)
	if len(r.LatencyP99ByWindowMs) > 0 {
		parts := make([]string, len(r.LatencyP99ByWindowMs))
		for i, v := range r.LatencyP99ByWindowMs {
			parts[i] = fmt.Sprintf("%.0f", v)
		}
		fmt.Fprintf(w, "p99 of the states sent in each %v of the run: %s ms\n", LatencyWindow, strings.Join(parts, ", "))
	}
	who := "the server alone"
	if r.CPUIncludesLoad {
		who = "server, generator and clients: one process"
	}
	fmt.Fprintf(w, "server: cpu %.1f s (%.1f µs per received frame, %s), peak RSS %.0f MiB, %d vehicles\n",
		r.ServerCPUSeconds, r.ServerCPUMicrosFrame, who, r.ServerRSSMiB, r.VehiclesOnServer)
	if !r.CPUIncludesLoad {
		// Where server and load share a machine, their sum against its
		// cores says whether the latency measured the server or the box.
		fmt.Fprintf(w, "load generator and clients (this process): cpu %.1f s; with the server %.2f cores on average over %.1f s\n",
			r.LoadCPUSeconds, (r.LoadCPUSeconds+r.ServerCPUSeconds)/max(r.CPUWindowS, 1e-9), r.CPUWindowS)
	}
	if len(r.Failures) == 0 {
		fmt.Fprintln(w, "targets: met (0 stored frames lost, every in-view position delivered, p99 < 100 ms)")
		return
	}
	fmt.Fprintf(w, "targets: NOT met: %s\n", strings.Join(r.Failures, "; "))
}
