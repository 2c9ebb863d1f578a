package web

import (
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
)

// borderNearHome is a border line 388 m north of the mission's northern leg
// (31.354 → 31.3575) of planNearHome.
const borderNearHome = `{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[-110.97,31.3575],[-110.93,31.3575]]}}`

// Validation checks a plan against its own fence and the server's border
// layers and names the item each problem ends at, for the map to highlight;
// an upload that would cross the border is refused before anything is sent.
func TestPlanValidate_BorderAndFenceProblemsNameTheItem(t *testing.T) {
	hub := &telemetry.Hub{}
	s := newRecordingServer(t, hub, newSimFleet(t, hub, "arducopter", 0), nil)
	validate := func(query string, p *missions.Plan) PlanValidation {
		t.Helper()
		code, body := send(t, "POST", s.URL()+"/api/v1/plans/validate?format=json&"+query, "application/json", modelJSON(t, p))
		if code != 200 {
			t.Fatalf("validate %s: %d %s", query, code, body)
		}
		return decode[PlanValidation](t, body)
	}
	if v := validate("", planNearHome()); !v.Valid || v.BorderChecked || v.Counts.Mission != 4 {
		t.Fatalf("no border layer: %+v", v)
	}
	if code, body := send(t, "POST", s.URL()+"/api/v1/layers?kind=border&name=line", "application/geo+json", []byte(borderNearHome)); code != 201 {
		t.Fatalf("border layer: %d %s", code, body)
	}
	if v := validate("", planNearHome()); !v.Valid || !v.BorderChecked || v.MinBorderM != crossingDistM {
		t.Fatalf("a plan 390 m from the border, no distance asked: %+v", v)
	}
	v := validate("min_border_m=500", planNearHome())
	// The plan has no home and takes off where it stands, so its first leg
	// is item 2 → item 3: the problem is on item 3, where that leg ends.
	if v.Valid || v.Problems[0].List != missions.TypeMission || v.Problems[0].Index != 3 ||
		!strings.Contains(v.Problems[0].Message, "comes within 388 m of the border (minimum 500 m)") {
		t.Fatalf("500 m from the border: %+v", v)
	}
	// The rule covers the fence (at the fence margin, half the distance) and
	// the rally points too, not only the mission (issue 11).
	var fenceNear, rallyNear bool
	for _, p := range v.Problems {
		fenceNear = fenceNear || (p.List == missions.TypeFence && strings.Contains(p.Message, "within 55 m of the border"))
		rallyNear = rallyNear || (p.List == missions.TypeRally && strings.Contains(p.Message, "from the border (minimum 500 m)"))
	}
	if !fenceNear || !rallyNear {
		t.Fatalf("500 m from the border: fence %v, rally %v: %+v", fenceNear, rallyNear, v)
	}

	// Item 3 moved north of the border: it leaves the fence and its legs cross the border.
	across := planNearHome()
	across.Mission[2].Params[4] = 31.365
	v = validate("", across)
	var border, fence bool
	for _, p := range v.Problems {
		border = border || (p.Index == 3 && strings.Contains(p.Message, "across the border"))
		fence = fence || (p.Index == 3 && strings.Contains(p.Message, "outside the inclusion fence"))
	}
	if v.Valid || !border || !fence {
		t.Fatalf("a leg across the border: %+v", v)
	}
	code, body := send(t, "PUT", s.URL()+"/api/v1/vehicles/1/plan?format=json&confirm=1", "application/json", modelJSON(t, across))
	if refused := decode[PlanUploadRefused](t, body); code != 422 || len(refused.Problems) == 0 || !strings.Contains(refused.Error, "nothing was sent") {
		t.Fatalf("upload across the border: %d %s", code, body)
	}
	if code, body := send(t, "POST", s.URL()+"/api/v1/plans/validate?format=json&min_border_m=-3", "application/json", modelJSON(t, across)); code != 400 {
		t.Fatalf("negative distance: %d %s", code, body)
	}
}

// Conversion between every format the missions package writes, and the
// plan editor's model, loses no item of a shared QGroundControl plan.
func TestPlanConvert_EveryFormatRoundTrips(t *testing.T) {
	s, _ := newTestServer(t)
	adminToken(t, s)
	src := sharedFile(t, "qgc_plans", "px4_autopilot", "multicopter_mission_geofence_avoid.plan")
	want, err := missions.ReadQGCPlan(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"plan", "geojson", "kml", "json"} {
		code, out := send(t, "POST", s.URL()+"/api/v1/plans/convert?to="+to, "application/json", src)
		if code != 200 {
			t.Fatalf("to %s: %d %s", to, code, out)
		}
		code, back := send(t, "POST", s.URL()+"/api/v1/plans/convert?to=json&format="+to, "application/octet-stream", out)
		if code != 200 {
			t.Fatalf("%s back to json: %d %s", to, code, back)
		}
		got, err := readPlanModel(back)
		if err != nil {
			t.Fatalf("%s: %v", to, err)
		}
		if len(got.Mission) != len(want.Mission) || len(got.Fence.Polygons) != len(want.Fence.Polygons) || len(got.Fence.Circles) != len(want.Fence.Circles) || len(got.Rally) != len(want.Rally) {
			t.Fatalf("%s round trip: %d/%d items, %d/%d polygons, %d/%d circles, %d/%d rally", to,
				len(got.Mission), len(want.Mission), len(got.Fence.Polygons), len(want.Fence.Polygons), len(got.Fence.Circles), len(want.Fence.Circles), len(got.Rally), len(want.Rally))
		}
	}
	for _, c := range []struct{ query, ctype, body, want string }{
		{"to=wpl&list=moat", "application/json", string(src), `moat`},
		{"to=docx", "application/json", string(src), `docx`},
		{"", "application/json", string(src), "?to="},
		{"to=json", "image/png", string(src), "image/png"},
		{"to=json", "text/plain", "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t91\t0\t0\t1\n1\t0\t3\t16\t0\t0\t0\t0\t95\t0\t10\t1\n", "QGC WPL"},
	} {
		code, body := send(t, "POST", s.URL()+"/api/v1/plans/convert?"+c.query, c.ctype, []byte(c.body))
		if code < 400 || code > 415 || !strings.Contains(string(body), c.want) {
			t.Errorf("convert %s (%s): %d %s, want a refusal naming %q", c.query, c.ctype, code, body, c.want)
		}
	}
}
