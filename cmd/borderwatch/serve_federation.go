package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/borderwatch/borderwatch/federation"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// fedOptions are serve's federation flags (docs/operations.md, "Stations
// and a headquarters"). The station's name is --station (shared with TAK).
type fedOptions struct {
	nats       string        // --nats
	listen     string        // --nats-listen
	creds      string        // --nats-creds
	users      string        // --nats-users
	hq         bool          // --hq
	hqName     string        // --hq-name
	hqKey      string        // --hq-key
	hqTrust    stringList    // --hq-trust
	staleAfter time.Duration // --stale-after
}

func declareFedFlags(fs *flag.FlagSet, o *fedOptions) {
	fs.StringVar(&o.nats, "nats", "", "NATS cluster URL(s), comma-separated: publish this station's vehicles, events and sorties to JetStream (or, with --hq, read every station's)")
	fs.StringVar(&o.listen, "nats-listen", "", "run an embedded NATS server with JetStream on HOST:PORT (its data in a folder beside --data) and use it")
	fs.StringVar(&o.creds, "nats-creds", "", "file with this server's NATS credentials for --nats: a .creds file (user JWT and nkey seed, from nsc), an nkey seed (SU…) or one line USER:PASSWORD; mode 0600, never on the command line")
	fs.StringVar(&o.users, "nats-users", "", "with --nats-listen: JSON file of the NATS users allowed in, each a station or a headquarters with its public nkey or bcrypt password hash; each gets only its own subjects (docs/operations.md). Needed unless --nats-listen is a loopback address")
	fs.BoolVar(&o.hq, "hq", false, "be a headquarters: show every station's fleet, alerts, detections and sorties, kept across restarts in a file beside --data (.hqview) (needs --nats or --nats-listen; --mavlink becomes optional)")
	fs.StringVar(&o.hqName, "hq-name", "hq", "this headquarters' name (its durable consumers are named after it)")
	fs.StringVar(&o.hqKey, "hq-key", "", "headquarters: file with the nkey seed (SU…) that signs commands forwarded to stations; keep it secret")
	fs.Var(&o.hqTrust, "hq-trust", "station: public nkey (U…) of a headquarters whose forwarded commands and uploads this station runs, repeatable (none: refuse all)")
	fs.DurationVar(&o.staleAfter, "stale-after", 5*time.Second, "headquarters: a station's vehicle without a state for this long is shown as stale, not live")
}

// enabled says whether federation is configured.
func (o fedOptions) enabled() bool { return o.nats != "" || o.listen != "" }

func (o fedOptions) check() error {
	if o.hq && !o.enabled() {
		return errors.New("--hq needs --nats URL (or --nats-listen ADDR): a headquarters reads its stations from NATS")
	}
	if o.nats != "" && o.listen != "" {
		return errors.New("give --nats or --nats-listen, not both")
	}
	if o.users != "" && o.listen == "" {
		return errors.New("--nats-users sets the users of the embedded NATS server (--nats-listen); for an external cluster set them in its configuration (docs/operations.md)")
	}
	if o.creds != "" && o.listen != "" {
		return errors.New("--nats-creds is for --nats URL: with --nats-listen this server connects to its own NATS server with a key it makes at start")
	}
	if o.listen != "" && o.users == "" && !loopbackListen(o.listen) {
		// Without users anyone who reaches the port could publish a
		// station's states and detections to the headquarters.
		return fmt.Errorf("--nats-listen %s is reachable from other machines and has no users: give --nats-users FILE (docs/operations.md), or listen on 127.0.0.1", o.listen)
	}
	return nil
}

// loopbackListen says whether a listen address (HOST:PORT) is reachable
// from this machine only.
func loopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// fedParts are the running federation managers.
type fedParts struct {
	embedded *federation.Embedded
	conn     *nats.Conn
	station  *federation.Station
	hq       *federation.HQ
	metrics  federation.Metrics
}

