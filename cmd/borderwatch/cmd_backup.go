package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/google/renameio/v2"

	"github.com/borderwatch/borderwatch/federation"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web/apiclient"
)

func init() {
	register(command{
		name:    "backup",
		summary: "Copy the sortie store to FILE, and a headquarters' view (<data>.hqview) to FILE.hqview: consistent snapshots, from the files or from the running server that holds them.",
		usage:   "FILE [--data FILE] [--server URL --token T]",
		flags: func(fset *flag.FlagSet) func(context.Context, *env, []string) error {
			src := declareReadSourceWith(fset, "bbolt file of the sortie store; never created by this command. A headquarters' view beside it (the --data file + .hqview) is copied too, to FILE.hqview. While a server holds them, the server is asked instead (--server)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return errors.New("name the backup file to write")
				}
				out := args[0]
				st, api, err := src.open(e)
				if err != nil {
					return err
				}
				var n int64
				if api != nil {
					// A running server holds the store: it makes the snapshot
					// (admin token), written here atomically.
					n, err = writeAtomically(out, func(w io.Writer) (int64, error) { return api.Backup(ctx, w) })
				} else {
					n, err = st.BackupFile(out)
					st.Close()
				}
				if err != nil {
					return err
				}
				// The copy must open as a store before we call it a backup.
				check := &store.Store{Path: out, ReadOnly: true}
				if err := check.Initialize(); err != nil {
					return fmt.Errorf("the backup at %s does not open as a store: %w", out, err)
				}
				check.Close()
				fmt.Fprintf(e.stdout, "backed up %s to %s (%d bytes)\n", *src.data, out, n)
				return backupHQView(ctx, e, src, api, out)
			}
		},
	})
}

// backupHQView copies a headquarters' view (serve --hq keeps it in the
// --data file + ".hqview", federation/hq_store.go) to out + ".hqview", so
// that a restore is the same two copies back. From the file when no server
// holds it, else from the server that does (GET /api/v1/backup/hqview), as
// for the store. Nothing to do on a server that is not a headquarters.
func backupHQView(ctx context.Context, e *env, src readSource, api *apiclient.Client, out string) error {
	view, viewOut := *src.data+".hqview", out+".hqview"
	if _, err := os.Stat(view); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	n, err := writeAtomically(viewOut, func(w io.Writer) (int64, error) { return federation.BackupViewFile(view, w) })
	if errors.Is(err, federation.ErrViewHeld) {
		if api == nil {
			api = src.client(e)
		}
		n, err = writeAtomically(viewOut, func(w io.Writer) (int64, error) { return api.BackupHQView(ctx, w) })
	}
	if err != nil {
		return err
	}
	// As for the store: the copy must load as a view before it is a backup.
	sum, err := federation.CheckViewFile(viewOut)
	if err != nil {
		return fmt.Errorf("the backup at %s does not load as a headquarters' view: %w", viewOut, err)
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s (%d bytes: %s)\n", view, viewOut, n, sum)
	return nil
}

// writeAtomically writes what copy gives to path: a crash or an error
// leaves the old file (or none), never a part of the new one.
func writeAtomically(path string, copy func(io.Writer) (int64, error)) (int64, error) {
	pf, err := renameio.NewPendingFile(path, renameio.WithPermissions(0o600))
	if err != nil {
		return 0, err
	}
	defer pf.Cleanup()
	n, err := copy(pf)
	if err != nil {
		return n, err
	}
	return n, pf.CloseAtomicallyReplace()
}
