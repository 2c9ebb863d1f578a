package web

import (
	"bufio"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// longFlight stores one armed vehicle flying for a long time: its tlog
// export (about 20 MB) is larger than what loopback sockets buffer, so a
// client that reads nothing stalls the download.
func longFlight(t *testing.T) *store.Store {
	st := storetest.MustOpen(t)
	enc := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 1}
	var frames []telemetry.Frame
	for i := 0; i < 400000; i++ {
		at := replayT0.Add(time.Duration(i) * 10 * time.Millisecond)
		var m message.Message = &common.MessageGlobalPositionInt{Lat: 470000000 + int32(i), Lon: 80000000, Alt: 500000}
		if i%100 == 0 {
			m = &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
				BaseMode: common.MAV_MODE_FLAG_SAFETY_ARMED | common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: 3}
		}
		raw, err := enc.Encode(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, telemetry.Frame{Time: at, SystemID: 1, ComponentID: 1, MessageID: m.GetID(), Raw: raw})
	}
	if err := st.Append(frames, nil); err != nil {
		t.Fatal(err)
	}
	return st
}

// A client that asks for an export and then reads nothing must not keep the
// server (or its store) from closing: the export is read from the store
// before it is sent, and Close cuts connections that outlive its timeout.
func TestSortieExport_StalledClient_DoesNotHoldClose(t *testing.T) {
	st := longFlight(t)
	hub := &telemetry.Hub{}
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	s := &Server{Addr: "127.0.0.1:0", Fleet: fleet, Hub: hub, Store: st, ShutdownTimeout: 100 * time.Millisecond}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	sorties, err := st.Sorties(store.SortieFilter{})
	if err != nil || len(sorties) != 1 {
		t.Fatalf("sorties: %v %v", sorties, err)
	}

	conn, err := net.Dial("tcp", s.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/v1/sorties/%d/export?format=tlog HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n", sorties[0].ID, adminToken(t, s))
	status, err := bufio.NewReaderSize(conn, 16).ReadString('\n')
	if err != nil || status != "HTTP/1.1 200 OK\r\n" {
		t.Fatalf("export answer: %q %v", status, err)
	}
	// The client now reads nothing more. The store must still close (the
	// download holds no read transaction: bbolt's Close waits for them), and
	// so must the server (Close cuts connections that outlive its timeout).
	// The bounds below only detect a hang.
	finishes := func(what string, fn func()) {
		t.Helper()
		done := make(chan struct{})
		go func() { fn(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s is held by a stalled export client", what)
		}
	}
	finishes("the store's Close", func() { _ = st.Close() })
	finishes("the server's Close", s.Close)
}
