package gcs

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/dialect/borderwatch"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

// rawPeer is a MAVLink endpoint on a real loopback socket that sends exactly
// the frames a test scripts (a drone's autopilot, its camera, another GCS).
type rawPeer struct {
	t    testing.TB
	conn net.Conn
	enc  map[uint8]*mavwire.Encoder
	mu   sync.Mutex
	got  []message.Message
}

func dialPeer(t testing.TB, network, addr string) *rawPeer {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &rawPeer{t: t, conn: c, enc: map[uint8]*mavwire.Encoder{}}
	t.Cleanup(func() { c.Close() })
	go p.read(network != "udp")
	return p
}

func (p *rawPeer) read(stream bool) {
	sc := mavwire.Scanner{Dialect: dialect.ReadWriter}
	buf := make([]byte, 65536)
	for {
		n, err := p.conn.Read(buf)
		if err != nil {
			return
		}
		fn := func(f mavwire.Frame) {
			if m, err := f.Decode(dialect.ReadWriter); err == nil {
				p.mu.Lock()
				p.got = append(p.got, m)
				p.mu.Unlock()
			}
		}
		if stream {
			sc.Stream(buf[:n], fn)
		} else {
			sc.Datagram(buf[:n], fn)
		}
	}
}

func (p *rawPeer) received() []message.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]message.Message(nil), p.got...)
}

func (p *rawPeer) frame(sys, comp uint8, m message.Message) []byte {
	e := p.enc[comp]
	if e == nil || e.SystemID != sys {
		e = &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: sys, ComponentID: comp}
		p.enc[comp] = e
	}
	b, err := e.Encode(nil, m)
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

func (p *rawPeer) send(sys, comp uint8, m message.Message) {
	if _, err := p.conn.Write(p.frame(sys, comp, m)); err != nil {
		p.t.Fatal(err)
	}
}

func copterHB() *common.MessageHeartbeat {
	return &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
		BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: 5, MavlinkVersion: 3}
}

func newTestFleet(t testing.TB, hub *telemetry.Hub, mod func(*Fleet), links ...string) *Fleet {
	t.Helper()
	f := &Fleet{Links: links, Hub: hub, NoStreamRequests: true, HeartbeatPeriod: 50 * time.Millisecond,
		RequestTimeout: 200 * time.Millisecond, ItemTimeout: 20 * time.Millisecond, Logger: discardLogger()}
	if mod != nil {
		mod(f)
	}
	if err := f.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

func eventsOf[T telemetry.Event](sub *telemetry.Subscription, into *[]T) {
	for _, m := range sub.Drain(nil) {
		if e, ok := m.(T); ok {
			*into = append(*into, e)
		}
	}
}

func TestFleet_Handle_GCSAndComponentsAreNotVehicles(t *testing.T) {
	hub := &telemetry.Hub{}
	events := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, 64)
	defer events.Close()
	f := newTestFleet(t, hub, nil, "udp://127.0.0.1:0")
	p := dialPeer(t, "udp", f.LinkAddrs()[0].String())
	// Another ground station, and a camera of system 9 before its autopilot.
	p.send(200, 190, &common.MessageHeartbeat{Type: common.MAV_TYPE_GCS, Autopilot: common.MAV_AUTOPILOT_INVALID})
	p.send(9, 100, &common.MessageHeartbeat{Type: common.MAV_TYPE_CAMERA, Autopilot: common.MAV_AUTOPILOT_INVALID})
	p.send(9, 1, copterHB())
	// The camera's detection belongs to its drone.
	p.send(9, 100, &borderwatch.MessageDetection{TrackId: 4, Lat: 313500000, Lon: -1109500000, TargetClass: borderwatch.BW_TARGET_CLASS_PERSON, Confidence: 87})
	// And the camera's heartbeat does not overwrite the autopilot's mode.
	p.send(9, 100, &common.MessageHeartbeat{Type: common.MAV_TYPE_CAMERA, Autopilot: common.MAV_AUTOPILOT_INVALID})
	var dets []telemetry.Detection
	testenv.Eventually(t, 5*time.Second, "the detection arrives", func() bool {
		eventsOf(events, &dets)
		return len(dets) > 0
	})
	vs, err := f.Vehicles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].SysID != 9 || vs[0].Mode != "LOITER" || vs[0].Autopilot != "ardupilot" {
		t.Fatalf("vehicles %+v; want only system 9 in LOITER", vs)
	}
	if d := dets[0]; d.SystemID != 9 || d.ComponentID != 100 || d.Class != "person" || d.ConfidencePct != 87 {
		t.Fatalf("detection %+v", d)
	}
}

