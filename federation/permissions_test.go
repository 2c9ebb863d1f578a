package federation_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/borderwatch/borderwatch/federation"
	"github.com/borderwatch/borderwatch/federation/fedtest"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
)

// startNATSWithUsers runs a real NATS server with JetStream and users for
// stations and a headquarters "hq"; it returns the server and each one's
// credentials file.
func startNATSWithUsers(t *testing.T, stations ...string) (*federation.Embedded, map[string]string) {
	t.Helper()
	users, creds := fedtest.Users(t, "hq", stations...)
	ns := &federation.Embedded{Listen: "127.0.0.1:0", StoreDir: t.TempDir(), Users: users, Local: federation.NATSUser{HQ: "hq"}}
	if err := ns.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Close)
	return ns, creds
}

// asyncErrors collects a connection's asynchronous errors (the server's
// -ERR answers, such as a permissions violation).
type asyncErrors struct {
	mu   sync.Mutex
	errs []error
}

func watchErrors(nc *nats.Conn) *asyncErrors {
	a := &asyncErrors{}
	nc.SetErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		a.mu.Lock()
		a.errs = append(a.errs, err)
		a.mu.Unlock()
	})
	return a
}

// violation waits for the server to refuse something on subject.
func (a *asyncErrors) violation(t *testing.T, what, subject string) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, "a permissions violation for "+what+" "+subject, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		for _, err := range a.errs {
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), subject) && strings.Contains(strings.ToLower(err.Error()), what) {
				return true
			}
		}
		return false
	})
}

