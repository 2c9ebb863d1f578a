package web

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry/export"
	"github.com/borderwatch/borderwatch/telemetry/replay"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

func httpGet(t *testing.T, s *Server, path string, wantStatus int) []byte {
	t.Helper()
	resp, err := client(t, s).Get(s.URL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, b, wantStatus)
	}
	return b
}

// After a seek backwards the client is told to reset, and nothing it then
// receives is from later than the replay clock.
func TestReplay_SeekBackwards_ResetHasNothingFromLater(t *testing.T) {
	s := newStoreServer(t, recordedFlight(t))
	c := dialReplay(t, s, "from="+replayT0.Format(time.RFC3339)+"&to="+replayT0.Add(2*time.Minute).Format(time.RFC3339))
	shown := map[uint8]gcs.VehicleState{}
	first := readUntil(t, c, shown, "the first snapshot", func(m replayIn) bool { return m.Type == "reset" })
	if len(first.Events) != 0 {
		t.Fatalf("snapshot at the start carries events %v", first.Events)
	}
	seek := func(sec int) replayIn {
		at := replayT0.Add(time.Duration(sec) * time.Second)
		if err := c.WriteJSON(ReplayCommand{Cmd: "seek", Time: at}); err != nil {
			t.Fatal(err)
		}
		return readUntil(t, c, shown, "the reset", func(m replayIn) bool { return m.Type == "reset" && m.Replay.Time.Equal(at) })
	}
	late := seek(35)
	types := map[string]bool{}
	for _, e := range late.Events {
		types[e.Type] = true
	}
	if !types["detection"] || !types["alert"] || !types["operator_action"] {
		t.Fatalf("snapshot at 35 s has events %v; want the detection (30 s), alert (31 s) and operator action (32 s)", types)
	}
	back := seek(10)
	if len(back.Events) != 0 || len(back.Vehicles) != 2 {
		t.Fatalf("snapshot at 10 s: %d events (want none: all are later), %d vehicles", len(back.Events), len(back.Vehicles))
	}
	for _, v := range back.Vehicles {
		if secondsOf(v) > 10 {
			t.Fatalf("vehicle %d shows its position of %.1f s after a seek to 10 s", v.SysID, secondsOf(v))
		}
	}
	// Step on a little: whatever comes is not later than the clock.
	for i := 0; i < 5; i++ {
		if err := c.WriteJSON(ReplayCommand{Cmd: "step"}); err != nil {
			t.Fatal(err)
		}
	}
	readUntil(t, c, shown, "the steps", func(m replayIn) bool {
		for _, e := range m.Events {
			var h struct {
				Time time.Time `json:"time"`
			}
			_ = json.Unmarshal(e.Event, &h)
			if h.Time.After(m.Replay.Time) {
				t.Fatalf("event at %v sent at replay time %v", h.Time, m.Replay.Time)
			}
		}
		return m.Replay.Time.After(replayT0.Add(10 * time.Second))
	})
}