// testClock is an injected clock that moves only when the test says.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *testClock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// Link loss and restore on the fleet's injected clock: the vehicle's frames
// are stamped and its silence measured on it, so the link is lost exactly
// when the test moves the clock past the timeout, never because the test
// goroutine was slow to look (on the wall clock, with a 300 ms timeout, a
// loaded machine could lose the link before the test saw it up).
func TestFleet_CheckLinks_LossAndRecoveryWithEvents(t *testing.T) {
	hub := &telemetry.Hub{}
	events := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, 64)
	defer events.Close()
	clock := newTestClock()
	f := newTestFleet(t, hub, func(f *Fleet) { f.LinkTimeout = 300 * time.Millisecond; f.Now = clock.now }, "udp://127.0.0.1:0")
	p := dialPeer(t, "udp", f.LinkAddrs()[0].String())
	p.send(3, 1, copterHB())
	testenv.Eventually(t, 5*time.Second, "vehicle 3 up", func() bool {
		v, ok, _ := f.Vehicle(context.Background(), 3)
		return ok && v.LinkOK
	})
	// Silence past the timeout, on the fleet's clock.
	clock.advance(301 * time.Millisecond)
	var alerts []telemetry.Alert
	testenv.Eventually(t, 5*time.Second, "link lost after silence", func() bool {
		eventsOf(events, &alerts)
		v, _, _ := f.Vehicle(context.Background(), 3)
		return !v.LinkOK && len(alerts) >= 1
	})
	p.send(3, 1, copterHB())
	testenv.Eventually(t, 5*time.Second, "link restored", func() bool {
		eventsOf(events, &alerts)
		v, _, _ := f.Vehicle(context.Background(), 3)
		return v.LinkOK && len(alerts) >= 2
	})
	var types []string
	for _, a := range alerts {
		types = append(types, string(a.Type))
	}
	// No alert at first sight: restored means lost before.
	if strings.Join(types, ",") != "link_lost,link_restored" {
		t.Fatalf("alerts %v; want link_lost,link_restored", types)
	}
}