// startFederation connects to NATS (through an embedded server with
// --nats-listen) and starts the headquarters' reader. It runs after the
// store and fleet and before the web server, which serves the HQ's view;
// a station starts after the web server (startStation), which runs the
// requests its headquarters forwards.
func (s *server) startFederation(o fedOptions, station, data string) error {
	if !o.enabled() {
		return nil
	}
	url := o.nats
	// What this server is to NATS: its name, its inbox (its permissions
	// let it read its own answers only) and, on its own server, its user.
	kind, name, inbox, local := "station", station, federation.StationInbox(station), federation.NATSUser{Station: station}
	if o.hq {
		kind, name, inbox, local = "headquarters", o.hqName, federation.HQInbox(o.hqName), federation.NATSUser{HQ: o.hqName}
	}
	if err := federation.CheckName(kind, name); err != nil {
		return err
	}
	conn := federation.ConnOptions{Name: name, Creds: o.creds, InboxPrefix: inbox}
	if o.listen != "" {
		s.fed.embedded = &federation.Embedded{Listen: o.listen, StoreDir: data + ".nats", Name: station, Local: local}
		if o.users != "" {
			users, err := federation.ReadNATSUsers(o.users)
			if err != nil {
				s.fed.embedded = nil
				return err
			}
			s.fed.embedded.Users = users
		}
		if err := s.fed.embedded.Initialize(); err != nil {
			s.fed.embedded = nil
			return err
		}
		url = s.fed.embedded.ClientURL()
		conn.Key = s.fed.embedded.LocalKey()
	}
	conn.URL = url
	nc, err := federation.Connect(conn)
	if err != nil {
		return err
	}
	s.fed.conn = nc
	if o.hq {
		// The view survives a restart in a file beside the store (hq_store.go).
		hq := &federation.HQ{Name: o.hqName, Conn: nc, StaleAfter: o.staleAfter, StorePath: data + ".hqview"}
		if o.hqKey != "" {
			if hq.Key, err = readNKey(o.hqKey); err != nil {
				return err
			}
		}
		if err := hq.Initialize(); err != nil {
			return err
		}
		s.fed.hq = hq
		s.fed.metrics.SetHQ(hq)
	}
	return nil
}

// startStation starts publishing as a station, once the web server that
// runs forwarded requests is up.
func (s *server) startStation(o fedOptions, station, data string) error {
	if !o.enabled() || o.hq {
		return nil
	}
	st := &federation.Station{Name: station, Conn: s.fed.conn, Hub: s.hub, OutboxPath: data + ".outbox", TrustedHQ: o.hqTrust, Executor: s.web,
		Sorties: func(since time.Time) ([]store.Sortie, error) { return s.store.Sorties(store.SortieFilter{From: since}) }}
	if err := st.Initialize(); err != nil {
		return err
	}
	s.fed.station = st
	s.fed.metrics.SetStation(st)
	return nil
}

// readNKey reads an nkey seed file (the HQ's signing key).
func readNKey(path string) (nkeys.KeyPair, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--hq-key: %w", err)
	}
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
	if err != nil {
		return nil, fmt.Errorf("--hq-key %s: not an nkey seed (SU…): %w", path, err)
	}
	return kp, nil
}

// natsReady is the web server's /readyz check of the NATS connection.
func (f *fedParts) natsReady() error {
	if f.conn.IsConnected() {
		return nil
	}
	return fmt.Errorf("%s", strings.ToLower(f.conn.Status().String()))
}

func (s *server) closeFederation() {
	if s.fed.station != nil {
		s.fed.station.Close()
		s.fed.station = nil
	}
	if s.fed.hq != nil {
		s.fed.hq.Close()
		s.fed.hq = nil
	}
	if s.fed.conn != nil {
		s.fed.conn.Close()
		s.fed.conn = nil
	}
	if s.fed.embedded != nil {
		s.fed.embedded.Close()
		s.fed.embedded = nil
	}
}