func TestReplay_StoreFails_ReportedNotIgnored(t *testing.T) {
	st := recordedFlight(t)
	s := newStoreServer(t, st)
	c := dialReplay(t, s, "from="+replayT0.Format(time.RFC3339)+"&to="+replayT0.Add(2*time.Minute).Format(time.RFC3339))
	shown := map[uint8]gcs.VehicleState{}
	readUntil(t, c, shown, "the first snapshot", func(m replayIn) bool { return m.Type == "reset" })
	if err := st.Close(); err != nil { // the disk went away
		t.Fatal(err)
	}
	if err := c.WriteJSON(ReplayCommand{Cmd: "seek", Time: replayT0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		StoreError string `json:"store_error"`
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for got.StoreError == "" {
		if err := c.ReadJSON(&got); err != nil {
			t.Fatalf("waiting for the store error: %v", err)
		}
	}
	if got.StoreError != "replay: seek: store: closed" {
		t.Fatalf("store_error %q", got.StoreError)
	}
}

// timelineIn is TimelineResponse as a client decodes it.
type timelineIn struct {
	Window  replay.Window `json:"window"`
	Markers []struct {
		Time  time.Time       `json:"time"`
		Kind  string          `json:"kind"`
		SysID uint8           `json:"sysid"`
		Label string          `json:"label"`
		Type  string          `json:"type"`
		Event json.RawMessage `json:"event"`
	} `json:"markers"`
}

func TestSortieTimeline_HTTP_MarkersOfLiveAndImportedSorties(t *testing.T) {
	st := recordedFlight(t)
	s := newStoreServer(t, st)
	list, err := st.Sorties(store.SortieFilter{Vehicle: 1})
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	if err := st.RecordPlanUpload(store.PlanUpload{Time: replayT0.Add(33 * time.Second), Plan: "north", Version: 2, SysID: 1, User: "ann", Verified: true}); err != nil {
		t.Fatal(err)
	}
	var tl timelineIn
	if err := json.Unmarshal(httpGet(t, s, "/api/v1/sorties/"+itoa(list[0].ID)+"/timeline?fleet=1", 200), &tl); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]time.Time{}
	for _, m := range tl.Markers {
		kinds[m.Kind] = m.Time
		if m.Label == "" {
			t.Errorf("marker %+v has no label", m)
		}
	}
	want := map[string]time.Duration{replay.MarkDetection: 30 * time.Second, replay.MarkAlert: 31 * time.Second, replay.MarkOperatorAction: 32 * time.Second, replay.MarkUpload: 33 * time.Second}
	for k, d := range want {
		if !kinds[k].Equal(replayT0.Add(d)) {
			t.Errorf("marker %s at %v, want %v (markers %+v)", k, kinds[k], replayT0.Add(d), tl.Markers)
		}
	}
	httpGet(t, s, "/api/v1/sorties/999/timeline", 404)

	// An imported real log has no recorded events: its markers are decoded.
	f, err := os.Open(filepath.Join(testenv.SharedData(t), "tlogs", "borderwatch_sitl", "arducopter_4.7_sitl_fence_breach.tlog"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := st.ImportTlog(f, "import:fence_breach.tlog", nil)
	if err != nil || len(res.Sorties) == 0 {
		t.Fatalf("import: %v %+v", err, res)
	}
	tl = timelineIn{}
	if err := json.Unmarshal(httpGet(t, s, "/api/v1/sorties/"+itoa(res.Sorties[0].ID)+"/timeline", 200), &tl); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range tl.Markers {
		got[m.Kind]++
		if m.Time.Before(tl.Window.From) || m.Time.After(tl.Window.To) {
			t.Errorf("marker %+v outside the window %v – %v", m, tl.Window.From, tl.Window.To)
		}
	}
	if got[replay.MarkMode] == 0 || got[replay.MarkArm] == 0 {
		t.Fatalf("imported SITL flight: markers %v; want its mode and arm changes", got)
	}
}

func TestSorties_HTTP_FiltersAndEvidenceExport(t *testing.T) {
	st := recordedFlight(t)
	s := newStoreServer(t, st)
	var list []store.Sortie
	for q, want := range map[string]int{"": 2, "?detections=1": 1, "?alerts=1": 1, "?breaches=1": 0, "?source=import": 0, "?source=live&vehicle=2": 1} {
		list = nil
		if err := json.Unmarshal(httpGet(t, s, "/api/v1/sorties"+q, 200), &list); err != nil || len(list) != want {
			t.Errorf("GET /api/v1/sorties%s: %d sorties, %v; want %d", q, len(list), err, want)
		}
	}
	httpGet(t, s, "/api/v1/sorties?detections=maybe", 400)
	httpGet(t, s, "/api/v1/sorties?source=radio", 400)
	list = nil
	_ = json.Unmarshal(httpGet(t, s, "/api/v1/sorties?detections=1", 200), &list)
	if len(list) != 1 || list[0].DetectionEvents != 1 || list[0].DetectionTracks != 1 {
		t.Fatalf("sortie with detections: %+v", list)
	}
	resp, err := client(t, s).Get(s.URL() + "/api/v1/sorties/" + itoa(list[0].ID) + "/export?format=evidence")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" || resp.Header.Get("Content-Disposition") != `attachment; filename="sortie-`+itoa(list[0].ID)+`.zip"` {
		t.Fatalf("evidence export: %d %v", resp.StatusCode, resp.Header)
	}
	rep, err := export.VerifyEvidence(bytes.NewReader(body), int64(len(body)))
	if err != nil || !rep.OK() || rep.Manifest.Sortie.ID != list[0].ID {
		t.Fatalf("package from HTTP: %v %v", err, rep.Problems)
	}
	head, _ := st.ChainHead()
	if rep.Manifest.ChainHead != head {
		t.Fatalf("manifest chain head %v, store %v", rep.Manifest.ChainHead, head)
	}
}
