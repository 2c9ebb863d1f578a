package planner_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/demodata"
	"github.com/borderwatch/borderwatch/missions/planner"
)

// demoLayers is a LayerLookup over the demo's embedded Nogales border, as
// HTTP would look layers up in its store.
func demoLayers(ref string, kind missions.LayerKind) (*missions.Layer, error) {
	if ref != "nogales" {
		return nil, fmt.Errorf("no layer %q", ref)
	}
	return missions.ParseLayer(demodata.NogalesBorder, ref, "Nogales border", kind)
}

func TestCorridor_Request_PlansSummaryAndJSON(t *testing.T) {
	alt := 1190.0
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	res, err := planner.Corridor(planner.CorridorRequest{
		BorderLayer: "nogales", Side: "left", StandoffM: 400, Drones: 2, VehicleType: "plane", Firmware: "px4",
		From: &planner.LatLon{Lat: 31.33, Lon: -111.05}, To: &planner.LatLon{Lat: 31.33, Lon: -110.80},
		Sites:       []planner.Site{{Name: "Base", Lat: 31.36, Lon: -110.95, AltAMSLM: &alt}},
		RallyPoints: []planner.Site{{Name: "Field", Lat: 31.37, Lon: -110.94}},
	}, demoLayers, now)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	// Defaults applied and stated: a plane's speed and endurance, half the
	// standoff as fence margin, the standoff as rally depth.
	if s.VehicleType != "plane" || s.SpeedMS != 15 || s.EnduranceS != 3600 || s.FenceMarginM != 200 || s.RallyDepthM != 400 || s.AltM != 120 {
		t.Fatalf("summary defaults: %+v", s)
	}
	if len(res.Plans) == 0 || len(res.Plans) != len(s.Legs) || len(s.Drones) != 2 {
		t.Fatalf("%d plans, %d legs, %d drones", len(res.Plans), len(s.Legs), len(s.Drones))
	}
	for _, pf := range res.Plans {
		p, err := missions.ReadQGCPlan(pf.QGCPlan)
		if err != nil {
			t.Fatalf("%s: %v", pf.Name, err)
		}
		if p.Vehicle.VehicleType != 1 || p.Vehicle.FirmwareType != missions.FirmwarePX4 || p.Home == nil || p.Home.AltM != 1190 || !p.Meta.CreatedAt.Equal(now) {
			t.Fatalf("%s: vehicle %+v home %+v meta %+v", pf.Name, p.Vehicle, p.Home, p.Meta)
		}
		// Rally: the launch site first, then the operator's point, never a
		// lane end by the border.
		if len(p.Rally) < 1 || p.Rally[0].Lat != 31.36 || p.Rally[0].Lon != -110.95 {
			t.Fatalf("%s: rally %+v", pf.Name, p.Rally)
		}
		for _, r := range p.Rally[1:] {
			if r.Lat != 31.37 || r.Lon != -110.94 {
				t.Fatalf("%s: rally point %+v is neither the site nor the given one", pf.Name, r)
			}
		}
	}
	for _, l := range s.Legs {
		if l.FenceMinBorderDistM < 200 || l.MinBorderDistM < 400 || l.Plan == "" {
			t.Fatalf("leg %+v", l)
		}
	}
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatalf("the result does not marshal: %v", err)
	}
	for _, key := range []string{`"plans"`, `"qgc_plan"`, `"revisit"`, `"max_revisit_s"`, `"fence_margin_m":200`, `"legs"`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
	var b strings.Builder
	s.WriteText(&b)
	if !strings.Contains(b.String(), "Revisit time:") || !strings.Contains(b.String(), "plane at 15 m/s, 60 min per battery") {
		t.Fatalf("text: %s", b.String())
	}
}

