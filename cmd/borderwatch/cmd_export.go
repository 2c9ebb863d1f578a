package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/borderwatch/borderwatch/telemetry/export"
)

func init() {
	register(command{
		name:    "export",
		summary: "Export a sortie as tlog, GPX, KML, GeoJSON or CSV.",
		usage:   "SORTIE --format tlog|gpx|kml|geojson|csv -o FILE [--fields a,b] [--data FILE]",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			data := fs.String("data", "borderwatch.db", "bbolt file of the sortie store (the server must be stopped)")
			format := fs.String("format", "tlog", "tlog, gpx, kml, geojson or csv")
			out := fs.String("o", "", "output file (- for standard output); defaults to sortie-ID.FORMAT")
			fields := fs.String("fields", "", "CSV columns, comma-separated, from: "+strings.Join(export.CSVFields, ","))
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return errors.New("name one sortie id (borderwatch sorties lists them)")
				}
				id, err := strconv.ParseUint(args[0], 10, 64)
				if err != nil || id == 0 {
					return fmt.Errorf("sortie id must be a positive number, got %q", args[0])
				}
				f, err := export.ParseFormat(*format)
				if err != nil {
					return err
				}
				var opt export.Options
				if *fields != "" {
					opt.Fields = strings.Split(*fields, ",")
				}
				st, err := openStore(*data)
				if err != nil {
					return err
				}
				defer st.Close()
				so, err := st.Sortie(id)
				if err != nil {
					return err
				}
				path := *out
				if path == "" {
					path = fmt.Sprintf("sortie-%d.%s", id, f)
				}
				w := e.stdout
				var file *os.File
				if path != "-" {
					// Write next to the target and rename, so a failed export leaves no half file.
					file, err = os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
					if err != nil {
						return err
					}
					defer os.Remove(file.Name())
					w = file
				}
				stats, err := export.Sortie(w, st, so, f, opt)
				if file != nil {
					if cerr := file.Close(); err == nil {
						err = cerr
					}
					if err == nil {
						err = os.Rename(file.Name(), path)
					}
				}
				if err != nil {
					return fmt.Errorf("export sortie %d: %w", id, err)
				}
				if path != "-" {
					fmt.Fprintf(e.stderr, "sortie %d (vehicle %d): %d frames read, %d track points, %d detections written to %s\n",
						id, so.SystemID, stats.Frames, stats.Points, stats.Detections, path)
				}
				return nil
			}
		},
	})
}
