package federation

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// Embedded is a NATS server with JetStream inside this process (serve
// --nats-listen): a one-node cluster for a small deployment (a
// headquarters that its stations connect to, or a single station) and for
// tests. Configure the fields, then Initialize; Close shuts it down.
type Embedded struct {
	// Listen is the client address, e.g. 0.0.0.0:4222 (port 0 picks one).
	Listen string
	// StoreDir is JetStream's folder (created if missing).
	StoreDir string
	// (optional) Name of the server. Defaults to "borderwatch".
	Name string
	// (optional) Users may connect, each with its permissions
	// (permissions.go); nobody else. Defaults to none: anyone who reaches
	// the port may connect and do anything (bind it to a private network).
	Users []NATSUser
	// (optional) Local is what this process is to its own server (a
	// station or a headquarters, without credentials): with Users, it
	// connects with an nkey made at start (LocalKey) and these rights.
	Local NATSUser

	ns       *server.Server
	localKey nkeys.KeyPair
	once     sync.Once
}

// Initialize starts the server and waits until it takes connections.
func (e *Embedded) Initialize() error {
	host, port, err := net.SplitHostPort(e.Listen)
	if err != nil {
		return fmt.Errorf("federation: --nats-listen %q: want HOST:PORT, e.g. 0.0.0.0:4222", e.Listen)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("federation: --nats-listen %q: bad port", e.Listen)
	}
	if p == 0 {
		p = server.RANDOM_PORT
	}
	if e.StoreDir == "" {
		return errors.New("federation: the embedded NATS server needs a folder for JetStream")
	}
	if e.Name == "" {
		e.Name = "borderwatch"
	}
	opts := &server.Options{
		ServerName: e.Name, Host: host, Port: p,
		JetStream: true, StoreDir: e.StoreDir,
		NoSigs: true, // the process handles its own signals
	}
	if len(e.Users) > 0 {
		// Users in the global account, which has JetStream when no
		// accounts are configured.
		if e.localKey, err = nkeys.CreateUser(); err != nil {
			return fmt.Errorf("federation: a key for this server's own connection: %w", err)
		}
		if opts.Users, opts.Nkeys, err = serverUsers(e.Users, e.Local, e.localKey); err != nil {
			return fmt.Errorf("federation: NATS users: %w", err)
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("federation: NATS server: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return fmt.Errorf("federation: the NATS server on %s did not start within 10 s (port in use?)", e.Listen)
	}
	e.ns = ns
	return nil
}

// LocalKey is the nkey of this process's own connection (ConnOptions.Key),
// nil without Users. It lives in memory only.
func (e *Embedded) LocalKey() nkeys.KeyPair { return e.localKey }

// ClientURL is the address clients connect to (nats://HOST:PORT).
func (e *Embedded) ClientURL() string { return e.ns.ClientURL() }

// Close shuts the server down and waits for it. It is idempotent.
func (e *Embedded) Close() {
	e.once.Do(func() {
		if e.ns != nil {
			e.ns.Shutdown()
			e.ns.WaitForShutdown()
		}
	})
}