// Without a site altitude the plans say "unknown" (null), never 0 m AMSL,
// and the summary says so; copter defaults apply.
func TestCorridor_Request_UnknownHomeAltitude(t *testing.T) {
	res, err := planner.Corridor(planner.CorridorRequest{BorderLayer: "nogales", Side: "left", Drones: 2,
		From: &planner.LatLon{Lat: 31.33, Lon: -111.0}, To: &planner.LatLon{Lat: 31.33, Lon: -110.9}}, demoLayers, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.VehicleType != "copter" || res.Summary.SpeedMS != 10 || res.Summary.EnduranceS != 1200 {
		t.Fatalf("copter defaults: %+v", res.Summary)
	}
	if len(res.Summary.Notes) == 0 || !strings.Contains(res.Summary.Notes[0], "ground altitude unknown") {
		t.Fatalf("notes: %v", res.Summary.Notes)
	}
	p, err := missions.ReadQGCPlan(res.Plans[0].QGCPlan)
	if err != nil {
		t.Fatal(err)
	}
	if p.Home == nil || !math.IsNaN(p.Home.AltM) || !strings.Contains(string(res.Plans[0].QGCPlan), "null") {
		t.Fatalf("home %+v", p.Home)
	}
}

func TestCorridor_Request_RefusesBadRequests(t *testing.T) {
	for _, tc := range []struct {
		req  planner.CorridorRequest
		want string
	}{
		{planner.CorridorRequest{}, "no border layer"},
		{planner.CorridorRequest{BorderLayer: "elsewhere"}, `no layer "elsewhere"`},
		{planner.CorridorRequest{BorderLayer: "nogales", Side: "left", VehicleType: "blimp"}, "want copter or plane"},
		{planner.CorridorRequest{BorderLayer: "nogales", Side: "left", Firmware: "inav"}, "want ardupilot or px4"},
		{planner.CorridorRequest{BorderLayer: "nogales", Side: "left", FenceMarginM: 20}, "at least 50 m"},
		{planner.CorridorRequest{BorderLayer: "nogales", Side: "left", StandoffM: 300, FenceMarginM: 300}, "below the standoff"},
		{planner.CorridorRequest{BorderLayer: "nogales", Side: "left", From: &planner.LatLon{Lat: 31.3, Lon: -111}}, "needs both from and to"},
		{planner.CorridorRequest{BorderLayer: "nogales", Side: "left", StandoffM: math.NaN()}, "not a number"},
		{planner.CorridorRequest{BorderLayer: "nogales", Side: "left", RallyPoints: []planner.Site{{Name: "by the line", Lat: 31.334, Lon: -110.95}}}, "nearer than the rally depth"},
		{planner.CorridorRequest{BorderLayer: "nogales", Side: "left", RallyPoints: []planner.Site{{Name: "south", Lat: 31.30, Lon: -110.95}}}, "other side of the border"},
		{planner.CorridorRequest{BorderLayer: "nogales", Side: "left", Sites: []planner.Site{{Name: "south", Lat: 31.30, Lon: -110.95}}}, "other side of the border"},
	} {
		_, err := planner.Corridor(tc.req, demoLayers, time.Now())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.req, err, tc.want)
		}
		if err != nil && strings.Contains(tc.want, "at least") && !errors.Is(err, planner.ErrBadRequest) {
			t.Errorf("%v does not wrap ErrBadRequest", err)
		}
	}
}

func TestFence_Request_FencePlanAndRefusals(t *testing.T) {
	res, err := planner.Fence(planner.FenceRequest{BorderLayer: "nogales", Side: "left", StandoffM: 200, DepthM: 3000,
		From: &planner.LatLon{Lat: 31.33, Lon: -111.1}, To: &planner.LatLon{Lat: 31.33, Lon: -110.8}, VehicleType: "plane"}, demoLayers, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p, err := missions.ReadQGCPlan(res.QGCPlan)
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Inclusion == 0 || len(p.Fence.Polygons) != res.Summary.Inclusion+res.Summary.Exclusion || p.Vehicle.VehicleType != 1 {
		t.Fatalf("summary %+v, plan fence %d polygons, vehicle %+v", res.Summary, len(p.Fence.Polygons), p.Vehicle)
	}
	for _, tc := range []struct {
		req  planner.FenceRequest
		want string
	}{
		{planner.FenceRequest{BorderLayer: "nogales", Side: "left", StandoffM: 20}, "at least 50 m"},
		{planner.FenceRequest{BorderLayer: "nogales", Side: "left", DepthM: 1e9}, "out of range"},
		{planner.FenceRequest{BorderLayer: "nogales", Side: "left", MaxVertices: 2}, "vertex limit 2"},
		{planner.FenceRequest{BorderLayer: "nogales", Side: "left", Firmware: "betaflight"}, "want ardupilot or px4"},
	} {
		if _, err := planner.Fence(tc.req, demoLayers, time.Now()); err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, planner.ErrBadRequest) {
			t.Errorf("%+v: got %v, want %q (ErrBadRequest)", tc.req, err, tc.want)
		}
	}
}
