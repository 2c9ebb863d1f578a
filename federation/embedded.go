package federation

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
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
	adminKey nkeys.KeyPair // until createStreams wipes it
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
		if e.adminKey, err = nkeys.CreateUser(); err != nil {
			return fmt.Errorf("federation: a key to create the streams: %w", err)
		}
		adminPub, _ := e.adminKey.PublicKey()
		opts.Nkeys = append(opts.Nkeys, &server.NkeyUser{Nkey: adminPub}) // every right (createStreams)
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
	if len(e.Users) > 0 {
		if err := e.createStreams(); err != nil {
			e.ns = nil
			ns.Shutdown()
			return err
		}
	}
	return nil
}

// createStreams makes the states stream and the events stream of each
// station user (and of this process, if it is a station), as the stations would (stations' users may not create streams,
// permissions.go). It connects in-process as a user of its own with every
// right, whose key was made at start and is wiped here: nobody can sign
// as that user afterwards.
func (e *Embedded) createStreams() error {
	kp := e.adminKey
	e.adminKey = nil
	defer kp.Wipe()
	pub, _ := kp.PublicKey()
	nc, err := nats.Connect("", nats.InProcessServer(e.ns), nats.Nkey(pub, kp.Sign))
	if err != nil {
		return fmt.Errorf("federation: creating the streams on the embedded server: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ensureStatesStream(ctx, js); err != nil {
		return err
	}
	for _, u := range append(e.Users, e.Local) {
		if u.Station == "" {
			continue
		}
		if err := ensureStream(ctx, js, eventsStreamConfig(u.Station)); err != nil {
			return fmt.Errorf("federation: create stream %s: %w", eventsStream(u.Station), err)
		}
	}
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
