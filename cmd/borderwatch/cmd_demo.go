package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch/basemap"
	"github.com/borderwatch/borderwatch/demo"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/web"
	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/ui"
)

func init() {
	register(command{
		name:         "demo",
		summary:      "Run everything in one process: the server, a simulated fleet it plans, uploads and launches along a border, the web UI.",
		usage:        "[--http ADDR] [--data FILE] [--drones N] [--speedup K] [--federation] [--allow-host NAME]... [--metrics-open] [--tls-cert FILE --tls-key FILE] [--cot URL]... [--cot-listen URL]... [--basemap FILE.pmtiles]",
		configurable: true,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			httpAddr := fs.String("http", "127.0.0.1:8080", "HTTP address of the API and UI")
			data := fs.String("data", filepath.Join(os.TempDir(), "borderwatch-demo.db"), "bbolt file of the sortie store")
			drones := fs.Int("drones", 0, "fly only the first N of the demo's planned drones (0: all of them)")
			speedup := fs.Float64("speedup", 1, "run the simulated fleet K times faster than the wall clock")
			federation := fs.Bool("federation", false, "run a headquarters and two stations (east, west) over an embedded NATS server instead: --http and --data are the headquarters', the stations take free ports and stores beside --data")
			uiDir := fs.String("ui-dir", os.Getenv("BORDERWATCH_UI_DIR"), "serve the UI from this folder instead of the embedded build")
			var o serverOptions
			o.declareHTTP(fs)
			declareTAKFlags(fs, &o.tak)
			o.declareBasemap(fs)
			var logs logOptions
			declareLogFlags(fs, &logs)
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("unexpected arguments %q", args)
				}
				if err := logs.install(e); err != nil {
					return err
				}
				border, territory, err := demo.Layers()
				if err != nil {
					return err
				}
				// The MAVLink link listens on a free loopback port: the demo's
				// drones are in-process, and a fixed port could clash with a real GCS.
				o.links, o.http, o.data = stringList{"udp://127.0.0.1:0"}, *httpAddr, *data
				o.uiDir = *uiDir
				o.layerObjs = []*missions.Layer{territory, border}
				if *federation {
					return fedDemo{hq: o, drones: *drones, speedup: *speedup, basemaps: o.basemap == ""}.run(ctx, e)
				}
				sys, err := startServer(o)
				if err != nil {
					return err
				}
				defer sys.Close()
				if o.basemap == "" {
					// The demo's own basemap: Natural Earth from the UI build's
					// world-atlas under the sketch of Nogales (basemap.BuildDemo).
					// It takes seconds to tile, so it is built while the page
					// already works; the page asks again until it is there. The
					// build holds no file or socket, so a stop does not wait for it.
					sys.web.ExpectBasemap()
					go func() {
						if err := buildDemoBasemap(sys.web); err != nil {
							sys.web.NoBasemap()
							slog.Warn("demo: no basemap", "err", err)
						}
					}()
				}
				mav := sys.fleet.LinkAddrs()[0].(*net.UDPAddr)
				d := &demo.Demo{Fleet: sys.fleet, GCS: fmt.Sprintf("udp://127.0.0.1:%d", mav.Port), Drones: *drones, Speedup: *speedup, Logger: slog.Default()}
				if err := d.Initialize(); err != nil {
					return err
				}
				defer d.Close()
				logins, err := demoAccounts(sys.web.AccountsInUse())
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Borderwatch demo: %d simulated drone(s) of mixed flavours, launched by Borderwatch on corridor legs it planned along the US–Mexico border at Nogales.\n", len(d.Planned()))
				fmt.Fprintf(e.stdout, "Open %s in a browser and log in as one of (new random passwords at every start, shown only here):\n", sys.web.URL())
				for _, l := range logins {
					fmt.Fprintf(e.stdout, "  %-10s  user %-10s  password %s\n", l.role, l.name, l.password)
				}
				fmt.Fprintf(e.stdout, "API: %s/api/v1/vehicles   Store: %s   Stop with Ctrl-C.\n", sys.web.URL(), *data)
				if e.ready != nil {
					e.ready(map[string]string{"url": sys.web.URL(), "data": *data})
				}
				// Upload and launch in the background: the page is usable at
				// once and shows the drones take off; then each drone patrols
				// its legs in turn. Results go to the log.
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					d.Patrol(ctx, d.LaunchAll(ctx))
				}()
				<-ctx.Done()
				wg.Wait() // the launches end with ctx; then the fleet and the server close
				return nil
			}
		},
	})
}

type demoAccount struct {
	role           auth.Role
	name, password string
}

// demoAccounts gives the demo one user of each role, named after the role,
// with a new random password. The passwords go to the terminal only.
func demoAccounts(a *auth.Accounts) ([]demoAccount, error) {
	var out []demoAccount
	for _, role := range auth.Roles {
		l := demoAccount{role: role, name: string(role), password: auth.NewPassword()}
		if err := a.EnsureUser(l.name, l.role, l.password); err != nil {
			return nil, fmt.Errorf("creating the demo's %s account: %w", role, err)
		}
		out = append(out, l)
	}
	return out, nil
}

// buildDemoBasemap tiles the demo's basemap and hands it to the servers.
func buildDemoBasemap(servers ...*web.Server) error {
	a, world, err := basemap.BuildDemo(ui.Dist, basemap.DemoOptions)
	if err != nil {
		return err
	}
	if !world {
		slog.Warn("demo: the UI build has no world-atlas data (run make ui): the basemap shows only the Nogales sketch")
	}
	for _, w := range servers {
		bm, err := web.BasemapFromArchive(a, time.Now())
		if err != nil {
			return err
		}
		if err := w.SetBasemap(bm); err != nil {
			return err
		}
	}
	return nil
}
