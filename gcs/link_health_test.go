package gcs

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
)

// A listening UDP link is open from the start; a TCP client link is open
// only while connected: its peer going away makes CheckLinks name it, and
// the link's stats say the same.
func TestFleet_CheckLinks_TCPClientDownWhenPeerGoes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	tcpURL := "tcp://" + ln.Addr().String()
	f := newTestFleet(t, &telemetry.Hub{}, nil, "udp://127.0.0.1:0", tcpURL)
	testenv.Eventually(t, 10*time.Second, "both links open", func() bool { return f.CheckLinks() == nil })
	if st := f.LinkStats(); !st[0].Open || !st[1].Open {
		t.Fatalf("stats %+v, want both open", st)
	}
	ln.Close() // no reconnection possible
	(<-accepted).Close()
	testenv.Eventually(t, 10*time.Second, "the TCP link reported down", func() bool { return f.CheckLinks() != nil })
	err = f.CheckLinks()
	if !errors.Is(err, ErrLinkDown) || !strings.Contains(err.Error(), tcpURL+": not connected") || strings.Contains(err.Error(), "udp://") {
		t.Fatalf("CheckLinks: %v, want only %s named", err, tcpURL)
	}
	if st := f.LinkStats(); !st[0].Open || st[1].Open {
		t.Fatalf("stats %+v, want udp open and tcp not", st)
	}
}

// A closed fleet has no link up.
func TestFleet_CheckLinks_ClosedFleetNotReady(t *testing.T) {
	f := &Fleet{}
	if err := f.CheckLinks(); !errors.Is(err, ErrLinkDown) {
		t.Fatalf("a fleet that never started: %v", err)
	}
}
