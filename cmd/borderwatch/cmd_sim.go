package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/borderwatch/borderwatch/simulator"
)

func init() {
	register(command{
		name:    "sim",
		summary: "Simulate a fleet of patrol drones talking MAVLink to a ground station.",
		usage:   "[--drones N] [--gcs udp://HOST:PORT] [--speedup K]",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			f := &simulator.Fleet{}
			fs.IntVar(&f.Drones, "drones", 1, "number of drones (1-250), system ids from --sysid on")
			fs.StringVar(&f.GCS, "gcs", "udp://127.0.0.1:14550", "ground station address")
			sysid := fs.Int("sysid", 1, "system id of the first drone")
			fs.Float64Var(&f.Rate, "rate", 10, "position telemetry rate in Hz")
			fs.Float64Var(&f.Speedup, "speedup", 1, "run simulated time K times faster than real time")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("unexpected arguments %q", args)
				}
				if *sysid < 1 || *sysid > 250 {
					return fmt.Errorf("--sysid must be 1-250, got %d", *sysid)
				}
				f.FirstSystemID = uint8(*sysid)
				if err := f.Initialize(); err != nil {
					return err
				}
				defer f.Close()
				fmt.Fprintf(e.stdout, "Simulating %d drone(s) (system ids %d-%d) sending to %s\n",
					f.Drones, f.FirstSystemID, int(f.FirstSystemID)+f.Drones-1, f.GCS)
				if e.ready != nil {
					e.ready(nil)
				}
				<-ctx.Done()
				return nil
			}
		},
	})
}
