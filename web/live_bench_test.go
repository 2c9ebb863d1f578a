package web

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"syscall"
	"testing"
	"time"

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
		e := *u.e
		e.enc = enc
		c.putLocked(u.v.id, &e)
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
