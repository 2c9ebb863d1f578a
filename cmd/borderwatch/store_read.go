package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web/apiclient"
)

// readSource is where a read-only command (sorties, export) reads from: the
// store file when it is free, or the API of the server that holds it.
type readSource struct {
	data, server, token *string
}

func declareReadSource(fs *flag.FlagSet) readSource {
	return declareReadSourceWith(fs, "bbolt file of the sortie store; never created by this command. While a server holds it, the server is asked instead (--server)")
}

// declareReadSourceWith declares --data (with its own help), --server and --token.
func declareReadSourceWith(fs *flag.FlagSet, dataHelp string) readSource {
	return readSource{
		data:   fs.String("data", "borderwatch.db", dataHelp),
		server: fs.String("server", envOr("BORDERWATCH_SERVER", "http://127.0.0.1:8080"), "the server to ask when it holds the --data file (or $BORDERWATCH_SERVER)"),
		token:  fs.String("token", "", "API token for --server (or $BORDERWATCH_TOKEN; borderwatch tokens create USER)"),
	}
}

// open opens the store read-only, or, when a running server holds it,
// returns a client of that server's API (and says so on stderr).
func (r readSource) open(e *env) (*store.Store, *apiclient.Client, error) {
	st := &store.Store{Path: *r.data, ReadOnly: true}
	err := st.Initialize()
	if err == nil {
		return st, nil, nil
	}
	if !errors.Is(err, store.ErrHeld) {
		return nil, nil, err
	}
	return nil, r.client(e), nil
}

// client is the API client of the server that holds the store (and says so on stderr).
func (r readSource) client(e *env) *apiclient.Client {
	token := *r.token
	if token == "" {
		token = os.Getenv("BORDERWATCH_TOKEN")
	}
	fmt.Fprintf(e.stderr, "note: a running server holds %s; asking it at %s\n", *r.data, *r.server)
	return &apiclient.Client{BaseURL: *r.server, Token: token}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
