package simulator

import (
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

// rx is one message the raw ground station received.
type rx struct {
	sys    uint8
	signed bool
	raw    []byte
	msg    message.Message
	at     time.Time
}

// rawGCS is a minimal ground station built from mavwire alone, on a real
// loopback UDP socket: the tests check the simulator from the GCS side with
// raw MAVLink, without the gcs package.
type rawGCS struct {
	t    *testing.T
	conn *net.UDPConn
	enc  mavwire.Encoder
	ch   chan rx

	mu   sync.Mutex
	peer *net.UDPAddr
	wg   sync.WaitGroup
}

func newRawGCS(t *testing.T) *rawGCS {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	g := &rawGCS{t: t, conn: conn, ch: make(chan rx, 100000),
		enc: mavwire.Encoder{Dialect: dialectRW, SystemID: 255, ComponentID: 190}}
	g.wg.Add(1)
	go g.read()
	t.Cleanup(func() { conn.Close(); g.wg.Wait() })
	return g
}

func (g *rawGCS) url() string { return "udp://" + g.conn.LocalAddr().String() }

func (g *rawGCS) read() {
	defer g.wg.Done()
	buf := make([]byte, 65536)
	var sc mavwire.Scanner
	sc.Dialect = dialectRW
	for {
		n, from, err := g.conn.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		g.mu.Lock()
		g.peer = from
		g.mu.Unlock()
		now := time.Now()
		sc.Datagram(buf[:n], func(fr mavwire.Frame) {
			m, err := fr.Decode(dialectRW)
			if err != nil {
				return
			}
			select {
			case g.ch <- rx{sys: fr.SystemID, signed: fr.Signed(), raw: append([]byte(nil), fr.Raw...), msg: m, at: now}:
			default:
			}
		})
	}
}

// send encodes msg and sends it to the vehicles' socket (learned from their traffic).
func (g *rawGCS) send(msg message.Message) {
	g.t.Helper()
	g.sendWith(&g.enc, msg)
}

func (g *rawGCS) sendWith(enc *mavwire.Encoder, msg message.Message) {
	g.t.Helper()
	deadline := time.Now().Add(wait)
	var peer *net.UDPAddr
	for {
		g.mu.Lock()
		peer = g.peer
		g.mu.Unlock()
		if peer != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if peer == nil {
		g.t.Fatal("no datagram from the simulator yet: cannot address it")
	}
	b, err := enc.Encode(nil, msg)
	if err != nil {
		g.t.Fatal(err)
	}
	if _, err := g.conn.WriteToUDP(b, peer); err != nil {
		g.t.Fatal(err)
	}
}

// expect waits (wall time) for a message from sys that matches pred.
func (g *rawGCS) expect(sys uint8, timeout time.Duration, what string, pred func(message.Message) bool) rx {
	g.t.Helper()
	tm := time.NewTimer(timeout)
	defer tm.Stop()
	for {
		select {
		case r := <-g.ch:
			if r.sys == sys && pred(r.msg) {
				return r
			}
		case <-tm.C:
			g.t.Fatalf("timed out after %v waiting for %s from system %d", timeout, what, sys)
		}
	}
}

// none checks that nothing matching pred arrives from sys within d.
func (g *rawGCS) none(sys uint8, d time.Duration, what string, pred func(message.Message) bool) {
	g.t.Helper()
	tm := time.NewTimer(d)
	defer tm.Stop()
	for {
		select {
		case r := <-g.ch:
			if r.sys == sys && pred(r.msg) {
				g.t.Fatalf("unexpected %s from system %d: %+v", what, sys, r.msg)
			}
		case <-tm.C:
			return
		}
	}
}

// drain forgets everything received so far.
func (g *rawGCS) drain() {
	for {
		select {
		case <-g.ch:
		default:
			return
		}
	}
}

func isMsg[T message.Message](pred func(T) bool) func(message.Message) bool {
	return func(m message.Message) bool {
		t, ok := m.(T)
		return ok && (pred == nil || pred(t))
	}
}

// startFleet runs a stepped fleet on a scenario against a fresh raw GCS.
func startFleet(t *testing.T, sc *Scenario, tweak func(*Fleet)) (*Fleet, *rawGCS) {
	t.Helper()
	if err := sc.check(); err != nil {
		t.Fatal(err)
	}
	g := newRawGCS(t)
	f := &Fleet{Scenario: sc, GCS: g.url(), Stepped: true, Epoch: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if tweak != nil {
		tweak(f)
	}
	if err := f.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	// One step sends the first heartbeats, so the GCS learns the vehicles' address.
	if err := f.Step(f.step); err != nil {
		t.Fatal(err)
	}
	g.expect(f.vehicles[0].id, wait, "first HEARTBEAT", isMsg[*common.MessageHeartbeat](nil))
	return f, g
}

// stepUntil advances simulated time in steps of d until cond holds (checked
// on the loop goroutine) or limit passes; it returns the simulated time used.
func stepUntil(t *testing.T, f *Fleet, d, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	for used := time.Duration(0); used <= limit; used += d {
		var ok bool
		if err := f.do(func() { ok = cond() }); err != nil {
			t.Fatal(err)
		}
		if ok {
			return used
		}
		if err := f.Step(d); err != nil {
			t.Fatal(err)
		}
		every := time.Second
		if d >= time.Second {
			every = 30 * d // coarse steps are for long flights whose telemetry the test does not read
		}
		if used%every == 0 {
			// Let the raw GCS's reader keep up: stepped time runs far faster
			// than real time, and loopback UDP drops what overflows the socket buffer.
			time.Sleep(time.Millisecond)
		}
	}
	t.Fatalf("%s: not reached within %v of simulated time", what, limit)
	return 0
}

func vehicleBy(f *Fleet, sys uint8) *vehicle {
	for _, v := range f.vehicles {
		if v.id == sys {
			return v
		}
	}
	return nil
}

func hasText(v *vehicle, prefix string) bool {
	for _, s := range v.Stats.StatusTexts {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// groundScenario is one vehicle of each given flavour on the ground near Nogales.
func groundScenario(flavors ...string) *Scenario {
	sc := &Scenario{Name: "test"}
	for i, fl := range flavors {
		lat, lon := offset(DefaultCenterLat, DefaultCenterLon, 0, float64(i)*50)
		sc.Vehicles = append(sc.Vehicles, VehicleSpec{SysID: uint8(i + 1), Flavor: fl, Home: Home{Lat: lat, Lon: lon, AltM: 1180}})
	}
	return sc
}

// barrier receives until everything the vehicle sys sent before this call
// has arrived, passing each message to seen (nil: forget them). It asks the
// vehicle for a COMMAND_ACK (REQUEST_MESSAGE of AUTOPILOT_VERSION) and waits
// for it: the answer leaves the vehicle after everything sent before, on the
// same ordered loopback socket, so when it arrives nothing earlier is still
// on its way, however slowly the reader runs. Over a lossy link the request
// or its answer may be lost: it asks again every 200 ms of wall time (only
// the pace of asking; the test waits for the answer, up to wait).
func (g *rawGCS) barrier(sys uint8, seen func(rx)) {
	g.t.Helper()
	ask := command(sys, common.MAV_CMD_REQUEST_MESSAGE, float32((&common.MessageAutopilotVersion{}).GetID()))
	g.send(ask)
	again := time.NewTicker(200 * time.Millisecond)
	defer again.Stop()
	limit := time.NewTimer(wait)
	defer limit.Stop()
	for {
		select {
		case r := <-g.ch:
			if a, ok := r.msg.(*common.MessageCommandAck); ok && r.sys == sys && a.Command == common.MAV_CMD_REQUEST_MESSAGE {
				return
			}
			if seen != nil {
				seen(r)
			}
		case <-again.C:
			g.send(ask)
		case <-limit.C:
			g.t.Fatalf("no answer from system %d to the barrier request within %v", sys, wait)
		}
	}
}
