package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/borderwatch/borderwatch/federation"
	"github.com/borderwatch/borderwatch/federation/fedtest"
	"github.com/borderwatch/borderwatch/internal/testenv"
)

// serve --hq --nats-listen --nats-users runs a headquarters whose NATS
// server lets in only the users of the file; serve --nats URL
// --nats-creds FILE --station east connects as east's user (an nkey seed
// file) and publishes a simulated drone; the drone is at the HQ under
// east/1 and an HQ command reaches it, with every permission enforced.
func TestServe_HQAndStation_WithNATSUsers(t *testing.T) {
	dir := t.TempDir()
	users, creds := fedtest.Users(t, "hq", "east")
	usersJSON, _ := json.Marshal(map[string]any{"users": users})
	usersFile := filepath.Join(dir, "nats-users.json")
	kp, _ := nkeys.CreateUser()
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	keyFile := filepath.Join(dir, "hq.nk")
	if os.WriteFile(usersFile, usersJSON, 0o600) != nil || os.WriteFile(keyFile, seed, 0o600) != nil {
		t.Fatal("writing the test's files")
	}
	hq, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: filepath.Join(dir, "hq.db"),
		fed: fedOptions{listen: "127.0.0.1:0", users: usersFile, hq: true, hqName: "hq", hqKey: keyFile, staleAfter: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hq.Close)
	startStationWith(t, dir, "east", fedOptions{nats: hq.fed.embedded.ClientURL(), creds: creds["east"], hqTrust: stringList{pub}})

	authedSystem(t, hq)
	base := hq.web.URL()
	c := apiClient(t, base)
	waitHQSeesEast1ThenCommand(t, c, base)
	if _, err := os.Stat(filepath.Join(dir, "hq.db.hqview")); err != nil {
		t.Fatalf("the HQ's view is not kept beside its store: %v", err)
	}
}

// A station connects to a cluster that checks users (--nats-creds, a
// password file read at start), publishes there, and its password appears
// nowhere in its output or logs, at debug level, nor when the cluster
// refuses a wrong one; a file that is not a credentials file is refused
// without being quoted; --nats-users without --nats-listen is refused.
func TestServe_NATSCreds_PasswordNeverLogged(t *testing.T) {
	users, creds := fedtest.Users(t, "hq", "east", "west") // west authenticates with a password
	ns := &federation.Embedded{Listen: "127.0.0.1:0", StoreDir: t.TempDir(), Users: users, Local: federation.NATSUser{HQ: "hq"}}
	if err := ns.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Close)
	line, err := os.ReadFile(creds["west"])
	if err != nil {
		t.Fatal(err)
	}
	_, password, _ := strings.Cut(strings.TrimSpace(string(line)), ":")
	dir := t.TempDir()
	wrong := filepath.Join(dir, "wrong.creds")
	os.WriteFile(wrong, []byte("west:"+password+"-but-wrong\n"), 0o600)
	hqConn, err := federation.Connect(federation.ConnOptions{URL: ns.ClientURL(), Name: "hq", Key: ns.LocalKey(), InboxPrefix: federation.HQInbox("hq")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hqConn.Close)
	js, _ := jetstream.New(hqConn)

	// In-process commands log through the process's default logger
	// (logOptions.install): catch it, at debug level, for this test.
	var logged syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	serve := func(credsFile string, until func() bool) string {
		t.Helper()
		var out syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			run(ctx, &env{stdout: &out, stderr: &out}, []string{"serve", "--mavlink", "udp://127.0.0.1:0", "--http", "127.0.0.1:0",
				"--data", filepath.Join(t.TempDir(), "west.db"), "--station", "west", "--nats", ns.ClientURL(), "--nats-creds", credsFile, "--log-level", "debug"})
		}()
		testenv.Eventually(t, 20*time.Second, "the station's state", until)
		cancel()
		<-done
		return out.String() + logged.String()
	}
	logs := serve(creds["west"], func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := js.Stream(ctx, "BW_EV_west")
		return err == nil
	})
	wrongLogs := serve(wrong, func() bool {
		return strings.Contains(logged.String(), "cannot connect to NATS") && strings.Contains(logged.String(), "Authorization Violation")
	})
	for name, text := range map[string]string{"with its password": logs, "with a wrong one": wrongLogs} {
		if strings.Contains(text, password) {
			t.Fatalf("the station's output %s holds its NATS password:\n%s", name, text)
		}
	}
	bad := filepath.Join(dir, "bad.creds")
	os.WriteFile(bad, []byte("west "+password+"\n"), 0o600)
	_, errOut, code := runTool(t, "serve", "--mavlink", "udp://127.0.0.1:0", "--http", "127.0.0.1:0", "--data", filepath.Join(dir, "x.db"), "--station", "west", "--nats", ns.ClientURL(), "--nats-creds", bad)
	if code == 0 || !strings.Contains(errOut, "not a credentials file") || strings.Contains(errOut, password) {
		t.Fatalf("a bad credentials file: exit %d, %s", code, errOut)
	}
	_, errOut, code = runTool(t, "serve", "--data", filepath.Join(dir, "y.db"), "--nats", ns.ClientURL(), "--nats-users", bad)
	if code == 0 || !strings.Contains(errOut, "--nats-listen") {
		t.Fatalf("--nats-users without --nats-listen: exit %d, %s", code, errOut)
	}
	// An embedded NATS server other machines can reach must have users:
	// without them anyone there could publish a station's states.
	_, errOut, code = runTool(t, "serve", "--hq", "--http", "127.0.0.1:0", "--data", filepath.Join(dir, "z.db"), "--nats-listen", "0.0.0.0:0")
	if code == 0 || !strings.Contains(errOut, "--nats-users") {
		t.Fatalf("--nats-listen 0.0.0.0 without users: exit %d, %s", code, errOut)
	}
}

// serve --station east --nats-listen --nats-users runs a station with its
// own NATS server that lets in only the users of the file: the station
// itself connects with a key it made at start, with a station's rights,
// and a headquarters connecting as its user sees the station's drone.
func TestServe_StationWithOwnNATSUsers_HQSeesDrone(t *testing.T) {
	dir := t.TempDir()
	users, creds := fedtest.Users(t, "hq")
	usersJSON, _ := json.Marshal(map[string]any{"users": users})
	usersFile := filepath.Join(dir, "nats-users.json")
	if err := os.WriteFile(usersFile, usersJSON, 0o600); err != nil {
		t.Fatal(err)
	}
	st, _ := startStationWith(t, dir, "east", fedOptions{listen: "127.0.0.1:0", users: usersFile})
	nc, err := federation.Connect(federation.ConnOptions{URL: st.fed.embedded.ClientURL(), Name: "hq", Creds: creds["hq"], InboxPrefix: federation.HQInbox("hq")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	hq := &federation.HQ{Name: "hq", Conn: nc, DiscoverInterval: 50 * time.Millisecond}
	if err := hq.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hq.Close)
	testenv.Eventually(t, 20*time.Second, "the station's drone at the HQ", func() bool {
		vs := hq.Vehicles()
		return len(vs) == 1 && vs[0].Key == "east/1" && !vs[0].Stale
	})
	if s := hq.Stats(); s.BadMessages != 0 {
		t.Fatalf("HQ stats: %+v", s)
	}
	if s := st.fed.station.Stats(); s.PublishErrors != 0 || !s.Connected {
		t.Fatalf("station stats: %+v", s)
	}
}
