package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/google/renameio/v2"

	"github.com/borderwatch/borderwatch/telemetry/store"
)

func init() {
	register(command{
		name:    "backup",
		summary: "Copy the sortie store to a file (a consistent snapshot), from the file or from the running server that holds it.",
		usage:   "FILE [--data FILE] [--server URL --token T]",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			src := declareReadSource(fs)
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
					pf, err := renameio.NewPendingFile(out, renameio.WithPermissions(0o600))
					if err != nil {
						return err
					}
					defer pf.Cleanup()
					if n, err = api.Backup(ctx, pf); err != nil {
						return err
					}
					if err := pf.CloseAtomicallyReplace(); err != nil {
						return err
					}
				} else {
					defer st.Close()
					if n, err = st.BackupFile(out); err != nil {
						return err
					}
				}
				// The copy must open as a store before we call it a backup.
				check := &store.Store{Path: out, ReadOnly: true}
				if err := check.Initialize(); err != nil {
					return fmt.Errorf("the backup at %s does not open as a store: %w", out, err)
				}
				check.Close()
				fmt.Fprintf(e.stdout, "backed up %s to %s (%d bytes)\n", *src.data, out, n)
				return nil
			}
		},
	})
}
