package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/borderwatch/borderwatch/demo"
	"github.com/borderwatch/borderwatch/web"
)

// demoStations are the stations of `borderwatch demo --federation`, each
// with the stretch of the demo's border it runs the scenario on: west at
// Nogales, east about 19 km east of it (its patrol planned there, its
// intruders and Remote ID drones moved there: demo.ScenarioStretch), so
// the two stations' drones and detections are apart on the HQ's map.
var demoStations = []struct {
	name        string
	shiftLonDeg float64
}{{"east", demo.EastStretchLonDeg}, {"west", 0}}

// fedDemo is `borderwatch demo --federation`: a headquarters with an
// embedded NATS server (JetStream) and two stations that publish to it and
// trust its key, each flying the demo's patrol with its own simulated
// fleet on its own stretch of the border, all in this process. Every server has the same demo accounts.
type fedDemo struct {
	hq       serverOptions // --http, --data, the layers … of the headquarters
	drones   int
	speedup  float64
	basemaps bool // build the demo basemap (no --basemap given)
}

func (f fedDemo) run(ctx context.Context, e *env) error {
	// The HQ's signing key, made for this run: its seed lives in a file
	// only this process reads, removed at exit.
	kp, err := nkeys.CreateUser()
	if err != nil {
		return err
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	keyDir, err := os.MkdirTemp("", "borderwatch-demo-hq")
	if err != nil {
		return err
	}
	defer os.RemoveAll(keyDir)
	keyFile := filepath.Join(keyDir, "hq.nk")
	if err := os.WriteFile(keyFile, seed, 0o600); err != nil {
		return err
	}

	o := f.hq
	o.links = stringList{"udp://127.0.0.1:0"} // the HQ flies nothing of its own
	o.fed = fedOptions{listen: "127.0.0.1:0", hq: true, hqName: "hq", hqKey: keyFile, staleAfter: 5 * time.Second}
	hq, err := startServer(o)
	if err != nil {
		return err
	}
	defer hq.Close()
	servers := []*server{hq}
	var demos []*demo.Demo
	defer func() {
		for _, d := range demos {
			d.Close()
		}
	}()
	names := make([]string, len(demoStations))
	for i, ds := range demoStations {
		name := ds.name
		names[i] = name
		so := serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: stationData(o.data, name), uiDir: o.uiDir, layerObjs: o.layerObjs,
			tak: takOptions{station: name}, fed: fedOptions{nats: hq.fed.embedded.ClientURL(), hqTrust: stringList{pub}}}
		st, err := startServer(so)
		if err != nil {
			return fmt.Errorf("station %s: %w", name, err)
		}
		defer st.Close()
		servers = append(servers, st)
		mav := st.fleet.LinkAddrs()[0].(*net.UDPAddr)
		d := &demo.Demo{Fleet: st.fleet, GCS: fmt.Sprintf("udp://127.0.0.1:%d", mav.Port), Drones: f.drones, Speedup: f.speedup, ShiftLonDeg: ds.shiftLonDeg, Logger: slog.Default().With("station", name)}
		if err := d.Initialize(); err != nil {
			return fmt.Errorf("station %s: %w", name, err)
		}
		demos = append(demos, d)
	}
	if f.basemaps {
		webs := make([]*web.Server, len(servers))
		for i, s := range servers {
			webs[i] = s.web
			s.web.ExpectBasemap()
		}
		go func() {
			if err := buildDemoBasemap(webs...); err != nil {
				for _, w := range webs {
					w.NoBasemap()
				}
				slog.Warn("demo: no basemap", "err", err)
			}
		}()
	}
	logins, err := demoAccounts(hq.web.AccountsInUse())
	if err != nil {
		return err
	}
	for _, st := range servers[1:] {
		for _, l := range logins {
			if err := st.web.AccountsInUse().EnsureUser(l.name, l.role, l.password); err != nil {
				return fmt.Errorf("creating the demo's %s account: %w", l.role, err)
			}
		}
	}
	fmt.Fprintf(e.stdout, "Borderwatch federation demo: a headquarters and %d stations (%s) over an embedded NATS server with JetStream, each station running the demo's patrol, intruders and Remote ID drones on its own stretch of the border (west at Nogales, east about 19 km east of it).\n",
		len(demoStations), strings.Join(names, ", "))
	fmt.Fprintf(e.stdout, "Headquarters: open %s in a browser (every station's drones, alerts, detections, sorties; commands through the stations).\n", hq.web.URL())
	ready := map[string]string{"url": hq.web.URL(), "data": o.data, "nats": hq.fed.embedded.ClientURL()}
	for i, name := range names {
		fmt.Fprintf(e.stdout, "Station %-5s %s\n", name+":", servers[i+1].web.URL())
		ready[name] = servers[i+1].web.URL()
	}
	fmt.Fprintf(e.stdout, "NATS: %s\n", hq.fed.embedded.ClientURL())
	fmt.Fprintln(e.stdout, "Log in at any of them as one of (new random passwords at every start, shown only here):")
	for _, l := range logins {
		fmt.Fprintf(e.stdout, "  %-10s  user %-10s  password %s\n", l.role, l.name, l.password)
	}
	fmt.Fprintln(e.stdout, "Stop with Ctrl-C.")
	if e.ready != nil {
		e.ready(ready)
	}
	var wg sync.WaitGroup
	for _, d := range demos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.Patrol(ctx, d.LaunchAll(ctx))
		}()
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

// stationData is a station's store beside the HQ's: demo.db → demo-east.db.
func stationData(hqData, station string) string {
	ext := filepath.Ext(hqData)
	return strings.TrimSuffix(hqData, ext) + "-" + station + ext
}