func TestFleet_Route_TwoLinksOneVehicleRepliesOnLastHeard(t *testing.T) {
	f := newTestFleet(t, &telemetry.Hub{}, nil, "udp://127.0.0.1:0", "udp://127.0.0.1:0")
	a := dialPeer(t, "udp", f.LinkAddrs()[0].String())
	b := dialPeer(t, "udp", f.LinkAddrs()[1].String())
	heardOn := func(link int) func() bool {
		return func() bool {
			v, ok, _ := f.Vehicle(context.Background(), 5)
			return ok && v.Link.Link == link && f.LinkStats()[link].Frames > 0
		}
	}
	a.send(5, 1, copterHB())
	testenv.Eventually(t, 5*time.Second, "vehicle heard on link a", heardOn(0))
	b.send(5, 1, copterHB())
	testenv.Eventually(t, 5*time.Second, "vehicle last heard on link b", heardOn(1))
	vs, _ := f.Vehicles(context.Background())
	if len(vs) != 1 {
		t.Fatalf("%d vehicles; one vehicle on two links is one vehicle", len(vs))
	}
	// The vehicle answers commands on link b only.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			for _, m := range b.received() {
				if c, ok := m.(*common.MessageCommandLong); ok {
					b.send(5, 1, &common.MessageCommandAck{Command: c.Command, Result: common.MAV_RESULT_ACCEPTED, TargetSystem: 255})
					return
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	if _, err := f.RTL(ctx, 5); err != nil {
		t.Fatalf("command over link b: %v", err)
	}
	for _, m := range a.received() {
		if _, ok := m.(*common.MessageCommandLong); ok {
			t.Fatal("the command went to link a, where the vehicle was not last heard")
		}
	}
}

func TestFleet_Handle_StateEventsAndLinkStats(t *testing.T) {
	hub := &telemetry.Hub{}
	events := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, 64)
	defer events.Close()
	f := newTestFleet(t, hub, nil, "udp://127.0.0.1:0")
	p := dialPeer(t, "udp", f.LinkAddrs()[0].String())
	p.send(2, 1, copterHB())
	p.enc[1].Encode(nil, &common.MessageHeartbeat{}) // skip sequence number 1: one frame lost
	hb := copterHB()
	hb.CustomMode = 6 // RTL
	hb.BaseMode |= common.MAV_MODE_FLAG_SAFETY_ARMED
	p.send(2, 1, hb)
	p.send(2, 1, &common.MessageStatustext{Severity: common.MAV_SEVERITY_CRITICAL, Text: "PreArm: Compass not calibrated"})
	p.send(2, 1, &common.MessageGpsRawInt{FixType: common.GPS_FIX_TYPE_3D_FIX, SatellitesVisible: 12})
	p.send(2, 1, &common.MessageExtendedSysState{LandedState: common.MAV_LANDED_STATE_IN_AIR})
	p.send(2, 1, &common.MessageHomePosition{Latitude: 313520000, Longitude: -1109500000, Altitude: 1200000})
	p.send(2, 1, &common.MessageMissionCurrent{Seq: 3, Total: 9})
	p.send(2, 1, &common.MessageFenceStatus{BreachStatus: 1, BreachCount: 1, BreachType: common.FENCE_BREACH_BOUNDARY})
	p.send(2, 1, &common.MessageSysStatus{BatteryRemaining: 15, VoltageBattery: 14800})
	var mode []telemetry.ModeChange
	var arm []telemetry.ArmChange
	var texts []telemetry.StatusText
	var alerts []telemetry.Alert
	var progress []telemetry.MissionProgress
	testenv.Eventually(t, 5*time.Second, "every event arrives", func() bool {
		for _, m := range events.Drain(nil) {
			switch e := m.(type) {
			case telemetry.ModeChange:
				mode = append(mode, e)
			case telemetry.ArmChange:
				arm = append(arm, e)
			case telemetry.StatusText:
				texts = append(texts, e)
			case telemetry.Alert:
				alerts = append(alerts, e)
			case telemetry.MissionProgress:
				progress = append(progress, e)
			}
		}
		return len(mode) == 1 && len(arm) == 1 && len(texts) == 1 && len(progress) == 1 && len(alerts) >= 4
	})
	if mode[0].From != "LOITER" || mode[0].To != "RTL" || !arm[0].Armed || texts[0].Severity != telemetry.SeverityCritical {
		t.Fatalf("events %+v %+v %+v", mode, arm, texts)
	}
	v, _, _ := f.Vehicle(context.Background(), 2)
	if v.GPSFix != "3d" || v.Satellites != 12 || v.LandedState != "in_air" || v.Home == nil || v.Home.AltM != 1200 ||
		v.MissionSeq != 2 || v.MissionSeqAutopilot != 3 || v.MissionTotal != 9 || !v.FenceBreached || v.BatteryPct != 15 || v.PreArm != "failing" || len(v.StatusTexts) != 1 {
		t.Fatalf("state %+v", v)
	}
	if v.Link.Frames != 9 || v.Link.Lost != 1 || v.Link.LossPct != 10 {
		t.Fatalf("link stats %+v; want 9 frames and 1 lost", v.Link)
	}
}

func TestFleet_Links_TCPServerAndClientSkipGarbage(t *testing.T) {
	// tcps: the vehicle connects to us and starts with a boot banner.
	f := newTestFleet(t, &telemetry.Hub{}, nil, "tcps://127.0.0.1:0")
	p := dialPeer(t, "tcp", f.LinkAddrs()[0].String())
	banner := []byte("ArduCopter V4.8.0 (abc123)\r\nFrame: QUAD\r\n")
	if _, err := p.conn.Write(append(banner, p.frame(7, 1, copterHB())...)); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "vehicle over tcps", func() bool {
		_, ok, _ := f.Vehicle(context.Background(), 7)
		return ok
	})
	if st := f.LinkStats()[0]; st.GarbageBytes != uint64(len(banner)) || st.Connections != 1 {
		t.Fatalf("tcps stats %+v; want the %d banner bytes skipped", st, len(banner))
	}
	// The GCS heartbeat reaches the vehicle over the same connection.
	testenv.Eventually(t, 5*time.Second, "GCS heartbeat over tcps", func() bool {
		for _, m := range p.received() {
			if hb, ok := m.(*common.MessageHeartbeat); ok && hb.Type == common.MAV_TYPE_GCS {
				return true
			}
		}
		return false
	})

	// tcp: we connect to a vehicle's server (SITL's tcp:5760), and reconnect.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	g := newTestFleet(t, &telemetry.Hub{}, nil, "tcp://"+ln.Addr().String())
	enc := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 8, ComponentID: 1}
	for round := range 2 {
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := enc.Encode(nil, copterHB())
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, 5*time.Second, "vehicle over tcp", func() bool {
			v, ok, _ := g.Vehicle(context.Background(), 8)
			return ok && g.LinkStats()[0].Frames == uint64(round+1) && v.LinkOK
		})
		c.Close() // the client dials again
	}
}

