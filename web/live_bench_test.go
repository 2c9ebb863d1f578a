package web

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/gorilla/websocket"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

// BenchmarkLiveFanout measures one 20 ms batch of the live fan-out for
// 2000 vehicles at 10 Hz (400 states a batch) and 100 clients, each
// viewing a region of about 100 vehicles at 10 Hz and the rest at 1 Hz,
// without sockets (each client's mailbox is emptied as its writer would).
// per_class is the fan-out as built: each state encoded once, shared by
// every client. per_client is the design it replaced, kept here as the
// baseline: each client encodes every state its view admits.
// cpu_ms/batch is the process's CPU (getrusage) per batch: on a shared
// machine the wall time per op says more about the neighbours.
func BenchmarkLiveFanout(b *testing.B) {
	const vehicles, clients, inView = 2000, 100, 100
	for _, mode := range []string{"per_class", "per_client"} {
		b.Run(mode, func(b *testing.B) {
			f := &liveFanout{clients: map[*liveClient]struct{}{}, counters: &liveCounters{}, logger: slog.Default()}
			cs := make([]*liveClient, clients)
			for i := range cs {
				cs[i] = newLiveClient()
				// Vehicles sit on a line of longitudes 0.01° apart; client i
				// views the inView of them starting at i*vehicles/clients.
				first := float64(i * vehicles / clients)
				v, err := parseLiveView([]byte(fmt.Sprintf(`{"type":"view","bbox":[%g,30,%g,32]}`, -111+first*0.01-0.005, -111+(first+inView)*0.01-0.005)))
				if err != nil {
					b.Fatal(err)
				}
				cs[i].view.Store(v)
				f.clients[cs[i]] = struct{}{}
			}
			states := make([]gcs.VehicleState, vehicles)
			for i := range states {
				states[i] = gcs.NewVehicleState(1)
				states[i].ID = liveID(i + 1)
				states[i].Lat, states[i].Lon, states[i].HasPosition = 31, -111+float64(i)*0.01, true
			}
			now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
			msgs := make([]telemetry.Message, 0, vehicles/5)
			var batch []livePending
			delivered := 0
			var ru0, ru1 syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				now = now.Add(liveBatchInterval)
				msgs = msgs[:0]
				// Each batch, a fifth of the fleet reports (10 Hz at 20 ms).
				for i := n % 5; i < vehicles; i += 5 {
					st := states[i]
					st.Time = now
					st.HeadingDeg = math.Mod(float64(n), 360)
					msgs = append(msgs, st)
				}
				f.prepare(now, msgs)
				for i, c := range f.snapshot {
					if mode == "per_class" {
						f.deliver(c, f.views[i])
					} else {
						deliverPerClient(f, c, f.views[i])
					}
					batch, _ = c.take(batch)
					delivered += len(batch)
				}
			}
			b.StopTimer()
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu_ms/batch")
			b.ReportMetric(float64(delivered)/float64(b.N), "states/batch")
		})
	}
}

// deliverPerClient is deliver with each client encoding for itself.
func deliverPerClient(f *liveFanout, c *liveClient, view *liveView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batch = f.batch
	put := func(u *liveUpdate) {
		enc, err := json.Marshal(&u.e.st)
		if err != nil {
			return
		}
		if u.e.seq <= c.lastLocked(u.v).seq {
			return
		}
		c.putLocked(u.v, u.e, enc, true)
	}
	for i := range f.full[view.class] {
		u := &f.full[view.class][i]
		if view.admits(u.v.id, u.cur) || view.admits(u.v.id, u.prev) {
			put(u)
		}
	}
	for i := range f.low {
		u := &f.low[i]
		if !view.admits(u.v.id, u.cur) && !view.admits(u.v.id, u.v.classes[view.class].pos) {
			put(u)
		}
	}
}

