package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

func TestStore_Sorties_FiltersAndDetectionTracksVsEvents(t *testing.T) {
	s := storetest.MustOpen(t)
	m := newMaker(t)
	var frames []telemetry.Frame
	for _, id := range []telemetry.VehicleID{1, 2, 3} {
		frames = append(frames, m.frame(id, t0, heartbeat(true)), m.frame(id, t0.Add(time.Minute), heartbeat(false)))
	}
	det := func(id telemetry.VehicleID, track uint32, sec int) telemetry.Event {
		return telemetry.Detection{EventHeader: telemetry.Header(t0.Add(time.Duration(sec)*time.Second), id), TrackID: track, Class: "person"}
	}
	// Vehicle 1: one person followed for 5 reports; vehicle 2: a breach; vehicle 3: a low battery alert.
	events := []telemetry.Event{det(1, 7, 1), det(1, 7, 2), det(1, 7, 3), det(1, 8, 4), det(1, 7, 5),
		telemetry.Alert{EventHeader: telemetry.Header(t0.Add(time.Second), 2), Type: telemetry.AlertFenceBreach},
		telemetry.Alert{EventHeader: telemetry.Header(t0.Add(time.Second), 3), Type: telemetry.AlertLowBattery}}
	if err := s.Append([]telemetry.Frame{frames[0], frames[2], frames[4]}, nil); err != nil { // arm all first
		t.Fatal(err)
	}
	if err := s.Append(nil, events); err != nil {
		t.Fatal(err)
	}
	ids := func(f store.SortieFilter) []telemetry.VehicleID {
		list, err := s.Sorties(f)
		if err != nil {
			t.Fatal(err)
		}
		var out []telemetry.VehicleID
		for _, so := range list {
			out = append(out, so.Vehicle)
		}
		slices.Sort(out)
		return out
	}
	for name, c := range map[string]struct {
		f    store.SortieFilter
		want []telemetry.VehicleID
	}{
		"all":        {store.SortieFilter{}, []telemetry.VehicleID{1, 2, 3}},
		"detections": {store.SortieFilter{WithDetections: true}, []telemetry.VehicleID{1}},
		"breaches":   {store.SortieFilter{WithBreaches: true}, []telemetry.VehicleID{2}},
		"alerts":     {store.SortieFilter{WithAlerts: true}, []telemetry.VehicleID{2, 3}},
		"vehicle":    {store.SortieFilter{Vehicle: 3}, []telemetry.VehicleID{3}},
		"imports":    {store.SortieFilter{Source: "import"}, nil},
	} {
		if got := ids(c.f); !slices.Equal(got, c.want) {
			t.Errorf("%s: sorties of vehicles %v, want %v", name, got, c.want)
		}
	}
	list, _ := s.Sorties(store.SortieFilter{Vehicle: 1})
	if so := list[0]; so.DetectionEvents != 5 || so.Detections != 5 || so.DetectionTracks != 2 || so.Imported {
		t.Fatalf("vehicle 1: %d detection events, %d tracks; want 5 events of 2 tracks", so.DetectionEvents, so.DetectionTracks)
	}
}