func TestParseLinkURL_Schemes(t *testing.T) {
	for _, ok := range []string{"udp://0.0.0.0:14550", "udpc://10.0.0.2:14555", "tcp://127.0.0.1:5760", "tcps://0.0.0.0:5760", "serial:///dev/ttyUSB0?baud=921600", "serial:///dev/ttyACM0"} {
		if _, _, err := ParseLinkURL(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://x:1", "udp://nohost", "serial://", "serial:///dev/ttyUSB0?baud=fast", "tcp://:"} {
		if _, _, err := ParseLinkURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	sp, _ := parseLinkSpec("serial:///dev/ttyUSB0")
	if sp.addr != "/dev/ttyUSB0" || sp.baud != 57600 {
		t.Fatalf("serial default %+v", sp)
	}
}

func TestFleet_Initialize_SerialPortMissing(t *testing.T) {
	f := &Fleet{Links: []string{"serial:///dev/borderwatch-no-such-port"}, Hub: &telemetry.Hub{}}
	err := f.Initialize()
	if err == nil || !strings.Contains(err.Error(), "borderwatch-no-such-port") {
		t.Fatalf("want an error naming the port, got %v", err)
	}
	f.Close()
}

func TestFleet_Signing_ReplayAndUnsignedRejected(t *testing.T) {
	key := [32]byte{7, 7, 7}
	store := &memSigningStore{}
	_ = store.SetSigningKey(4, key)
	f := newTestFleet(t, &telemetry.Hub{}, func(f *Fleet) { f.SigningStore = store }, "udp://127.0.0.1:0")
	p := dialPeer(t, "udp", f.LinkAddrs()[0].String())
	ts := signingTimestamp(time.Now())
	signed := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 4, ComponentID: 1,
		Signer: &mavwire.Signer{Key: key, Timestamp: func() uint64 { ts++; return ts }}}
	hb, _ := signed.Encode(nil, copterHB())
	if _, err := p.conn.Write(hb); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "signed vehicle appears signed", func() bool {
		v, ok, _ := f.Vehicle(context.Background(), 4)
		return ok && v.Signed
	})
	// A replayed frame (same bytes, same timestamp), an unsigned one and one
	// signed with another key change nothing and are counted.
	moved, _ := signed.Encode(nil, &common.MessageGlobalPositionInt{Lat: 313000000, Lon: -1100000000})
	_, _ = p.conn.Write(moved)
	testenv.Eventually(t, 5*time.Second, "signed position applied", func() bool {
		v, _, _ := f.Vehicle(context.Background(), 4)
		return v.Lat == 31.3
	})
	forged := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 4, ComponentID: 1,
		Signer: &mavwire.Signer{Key: [32]byte{9}, Timestamp: func() uint64 { ts++; return ts }}}
	far, _ := forged.Encode(nil, &common.MessageGlobalPositionInt{Lat: 100000000, Lon: 100000000})
	unsigned := p.frame(4, 1, &common.MessageGlobalPositionInt{Lat: 200000000, Lon: 200000000})
	replayOld, _ := signed.Encode(nil, &common.MessageGlobalPositionInt{Lat: 300000000, Lon: 300000000})
	_, _ = p.conn.Write(replayOld)                   // newest timestamp: accepted
	_, _ = p.conn.Write(moved)                       // replay of an older frame
	_, _ = p.conn.Write(replayOld)                   // replay of the newest frame
	_, _ = p.conn.Write(unsigned)                    // no signature
	_, _ = p.conn.Write(far)                         // wrong key
	_, _ = p.conn.Write(bytes.Clone(hb[:len(hb)-1])) // truncated: not even a frame
	testenv.Eventually(t, 5*time.Second, "rejections counted", func() bool {
		v, _, _ := f.Vehicle(context.Background(), 4)
		return v.Link.SigningRejected == 4
	})
	v, _, _ := f.Vehicle(context.Background(), 4)
	if v.Lat != 30 || !v.Signed {
		t.Fatalf("state after rejected frames: lat %g signed %v", v.Lat, v.Signed)
	}
}

