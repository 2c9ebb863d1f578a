package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/borderwatch/borderwatch/telemetry/export"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// errVerifyFailed makes verify exit 1 after it printed what does not match.
var errVerifyFailed = errors.New("verification failed")

func init() {
	register(command{
		name:    "verify",
		summary: "Check the store's evidence chain, or an evidence package on its own; exit 1 naming what was changed.",
		usage:   "[--data FILE] [--server URL --token T] | FILE.zip [--data FILE]",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			src := declareReadSourceWith(fs, "bbolt file of the sortie store (read-only; while a server holds it, the server checks its own chain: --server, --token with the audit permission); with FILE.zip, also check that the package's chain head is in this store's chain")
			data := src.data
			return func(ctx context.Context, e *env, args []string) error {
				switch len(args) {
				case 0:
					return verifyStore(ctx, e, src)
				case 1:
					withStore := ""
					fs.Visit(func(f *flag.Flag) {
						if f.Name == "data" {
							withStore = *data
						}
					})
					return verifyPackage(e, args[0], withStore)
				}
				return errors.New("give at most one evidence package (FILE.zip), or none to check --data")
			}
		},
	})
}

// verifyStore checks the chain of the --data file, or, while a server holds
// it, asks that server to check it (GET /api/v1/verify runs the same
// store.VerifyChain on the open store) and says so on stderr.
func verifyStore(ctx context.Context, e *env, src readSource) error {
	path := *src.data
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no store at %s (give --data FILE): %w", path, err)
	}
	r, err := store.VerifyFile(path)
	if errors.Is(err, store.ErrHeld) {
		api := src.client(e)
		if r, err = api.Verify(ctx); err != nil {
			return fmt.Errorf("verify %s through the server: %w", path, err)
		}
		path = fmt.Sprintf("%s (checked by the server at %s)", path, api.BaseURL)
	}
	if err != nil {
		return err
	}
	if r.NoChain {
		fmt.Fprintf(e.stdout, "%s has no evidence chain yet (written by a Borderwatch without one): nothing to check.\n"+
			"The chain starts when a server next opens the file; it then seals every record the file holds.\n", path)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: %d records checked against %d chain links; head %s\n", path, r.Records, r.Links, r.Head)
	if r.Baseline > 0 {
		fmt.Fprintf(e.stdout, "the chain starts at link 1 (%s): the %d records stored before then were sealed at that time, not when they were recorded\n",
			r.Started.Format("2006-01-02T15:04:05Z"), r.Baseline)
	}
	return reportProblems(e.stdout, len(r.Problems)+r.Omitted, func(w io.Writer) {
		for _, p := range r.Problems {
			fmt.Fprintf(w, "CHANGED: %s\n", p)
		}
		if r.Omitted > 0 {
			fmt.Fprintf(w, "… and %d more\n", r.Omitted)
		}
	})
}

func verifyPackage(e *env, path, storePath string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	r, err := export.VerifyEvidence(f, st.Size())
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if m := r.Manifest; m != nil {
		what := fmt.Sprintf("window %s – %s", m.Window.From.Format("2006-01-02T15:04:05Z"), m.Window.To.Format("2006-01-02T15:04:05Z"))
		if m.Sortie != nil {
			what = fmt.Sprintf("sortie %d (vehicle %d, %s)", m.Sortie.ID, m.Sortie.SystemID, m.Sortie.Start.Format("2006-01-02T15:04:05Z"))
		}
		fmt.Fprintf(e.stdout, "%s: evidence package of %s, written %s, %d files, chain head %s\n",
			path, what, m.Created.Format("2006-01-02T15:04:05Z"), len(m.Files)+1, m.ChainHead)
	}
	if err := reportProblems(e.stdout, len(r.Problems), func(w io.Writer) {
		for _, p := range r.Problems {
			fmt.Fprintf(w, "DOES NOT MATCH: %s\n", p)
		}
	}); err != nil || storePath == "" {
		return err
	}
	if err := store.CheckHeadInFile(storePath, r.Manifest.ChainHead); err != nil {
		fmt.Fprintf(e.stdout, "DOES NOT MATCH: %v\n", err)
		return fmt.Errorf("%w: the package's chain head is not in %s", errVerifyFailed, storePath)
	}
	fmt.Fprintf(e.stdout, "OK: chain link %d of %s is the package's head\n", r.Manifest.ChainHead.Link, storePath)
	return nil
}

func reportProblems(w io.Writer, n int, list func(io.Writer)) error {
	if n == 0 {
		fmt.Fprintln(w, "OK: nothing was changed")
		return nil
	}
	list(w)
	return fmt.Errorf("%w: %d %s", errVerifyFailed, n, map[bool]string{true: "problem", false: "problems"}[n == 1])
}
