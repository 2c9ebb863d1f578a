package web

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
)

// /readyz answers 200 while the store answers and every MAVLink link is
// open, 503 naming the link when a TCP link's peer goes, and 503 naming an
// added check (as federation's NATS check) when that one fails.
func TestReady_StoreLinksAndAddedChecks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	hub := &telemetry.Hub{}
	tcpURL := "tcp://" + ln.Addr().String()
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0", tcpURL}, Hub: hub}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	var natsDown error
	s := newRecordingServerWith(t, hub, fleet, nil, func(s *Server) {
		s.ReadyChecks = []ReadyCheck{{Name: "nats", Check: func(context.Context) error { return natsDown }}}
	})
	var ans ReadyAnswer
	testenv.Eventually(t, 10*time.Second, "ready", func() bool { return call(t, "GET", s.URL()+"/readyz", "", &ans) == 200 })
	if ans.Status != "ready" || ans.Checks["store"] != "ok" || ans.Checks["links"] != "ok" || ans.Checks["nats"] != "ok" {
		t.Fatalf("ready answer %+v", ans)
	}

	natsDown = errors.New("not connected to nats://hq:4222")
	if code := call(t, "GET", s.URL()+"/readyz", "", &ans); code != 503 || !strings.HasPrefix(ans.Error, "nats: not connected") || ans.Checks["links"] != "ok" {
		t.Fatalf("with NATS down: %d %+v", code, ans)
	}
	natsDown = nil

	ln.Close()
	(<-accepted).Close()
	testenv.Eventually(t, 10*time.Second, "not ready once the TCP link's peer is gone", func() bool {
		return call(t, "GET", s.URL()+"/readyz", "", &ans) == 503
	})
	if !strings.HasPrefix(ans.Error, "links: ") || !strings.Contains(ans.Error, tcpURL) || ans.Checks["store"] != "ok" || ans.Status != "not ready" {
		t.Fatalf("with the link down: %+v", ans)
	}
}