func connectAs(t *testing.T, url, creds, inbox string) *nats.Conn {
	t.Helper()
	nc, err := federation.Connect(federation.ConnOptions{URL: url, Name: filepath.Base(creds), Creds: creds, InboxPrefix: inbox, ReconnectWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	testenv.Eventually(t, 10*time.Second, "connected with "+filepath.Base(creds), nc.IsConnected)
	return nc
}

// With users on the embedded server, the federation works (both stations'
// detections reach the HQ, the HQ's request reaches a station and its
// answer comes back), and a station's user is confined to its own
// subjects: the server refuses, with a permissions violation, east
// publishing under west's subjects, subscribing to west's requests or to
// the HQ's answers, and reading or purging west's stream through the
// JetStream API; the HQ may not publish a station's events; nobody gets in
// without credentials or with a wrong password.
func TestEmbedded_Users_StationConfinedToItsOwnSubjects(t *testing.T) {
	ns, creds := startNATSWithUsers(t, "east", "west")
	startConfinedFederation(t, ns.ClientURL(), creds).check(t)
}

// confinedFederation is stations east and west and a headquarters hq, each
// connected with its own credentials to a NATS server with users.
type confinedFederation struct {
	url              string
	conn             map[string]*nats.Conn
	hub              map[string]*telemetry.Hub
	hq               *federation.HQ
	hqConn           *nats.Conn
	westErrs, hqErrs *asyncErrors
}

// startConfinedFederation connects stations east and west and the HQ to
// the server at url with their credentials files and starts them.
func startConfinedFederation(t *testing.T, url string, creds map[string]string) *confinedFederation {
	t.Helper()
	hub := map[string]*telemetry.Hub{"east": {}, "west": {}}
	conn := map[string]*nats.Conn{}
	for _, name := range []string{"east", "west"} {
		conn[name] = connectAs(t, url, creds[name], federation.StationInbox(name))
		st := &federation.Station{Name: name, Conn: conn[name], Hub: hub[name], OutboxPath: filepath.Join(t.TempDir(), name+".outbox"), RetryInterval: 20 * time.Millisecond}
		if err := st.Initialize(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
	}
	westErrs := watchErrors(conn["west"])
	key, _ := nkeys.CreateUser()
	hqConn := connectAs(t, url, creds["hq"], federation.HQInbox("hq"))
	hqErrs := watchErrors(hqConn)
	hq := &federation.HQ{Name: "hq", Conn: hqConn, Key: key, DiscoverInterval: 50 * time.Millisecond}
	if err := hq.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hq.Close)
	return &confinedFederation{url: url, conn: conn, hub: hub, hq: hq, hqConn: hqConn, westErrs: westErrs, hqErrs: hqErrs}
}

// check proves the confinement: both stations' detections reach the HQ,
// the HQ's request reaches a station and its answer comes back, and the
// server refuses, with a permissions violation, east publishing under
// west's subjects, subscribing to west's requests or to the HQ's answers,
// reading or purging west's stream or creating a stream through the
// JetStream API; the HQ may not publish a station's events; nobody gets
// in without credentials or with a wrong password.
func (f *confinedFederation) check(t *testing.T) {
	t.Helper()
	url, conn, hub, hq, hqConn, westErrs, hqErrs := f.url, f.conn, f.hub, f.hq, f.hqConn, f.westErrs, f.hqErrs
	detect := func(station string, track uint32) {
		hub[station].Publish(telemetry.Detection{EventHeader: telemetry.EventHeader{Time: time.Now(), SystemID: 1}, TrackID: track})
	}
	detect("east", 1)
	detect("west", 2)
	testenv.Eventually(t, 10*time.Second, "both stations' detections at the HQ", func() bool { return len(hq.Detections()) == 2 })

	eastErrs := watchErrors(conn["east"])
	// A forged batch of west's, and a forged state, from east's user.
	forged, _ := json.Marshal(map[string]any{"station": "west", "events": []map[string]any{{"seq": 1000, "type": "detection", "time": time.Now(), "data": map[string]any{"track_id": 666}}}})
	if err := conn["east"].Publish("bw.west.events", forged); err != nil {
		t.Fatal(err)
	}
	eastErrs.violation(t, "publish", "bw.west.events")
	conn["east"].Publish("bw.west.state.1", []byte(`{}`))
	eastErrs.violation(t, "publish", "bw.west.state.1")
	// Subscribing to west's requests and to the HQ's answers.
	if _, err := conn["east"].SubscribeSync("bw.west.rpc"); err != nil {
		t.Fatal(err)
	}
	eastErrs.violation(t, "subscription", "bw.west.rpc")
	conn["east"].SubscribeSync("_INBOX.hq.hq.>")
	eastErrs.violation(t, "subscription", "_INBOX.hq.hq.>")
	// Reading or purging west's stream through the JetStream API.
	js, _ := jetstream.New(conn["east"])
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := js.CreateConsumer(ctx, "BW_EV_west", jetstream.ConsumerConfig{}); err == nil {
		t.Fatal("east created a consumer on west's stream")
	}
	eastErrs.violation(t, "publish", "$JS.API.CONSUMER.CREATE.BW_EV_west")
	ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	if err := js.DeleteStream(ctx2, "BW_EV_west"); err == nil {
		t.Fatal("east deleted west's stream")
	}
	eastErrs.violation(t, "publish", "$JS.API.STREAM.DELETE.BW_EV_west")
	// Creating a stream, even its own (the server made them at start, so
	// that no station makes another's first with subjects of its choosing).
	ctx3, cancel3 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel3()
	if _, err := js.CreateStream(ctx3, jetstream.StreamConfig{Name: "BW_EV_east2", Subjects: []string{"bw.west.x"}}); err == nil {
		t.Fatal("east created a stream")
	}
	eastErrs.violation(t, "publish", "$JS.API.STREAM.CREATE.BW_EV_east2")
	// The HQ may not publish a station's events.
	hqConn.Publish("bw.east.events", forged)
	hqErrs.violation(t, "publish", "bw.east.events")

	// Nothing forged arrived: west's next real detection follows its first.
	detect("west", 3)
	testenv.Eventually(t, 10*time.Second, "west's second detection at the HQ", func() bool { return len(hq.Detections()) >= 3 })
	for _, d := range hq.Detections() {
		var det telemetry.Detection
		json.Unmarshal(d.Data, &det)
		if det.TrackID == 666 || d.Seq > 2 {
			t.Fatalf("a forged event reached the HQ: %+v", d)
		}
	}
	// The HQ's request reaches west (which runs none: no executor) and its
	// answer comes back through the server's response permission; east,
	// refused the subscription, never sees it.
	rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer rcancel()
	rep, err := hq.Forward(rctx, "west", federation.Forwarded{User: "ann", Role: "operator", Method: "POST", Path: "/api/v1/vehicles/1/commands", Body: []byte(`{"command":"rtl"}`)})
	if err != nil || rep.Status != 403 || !strings.Contains(string(rep.Body), "does not trust") {
		t.Fatalf("forwarded to west: %+v %v (want west's refusal: it trusts no HQ key)", rep, err)
	}

	// The normal flow was never refused anything.
	westErrs.mu.Lock()
	if len(westErrs.errs) != 0 {
		t.Fatalf("west's own work was refused: %v", westErrs.errs)
	}
	westErrs.mu.Unlock()
	hqErrs.mu.Lock()
	if len(hqErrs.errs) != 1 {
		t.Fatalf("the HQ's work was refused: %v (want only the forged publish)", hqErrs.errs)
	}
	hqErrs.mu.Unlock()

	// No credentials, a wrong password.
	if nc, err := nats.Connect(url); err == nil {
		nc.Close()
		t.Fatal("a connection without credentials was accepted")
	} else if !strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
		t.Fatalf("without credentials: %v", err)
	}
	if nc, err := nats.Connect(url, nats.UserInfo("west", "not-the-password")); err == nil {
		nc.Close()
		t.Fatal("a wrong password was accepted")
	}
}
