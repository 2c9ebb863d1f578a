package main

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

func TestSim_FlavorAndDrones_HeardOnUDP(t *testing.T) {
	gcs, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer gcs.Close()
	ctx, stop := context.WithCancel(context.Background())
	ready := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e := &env{stdout: testWriter{t}, stderr: testWriter{t}, ready: func(map[string]string) { close(ready) }}
		run(ctx, e, []string{"sim", "--drones", "2", "--flavor", "px4", "--gcs", "udp://" + gcs.LocalAddr().String(),
			"--speedup", "5", "--loss", "0.1", "--latency", "20ms"})
	}()
	defer func() { stop(); wg.Wait() }()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("sim did not start")
	}
	heard := map[uint8]bool{}
	var sc mavwire.Scanner
	sc.Dialect = dialect.ReadWriter
	buf := make([]byte, 65536)
	_ = gcs.SetReadDeadline(time.Now().Add(10 * time.Second))
	for len(heard) < 2 {
		n, err := gcs.Read(buf)
		if err != nil {
			t.Fatalf("heard %v: %v", heard, err)
		}
		sc.Datagram(buf[:n], func(fr mavwire.Frame) {
			if m, err := fr.Decode(dialect.ReadWriter); err == nil {
				if hb, ok := m.(*common.MessageHeartbeat); ok && hb.Autopilot == common.MAV_AUTOPILOT_PX4 {
					heard[fr.SystemID] = true
				}
			}
		})
	}
	if !heard[1] || !heard[2] {
		t.Fatalf("heard systems %v, want 1 and 2", heard)
	}
}

func TestSim_BadArguments_Explained(t *testing.T) {
	for _, args := range [][]string{
		{"sim", "--flavor", "betaflight"},
		{"sim", "--scenario", "/no/such/file.json"},
		{"sim", "--loss", "1.5"},
		{"sim", "--drones", "300", "--gcs", "udp://127.0.0.1:9"},
		{"sim", "--signing-key", "00ff"},
	} {
		var out strings.Builder
		e := &env{stdout: &out, stderr: &out}
		if code := run(context.Background(), e, args); code == 0 {
			t.Errorf("%v: exit 0, want a failure", args)
		} else if out.Len() == 0 {
			t.Errorf("%v: failed without saying why", args)
		}
	}
}
