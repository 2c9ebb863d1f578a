package gcs

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

// tcps:// takes a bounded number of peers; the rest are closed at once and
// counted (issue 12: it accepted unlimited connections).
func TestFleet_TCPServer_BoundedConnections(t *testing.T) {
	f := newTestFleet(t, &telemetry.Hub{}, func(f *Fleet) { f.MaxTCPConnections = 2 }, "tcps://127.0.0.1:0")
	addr := f.LinkAddrs()[0].String()
	var conns []net.Conn
	for i := range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		testenv.Eventually(t, 5*time.Second, "the connection is accepted", func() bool { return f.LinkStats()[0].Connections == i+1 })
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	if _, err := extra.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("a connection over the limit must be closed by the server: %v", err)
	}
	if st := f.LinkStats()[0]; st.RefusedConnections != 1 || st.Connections != 2 {
		t.Fatalf("link stats %+v: want 1 refused, 2 connected", st)
	}
	for _, c := range conns {
		c.Close()
	}
}

// A TCP peer that sends nothing (gone without a FIN) is closed after the
// idle deadline instead of holding its reader forever.
func TestFleet_TCPServer_IdlePeerClosed(t *testing.T) {
	f := newTestFleet(t, &telemetry.Hub{}, func(f *Fleet) { f.StreamIdleTimeout = 100 * time.Millisecond }, "tcps://127.0.0.1:0")
	c, err := net.Dial("tcp", f.LinkAddrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("a silent peer must be closed after the idle deadline: %v", err)
	}
	testenv.Eventually(t, 5*time.Second, "the link forgets the peer and counts the idle close", func() bool {
		st := f.LinkStats()[0]
		return st.Connections == 0 && st.IdleClosed == 1
	})
}

// A tcp:// connection that completes while close() runs is closed, so that
// Fleet.Close does not wait for its reader forever.
func TestTCPClient_Run_DialDuringCloseIsClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tc, err := openTCPClient(linkSpec{scheme: "tcp", addr: ln.Addr().String(), idle: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tc.close() // closing first: the dial below then completes "during" close
	done := make(chan struct{})
	go func() {
		defer close(done)
		tc.run(context.Background(), &link{out: make(chan inbound, 1)})
	}()
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if _, err := peer.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("the connection dialled during close was left open: %v", err)
	}
	<-done // run returned: before the fix it read from that connection forever
}

// Frames of systems that are not vehicles (noise that happens to frame,
// another ground station) are counted, never recorded (issue 12).
func TestFleet_Handle_OnlyAdmittedSystemsRecorded(t *testing.T) {
	hub := &telemetry.Hub{}
	sub := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindFrame}}, 64)
	defer sub.Close()
	f, l, out := bareFleet(hub)
	sc := mavwire.Scanner{Dialect: dialect.ReadWriter}
	from := netip.MustParseAddrPort("127.0.0.1:1")
	stranger := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 77, ComponentID: 1}
	gcsPeer := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 250, ComponentID: 190}
	vehicle := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 3, ComponentID: 1}
	for _, p := range []struct {
		enc *mavwire.Encoder
		msg message.Message
	}{
		{stranger, &common.MessageStatustext{Text: "noise"}},
		{gcsPeer, &common.MessageHeartbeat{Type: common.MAV_TYPE_GCS, Autopilot: common.MAV_AUTOPILOT_INVALID}},
		{vehicle, copterHB()},
		{vehicle, &common.MessageAttitude{}},
	} {
		b, err := p.enc.Encode(nil, p.msg)
		if err != nil {
			t.Fatal(err)
		}
		feed(f, l, out, &sc, b, from)
	}
	var systems []uint8
	for _, m := range sub.Drain(nil) {
		systems = append(systems, m.(telemetry.Frame).SystemID)
	}
	if len(systems) != 2 || systems[0] != 3 || systems[1] != 3 || l.unadmitted.Load() != 2 {
		t.Fatalf("recorded frames of systems %v, %d unadmitted; want only vehicle 3's two frames and 2 counted", systems, l.unadmitted.Load())
	}
}
