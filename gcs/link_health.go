package gcs

import (
	"errors"
	"fmt"
	"strings"
)

// open says whether the link can carry frames now: a listening socket (UDP,
// TCP server; no vehicle need be there yet) or a udpc:// socket is open for
// as long as the fleet runs; a TCP client is open while connected, a serial
// port while the device is there (a radio unplugged is closed until it
// comes back: the link reopens it every second).
func (l *link) open() bool {
	switch l.tr.(type) {
	case *udpTransport, *tcpServer:
		return true
	}
	return l.tr.connections() > 0
}

// ErrLinkDown says a configured link cannot carry frames now.
var ErrLinkDown = errors.New("link down")

// CheckLinks reports whether every configured link is open (for a
// readiness check): nil when they are, else an error naming each link
// that is not and what the fleet does about it.
func (f *Fleet) CheckLinks() error {
	if len(f.links) == 0 {
		return fmt.Errorf("%w: the fleet has no open link (it failed to start, or it is closed)", ErrLinkDown)
	}
	var down []string
	for _, l := range f.links {
		if l.open() {
			continue
		}
		why := "not connected; reconnecting"
		if _, ok := l.tr.(*serialLink); ok {
			why = "the port is not open (unplugged?); reopened every second"
		}
		down = append(down, fmt.Sprintf("%s: %s", l.url, why))
	}
	if len(down) > 0 {
		return fmt.Errorf("%w: %s", ErrLinkDown, strings.Join(down, "; "))
	}
	return nil
}
