package web

import (
	"fmt"
	"testing"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// Only uploads from the plan library used to record which plan a drone
// flew (issue 13). Now every upload does: a plan from outside the library
// (the editor, a corridor leg, a file through the API or the CLI) becomes a
// version of "vehicle N uploads" (once per distinct plan), and a .plan the
// library wrote, unchanged, is recorded as its own library version.
func TestUploadPlan_OutsideTheLibrary_RecordsTheVersionFlown(t *testing.T) {
	hub := &telemetry.Hub{}
	s := newRecordingServer(t, hub, newSimFleet(t, hub, "arducopter", 0), nil)
	put := func(p *missions.Plan) PlanUploadResponse {
		t.Helper()
		data, err := missions.WriteQGCPlan(p)
		if err != nil {
			t.Fatal(err)
		}
		code, body := send(t, "PUT", s.URL()+"/api/v1/vehicles/1/plan?confirm=1", "application/vnd.qgc.plan+json", data)
		r := decode[PlanUploadResponse](t, body)
		if code != 200 || !r.Verified {
			t.Fatalf("upload: %d %s", code, body)
		}
		return r
	}
	flown := func(u store.PlanUpload) *missions.Plan {
		t.Helper()
		v, err := s.Store.Plan(u.Plan, u.Version)
		if err != nil {
			t.Fatalf("the upload record names plan %q v%d, which the library does not hold: %v", u.Plan, u.Version, err)
		}
		p, err := missions.ReadQGCPlan(v.Data)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := planNearHome()
	r := put(first)
	if r.Plan != "vehicle 1 uploads" || r.Version != 1 {
		t.Fatalf("an upload from outside the library: recorded as %q v%d", r.Plan, r.Version)
	}
	again := put(first) // the same plan again: the same version, no new one
	edited := planNearHome()
	edited.Mission[1].Params[6] += 5
	third := put(edited)
	ups, err := s.Store.PlanUploads("", 1)
	if err != nil || len(ups) != 3 {
		t.Fatalf("upload records: %v %+v", err, ups)
	}
	if again.Version != 1 || third.Version != 2 || ups[1].Version != 1 || ups[2].Plan != "vehicle 1 uploads" || ups[2].Version != 2 {
		t.Fatalf("versions recorded %d, %d, %d; records %+v", r.Version, again.Version, third.Version, ups)
	}
	if d := flown(ups[0]).Diff(first); d != "" {
		t.Fatalf("the version recorded for the first upload is not what was flown: %s", d)
	}
	if d := flown(ups[2]).Diff(edited); d != "" {
		t.Fatalf("the version recorded for the edited upload is not what was flown: %s", d)
	}

	// A library version exported as a .plan and uploaded unchanged is that version.
	code, body := send(t, "POST", s.URL()+"/api/v1/plans?name=square&format=json", "application/json", modelJSON(t, edited))
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	lib, err := s.libraryPlan("square", 1)
	if err != nil {
		t.Fatal(err)
	}
	if r := put(lib); r.Plan != "square" || r.Version != 1 {
		t.Fatalf("a library .plan uploaded unchanged: recorded as %q v%d", r.Plan, r.Version)
	}
	// Changed after export, it is not that version any more.
	lib.Mission[1].Params[6] += 5
	if r := put(lib); r.Plan != "vehicle 1 uploads" || r.Version != 3 {
		t.Fatalf("a changed library .plan: recorded as %q v%d, want %q v3", r.Plan, r.Version, "vehicle 1 uploads")
	}
	h, _ := s.Store.PlanHistory("vehicle 1 uploads")
	if want := fmt.Sprintf("uploaded to vehicle 1 by test-admin (from plan %q revision 1, changed)", "square"); len(h) != 3 || h[2].Comment != want {
		t.Fatalf("history %+v, want the last comment %q", h, want)
	}
}
