package missions

import (
	"math"
	"strings"
	"testing"
	"time"
)

// roundTrip writes p in format f and reads it back; WPL writes one file per
// list, as the CLI does, and they are merged again.
func roundTrip(t *testing.T, p *Plan, f Format) *Plan {
	t.Helper()
	if f != FormatWPL {
		b, err := WritePlanData(p, f)
		if err != nil {
			t.Fatalf("%s: write: %v", f, err)
		}
		q, err := ReadPlanData(b, f)
		if err != nil {
			t.Fatalf("%s: read back: %v", f, err)
		}
		return q
	}
	var q *Plan
	for _, list := range []MissionType{TypeMission, TypeFence, TypeRally} {
		b, err := WriteWPL(p, list)
		if err != nil {
			t.Fatalf("wpl %s: write: %v", list, err)
		}
		r, err := ReadWPL(b, WPLHomeAuto)
		if err != nil {
			t.Fatalf("wpl %s: read back: %v", list, err)
		}
		if q == nil {
			q = r
		} else if err := q.Merge(r); err != nil {
			t.Fatalf("wpl %s: merge: %v", list, err)
		}
	}
	return q
}

// Converting lost data without a word (issue 12): .plan → KML → .plan dropped
// the firmware, vehicle type and speeds, and a null home altitude became 0
// through GeoJSON and WPL. Whatever a format cannot hold must be named by
// LostInFormat, which the CLI prints on stderr.
func TestLostInFormat_RoundTrip_EveryLossIsNamed(t *testing.T) {
	p := testPlan()
	p.Home.AltM = math.NaN()
	p.Vehicle = Vehicle{FirmwareType: FirmwareArduPilot, VehicleType: 2, CruiseSpeedMS: 12, HoverSpeedMS: 4}
	p.Meta = Meta{Name: "sector 7", Author: "op1", Revision: 3, Comment: "night", CreatedAt: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)}
	for _, f := range []Format{FormatQGC, FormatGeoJSON, FormatKML, FormatWPL} {
		q := roundTrip(t, p, f)
		notes := strings.Join(LostInFormat(p, f), " | ")
		if q.Vehicle != p.Vehicle && !strings.Contains(notes, "vehicle type") {
			t.Errorf("%s: vehicle %+v came back as %+v, and the notes do not say so: %q", f, p.Vehicle, q.Vehicle, notes)
		}
		if q.Meta.Name != p.Meta.Name && !strings.Contains(notes, "name") {
			t.Errorf("%s: name %q came back as %q, and the notes do not say so: %q", f, p.Meta.Name, q.Meta.Name, notes)
		}
		if q.Meta.Comment != p.Meta.Comment && !strings.Contains(notes, "comment") {
			t.Errorf("%s: comment lost without a note: %q", f, notes)
		}
		if q.Home == nil || !math.IsNaN(q.Home.AltM) {
			if !strings.Contains(notes, "home altitude") {
				t.Errorf("%s: the unknown home altitude came back as %v, and the notes do not say so: %q", f, q.Home, notes)
			}
		}
		// The items themselves always survive.
		if len(q.Mission) != len(p.Mission) || len(q.Rally) != len(p.Rally) || len(q.Fence.Polygons) != len(p.Fence.Polygons) {
			t.Errorf("%s: lists changed: mission %d→%d rally %d→%d polygons %d→%d", f,
				len(p.Mission), len(q.Mission), len(p.Rally), len(q.Rally), len(p.Fence.Polygons), len(q.Fence.Polygons))
		}
	}
	// Formats that hold everything say nothing.
	for _, f := range []Format{FormatQGC, FormatGeoJSON} {
		if n := LostInFormat(p, f); len(n) != 0 {
			t.Errorf("%s: notes %q for a format that holds everything", f, n)
		}
	}
}
