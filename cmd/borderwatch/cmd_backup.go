package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
)

func init() {
	register(command{
		name:    "backup",
		summary: "Copy the sortie store to a file (a consistent snapshot).",
		usage:   "FILE [--data FILE]",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			data := fs.String("data", "borderwatch.db", "bbolt file of the sortie store (the server must be stopped: bbolt locks the file)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return errors.New("name the backup file to write")
				}
				st, err := openStore(*data)
				if err != nil {
					return err
				}
				defer st.Close()
				n, err := st.BackupFile(args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "backed up %s to %s (%d bytes)\n", *data, args[0], n)
				return nil
			}
		},
	})
}
