package gcs

import (
	"context"
	"errors"
	"net"
	"net/netip"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

// udpReadBuffer is the socket receive buffer: the default (~208 KiB) overflows
// above ~80 k datagrams/s, 4 MiB took 230-240 k/s without loss (BRIEF.md).
const udpReadBuffer = 4 << 20

// udpTransport is udp:// (listen, answer each sender) or udpc:// (one address).
type udpTransport struct {
	listen bool
	conn   *net.UDPConn
}

func openUDP(sp linkSpec) (*udpTransport, error) {
	ua, err := net.ResolveUDPAddr("udp", sp.addr)
	if err != nil {
		return nil, err
	}
	t := &udpTransport{listen: sp.scheme == "udp"}
	if t.listen {
		t.conn, err = net.ListenUDP("udp", ua)
	} else {
		t.conn, err = net.DialUDP("udp", nil, ua)
	}
	if err != nil {
		return nil, err
	}
	_ = t.conn.SetReadBuffer(udpReadBuffer) // best effort: the kernel may cap it
	return t, nil
}

func (t *udpTransport) run(ctx context.Context, l *link) {
	sc := mavwire.Scanner{Dialect: dialect.ReadWriter}
	buf := make([]byte, 65536)
	for {
		n, from, err := t.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return
			}
			// A UDP read error (e.g. ICMP port unreachable on a client link) is transient.
			continue
		}
		if !t.listen {
			from = netip.AddrPort{}
		}
		if !l.receive(ctx, &sc, buf[:n], from, false) {
			return
		}
	}
}

func (t *udpTransport) write(b []byte, to netip.AddrPort) error {
	if !t.listen {
		_, err := t.conn.Write(b)
		return err
	}
	if !to.IsValid() {
		return errNoPeer
	}
	_, err := t.conn.WriteToUDPAddrPort(b, to)
	return err
}

func (t *udpTransport) close()              { t.conn.Close() }
func (t *udpTransport) localAddr() net.Addr { return t.conn.LocalAddr() }
func (t *udpTransport) multiPeer() bool     { return t.listen }
func (t *udpTransport) connections() int    { return 0 }
