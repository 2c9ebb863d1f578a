package gcs

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// stuckTransport's writes block until released: a socket whose buffer is
// full. It stands in for one because a real socket cannot be made to block
// on demand.
type stuckTransport struct {
	release chan struct{}
	entered chan struct{}
}

func (s *stuckTransport) run(context.Context, *link) {}
func (s *stuckTransport) write([]byte, netip.AddrPort) error {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-s.release
	return nil
}
func (s *stuckTransport) close()              {}
func (s *stuckTransport) localAddr() net.Addr { return &net.UDPAddr{} }
func (s *stuckTransport) multiPeer() bool     { return false }
func (s *stuckTransport) connections() int    { return 1 }

// The router's mutex must never be held across a socket write: a stalled
// link would stop every send and every route update of the fleet (issue 12).
func TestRouter_Send_StalledSocketNeverBlocksSenders(t *testing.T) {
	tr := &stuckTransport{release: make(chan struct{}), entered: make(chan struct{}, 1)}
	l := &link{url: "stuck://", tr: tr, outq: make(chan outFrame, linkSendQueue), stopWrite: make(chan struct{}), writeDone: make(chan struct{})}
	go l.writeLoop()
	var r router
	r.init(255, time.Now)
	r.setRoute(1, route{link: l})
	hb := &common.MessageHeartbeat{Type: common.MAV_TYPE_GCS}
	r.send(1, hb)
	<-tr.entered // the writer is stuck in the socket
	for range linkSendQueue + 10 {
		if !r.send(1, hb) { // would hang here if the router waited on the socket
			t.Fatal("send refused")
		}
	}
	r.setRoute(2, route{link: l}) // the mutex is free
	if got := l.sendDropped.Load(); got != 10 {
		t.Fatalf("%d frames dropped on a full send queue, want 10", got)
	}
	close(tr.release)
	l.close()
}
