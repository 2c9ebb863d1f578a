package federation

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
)

// ConnOptions say how to reach the NATS cluster.
type ConnOptions struct {
	// URL is one or more nats:// URLs, comma-separated (the cluster's seeds).
	URL string
	// Name names this connection in the cluster's monitoring (the station's
	// or headquarters' name).
	Name string
	// (optional) Creds is a NATS credentials file (a user JWT and its nkey
	// seed), the recommended way to give each station a user whose
	// permissions allow only its own subjects (docs/operations.md).
	Creds string
	// (optional) ReconnectWait is the pause between reconnection attempts.
	// Defaults to 1 s.
	ReconnectWait time.Duration
	// (optional) Logger. Defaults to slog.Default().
	Logger *slog.Logger
}

// Connect connects to the cluster and keeps reconnecting for ever: a
// station outlives its uplink. It does not fail when the cluster is
// unreachable at start (RetryOnFailedConnect): the station works on, and
// its events wait in the outbox.
func Connect(o ConnOptions) (*nats.Conn, error) {
	if o.ReconnectWait <= 0 {
		o.ReconnectWait = time.Second
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(o.ReconnectWait),
		nats.RetryOnFailedConnect(true),
		// What is published while disconnected is not buffered by the
		// client: states are dropped by the station (latest wins), events
		// wait in its outbox.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("federation: NATS disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("federation: NATS reconnected", "server", nc.ConnectedUrlRedacted())
		}),
	}
	if o.Creds != "" {
		opts = append(opts, nats.UserCredentials(o.Creds))
	}
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("federation: connect to NATS %s: %w", o.URL, err)
	}
	return nc, nil
}
