package gcs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
)

// nopTransport is a link with no socket, for driving the fleet's receive
// path synchronously in fuzz tests and benchmarks (the socket part is the
// kernel's, measured in BRIEF.md; here we measure ours).
type nopTransport struct{}

func (nopTransport) run(context.Context, *link)         {}
func (nopTransport) write([]byte, netip.AddrPort) error { return nil }
func (nopTransport) close()                             {}
func (nopTransport) localAddr() net.Addr                { return &net.UDPAddr{} }
func (nopTransport) multiPeer() bool                    { return true }
func (nopTransport) connections() int                   { return 0 }

// bareFleet is a Fleet whose loop is not running: the test calls handle
// itself, on one goroutine, so every step of the receive path is measured or
// fuzzed without scheduling noise. It is the same code the loop runs.
func bareFleet(hub *telemetry.Hub) (*Fleet, *link, chan inbound) {
	out := make(chan inbound, 1024)
	f := &Fleet{Hub: hub, SystemID: DefaultSystemID, LinkTimeout: 3500 * time.Millisecond, Now: time.Now, NoStreamRequests: true}
	f.Logger = discardLogger()
	f.vehicles = map[telemetry.VehicleID]*vehicle{}
	f.peers = map[*link]map[netip.AddrPort]time.Time{}
	f.keys = map[telemetry.VehicleID]*signedStreams{}
	f.timesyncs = map[int64]time.Time{}
	f.busy = map[busyKey]bool{}
	f.r.init(f.SystemID, f.Now)
	l := &link{url: "nop://", tr: nopTransport{}, now: time.Now, out: out}
	f.links = []*link{l}
	return f, l, out
}

// feed runs one datagram through the link core (scan, verify, decode, copy)
// and the fleet's handler (vehicle, state, events, hub).
func feed(f *Fleet, l *link, out chan inbound, sc *mavwire.Scanner, data []byte, from netip.AddrPort) {
	l.receive(context.Background(), sc, data, from, false)
	for {
		select {
		case in := <-out:
			f.handle(in)
		default:
			return
		}
	}
}

// fleetFrames builds, for n vehicles, one HEARTBEAT each and then rounds of
// GLOBAL_POSITION_INT (the bulk of real telemetry), one datagram per frame.
func fleetFrames(n, rounds int) (hbs, frames [][]byte) {
	encs := make([]*mavwire.Encoder, n)
	for i := range encs {
		encs[i] = &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: uint8(i%250 + 1), ComponentID: 1}
		b, _ := encs[i].Encode(nil, copterHB())
		hbs = append(hbs, b)
	}
	for r := range rounds {
		for i, e := range encs {
			b, _ := e.Encode(nil, &common.MessageGlobalPositionInt{TimeBootMs: uint32(r * 100), Lat: 313500000 + int32(r*10+i), Lon: -1109500000 - int32(r*10), Alt: 1250000, RelativeAlt: 50000, Vx: 500, Vy: -200, Hdg: uint16(r % 36000)})
			frames = append(frames, b)
		}
	}
	return hbs, frames
}

