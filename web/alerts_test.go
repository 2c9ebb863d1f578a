package web

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// An alert raised on the hub is stored, listed open with its id, and an
// acknowledgement in one browser is stored and pushed to the others; the
// first acknowledgement stands.
func TestAlerts_AckStoredListedAndPushed(t *testing.T) {
	hub := &telemetry.Hub{}
	s := newRecordingServer(t, hub, nil, nil)
	ws := dialLive(t, s)
	testenv.Eventually(t, 5*time.Second, "live client registered", func() bool {
		s.fanout.mu.Lock()
		defer s.fanout.mu.Unlock()
		return len(s.fanout.clients) == 1
	})
	old := telemetry.Alert{EventHeader: telemetry.Header(time.Now().Add(-2*time.Hour).UTC(), 3), Type: telemetry.AlertLinkLost, Severity: telemetry.SeverityWarning, Text: "link lost"}
	alert := telemetry.Alert{EventHeader: telemetry.Header(time.Now().UTC(), 3), Type: telemetry.AlertLowBattery, Severity: telemetry.SeverityCritical, Text: "battery 9%"}
	hub.Publish(old)
	hub.Publish(alert)
	id := store.AlertID(alert)
	// The live stream carries the alert with the id an acknowledgement names.
	readLive(t, ws, "events", func(m json.RawMessage) bool {
		var evs LiveEvents
		_ = json.Unmarshal(m, &evs)
		for _, e := range evs.Events {
			if e.Type == "alert" && e.ID == id {
				return true
			}
		}
		return false
	})
	var list []AlertEntry
	testenv.Eventually(t, 5*time.Second, "alerts stored", func() bool {
		code, body := send(t, "GET", s.URL()+"/api/v1/alerts?since=1h", "", nil)
		list = decode[[]AlertEntry](t, body)
		return code == 200 && len(list) == 1
	})
	if list[0].ID != id || list[0].State != "open" || list[0].Text != "battery 9%" || list[0].Ack != nil {
		t.Fatalf("listed %+v", list[0])
	}
	code, body := send(t, "POST", s.URL()+"/api/v1/alerts/"+id+"/ack", "application/json", []byte(`{"note": "landing at rally 2"}`))
	ack := decode[store.AlertAck](t, body)
	if code != 200 || ack.AlertID != id || ack.User != "test-admin" || ack.Note != "landing at rally 2" {
		t.Fatalf("ack: %d %s", code, body)
	}
	readLive(t, ws, "events", func(m json.RawMessage) bool {
		var evs LiveEvents
		_ = json.Unmarshal(m, &evs)
		for _, e := range evs.Events {
			if e.Type == "alert_ack" && e.ID == id && strings.Contains(string(e.Event), "landing at rally 2") {
				return true
			}
		}
		return false
	})
	if code, body := send(t, "POST", s.URL()+"/api/v1/alerts/"+id+"/ack", "application/json", []byte(`{}`)); code != 409 || !strings.Contains(string(body), "landing at rally 2") {
		t.Fatalf("second ack: %d %s", code, body)
	}
	if code, body := send(t, "POST", s.URL()+"/api/v1/alerts/1-3-low_battery-x/ack", "application/json", []byte(`{}`)); code != 404 {
		t.Fatalf("ack of an unknown alert: %d %s", code, body)
	}
	code, body = send(t, "GET", s.URL()+"/api/v1/alerts?limit=5", "", nil)
	list = decode[[]AlertEntry](t, body)
	if code != 200 || len(list) != 2 || list[0].State != "open" || list[1].State != "acknowledged" || list[1].Ack.Note != "landing at rally 2" {
		t.Fatalf("after ack: %d %s", code, body)
	}
	// limit keeps the newest; state filters.
	code, body = send(t, "GET", s.URL()+"/api/v1/alerts?limit=1", "", nil)
	if list = decode[[]AlertEntry](t, body); code != 200 || len(list) != 1 || list[0].ID != id {
		t.Fatalf("limit 1: %d %s", code, body)
	}
	code, body = send(t, "GET", s.URL()+"/api/v1/alerts?state=open", "", nil)
	if list = decode[[]AlertEntry](t, body); code != 200 || len(list) != 1 || list[0].Type != telemetry.AlertLinkLost {
		t.Fatalf("open only: %d %s", code, body)
	}
	// The state filters before the limit: the newest open alert is the
	// older one, though the newest alert of all is acknowledged.
	code, body = send(t, "GET", s.URL()+"/api/v1/alerts?state=open&limit=1", "", nil)
	if list = decode[[]AlertEntry](t, body); code != 200 || len(list) != 1 || list[0].Type != telemetry.AlertLinkLost {
		t.Fatalf("newest open: %d %s", code, body)
	}
	code, body = send(t, "GET", s.URL()+"/api/v1/alerts?state=acknowledged&limit=1", "", nil)
	if list = decode[[]AlertEntry](t, body); code != 200 || len(list) != 1 || list[0].ID != id || list[0].Ack == nil {
		t.Fatalf("newest acknowledged: %d %s", code, body)
	}
	for _, q := range []string{"since=yesterday", "since=1h&from=2026-01-01T00:00:00Z", "state=closed"} {
		if code, body := send(t, "GET", s.URL()+"/api/v1/alerts?"+q, "", nil); code != 400 {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}
}

// Layers imported over the API are kept in the store: a new server on the
// same file shows them renamed as they were; a layer the server was started
// with can be neither renamed nor deleted.
func TestLayers_StoredRenamedDeletedSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	st := storetest.MustOpenPath(t, path)
	startup, err := missions.ParseLayer([]byte(borderNearHome), "layer-1", "from --layer", missions.LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	hub := &telemetry.Hub{}
	s := newRecordingServer(t, hub, nil, st)
	s.layerMu.Lock()
	s.Layers = []*missions.Layer{startup}
	s.layerMu.Unlock()
	kml := sharedFile(t, "kml", "mavlink_qgroundcontrol", "PolygonGood.kml")
	code, body := send(t, "POST", s.URL()+"/api/v1/layers?kind=no_fly&name=range", "application/vnd.google-earth.kml+xml", kml)
	l := decode[layerSummary](t, body)
	if code != 201 || l.ID != "stored-1" || !l.Stored {
		t.Fatalf("import: %d %s", code, body)
	}
	code, body = send(t, "POST", s.URL()+"/api/v1/layers?kind=no_fly&name=second", "application/vnd.google-earth.kml+xml", kml)
	if code != 201 {
		t.Fatalf("second import: %d %s", code, body)
	}
	if code, body := send(t, "PATCH", s.URL()+"/api/v1/layers/stored-1", "application/json", []byte(`{"name": "<b>range</b> north"}`)); code != 200 || !strings.Contains(string(body), `\u003cb\u003erange`) {
		t.Fatalf("rename: %d %s", code, body)
	}
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"PATCH", "/api/v1/layers/layer-1", `{"name": "x"}`, http.StatusConflict},
		{"DELETE", "/api/v1/layers/layer-1", ``, http.StatusConflict},
		{"PATCH", "/api/v1/layers/stored-9", `{"name": "x"}`, http.StatusNotFound},
		{"PATCH", "/api/v1/layers/stored-1", `{"name": ""}`, http.StatusBadRequest},
		{"PATCH", "/api/v1/layers/stored-1", `{"name": "a\u0000b"}`, http.StatusBadRequest},
		{"DELETE", "/api/v1/layers/stored-2", ``, http.StatusOK},
		{"DELETE", "/api/v1/layers/stored-2", ``, http.StatusNotFound},
	} {
		if code, body := send(t, c.method, s.URL()+c.path, "application/json", []byte(c.body)); code != c.want {
			t.Errorf("%s %s %s: %d %s, want %d", c.method, c.path, c.body, code, body, c.want)
		}
	}
	s.Close()

	s2 := &Server{Addr: "127.0.0.1:0", Fleet: s.Fleet, Hub: hub, Store: st}
	if err := s2.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s2.Close)
	adminToken(t, s2)
	code, body = send(t, "GET", s2.URL()+"/api/v1/layers", "", nil)
	list := decode[[]layerSummary](t, body)
	if code != 200 || len(list) != 1 || list[0].ID != "stored-1" || list[0].Name != "<b>range</b> north" || list[0].Kind != missions.LayerNoFly || list[0].Features == 0 {
		t.Fatalf("after restart: %d %s", code, body)
	}
	if code, _ := send(t, "GET", s2.URL()+"/api/v1/layers/stored-1", "", nil); code != 200 {
		t.Fatalf("get stored layer: %d", code)
	}
}
