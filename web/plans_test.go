package web

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// newRecordingServer runs a server on a real bbolt store (t.TempDir()) with the
// recorder that stores what the hub carries. fleet may be nil (a fleet
// without vehicles is made).
func newRecordingServer(t testing.TB, hub *telemetry.Hub, fleet *gcs.Fleet, st *store.Store) *Server {
	t.Helper()
	return newRecordingServerWith(t, hub, fleet, st, nil)
}

// newRecordingServerWith is newRecordingServer with configure applied to the
// Server before it starts.
func newRecordingServerWith(t testing.TB, hub *telemetry.Hub, fleet *gcs.Fleet, st *store.Store, configure func(*Server)) *Server {
	t.Helper()
	if fleet == nil {
		fleet = &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub}
		if err := fleet.Initialize(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(fleet.Close)
	}
	if st == nil {
		st = storetest.MustOpen(t)
	}
	rec := &store.Recorder{Store: st, Hub: hub, FlushInterval: 10 * time.Millisecond}
	if err := rec.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Close)
	s := &Server{Addr: "127.0.0.1:0", Fleet: fleet, Hub: hub, Store: st}
	if configure != nil {
		configure(s)
	}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	adminToken(t, s)
	return s
}

// send makes a request with a body and a Content-Type and returns the
// status and body.
func send(t *testing.T, method, url, contentType string, body []byte) (int, []byte) {
	t.Helper()
	code, data, err := trySend(method, url, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	return code, data
}

// trySend is send for a goroutine other than the test's, which must not
// call t.Fatal: the error comes back instead.
func trySend(method, url, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(string(body)))
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if tok := tokenFor(url); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	return res.StatusCode, data, nil
}

func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("answer %s: %v", data, err)
	}
	return v
}

func sharedFile(t *testing.T, parts ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{testenv.SharedData(t)}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A WPL mission, a legacy fence list and a WPL rally file from ArduPilot's
// and pymavlink's own tests become one plan in the library, version by
// version; each version reads back as it was and exports in every format.
func TestPlanLibrary_CreateMergeGetExportDelete(t *testing.T) {
	s := newRecordingServer(t, &telemetry.Hub{}, nil, nil)
	base := s.URL() + "/api/v1/plans"
	mission := sharedFile(t, "waypoints", "ardupilot_autotest", "CANGPSCopterMission__copter_mission.txt")
	fence := sharedFile(t, "waypoints", "ardupilot_autotest", "FenceRTL__CMAC-fence.txt")

	code, body := send(t, "POST", base+"?name=cmac&comment=first", "text/plain", mission)
	saved := decode[PlanSaved](t, body)
	if code != 201 || saved.Version != 1 || saved.Counts.Mission == 0 || saved.Author != "test-admin" || saved.Comment != "first" {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := send(t, "POST", base+"?name=cmac", "text/plain", mission); code != 409 || !strings.Contains(string(body), "already exists") {
		t.Fatalf("second create: %d %s", code, body)
	}
	code, body = send(t, "PUT", base+"/cmac?merge=1&format=fence-list", "text/plain", fence)
	v2 := decode[PlanSaved](t, body)
	if code != 200 || v2.Version != 2 || v2.Counts.Mission != saved.Counts.Mission || v2.Counts.FencePolygons != 1 {
		t.Fatalf("merge fence: %d %s", code, body)
	}
	if code, body := send(t, "PUT", base+"/nothere", "text/plain", mission); code != 404 {
		t.Fatalf("update of a missing plan: %d %s", code, body)
	}

	code, body = send(t, "GET", base+"/cmac", "", nil)
	d := decode[PlanDetail](t, body)
	if code != 200 || d.Version != 2 || len(d.History) != 2 || len(d.Plan.Fence.Polygons) != 1 || len(d.Plan.Mission) != saved.Counts.Mission {
		t.Fatalf("get latest: %d %s", code, body)
	}
	code, body = send(t, "GET", base+"/cmac?version=1", "", nil)
	if d1 := decode[PlanDetail](t, body); code != 200 || d1.Version != 1 || len(d1.Plan.Fence.Polygons) != 0 {
		t.Fatalf("get version 1: %d %s", code, body)
	}

	for _, c := range []struct{ query, ctype, ext string }{
		{"", "application/json", ".plan"},
		{"format=kml", "application/vnd.google-earth.kml+xml", ".kml"},
		{"format=geojson", "application/geo+json", ".geojson"},
		{"format=wpl&list=fence", "text/plain; charset=utf-8", ".fence.waypoints"},
		{"format=json", "application/json", ".json"},
	} {
		res, err := authtest.Client(tokenFor(base + "/")).Get(base + "/cmac/export?" + c.query)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != c.ctype || !strings.Contains(res.Header.Get("Content-Disposition"), "cmac-v2"+c.ext) {
			t.Fatalf("export %s: %s %v %s", c.query, res.Status, res.Header, data)
		}
		f := missions.Format(strings.TrimPrefix(strings.Split(c.query, "&")[0], "format="))
		if f == "" {
			f = missions.FormatQGC
		}
		p, err := readPlanData(data, f)
		if err != nil {
			t.Fatalf("export %s does not read back: %v", c.query, err)
		}
		if f == missions.FormatWPL {
			if len(p.Fence.Polygons) != 1 {
				t.Fatalf("fence list export holds %+v", p.Fence)
			}
		} else if len(p.Mission) != saved.Counts.Mission || len(p.Fence.Polygons) != 1 {
			t.Fatalf("export %s reads back as %d items, %d polygons", c.query, len(p.Mission), len(p.Fence.Polygons))
		}
	}
	if code, body := send(t, "GET", base+"/cmac/export?format=docx", "", nil); code != 400 || !strings.Contains(string(body), "docx") {
		t.Fatalf("unknown format: %d %s", code, body)
	}

	code, body = send(t, "GET", base, "", nil)
	if list := decode[[]store.PlanSummary](t, body); code != 200 || len(list) != 1 || list[0].Versions != 2 {
		t.Fatalf("list: %d %s", code, body)
	}
	code, body = send(t, "DELETE", base+"/cmac", "", nil)
	if del := decode[PlanDeleted](t, body); code != 200 || del.Versions != 2 {
		t.Fatalf("delete: %d %s", code, body)
	}
	if code, _ := send(t, "GET", base+"/cmac", "", nil); code != 404 {
		t.Fatalf("get after delete: %d", code)
	}
}

// planNearHome is a small mission with an inclusion fence and a rally point
// around the simulated vehicle's home (31.352, -110.95), as the plan model.
func planNearHome() *missions.Plan {
	return &missions.Plan{
		Mission: []missions.Item{
			missions.Takeoff(0, 0, 30),
			missions.Waypoint(31.354, -110.95, 60, 0),
			missions.Waypoint(31.354, -110.947, 60, 0),
			missions.ReturnToLaunch(),
		},
		Fence: missions.Fence{Polygons: []missions.FencePolygon{{Inclusion: true,
			Vertices: []orb.Point{{-110.96, 31.345}, {-110.94, 31.345}, {-110.94, 31.357}, {-110.96, 31.357}}}}}, // 55 m south of borderNearHome
		Rally: []missions.Position{{Lat: 31.353, Lon: -110.951, AltM: 40}},
	}
}

func modelJSON(t *testing.T, p *missions.Plan) []byte {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readLive collects /ws/live messages of one type until done says enough.
func readLive(t *testing.T, c *websocket.Conn, typ string, done func(json.RawMessage) bool) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s on /ws/live: %v", typ, err)
		}
		var head struct{ Type string }
		if json.Unmarshal(data, &head) == nil && head.Type == typ && done(data) {
			return
		}
	}
}

