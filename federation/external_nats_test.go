package federation_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/bcrypt"

	"github.com/borderwatch/borderwatch/federation"
	"github.com/borderwatch/borderwatch/federation/fedtest"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/mavlink/decode"
)

// deployNATS is the folder of the external NATS server's configuration
// that docs/operations.md documents.
const deployNATS = "../deploy/nats"

// startDocumentedNATS starts a real NATS server in this process from
// deploy/nats/nats-server.conf as an operator would, with users for east,
// west and hq (their keys and hashes in the environment variables the file
// names), on a random loopback port with JetStream in a temporary folder;
// as the operator, it makes the streams from deploy/nats/stream-*.json. It
// returns the server's options as read from the file, its URL and each
// client's credentials file.
func startDocumentedNATS(t *testing.T) (*server.Options, string, map[string]string) {
	t.Helper()
	users, creds := fedtest.Users(t, "hq", "east", "west") // east: nkey, west: password, hq: nkey
	adminPassword := rand.Text()
	adminHash, err := bcrypt.GenerateFromPassword([]byte(adminPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	// A bcrypt hash in a variable goes with its quotes (the file says why).
	t.Setenv("BW_NATS_EAST_NKEY", users[0].Nkey)
	t.Setenv("BW_NATS_WEST_PASSWORD_HASH", "'"+users[1].Password+"'")
	t.Setenv("BW_NATS_HQ_NKEY", users[2].Nkey)
	t.Setenv("BW_NATS_ADMIN_PASSWORD_HASH", "'"+string(adminHash)+"'")
	opts, err := server.ProcessConfigFile(filepath.Join(deployNATS, "nats-server.conf"))
	if err != nil {
		t.Fatalf("the documented NATS configuration does not load: %v", err)
	}
	// Only where it listens and keeps its data change for the test.
	run := opts.Clone()
	run.Host, run.Port, run.StoreDir, run.NoSigs = "127.0.0.1", server.RANDOM_PORT, t.TempDir(), true
	ns, err := server.NewServer(run)
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("the NATS server did not start")
	}
	url := ns.ClientURL()

	admin, err := nats.Connect(url, nats.UserInfo("admin", adminPassword))
	if err != nil {
		t.Fatalf("the operator's admin user: %v", err)
	}
	defer admin.Close()
	js, err := jetstream.New(admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"BW_STATES", "BW_EV_east", "BW_EV_west"} {
		cfg := readStreamConfig(t, name)
		cfg.Replicas = 1 // one node here; 3 on the documented cluster
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := js.CreateStream(ctx, cfg)
		cancel()
		if err != nil {
			t.Fatalf("nats stream add --config stream-%s.json: %v", name, err)
		}
	}
	return opts, url, creds
}

// readStreamConfig reads deploy/nats/stream-NAME.json, the file
// `nats stream add --config` takes.
func readStreamConfig(t *testing.T, name string) jetstream.StreamConfig {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(deployNATS, "stream-"+name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg jetstream.StreamConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("stream-%s.json: %v", name, err)
	}
	return cfg
}

// The documented configuration gives each user exactly the rights the
// embedded server gives it (permissions.go), and the documented streams
// are the ones a server would make: what the embedded server's tests prove
// holds for the external cluster too.
func TestExternalNATS_DocumentedConfig_SameRulesAndStreamsAsTheEmbeddedServer(t *testing.T) {
	opts, _, _ := startDocumentedNATS(t)
	want := map[string]*server.Permissions{
		os.Getenv("BW_NATS_EAST_NKEY"): federation.StationPermissions("east"),
		"west":                         federation.StationPermissions("west"),
		os.Getenv("BW_NATS_HQ_NKEY"):   federation.HQPermissions("hq"),
		"admin":                        nil,
	}
	got := map[string]*server.Permissions{}
	for _, u := range opts.Nkeys {
		got[u.Nkey] = u.Permissions
	}
	for _, u := range opts.Users {
		got[u.Username] = u.Permissions
	}
	if len(got) != len(want) {
		t.Fatalf("the file has %d users, want %d (east, west, hq, admin)", len(got), len(want))
	}
	for user, p := range want {
		if g, ok := got[user]; !ok || !reflect.DeepEqual(g, p) {
			gj, _ := json.Marshal(g)
			pj, _ := json.Marshal(p)
			t.Errorf("user %.12s…: the file gives\n%s\nthe embedded server gives\n%s", user, gj, pj)
		}
	}
	for _, station := range []string{"east", "west"} {
		checkStreamConfig(t, readStreamConfig(t, "BW_EV_"+station), federation.EventsStreamConfig(station))
	}
	checkStreamConfig(t, readStreamConfig(t, "BW_STATES"), federation.StatesStreamConfig())
}

// checkStreamConfig compares what a station and an HQ rely on.
func checkStreamConfig(t *testing.T, got, want jetstream.StreamConfig) {
	t.Helper()
	type rely struct {
		Name              string
		Subjects          []string
		Storage           jetstream.StorageType
		Retention         jetstream.RetentionPolicy
		MaxMsgsPerSubject int64
		MaxAge            time.Duration
		Duplicates        time.Duration
	}
	pick := func(c jetstream.StreamConfig) rely {
		if c.MaxMsgsPerSubject == 0 {
			c.MaxMsgsPerSubject = -1 // the server's default: no limit
		}
		if c.Duplicates == 0 {
			c.Duplicates = 2 * time.Minute // the server's default
		}
		return rely{c.Name, c.Subjects, c.Storage, c.Retention, c.MaxMsgsPerSubject, c.MaxAge, c.Duplicates}
	}
	if g, w := pick(got), pick(want); !reflect.DeepEqual(g, w) {
		t.Errorf("stream-%s.json:\n got %+v\nwant %+v (what the embedded server makes)", got.Name, g, w)
	}
}

// A real nats-server started from the documented configuration confines
// each station to its own subjects as the embedded server does, lets the
// HQ read every station and send requests; and a station's vehicle state
// reaches the HQ through it.
func TestExternalNATS_DocumentedConfig_StationConfinedAndStateReachesHQ(t *testing.T) {
	_, url, creds := startDocumentedNATS(t)
	f := startConfinedFederation(t, url, creds)
	f.check(t)
	state := decode.VehicleState{ID: 1, SysID: 1, Autopilot: "ardupilot", LinkOK: true}
	state.Apply(&common.MessageGlobalPositionInt{TimeBootMs: 1000, Lat: 313345000, Lon: -1109395000, Alt: 1_300_000, RelativeAlt: 120_000}, time.Now())
	f.hub["east"].Publish(state)
	testenv.Eventually(t, 10*time.Second, "east/1 at the HQ", func() bool {
		for _, v := range f.hq.Vehicles() {
			var s struct {
				Lat, Lon float64
			}
			if v.Key == "east/1" && json.Unmarshal(v.State, &s) == nil && s.Lat == 31.3345 && s.Lon == -110.9395 {
				return true
			}
		}
		return false
	})
}
