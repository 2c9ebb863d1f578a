package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/borderwatch/borderwatch/simulator"
)

func init() {
	register(command{
		name:    "sim",
		summary: "Simulate a fleet of patrol drones (ArduCopter, ArduPlane, PX4) talking MAVLink to a ground station.",
		usage:   "[--drones N] [--gcs udp://HOST:PORT[,udp://…]] [--networks N] [--flavor arducopter|arduplane|px4] [--scenario NAME|FILE] [--speedup K] [--loss P] [--latency D]",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			f := &simulator.Fleet{}
			fs.IntVar(&f.Drones, "drones", 0, "number of drones (default: the scenario's); above 254 give one --gcs address per 254")
			fs.StringVar(&f.GCS, "gcs", "udp://127.0.0.1:14550", "ground station address(es), comma-separated: udp://HOST:PORT, or tcp://HOST:PORT to connect to a GCS TCP server")
			fs.IntVar(&f.Networks, "networks", 0, "spread the drones evenly over the first N --gcs addresses, each numbering its drones from --sysid, as separate MAVLink networks (serve one --mavlink URL?network=NAME per address)")
			fs.StringVar(&f.Flavor, "flavor", "", "make every drone this autopilot: arducopter, arduplane or px4 (default: the scenario's)")
			scenario := fs.String("scenario", "demo", "built-in scenario ("+strings.Join(simulator.BuiltinScenarios(), ", ")+") or a scenario file")
			sysid := fs.Int("sysid", 1, "system id of the first drone the scenario does not number")
			fs.Float64Var(&f.Rate, "rate", 10, "position telemetry rate in Hz")
			fs.Float64Var(&f.Speedup, "speedup", 1, "run simulated time K times faster than real time")
			fs.BoolVar(&f.PortPerVehicle, "port-per-vehicle", false, "one UDP socket per drone instead of one shared socket")
			fs.BoolVar(&f.QuietStreams, "quiet-streams", false, "ArduPilot drones stream only HEARTBEAT until the GCS asks, like a real one")
			fs.BoolVar(&f.BootBanner, "boot-banner", false, "ArduPilot drones send plain text before their first MAVLink frame, like a real one")
			loss := fs.Float64("loss", 0, "probability (0-1) that a datagram is lost, each direction")
			latency := fs.Duration("latency", 0, "one-way link latency, each direction")
			jitter := fs.Duration("jitter", 0, "latency jitter (uniform ±), each direction")
			dup := fs.Float64("duplicate", 0, "probability (0-1) that a datagram arrives twice")
			seed := fs.Uint64("seed", 0, "seed of the link faults and detections (default: the scenario's)")
			signingKey := fs.String("signing-key", "", "64 hex digits: every drone signs what it sends and ignores unsigned commands")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("unexpected arguments %q", args)
				}
				if *sysid < 1 || *sysid > 254 {
					return fmt.Errorf("--sysid must be 1-254, got %d", *sysid)
				}
				if *loss < 0 || *loss >= 1 || *dup < 0 || *dup >= 1 {
					return fmt.Errorf("--loss and --duplicate are probabilities in [0, 1)")
				}
				sc, err := simulator.LoadScenario(*scenario)
				if err != nil {
					return err
				}
				if *signingKey != "" {
					for i := range sc.Vehicles {
						sc.Vehicles[i].SigningKeyHex = *signingKey
					}
				}
				f.Scenario = sc
				f.FirstSystemID = uint8(*sysid)
				f.Seed = *seed
				if *loss > 0 || *latency > 0 || *jitter > 0 || *dup > 0 {
					lf := simulator.LinkFaults{Loss: *loss, Latency: *latency, Jitter: *jitter, Duplicate: *dup}
					f.Faults = &simulator.Faults{Up: lf, Down: lf, Seed: *seed}
				}
				if err := f.Initialize(); err != nil {
					return err
				}
				defer f.Close()
				fmt.Fprintf(e.stdout, "Simulating %d drone(s) of scenario %q, sending to %s (speed-up %g×)\n",
					len(f.Status()), sc.Name, f.GCS, f.Speedup)
				if e.ready != nil {
					e.ready(nil)
				}
				<-ctx.Done()
				return nil
			}
		},
	})
}