// A library plan goes to a real simulated vehicle over loopback UDP: the
// browser sees each list's progress on /ws/live, the answer is the verified
// result, and the library records which version went where, by whom.
func TestPlanLibrary_UploadToSimulator_ProgressAndRecord(t *testing.T) {
	for _, flavor := range []string{"arducopter", "px4"} {
		t.Run(flavor, func(t *testing.T) {
			hub := &telemetry.Hub{}
			s := newRecordingServer(t, hub, newSimFleet(t, hub, flavor, 0), nil)
			code, body := send(t, "POST", s.URL()+"/api/v1/plans?name=square&format=json", "application/json", modelJSON(t, planNearHome()))
			if code != 201 {
				t.Fatalf("create: %d %s", code, body)
			}
			ws := dialLive(t, s)
			testenv.Eventually(t, 5*time.Second, "live client registered", func() bool {
				s.fanout.mu.Lock()
				defer s.fanout.mu.Unlock()
				return len(s.fanout.clients) == 1
			})
			code, body = send(t, "POST", s.URL()+"/api/v1/plans/square/upload", "application/json", []byte(`{"vehicle": 1}`))
			r := decode[PlanUploadResponse](t, body)
			if code != 200 || !r.Verified || r.Plan != "square" || r.Version != 1 || r.Mission.Items != 4 || r.Fence.Items != 4 || r.Rally.Items != 1 {
				t.Fatalf("upload: %d %s", code, body)
			}
			// Each list's last report says every item was sent.
			final := map[string]UploadProgress{}
			readLive(t, ws, "upload_progress", func(m json.RawMessage) bool {
				p := decode[UploadProgress](t, m)
				if p.Vehicle != 1 || p.Sent > p.Total {
					t.Fatalf("progress %s", m)
				}
				final[p.List] = p
				done := 0
				for _, l := range []string{"mission", "fence", "rally"} {
					if f, ok := final[l]; ok && f.Sent == f.Total && f.Total > 0 {
						done++
					}
				}
				return done == 3
			})
			code, body = send(t, "GET", s.URL()+"/api/v1/plans/square/uploads", "", nil)
			ups := decode[[]store.PlanUpload](t, body)
			if code != 200 || len(ups) != 1 || ups[0].SysID != 1 || ups[0].Version != 1 || !ups[0].Verified || ups[0].User != "test-admin" || ups[0].Items != [3]int{4, 4, 1} {
				t.Fatalf("upload records: %d %s", code, body)
			}
			// A fence-only plan would erase the mission the vehicle now holds.
			fenceOnly := planNearHome()
			fenceOnly.Mission, fenceOnly.Rally = nil, nil
			testenv.Eventually(t, 10*time.Second, "vehicle reports its mission", func() bool {
				v, _, _ := s.Fleet.Vehicle(t.Context(), 1)
				return v.MissionTotal > 0
			})
			code, body = send(t, "PUT", s.URL()+"/api/v1/vehicles/1/plan?format=json", "application/json", modelJSON(t, fenceOnly))
			if refused := decode[PlanUploadRefused](t, body); code != 409 || warningCodes(refused.Warnings) != missions.WarnClearsMission {
				t.Fatalf("fence-only upload: %d %s", code, body)
			}
			if ups, _ := s.Store.PlanUploads("", 1); len(ups) != 1 {
				t.Fatalf("a refused upload was recorded: %+v", ups)
			}
		})
	}
}
