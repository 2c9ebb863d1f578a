package simulator

import (
	"net"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

// readUntil reads MAVLink from a TCP stream until pred matches.
func readUntil(t *testing.T, c net.Conn, sc *mavwire.Scanner, what string, pred func(message.Message) bool) {
	t.Helper()
	buf := make([]byte, 4096)
	deadline := time.Now().Add(5 * time.Second)
	_ = c.SetReadDeadline(deadline)
	for time.Now().Before(deadline) {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		found := false
		sc.Stream(buf[:n], func(fr mavwire.Frame) {
			if m, err := fr.Decode(dialectRW); err == nil && pred(m) {
				found = true
			}
		})
		if found {
			return
		}
	}
	t.Fatalf("no %s within 5 s", what)
}

func TestFleet_TCP_ConnectsAnswersAndReconnects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f := &Fleet{Scenario: groundScenario("px4"), GCS: "tcp://" + ln.Addr().String(), Speedup: 5}
	if err := f.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	var sc mavwire.Scanner
	sc.Dialect = dialectRW
	readUntil(t, c, &sc, "PX4 HEARTBEAT", isMsg(func(m *common.MessageHeartbeat) bool { return m.Autopilot == common.MAV_AUTOPILOT_PX4 }))
	enc := mavwire.Encoder{Dialect: dialectRW, SystemID: 255, ComponentID: 190}
	b, _ := enc.Encode(nil, command(1, common.MAV_CMD_REQUEST_MESSAGE, 148))
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	readUntil(t, c, &sc, "COMMAND_ACK", isMsg(func(m *common.MessageCommandAck) bool { return m.Result == common.MAV_RESULT_ACCEPTED }))
	c.Close()
	// The vehicle reconnects after its connection drops.
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	c2, err := ln.Accept()
	if err != nil {
		t.Fatalf("no reconnection: %v", err)
	}
	defer c2.Close()
	var sc2 mavwire.Scanner
	sc2.Dialect = dialectRW
	readUntil(t, c2, &sc2, "HEARTBEAT after reconnecting", isMsg[*common.MessageHeartbeat](nil))
}

func TestFleet_PortPerVehicle_EachVehicleHasItsOwnSocket(t *testing.T) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	f := &Fleet{Scenario: groundScenario("arducopter", "px4", "arduplane"), GCS: "udp://" + conn.LocalAddr().String(),
		Stepped: true, PortPerVehicle: true}
	if err := f.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Step(time.Second); err != nil {
		t.Fatal(err)
	}
	from := map[uint8]int{}
	var sc mavwire.Scanner
	sc.Dialect = dialectRW
	buf := make([]byte, 65536)
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	for len(from) < 3 {
		n, addr, err := conn.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("heard %v: %v", from, err)
		}
		sc.Datagram(buf[:n], func(fr mavwire.Frame) {
			if p, ok := from[fr.SystemID]; ok && p != addr.Port {
				t.Fatalf("system %d sent from ports %d and %d", fr.SystemID, p, addr.Port)
			}
			from[fr.SystemID] = addr.Port
		})
	}
	if from[1] == from[2] || from[2] == from[3] || from[1] == from[3] {
		t.Fatalf("source ports %v: want one socket per vehicle", from)
	}
}
