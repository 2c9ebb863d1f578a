package tak

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

// Sender publishes our drones, detections and alerts to TAK as CoT: to UDP
// (ATAK's default multicast group udp://239.2.3.1:6969, or one address) and
// to TAK Servers over TCP (tcp://HOST:8087) or TLS with a client certificate
// (tls://HOST:8089?cert=…&key=…&ca=…, tls.go), which also send events back:
// those go to Markers. One goroutine turns hub messages into events and rate
// limits them per uid; each output has its own goroutine and a bounded queue,
// so a dead TAK Server never slows the multicast or the hub.
type Sender struct {
	// URLs are the outputs: udp://HOST:PORT, tcp://HOST:PORT or
	// tls://HOST:PORT?cert=FILE&key=FILE&ca=FILE.
	URLs []string
	// Hub carries the vehicle states and events.
	Hub *telemetry.Hub
	// Mapper names the station in uids and callsigns.
	Mapper Mapper
	// (optional) Markers receives what TAK Servers send back. Defaults to none.
	Markers *Markers
	// (optional) MinInterval is the least time between two events of one uid
	// (a drone at 10 Hz is sent at 1 Hz). Defaults to 1 s. Alerts are never held back.
	MinInterval time.Duration
	// (optional) Now is the clock for event times and the rate limit.
	// Defaults to time.Now.
	Now func() time.Time
	// (optional) Logger defaults to slog.Default().
	Logger *slog.Logger

	outs   []*output
	sub    *telemetry.Subscription
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	sent, limited atomic.Uint64
}

// output is one destination with its bounded queue.
type output struct {
	url    string
	scheme string
	addr   string
	queue  chan []byte
	// tls is the client configuration of a tls:// output (tls.go).
	tls     *tls.Config
	dropped atomic.Uint64
	written atomic.Uint64
	errors  atomic.Uint64
}

const outputQueue = 1024

// Initialize checks the URLs and starts sending.
func (s *Sender) Initialize() error {
	if s.Hub == nil {
		return errors.New("tak: Sender needs a Hub")
	}
	if s.MinInterval <= 0 {
		s.MinInterval = time.Second
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	for _, raw := range s.URLs {
		o, err := parseOutput(raw)
		if err != nil {
			return err
		}
		s.outs = append(s.outs, o)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.sub = s.Hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindState, telemetry.KindEvent}}, 4096)
	for _, o := range s.outs {
		s.wg.Add(1)
		go s.runOutput(o)
	}
	s.wg.Add(1)
	go s.run()
	return nil
}

func parseOutput(raw string) (*output, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("tak: --cot %q is not a URL such as udp://239.2.3.1:6969 or tcp://takserver:8087", raw)
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		return nil, fmt.Errorf("tak: --cot %q: %v", raw, err)
	}
	o := &output{url: raw, scheme: u.Scheme, addr: u.Host, queue: make(chan []byte, outputQueue)}
	switch u.Scheme {
	case "udp", "tcp":
	case "tls", "ssl":
		if o.tls, err = tlsConfig(raw, u); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("tak: --cot %q: scheme %q, want udp, tcp or tls", raw, u.Scheme)
	}
	return o, nil
}

// Close stops sending. It is idempotent.
func (s *Sender) Close() {
	s.once.Do(func() {
		if s.cancel == nil {
			return
		}
		s.cancel()
		s.sub.Close()
		s.wg.Wait()
	})
}

// Stats are the sender's counters, for /metrics.
type SenderStats struct {
	Sent, RateLimited uint64
	Outputs           []OutputStats
}

// OutputStats are one output's counters.
type OutputStats struct {
	URL                      string
	Written, Dropped, Errors uint64
}

// Stats returns a snapshot of the counters.
func (s *Sender) Stats() SenderStats {
	st := SenderStats{Sent: s.sent.Load(), RateLimited: s.limited.Load()}
	for _, o := range s.outs {
		st.Outputs = append(st.Outputs, OutputStats{URL: o.url, Written: o.written.Load(), Dropped: o.dropped.Load(), Errors: o.errors.Load()})
	}
	return st
}