// BenchmarkLiveFanoutWrite is BenchmarkLiveFanout with each client's batch
// written to a real WebSocket on loopback and read by a client that
// discards it: the bytes each client is sent are most of the per-client
// cost. whole sends every state whole, as before compact views; compact
// sends a state whose status the client holds as its motion alone (the
// browser's and the load test's view). The states are a flying fleet's:
// a position every 100 ms, and a status change (mode) once a minute.
// bytes/client/batch is what one client is sent per 20 ms batch.
func BenchmarkLiveFanoutWrite(b *testing.B) {
	const vehicles, clients, inView = 2000, 100, 100
	for _, mode := range []string{"whole", "compact"} {
		b.Run(mode, func(b *testing.B) {
			f := &liveFanout{clients: map[*liveClient]struct{}{}, counters: &liveCounters{}, logger: slog.Default()}
			s := &Server{}
			conns := make([]*websocket.Conn, clients)
			cs := make([]*liveClient, clients)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, err := upgrader.Upgrade(w, r, nil)
				if err != nil {
					return
				}
				i, _ := strconv.Atoi(r.URL.Query().Get("i"))
				conns[i] = conn
			}))
			defer srv.Close()
			var readers sync.WaitGroup
			for i := range cs {
				cs[i] = newLiveClient()
				first := float64(i * vehicles / clients)
				v, err := parseLiveView([]byte(fmt.Sprintf(`{"type":"view","bbox":[%g,30,%g,32],"compact":%t}`,
					-111+first*0.01-0.005, -111+(first+inView)*0.01-0.005, mode == "compact")))
				if err != nil {
					b.Fatal(err)
				}
				cs[i].view.Store(v)
				f.clients[cs[i]] = struct{}{}
				rc, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"?i="+strconv.Itoa(i), nil)
				if err != nil {
					b.Fatal(err)
				}
				readers.Add(1)
				go func() { // the browser: reads every message whole
					defer readers.Done()
					for {
						if _, _, err := rc.ReadMessage(); err != nil {
							return
						}
					}
				}()
				defer rc.Close()
			}
			for i := range conns {
				for conns[i] == nil {
					time.Sleep(time.Millisecond)
				}
				defer conns[i].Close()
			}
			now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
			states := make([]gcs.VehicleState, vehicles)
			for i := range states {
				st := gcs.NewVehicleState(liveID(i + 1))
				st.Update(&common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
					BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: 3}, 1, now, nil)
				st.Update(&common.MessageGlobalPositionInt{TimeBootMs: 1000, Lat: 310000000, Lon: int32((-111 + float64(i)*0.01) * 1e7),
					Alt: 1300000, RelativeAlt: 120000, Vx: 1000}, 1, now, nil)
				st.Network, st.LinkOK = "n1", true
				states[i] = st
			}
			msgs := make([]telemetry.Message, 0, vehicles/5)
			var batch []livePending
			var parts [][]byte
			var ru0, ru1 syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			bytes0 := s.live.bytes.Load()
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				now = now.Add(liveBatchInterval)
				msgs = msgs[:0]
				for i := n % 5; i < vehicles; i += 5 {
					st := &states[i]
					st.Time, st.LastHeard = now, now
					st.HeadingDeg = math.Mod(float64(n), 360)
					st.Lat += 1e-6
					st.Link.Frames++
					st.Link.Bytes += 44
					if n%3000 == i%3000 { // a mode change about once a minute
						st.Mode = []string{"AUTO", "GUIDED"}[n/3000%2]
					}
					msgs = append(msgs, *st)
				}
				f.prepare(now, msgs)
				for i, c := range f.snapshot {
					f.deliver(c, f.views[i])
					batch, _ = c.take(batch)
					var ok bool
					if parts, ok = s.writeLive(conns[i], batch, 0, parts); !ok {
						b.Fatal("write failed")
					}
				}
			}
			b.StopTimer()
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu_ms/batch")
			b.ReportMetric(float64(s.live.bytes.Load()-bytes0)/clients/float64(b.N), "bytes/client/batch")
			for _, c := range conns {
				c.Close()
			}
			readers.Wait()
		})
	}
}