// BenchmarkReceive_Fleet measures frames per second through link decode →
// fleet → state → hub (with one subscriber, as the recorder is) for 1000
// vehicles: MAVLink system ids stop at 254, so the 1000 are four fleets of
// 250, one per link, as a station with four radios would run them; the
// benchmark feeds them round-robin on one core. BenchmarkReceive_Gomavlib
// decodes the same datagrams with gomavlib's frame reader, side by side.
func BenchmarkReceive_Fleet(b *testing.B) {
	const fleets, per = 4, 250
	hub := &telemetry.Hub{}
	sub := hub.Subscribe(telemetry.Filter{}, 1<<16)
	defer sub.Close()
	type unit struct {
		f   *Fleet
		l   *link
		out chan inbound
		sc  mavwire.Scanner
	}
	units := make([]*unit, fleets)
	var frames [][]byte
	for i := range units {
		f, l, out := bareFleet(hub)
		u := &unit{f: f, l: l, out: out, sc: mavwire.Scanner{Dialect: dialect.ReadWriter}}
		hbs, fr := fleetFrames(per, 64)
		for _, h := range hbs {
			feed(f, l, out, &u.sc, h, netip.MustParseAddrPort("127.0.0.1:14551"))
		}
		units[i] = u
		if i == 0 {
			frames = fr
		}
	}
	from := netip.MustParseAddrPort("127.0.0.1:14551")
	var buf []telemetry.Message
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u := units[i%fleets]
		feed(u.f, u.l, u.out, &u.sc, frames[(i/fleets)%len(frames)], from)
		if i%1024 == 0 {
			buf = sub.Drain(buf[:0])
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	vs := 0
	for _, u := range units {
		vs += len(u.f.vehicles)
	}
	if vs != fleets*per {
		b.Fatalf("%d vehicles, want %d", vs, fleets*per)
	}
}

func BenchmarkReceive_Gomavlib(b *testing.B) {
	_, frames := fleetFrames(250, 64)
	var br bytes.Reader
	bb := bufio.NewReaderSize(&br, 512)
	r := &frame.Reader{BufByteReader: bb, DialectRW: dialect.ReadWriter}
	if err := r.Initialize(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		br.Reset(frames[i%len(frames)])
		bb.Reset(&br)
		fr, err := r.Read()
		if err != nil || fr.GetMessage() == nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkUpload_SimulatorRTT50ms uploads 100 and 700 items to the
// simulator over loopback UDP with 25 ms of latency each way (50 ms round
// trip) and no loss, and reports the time against the protocol bound
// (N+2)×RTT: MISSION_COUNT, one request/item round trip per item, the ACK.
func BenchmarkUpload_SimulatorRTT50ms(b *testing.B) {
	for _, n := range []int{100, 700} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			f := fastFleet(b, &telemetry.Hub{}, func(f *Fleet) { f.ItemTimeout, f.RequestTimeout = 250*time.Millisecond, 1500*time.Millisecond })
			lf := simulator.LinkFaults{Latency: 25 * time.Millisecond}
			startSim(b, f, simOpts{flavor: "px4", faults: &simulator.Faults{Up: lf, Down: lf}})
			items := bigMission(n)
			const rtt = 50 * time.Millisecond
			bound := time.Duration(n+2) * rtt
			b.ResetTimer()
			var total time.Duration
			for i := 0; i < b.N; i++ {
				rep, err := f.Upload(context.Background(), 1, missions.TypeMission, items, TransferOptions{NoVerify: true})
				if err != nil {
					b.Fatal(err)
				}
				total += rep.Duration
			}
			avg := total / time.Duration(b.N)
			b.ReportMetric(avg.Seconds(), "s/upload")
			b.ReportMetric(float64(avg)/float64(bound), "x_bound")
		})
	}
}

// BenchmarkUpload_SimulatorLoss30 uploads 100 items at 30 % loss each way
// with duplication and reordering and 50 ms round trip, verified by
// read-back; it reports the time and the share verified.
func BenchmarkUpload_SimulatorLoss30(b *testing.B) {
	f := fastFleet(b, &telemetry.Hub{}, func(f *Fleet) {
		f.ItemTimeout, f.RequestTimeout, f.StallTimeout = 250*time.Millisecond, 1500*time.Millisecond, 60*time.Second
	})
	lf := simulator.LinkFaults{Latency: 25 * time.Millisecond, Loss: 0.3, Duplicate: 0.1, Reorder: 0.1, ReorderDelay: 20 * time.Millisecond}
	startSim(b, f, simOpts{flavor: "arducopter", faults: &simulator.Faults{Up: lf, Down: lf, Seed: 11}})
	items := bigMission(100)
	verified := 0
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := f.Upload(context.Background(), 1, missions.TypeMission, items, TransferOptions{})
		if err == nil && rep.Verified {
			verified++
		}
		total += rep.Duration
	}
	b.ReportMetric((total / time.Duration(b.N)).Seconds(), "s/upload")
	b.ReportMetric(100*float64(verified)/float64(b.N), "%verified")
}

// BenchmarkUpload_VirtualRTT50ms is the same protocol bound in the
// discrete-event harness (no scheduler or socket noise): virtual seconds per upload.
func BenchmarkUpload_VirtualRTT50ms(b *testing.B) {
	for _, n := range []int{100, 700} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			var took time.Duration
			for i := 0; i < b.N; i++ {
				h := newHarness(b, 1, newFakeAutopilot(FlavourArduPilot))
				up := newUpload(h.gcsSend, 1, 1, 0, toWire(FlavourArduPilot, 0, testMission(n), nil), FlavourArduPilot, defaultTiming(0), nil)
				took = h.run(up, time.Hour)
			}
			bound := time.Duration(n+3) * 2 * 25 * time.Millisecond // +1: ArduPilot's home item
			b.ReportMetric(took.Seconds(), "virtual_s/upload")
			b.ReportMetric(float64(took)/float64(bound), "x_bound")
		})
	}
}

