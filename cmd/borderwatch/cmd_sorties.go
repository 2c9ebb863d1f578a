package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

func init() {
	register(command{
		name:    "sorties",
		summary: "List the sorties in the store (newest first).",
		usage:   "[--data FILE] [--server URL --token T] [--vehicle ID] [--json]",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			src := declareReadSource(fs)
			asJSON := fs.Bool("json", false, "print JSON instead of a table")
			vehicle := fs.String("vehicle", "", "only this vehicle's sorties (its id: the system id on the default network)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("unexpected arguments %q", args)
				}
				var id telemetry.VehicleID
				if *vehicle != "" {
					v, err := telemetry.ParseVehicleID(*vehicle)
					if err != nil {
						return fmt.Errorf("--vehicle: %w", err)
					}
					id = v
				}
				st, api, err := src.open(e)
				if err != nil {
					return err
				}
				var list []store.Sortie
				if api != nil {
					list, err = api.Sorties(ctx, id)
				} else {
					defer st.Close()
					list, err = st.Sorties(store.SortieFilter{Vehicle: id})
				}
				if err != nil {
					return err
				}
				if *asJSON {
					if list == nil {
						list = []store.Sortie{}
					}
					enc := json.NewEncoder(e.stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(list)
				}
				printSorties(e.stdout, list)
				return nil
			}
		},
	})
}

// networkColumn shows a network's name in a table: "default" for the default network.
func networkColumn(name string) string {
	if name == "" {
		return "default"
	}
	return name
}

func printSorties(w io.Writer, list []store.Sortie) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVEHICLE\tNETWORK\tSYSID\tSOURCE\tSTART (UTC)\tDURATION\tDISTANCE\tMAX ALT\tMIN BATT\tTRACKS\tDETECTION EVENTS\tALERTS\tBREACHES\tFRAMES\t")
	for _, s := range list {
		dur := (time.Duration(s.DurationS * float64(time.Second))).Round(time.Second).String()
		if s.Open {
			dur += " (flying)"
		}
		batt := "-"
		if s.MinBatteryPct >= 0 {
			batt = fmt.Sprintf("%d %%", s.MinBatteryPct)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%d\t%s\t%s\t%s\t%.0f m\t%.1f m\t%s\t%d\t%d\t%d\t%d\t%d\t\n", s.ID, s.Vehicle, networkColumn(s.Network), s.SystemID, s.Source,
			s.Start.UTC().Format("2006-01-02 15:04:05"), dur, s.DistanceM, s.MaxAltM, batt, s.DetectionTracks, s.DetectionEvents, s.Alerts, s.Breaches, s.Frames)
	}
	tw.Flush()
}
