package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

func init() {
	register(command{
		name:    "import",
		summary: "Import .tlog files into the sortie store: one sortie per vehicle in each file.",
		usage:   "FILE.tlog... [--data FILE] [--network NAME] [--json]",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			data := fs.String("data", "borderwatch.db", "bbolt file of the sortie store (created if missing; the server must be stopped)")
			network := fs.String("network", "", "the MAVLink network the files' vehicles were on (as a link's ?network=NAME: a-z, 0-9, '_', '-'); they get that network's vehicle ids. Default: the default network")
			asJSON := fs.Bool("json", false, "print the result as JSON")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) == 0 {
					return errors.New("name at least one .tlog file to import")
				}
				if err := telemetry.CheckNetworkName(*network); err != nil {
					return fmt.Errorf("--network: %w", err)
				}
				st, err := openStore(*data)
				if err != nil {
					return err
				}
				defer st.Close()
				var results []store.ImportResult
				for _, file := range args {
					res, err := importFile(ctx, e, st, *network, file)
					if err != nil {
						return err
					}
					results = append(results, res)
					if !*asJSON {
						if res.Network != "" {
							fmt.Fprintf(e.stdout, "%s: on network %s\n", file, res.Network)
						}
						fmt.Fprintf(e.stdout, "%s: %d frames imported (skipped: %d bad checksum, %d garbage bytes, %d truncated record, %d SETUP_SIGNING)\n",
							file, res.Frames, res.Skipped.BadChecksum, res.Skipped.GarbageBytes, res.Skipped.Truncated, res.Withheld)
						printSorties(e.stdout, res.Sorties)
					}
				}
				if *asJSON {
					enc := json.NewEncoder(e.stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(results)
				}
				return nil
			}
		},
	})
}

func importFile(ctx context.Context, e *env, st *store.Store, network, file string) (store.ImportResult, error) {
	f, err := os.Open(file)
	if err != nil {
		return store.ImportResult{}, err
	}
	defer f.Close()
	info, _ := f.Stat()
	start := time.Now()
	last := start
	res, err := st.ImportTlogNetwork(&ctxReader{ctx: ctx, r: f}, network, "import:"+filepath.Base(file), func(p store.ImportProgress) {
		if time.Since(last) < time.Second {
			return
		}
		last = time.Now()
		pct := ""
		if info != nil && info.Size() > 0 {
			pct = fmt.Sprintf(" (%.0f %%)", 100*float64(p.Bytes+8*p.Frames)/float64(info.Size()))
		}
		fmt.Fprintf(e.stderr, "%s: %d frames%s, %.0f frames/s\n", file, p.Frames, pct, float64(p.Frames)/time.Since(start).Seconds())
	})
	if err != nil {
		return res, err
	}
	return res, nil
}

// ctxReader stops a long import on Ctrl-C: the partial import is removed.
type ctxReader struct {
	ctx context.Context
	r   *os.File
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, fmt.Errorf("interrupted: %w", err)
	}
	return c.r.Read(p)
}

func openStore(path string) (*store.Store, error) {
	st := &store.Store{Path: path}
	if err := st.Initialize(); err != nil {
		return nil, err
	}
	return st, nil
}