// harnessExchanger is the fleet's exchanger driven in the harness's virtual
// time: the same plan code the fleet runs, against the scripted vehicle.
func harnessExchanger(h *harness, fl Flavour, legacy bool) *exchanger {
	tm := defaultTiming(0)
	tm.fixedOpening = legacy
	run := func(s session) error {
		h.run(s, time.Hour)
		return s.result()
	}
	return &exchanger{run: run, detached: run, send: h.gcsSend, sys: 1, comp: 1, fl: fl, kind: kindOf(fl, ""), tm: tm, legacy: legacy}
}

// benchPlan is a patrol plan of n mission items, a four-vertex fence with
// its return point, and no rally points.
func benchPlan(n int) *missions.Plan {
	p := testPlan()
	p.Mission = testMission(n)
	p.Fence.Polygons, p.Fence.Circles = p.Fence.Polygons[:1], nil
	p.Rally = nil
	return p
}

// BenchmarkUploadPlan_VirtualLoss uploads a whole plan (mission, fence,
// rally, each verified) to the scripted ArduPilot in virtual time at 0, 10,
// 20 and 30 % loss each way (25 ms one way), for 20 and 100 mission items,
// with the policy before (legacy: a fixed 1.5 s wait for every first answer,
// every empty list cleared) and after (the first-answer wait adapts to the
// measured round trip; an empty list the vehicle does not hold is only read).
// Each iteration is one seeded link, so the figures are deterministic.
func BenchmarkUploadPlan_VirtualLoss(b *testing.B) {
	for _, n := range []int{20, 100} {
		for _, loss := range []float64{0, 0.1, 0.2, 0.3} {
			for _, policy := range []string{"before", "after"} {
				b.Run(fmt.Sprintf("items=%d/loss=%.0f%%/%s", n, loss*100, policy), func(b *testing.B) {
					plan := benchPlan(n)
					var took time.Duration
					verified := 0
					for i := 0; i < b.N; i++ {
						veh := newFakeAutopilot(FlavourArduPilot)
						h := newHarness(b, int64(i+1), veh)
						h.loss = loss
						x := harnessExchanger(h, FlavourArduPilot, policy == "before")
						// The vehicle already holds an older plan of the same shape.
						var rep PlanReport
						start := h.now
						err := x.uploadPlan(plan, nil, TransferOptions{}, &rep, nil, func() time.Time { return h.now })
						took += h.now.Sub(start)
						if err == nil && rep.Verified {
							verified++
						}
					}
					b.ReportMetric((took / time.Duration(b.N)).Seconds(), "virtual_s/plan")
					b.ReportMetric(100*float64(verified)/float64(b.N), "%verified")
				})
			}
		}
	}
}

// BenchmarkReceive_FirstHeartbeat is a vehicle's first sight: the
// fleet's cost for each of a fleet heard at once (a server starting with
// its drones in the air), 250 new vehicles per op, against
// BenchmarkReceive_Fleet's cost of a frame of a known one.
func BenchmarkReceive_FirstHeartbeat(b *testing.B) {
	const per = 250
	hub := &telemetry.Hub{}
	sub := hub.Subscribe(telemetry.Filter{}, 1<<16)
	defer sub.Close()
	hbs, _ := fleetFrames(per, 0)
	from := netip.MustParseAddrPort("127.0.0.1:14551")
	var buf []telemetry.Message
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f, l, out := bareFleet(hub)
		f.table.LinkTimeout = f.LinkTimeout
		sc := mavwire.Scanner{Dialect: dialect.ReadWriter}
		b.StartTimer()
		for _, h := range hbs {
			feed(f, l, out, &sc, h, from)
		}
		b.StopTimer()
		if len(f.vehicles) != per {
			b.Fatalf("%d vehicles, want %d", len(f.vehicles), per)
		}
		buf = sub.Drain(buf[:0])
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*per), "µs/vehicle")
}