func TestFleet_Signing_SimulatorIgnoresUnsignedCommands(t *testing.T) {
	t.Parallel()
	key := [32]byte{1, 2, 3, 4}
	store := &memSigningStore{}
	_ = store.SetSigningKey(1, key)
	f := fastFleet(t, &telemetry.Hub{}) // no signing store: its commands go unsigned
	startSim(t, f, simOpts{flavor: "arducopter", key: &key})
	ctx := ctxT(t, 10*time.Second)
	// Without the key the vehicle's signed frames are accepted (we do not
	// enforce what we do not know), but our unsigned command is ignored.
	if _, err := f.SetMode(ctx, 1, "STABILIZE"); !errors.Is(err, ErrTimeout) {
		t.Fatalf("unsigned command to a signed vehicle: want no answer, got %v", err)
	}
	// A fleet with the key is answered.
	g := &Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: &telemetry.Hub{}, SigningStore: store, NoStreamRequests: true,
		RequestTimeout: 300 * time.Millisecond, Logger: discardLogger()}
	if err := g.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	startSim(t, g, simOpts{flavor: "arducopter", key: &key})
	testenv.Eventually(t, 5*time.Second, "vehicle shown signed", func() bool {
		v, _, _ := g.Vehicle(ctx, 1)
		return v.Signed
	})
	if _, err := g.SetMode(ctx, 1, "STABILIZE"); err != nil {
		t.Fatalf("signed command: %v", err)
	}
	if store.ts == 0 {
		t.Fatal("the signing timestamp was not persisted")
	}
}

func TestFleet_SetupSigning_ProvisionsSimulator(t *testing.T) {
	t.Parallel()
	store := &memSigningStore{}
	f := fastFleet(t, &telemetry.Hub{}, func(f *Fleet) { f.SigningStore = store })
	startSim(t, f, simOpts{flavor: "px4"})
	ctx := ctxT(t, 20*time.Second)
	key := [32]byte{0xAA, 0xBB}
	if err := f.SetupSigning(ctx, 1, key); err != nil {
		t.Fatal(err)
	}
	if k, ok, _ := store.SigningKey(1); !ok || k != key {
		t.Fatal("key not stored")
	}
	if _, err := f.SetMode(ctx, 1, "POSCTL"); err != nil && !IsRefused(err) {
		t.Fatalf("command after provisioning: %v", err)
	}
	if err := f.DisableSigning(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := store.SigningKey(1); ok {
		t.Fatal("key kept after DisableSigning")
	}
}

func TestFleet_RequestStreams_FallsBackToRequestDataStream(t *testing.T) {
	f := newTestFleet(t, &telemetry.Hub{}, func(f *Fleet) { f.NoStreamRequests = false }, "udp://127.0.0.1:0")
	p := dialPeer(t, "udp", f.LinkAddrs()[0].String())
	p.send(6, 1, copterHB())
	// An old ArduPilot: SET_MESSAGE_INTERVAL is unsupported.
	testenv.Eventually(t, 5*time.Second, "REQUEST_DATA_STREAM after the refusal", func() bool {
		streams := 0
		for _, m := range p.received() {
			switch m := m.(type) {
			case *common.MessageCommandLong:
				if m.Command == common.MAV_CMD_SET_MESSAGE_INTERVAL {
					p.send(6, 1, &common.MessageCommandAck{Command: m.Command, Result: common.MAV_RESULT_UNSUPPORTED, TargetSystem: 255})
				}
			case *common.MessageRequestDataStream:
				if m.TargetSystem == 6 && m.StartStop == 1 {
					streams++
				}
			}
		}
		return streams >= 5
	})
}
