package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/borderwatch/borderwatch/telemetry"
)

func init() {
	register(command{
		name:    "networks",
		summary: "List the MAVLink networks: name, number, links, vehicles (a running server's, or the store's).",
		usage:   "[--data FILE] [--server URL --token T] [--json]",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			src := declareReadSource(fs)
			asJSON := fs.Bool("json", false, "print JSON instead of a table")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("unexpected arguments %q", args)
				}
				st, api, err := src.open(e)
				if err != nil {
					return err
				}
				var list []telemetry.Network
				live := api != nil
				if live {
					list, err = api.Networks(ctx)
				} else {
					defer st.Close()
					list, err = st.NetworkList()
				}
				if err != nil {
					return err
				}
				if *asJSON {
					enc := json.NewEncoder(e.stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(list)
				}
				printNetworks(e.stdout, list, live)
				return nil
			}
		},
	})
}

// printNetworks shows networks as a table. Read from the store file (no
// server running) there are no links and no vehicles heard now: those
// columns say "-".
func printNetworks(w io.Writer, list []telemetry.Network, live bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tNAME\tVEHICLES NOW\tRECORDED VEHICLES\tLINKS\t")
	for _, n := range list {
		now, links := "-", "-"
		if live {
			now = fmt.Sprint(n.Vehicles)
			if len(n.Links) > 0 {
				links = strings.Join(n.Links, " ")
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t\n", n.Number, networkColumn(n.Name), now, n.RecordedVehicles, links)
	}
	tw.Flush()
}
