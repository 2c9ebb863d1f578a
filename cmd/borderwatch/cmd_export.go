package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/renameio/v2"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/export"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web/apiclient"
)

func init() {
	register(command{
		name:    "export",
		summary: "Export a sortie, or a time window, as tlog, GPX, KML, GeoJSON, CSV or an evidence package (zip).",
		usage:   "SORTIE|--from T --to T [--vehicle 1,2] [--stream N] --format tlog|gpx|kml|geojson|csv|evidence -o FILE [--fields a,b] [--data FILE] [--server URL --token T]",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			src := declareReadSource(fs)
			format := fs.String("format", "tlog", "tlog, gpx, kml, geojson, csv, or evidence (a zip with a manifest; check it with borderwatch verify FILE.zip)")
			out := fs.String("o", "", "output file (- for standard output); defaults to sortie-ID.FORMAT")
			fields := fs.String("fields", "", "CSV columns, comma-separated, from: "+strings.Join(export.CSVFields, ","))
			from := fs.String("from", "", "instead of a sortie: start of a time window (RFC 3339)")
			to := fs.String("to", "", "end of the time window (RFC 3339)")
			vehicles := fs.String("vehicle", "", "with --from/--to: system ids, comma-separated (default all)")
			stream := fs.Uint("stream", 0, "with --from/--to: 0 for the live recording, or an import's stream (see a sortie's \"stream\")")
			return func(ctx context.Context, e *env, args []string) error {
				window := *from != "" || *to != ""
				var id uint64
				var q store.Query
				switch {
				case window && len(args) > 0:
					return errors.New("give a sortie id or --from/--to, not both")
				case window:
					var err error
					if q, err = windowQuery(*from, *to, *vehicles, *stream); err != nil {
						return err
					}
				case len(args) != 1:
					return errors.New("name one sortie id (borderwatch sorties lists them), or a window with --from and --to")
				default:
					var err error
					id, err = strconv.ParseUint(args[0], 10, 64)
					if err != nil || id == 0 {
						return fmt.Errorf("sortie id must be a positive number, got %q", args[0])
					}
				}
				f, err := export.ParseFormat(*format)
				if err != nil {
					return err
				}
				var opt export.Options
				if *fields != "" {
					opt.Fields = strings.Split(*fields, ",")
				}
				st, api, err := src.open(e)
				if err != nil {
					return err
				}
				if api != nil {
					if window && f == export.Evidence && len(opt.Fields) == 0 {
						return exportWindowFromServer(ctx, e, api, q, *out)
					}
					if window || len(opt.Fields) > 0 {
						return errors.New("a running server holds the store: it exports whole sorties (give a sortie id, without --fields) and windows as evidence packages (--format evidence), or stop it to export a window in another format")
					}
					return exportFromServer(ctx, e, api, id, f, *out)
				}
				defer st.Close()
				var so store.Sortie
				name := "window"
				if !window {
					if so, err = st.Sortie(id); err != nil {
						return err
					}
					name = fmt.Sprintf("sortie-%d", id)
				}
				path := *out
				if path == "" {
					path = name + "." + f.Extension()
				}
				w := e.stdout
				var file *renameio.PendingFile
				if path != "-" {
					// Write next to the target, fsync and rename (renameio), so a
					// failed export or a power cut leaves no half file.
					file, err = renameio.NewPendingFile(path, renameio.WithPermissions(0o644))
					if err != nil {
						return err
					}
					defer file.Cleanup()
					w = file
				}
				var stats export.Stats
				if window {
					stats, err = export.Window(w, st, q, f, opt)
				} else {
					stats, err = export.Sortie(w, st, so, f, opt)
				}
				if file != nil && err == nil {
					err = file.CloseAtomicallyReplace()
				}
				if err != nil {
					return fmt.Errorf("export %s: %w", name, err)
				}
				if path != "-" {
					fmt.Fprintf(e.stderr, "%s: %d frames read, %d track points, %d detections written to %s\n",
						name, stats.Frames, stats.Points, stats.Detections, path)
				}
				return nil
			}
		},
	})
}

func windowQuery(from, to, vehicles string, stream uint) (store.Query, error) {
	var q store.Query
	var err error
	if from == "" || to == "" {
		return q, errors.New("a window needs both --from and --to")
	}
	if q.From, err = time.Parse(time.RFC3339Nano, from); err != nil {
		return q, fmt.Errorf("--from must be an RFC 3339 time such as 2026-05-01T12:00:00Z: %w", err)
	}
	if q.To, err = time.Parse(time.RFC3339Nano, to); err != nil {
		return q, fmt.Errorf("--to must be an RFC 3339 time such as 2026-05-01T13:00:00Z: %w", err)
	}
	if err := export.CheckWindow(q); err != nil {
		return q, fmt.Errorf("--from/--to: %w", err)
	}
	if stream > 1<<32-1 {
		return q, fmt.Errorf("--stream %d is out of range", stream)
	}
	q.Stream = uint32(stream)
	for _, part := range strings.Split(vehicles, ",") {
		if part == "" {
			continue
		}
		id, err := telemetry.ParseVehicleID(part)
		if err != nil {
			return q, fmt.Errorf("--vehicle: %w", err)
		}
		q.Systems = append(q.Systems, id)
	}
	return q, nil
}

// exportFromServer downloads a sortie's export from the server that holds
// the store, written atomically like a local export.
func exportFromServer(ctx context.Context, e *env, api *apiclient.Client, id uint64, f export.Format, out string) error {
	name := fmt.Sprintf("sortie-%d", id)
	return downloadTo(e, out, name+"."+f.Extension(), name, func(w io.Writer) (int64, error) {
		return api.Export(ctx, id, string(f), w)
	})
}

// exportWindowFromServer downloads a window's evidence package from the
// server that holds the store (GET /api/v1/evidence: the same package code).
func exportWindowFromServer(ctx context.Context, e *env, api *apiclient.Client, q store.Query, out string) error {
	return downloadTo(e, out, export.WindowFileName(q, export.Evidence), "window", func(w io.Writer) (int64, error) {
		return api.WindowEvidence(ctx, q, w)
	})
}

// downloadTo writes what get downloads to out (def when empty, stdout for
// "-"), atomically like a local export.
func downloadTo(e *env, out, def, name string, get func(io.Writer) (int64, error)) error {
	path := out
	if path == "" {
		path = def
	}
	if path == "-" {
		_, err := get(e.stdout)
		return err
	}
	pf, err := renameio.NewPendingFile(path, renameio.WithPermissions(0o644))
	if err != nil {
		return err
	}
	defer pf.Cleanup()
	n, err := get(pf)
	if err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%s: %d bytes from the server written to %s\n", name, n, path)
	return nil
}