// run owns the rate limiter and the last positions (for alert markers).
func (s *Sender) run() {
	defer s.wg.Done()
	last := map[string]time.Time{}
	pos := map[telemetry.VehicleID][2]float64{}
	var batch []telemetry.Message
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.sub.Ready():
		}
		batch = s.sub.Drain(batch[:0])
		now := s.Now()
		for _, m := range batch {
			var e *Event
			always := false
			switch v := m.(type) {
			case gcs.VehicleState:
				ev, ok := s.Mapper.Drone(v, now)
				if !ok {
					continue
				}
				pos[v.ID] = [2]float64{v.Lat, v.Lon}
				e = ev
			case telemetry.Detection:
				e = s.Mapper.Detection(v, now)
			case telemetry.RemoteID:
				ev, ok := s.Mapper.RemoteID(v, now)
				if !ok {
					continue
				}
				e = ev
			case telemetry.Alert:
				p, ok := pos[v.Vehicle()]
				if v.Place != nil {
					p, ok = [2]float64{v.Place.Lat, v.Place.Lon}, true
				}
				if !ok {
					continue // no position to put the marker at yet
				}
				e, always = s.Mapper.Alert(v, p[0], p[1], now), true
			default:
				continue
			}
			if t, ok := last[e.UID]; ok && !always && now.Sub(t) < s.MinInterval {
				s.limited.Add(1)
				continue
			}
			last[e.UID] = now
			s.send(e)
		}
		// The limiter forgets uids silent for a minute, so it stays small.
		for uid, t := range last {
			if now.Sub(t) > time.Minute {
				delete(last, uid)
			}
		}
	}
}

func (s *Sender) send(e *Event) {
	b, err := e.Marshal()
	if err != nil {
		s.Logger.Warn("tak: event not sent", "uid", e.UID, "err", err)
		return
	}
	s.sent.Add(1)
	for _, o := range s.outs {
		select {
		case o.queue <- b:
		default:
			o.dropped.Add(1) // this output is behind; the others go on
		}
	}
}

func (s *Sender) runOutput(o *output) {
	defer s.wg.Done()
	if o.scheme == "udp" {
		s.runUDP(o)
		return
	}
	s.runTCP(o)
}

func (s *Sender) runUDP(o *output) {
	var d net.Dialer
	conn, err := d.DialContext(s.ctx, "udp", o.addr)
	if err != nil {
		s.Logger.Error("tak: cannot send CoT", "url", o.url, "err", err)
		return
	}
	defer conn.Close()
	for {
		select {
		case <-s.ctx.Done():
			return
		case b := <-o.queue:
			if _, err := conn.Write(b); err != nil {
				o.errors.Add(1)
				continue
			}
			o.written.Add(1)
		}
	}
}

// runTCP keeps one connection to a TAK Server, redialling with a growing
// pause, and reads what the server sends back into Markers.
func (s *Sender) runTCP(o *output) {
	pause := time.Second
	for s.ctx.Err() == nil {
		var conn net.Conn
		var err error
		if o.tls != nil {
			// The handshake is part of the dial: a server that refuses our
			// certificate (or whose own fails the CA) is an error here.
			d := tls.Dialer{Config: o.tls}
			conn, err = d.DialContext(s.ctx, "tcp", o.addr)
		} else {
			var d net.Dialer
			conn, err = d.DialContext(s.ctx, "tcp", o.addr)
		}
		if err != nil {
			o.errors.Add(1)
			s.Logger.Warn("tak: TAK Server unreachable; retrying", "url", o.url, "err", err, "in", pause)
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(pause):
			}
			pause = min(pause*2, 30*time.Second)
			continue
		}
		pause = time.Second
		s.serveTCP(o, conn)
	}
}

func (s *Sender) serveTCP(o *output, conn net.Conn) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := scanEvents(conn)
		for sc.Scan() {
			if s.Markers == nil {
				continue
			}
			if e, err := Parse(sc.Bytes()); err == nil {
				s.Markers.Put(e, o.url)
			}
		}
	}()
	defer func() {
		conn.Close()
		<-done
	}()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-done:
			return // the server closed the connection
		case b := <-o.queue:
			_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := conn.Write(b); err != nil {
				o.errors.Add(1)
				return
			}
			o.written.Add(1)
		}
	}
}
