package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/borderwatch/borderwatch/loadtest"
	"github.com/borderwatch/borderwatch/web/auth"
)

func init() {
	register(command{
		name:    "loadtest",
		summary: "Load a server as a fleet and its operators would (MAVLink in, live WebSocket clients out) and print throughput, latency, drops, CPU and memory.",
		usage:   "[--drones N] [--rate HZ] [--clients N] [--in-view N] [--duration D] [--whole-states] [--networks N] [--target URL --token T --mavlink HOST:PORT…] [--cpuprofile FILE] [--trace FILE]",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			var o loadOptions
			fs.IntVar(&o.run.Drones, "drones", 250, "drones sending telemetry, spread over the networks (at most 254 per network: MAVLink system ids)")
			fs.Float64Var(&o.run.Rate, "rate", 10, "GLOBAL_POSITION_INT per drone per second (plus a 1 Hz HEARTBEAT)")
			fs.IntVar(&o.run.Clients, "clients", 100, "WebSocket clients on /ws/live")
			fs.IntVar(&o.run.InView, "in-view", 100, "about how many drones each client's view holds (at full rate; the rest come at 1 Hz)")
			fs.DurationVar(&o.run.Duration, "duration", 30*time.Second, "how long to send")
			fs.BoolVar(&o.run.WholeStates, "whole-states", false, "clients ask for every state whole (no compact motion updates), as a script that does not merge them")
			fs.IntVar(&o.networks, "networks", 1, "MAVLink networks of the in-process server (one UDP link each); more than 254 drones need several")
			fs.StringVar(&o.run.URL, "target", "", "a running server's URL (http://HOST:PORT): load it instead of one started in this process, so that its CPU is measured alone")
			fs.StringVar(&o.run.Token, "token", "", "with --target: an admin's API token (or $BORDERWATCH_TOKEN; borderwatch tokens create ADMIN), for /ws/live and /metrics")
			fs.Var(&o.mavlink, "mavlink", "with --target: HOST:PORT of one of the server's UDP MAVLink links, one per network, repeatable (default: the target's host, port 14550)")
			fs.BoolVar(&o.insecure, "insecure", false, "with an https:// target: do not verify its certificate (a self-signed test server)")
			fs.StringVar(&o.data, "data", "", "in-process: store file (default: a new file in a temporary folder, removed afterwards)")
			fs.BoolVar(&o.json, "json", false, "print the result as JSON")
			fs.StringVar(&o.profile.cpu, "cpuprofile", "", "write a CPU profile of this process during the run to FILE (in-process: the server too; go tool pprof)")
			fs.StringVar(&o.profile.trace, "trace", "", "write an execution trace of this process during the run to FILE (scheduling, GC, blocking; go tool trace)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("unexpected arguments %q", args)
				}
				o.run.Log = e.stderr
				o.run.Insecure = o.insecure
				if o.run.Token == "" && o.run.URL != "" {
					o.run.Token = os.Getenv("BORDERWATCH_TOKEN") // as sorties, export and backup take it
				}
				stopProfile, err := o.profile.start()
				if err != nil {
					return err
				}
				var res loadtest.Result
				if o.run.URL != "" {
					res, err = loadTarget(ctx, o)
				} else {
					res, err = loadInProcess(ctx, o)
				}
				if perr := stopProfile(); err == nil {
					err = perr
				}
				if err != nil {
					return err
				}
				if o.json {
					enc := json.NewEncoder(e.stdout)
					enc.SetIndent("", "  ")
					if err := enc.Encode(res); err != nil {
						return err
					}
				} else {
					res.Print(e.stdout)
				}
				if res.LostStored() {
					return fmt.Errorf("%d frames the server accepted are missing from its store", res.StoredLost)
				}
				return nil
			}
		},
	})
}

type loadOptions struct {
	run      loadtest.Options
	networks int
	mavlink  stringList
	insecure bool
	data     string
	json     bool
	profile  loadProfile
}

// loadTarget loads a server running elsewhere.
func loadTarget(ctx context.Context, o loadOptions) (loadtest.Result, error) {
	if o.networks != 1 {
		return loadtest.Result{}, errors.New("--networks is for the in-process server; with --target give one --mavlink address per network")
	}
	u, err := url.Parse(o.run.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return loadtest.Result{}, fmt.Errorf("--target %q: give the server's URL, e.g. http://127.0.0.1:8080", o.run.URL)
	}
	o.run.MAVLink = o.mavlink
	if len(o.run.MAVLink) == 0 {
		o.run.MAVLink = []string{net.JoinHostPort(u.Hostname(), "14550")}
	}
	return loadtest.Run(ctx, o.run)
}

// loadInProcess starts a server in this process (one UDP link per network
// on loopback, udp://127.0.0.1:0?network=netN when there are several; a
// store in a temporary folder) and loads it through the same code as
// --target. Its CPU figure includes the generator and clients.
func loadInProcess(ctx context.Context, o loadOptions) (loadtest.Result, error) {
	if len(o.mavlink) > 0 || o.run.Token != "" {
		return loadtest.Result{}, errors.New("--mavlink and --token are for --target")
	}
	if o.networks < 1 || o.networks > 64 {
		return loadtest.Result{}, errors.New("--networks must be 1-64")
	}
	if o.run.Drones > 254*o.networks {
		return loadtest.Result{}, fmt.Errorf("--drones %d over %d network(s): one network holds at most 254 (MAVLink system ids); add --networks", o.run.Drones, o.networks)
	}
	if o.data == "" {
		dir, err := os.MkdirTemp("", "borderwatch-loadtest")
		if err != nil {
			return loadtest.Result{}, err
		}
		defer os.RemoveAll(dir)
		o.data = filepath.Join(dir, "loadtest.db")
	}
	links := stringList{}
	for n := range o.networks {
		if o.networks == 1 {
			links = append(links, "udp://127.0.0.1:0")
		} else {
			links = append(links, fmt.Sprintf("udp://127.0.0.1:0?network=net%d", n+1))
		}
	}
	sys, err := startServer(serverOptions{links: links, http: "127.0.0.1:0", data: o.data})
	if err != nil {
		return loadtest.Result{}, err
	}
	defer sys.Close()
	// The clients log in like any script: a token of an admin (for
	// /metrics), made for this run and removed with it.
	if o.run.Token, err = loadtestToken(sys.web.AccountsInUse()); err != nil {
		return loadtest.Result{}, err
	}
	defer func() { _ = sys.web.AccountsInUse().RemoveUser(loadtestUser) }()
	o.run.URL = sys.web.URL()
	for _, a := range sys.fleet.LinkAddrs() {
		o.run.MAVLink = append(o.run.MAVLink, a.String())
	}
	o.run.InProcess = true
	// Read the frames back from the store itself, not the recorder's count.
	o.run.StoredFrames = func(context.Context) (uint64, error) {
		n, err := sys.store.CountFrames()
		return uint64(n), err
	}
	return loadtest.Run(ctx, o.run)
}

// loadtestUser is the account the in-process load test's clients use.
const loadtestUser = "loadtest"

func loadtestToken(a *auth.Accounts) (string, error) {
	if err := a.EnsureUser(loadtestUser, auth.RoleAdmin, auth.NewPassword()); err != nil {
		return "", fmt.Errorf("creating the load test's account: %w", err)
	}
	tok, _, err := a.CreateToken(loadtestUser, time.Hour, "borderwatch loadtest")
	return tok, err
}
