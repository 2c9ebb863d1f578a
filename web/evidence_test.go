package web

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry/export"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// GET /api/v1/evidence: the package of a window of one vehicle holds that
// window's events (the detection at 30 s, the alert at 31 s) and verifies;
// a window without an end or backwards is refused with what is wrong.
func TestWindowEvidence_HTTP_PackageOfTheWindow(t *testing.T) {
	st := recordedFlight(t)
	s := newStoreServer(t, st)
	q := url.Values{"from": {replayT0.Add(25 * time.Second).Format(time.RFC3339)}, "to": {replayT0.Add(40 * time.Second).Format(time.RFC3339)}}
	body := httpGet(t, s, "/api/v1/evidence?"+q.Encode(), 200)
	rep, err := export.VerifyEvidence(bytes.NewReader(body), int64(len(body)))
	if err != nil || !rep.OK() || rep.Manifest.Sortie != nil || !rep.Manifest.Window.From.Equal(replayT0.Add(25*time.Second)) {
		t.Fatalf("window package: %v %v %+v", err, rep.Problems, rep.Manifest)
	}
	events := readZipJSON(t, body, "events.json")
	types := map[string]int{}
	for _, e := range events {
		types[e["type"].(string)]++
	}
	if types["detection"] != 1 || types["alert"] != 1 {
		t.Fatalf("events of the window: %v, want the detection (30 s) and the alert (31 s)", types)
	}
	q.Set("from", replayT0.Add(50*time.Second).Format(time.RFC3339))
	q.Set("to", replayT0.Add(60*time.Second).Format(time.RFC3339))
	body = httpGet(t, s, "/api/v1/evidence?"+q.Encode(), 200)
	if events := readZipJSON(t, body, "events.json"); len(events) != 0 {
		t.Fatalf("a window after the events holds %d events", len(events))
	}
	for _, bad := range []string{"?from=" + q.Get("from"), "?from=" + q.Get("to") + "&to=" + q.Get("from"), "?from=yesterday&to=" + q.Get("to"), "?" + q.Encode() + "&vehicle=0"} {
		httpGet(t, s, "/api/v1/evidence"+bad, 400)
	}
}

// GET /api/v1/verify answers the store's chain report.
func TestVerify_HTTP_ChainReport(t *testing.T) {
	st := recordedFlight(t)
	s := newStoreServer(t, st)
	var rep store.ChainReport
	if err := json.Unmarshal(httpGet(t, s, "/api/v1/verify", 200), &rep); err != nil || !rep.OK() || rep.Records == 0 || rep.Links == 0 {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	head, _ := st.ChainHead()
	if rep.Head != head {
		t.Fatalf("report head %v, store head %v", rep.Head, head)
	}
}

func readZipJSON(t *testing.T, zipData []byte, name string) []map[string]any {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// GET /api/v1/sorties/{id}/series: the sortie's own vehicle, or the fleet
// with fleet=1, over the whole sortie within the points asked (vehicle 2's
// sortie: it disarms at 100 s, so its sortie is closed).
func TestSortieSeries_HTTP_WholeSortieDownsampled(t *testing.T) {
	s := newStoreServer(t, recordedFlight(t))
	var list []store.Sortie
	if err := json.Unmarshal(httpGet(t, s, "/api/v1/sorties?vehicle=2", 200), &list); err != nil || len(list) != 1 || list[0].Open {
		t.Fatalf("sorties of vehicle 2: %v %+v", err, list)
	}
	id := itoa(list[0].ID)
	var res store.SeriesResult
	if err := json.Unmarshal(httpGet(t, s, "/api/v1/sorties/"+id+"/series?points=20", 200), &res); err != nil || len(res.Vehicles) != 1 || res.Vehicles[0].SysID != 2 {
		t.Fatalf("series of sortie %s: %v %+v", id, err, res)
	}
	v := res.Vehicles[0]
	if len(v.T) == 0 || len(v.T) > 20 || v.T[0] > float64(list[0].Start.Unix())+10 || v.T[len(v.T)-1] < float64(list[0].End.Unix())-10 {
		t.Fatalf("series times %v, sortie %s – %s: not the whole sortie within 20 points", v.T, list[0].Start, list[0].End)
	}
	res = store.SeriesResult{}
	if err := json.Unmarshal(httpGet(t, s, "/api/v1/sorties/"+id+"/series?fleet=1&points=20", 200), &res); err != nil || len(res.Vehicles) != 2 {
		t.Fatalf("series of the fleet: %v %+v", err, res.Vehicles)
	}
	httpGet(t, s, "/api/v1/sorties/"+id+"/series?points=3", 400)
	httpGet(t, s, "/api/v1/sorties/"+id+"/series?vehicle=x", 400)
	httpGet(t, s, "/api/v1/sorties/999/series", 404)
}

// GET /api/v1/sorties/{id}/plans: each vehicle's last verified upload
// before the sortie's end, with its plan; failed uploads and later ones do
// not count.
func TestSortiePlans_HTTP_ThePlanEachVehicleFlew(t *testing.T) {
	st := recordedFlight(t)
	data, err := missions.WriteQGCPlan(planNearHome())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := st.SavePlan(store.PlanVersion{Name: "east", ContentType: planStoredType, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []store.PlanUpload{
		{Time: replayT0.Add(-time.Minute), Plan: "east", Version: 1, SysID: 1, Verified: true},
		{Time: replayT0.Add(-time.Minute), Plan: "east", Version: 1, SysID: 2, Verified: true},
		{Time: replayT0.Add(10 * time.Second), Plan: "east", Version: 2, SysID: 2, Verified: true},
		{Time: replayT0.Add(20 * time.Second), Plan: "east", Version: 1, SysID: 2, Error: "timeout"},
		{Time: replayT0.Add(110 * time.Second), Plan: "east", Version: 1, SysID: 2, Verified: true}, // after the sortie
	} {
		u.User = "ann"
		if err := st.RecordPlanUpload(u); err != nil {
			t.Fatal(err)
		}
	}
	s := newStoreServer(t, st)
	var list []store.Sortie
	if err := json.Unmarshal(httpGet(t, s, "/api/v1/sorties?vehicle=2", 200), &list); err != nil || len(list) != 1 || list[0].Open {
		t.Fatalf("sorties of vehicle 2: %v %+v", err, list)
	}
	var got []FlownPlan
	if err := json.Unmarshal(httpGet(t, s, "/api/v1/sorties/"+itoa(list[0].ID)+"/plans", 200), &got); err != nil ||
		len(got) != 1 || got[0].Upload.SysID != 2 || got[0].Upload.Version != 2 || got[0].Plan == nil || len(got[0].Plan.Mission) != len(planNearHome().Mission) {
		t.Fatalf("plans of vehicle 2's sortie: %v %+v", err, got)
	}
	got = nil
	if err := json.Unmarshal(httpGet(t, s, "/api/v1/sorties/"+itoa(list[0].ID)+"/plans?fleet=1", 200), &got); err != nil ||
		len(got) != 2 || got[0].Upload.SysID != 1 || got[0].Upload.Version != 1 || got[1].Upload.Version != 2 {
		t.Fatalf("plans of the fleet: %v %+v", err, got)
	}
}
