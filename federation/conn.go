package federation

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// ConnOptions say how to reach the NATS cluster.
type ConnOptions struct {
	// URL is one or more nats:// URLs, comma-separated (the cluster's seeds).
	URL string
	// Name names this connection in the cluster's monitoring (the station's
	// or headquarters' name).
	Name string
	// (optional) Creds is a file with this connection's NATS credentials
	// (creds.go): a .creds file (a user JWT and its nkey seed, from nsc), an
	// nkey seed (SU…), or one line USER:PASSWORD. Each station gets a user
	// whose permissions allow only its own subjects (docs/operations.md).
	Creds string
	// (optional) Key authenticates with an nkey instead (the embedded
	// server's user for this process, Embedded.LocalKey).
	Key nkeys.KeyPair
	// (optional) InboxPrefix is where answers to this connection arrive
	// (StationInbox, HQInbox): a user's permissions let it read its own
	// answers only. Defaults to nats.go's _INBOX.
	InboxPrefix string
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
	// The reason a connection attempt failed, logged when it changes (an
	// attempt every ReconnectWait would flood the log).
	var lastFailure atomic.Pointer[string]
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
			lastFailure.Store(nil)
			log.Info("federation: NATS reconnected", "server", nc.ConnectedUrlRedacted())
		}),
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			msg := err.Error()
			if old := lastFailure.Swap(&msg); old == nil || *old != msg {
				log.Warn("federation: cannot connect to NATS; trying again (check --nats and --nats-creds if this says authorization)", "err", err)
			}
		}),
		// What the server refuses (a permissions violation: this user may
		// not publish or subscribe there) arrives asynchronously.
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			if sub != nil {
				log.Warn("federation: NATS refused", "subject", sub.Subject, "err", err)
				return
			}
			log.Warn("federation: NATS refused", "err", err)
		}),
	}
	if o.Creds != "" {
		co, err := credsOption(o.Creds)
		if err != nil {
			return nil, fmt.Errorf("federation: %w", err)
		}
		opts = append(opts, co)
	}
	if o.Key != nil {
		pub, err := o.Key.PublicKey()
		if err != nil {
			return nil, fmt.Errorf("federation: the connection's nkey: %w", err)
		}
		opts = append(opts, nats.Nkey(pub, o.Key.Sign))
	}
	if o.InboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(o.InboxPrefix))
	}
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("federation: connect to NATS %s: %w", o.URL, err)
	}
	return nc, nil
}
