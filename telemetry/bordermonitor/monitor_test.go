package bordermonitor

import (
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/demodata"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/borderwatch/borderwatch/telemetry"
)

// The demo's border runs along 31.3322° N east of Nogales; the US side
// (our territory) is north of it.
const borderLat = 31.3322

func demoLayers(t *testing.T, withTerritory bool) []*missions.Layer {
	t.Helper()
	border, err := missions.ParseGeoJSONLayer(demodata.NogalesBorder, "b", "border", missions.LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	if !withTerritory {
		return []*missions.Layer{border}
	}
	territory, err := missions.ParseGeoJSONLayer(demodata.NogalesTerritory, "t", "US side", missions.LayerOwnTerritory)
	if err != nil {
		t.Fatal(err)
	}
	return []*missions.Layer{border, territory}
}

// at is a point metres north (negative: south) of the border at 110.9° W.
func at(northM float64) orb.Point {
	return geo.Destination(orb.Point{-110.9, borderLat}, 0, northM)
}

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

func types(as []telemetry.Alert) string {
	s := ""
	for _, a := range as {
		s += string(a.Type) + " "
	}
	return s
}

// One approach gives one alert however the drone hovers about the warning
// distance; it alerts again only after going back past the hysteresis; a
// crossing alerts once, critical.
func TestChecker_Drone_OneAlertPerApproachAndCrossing(t *testing.T) {
	for _, territory := range []bool{true, false} {
		c := NewChecker(demoLayers(t, territory), Rules{WarnDistM: 300, HysteresisM: 100})
		steps := []struct {
			northM float64
			want   string
		}{
			{2000, ""}, {1000, ""}, {301, ""},
			{290, "border_approach "},
			{250, ""}, {310, ""}, {280, ""}, {390, ""}, // within the hysteresis: the same approach
			{420, ""}, {280, "border_approach "}, // back past 400 m, then near again: a new approach
			{50, ""}, {-30, "border_crossed "}, {-200, ""}, {-20, ""}, {20, ""}, // jitter about the line: one crossing
			{150, ""}, {-50, "border_crossed "}, // back on our side by the margin, then across again
			{1000, ""}, {250, "border_approach "},
		}
		for i, s := range steps {
			got := types(c.Drone(4, at(s.northM), t0.Add(time.Duration(i)*time.Second)))
			if got != s.want {
				t.Fatalf("territory %v, step %d (%.0f m north): alerts %q, want %q", territory, i, s.northM, got, s.want)
			}
		}
		// Another drone has its own state.
		if got := types(c.Drone(5, at(250), t0)); got != "border_approach " {
			t.Fatalf("drone 5: %q", got)
		}
	}
}

// A track seen south of the border that walks north raises one alert when
// it enters our territory; walking along the line does not raise more; it
// re-arms only once it is seen well outside again.
func TestChecker_Detection_TrackCrossingIntoOurTerritory(t *testing.T) {
	c := NewChecker(demoLayers(t, true), Rules{HysteresisM: 100})
	det := func(track uint32, northM float64, i int) telemetry.Detection {
		p := at(northM)
		return telemetry.Detection{EventHeader: telemetry.Header(t0.Add(time.Duration(i)*time.Second), 2),
			TrackID: track, Class: "person", ConfidencePct: 80, Lat: p[1], Lon: p[0]}
	}
	steps := []struct {
		northM float64
		want   string
	}{
		{-800, ""}, {-300, ""}, {20, "track_crossed "}, {-20, ""}, {30, ""}, {-50, ""}, {60, ""},
		{-400, ""}, {100, "track_crossed "},
	}
	for i, s := range steps {
		if got := types(c.Detection(det(7, s.northM, i))); got != s.want {
			t.Fatalf("step %d (%.0f m north): %q, want %q", i, s.northM, got, s.want)
		}
	}
	// A track first seen inside was not seen crossing.
	if got := types(c.Detection(det(8, 500, 0))); got != "" {
		t.Fatalf("track first seen inside: %q", got)
	}
	// Without a territory layer there is no "our side" to enter.
	if got := NewChecker(demoLayers(t, false), Rules{}).Detection(det(9, -500, 0)); got != nil {
		t.Fatalf("no territory: %+v", got)
	}
}

// The monitor takes states and detections from a real hub and publishes its
// alerts there; new layers take effect without losing a standing state.
func TestMonitor_HubInAlertsOut(t *testing.T) {
	hub := &telemetry.Hub{}
	m := &Monitor{Hub: hub, Layers: demoLayers(t, false), Rules: Rules{WarnDistM: 300},
		Position: func(msg telemetry.Message) (orb.Point, time.Time, bool) {
			st, ok := msg.(gcs.VehicleState)
			return orb.Point{st.Lon, st.Lat}, st.Time, ok && st.HasPosition
		}}
	if err := m.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	alerts := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, 64)
	defer alerts.Close()
	state := func(northM float64, hasPos bool) {
		p := at(northM)
		hub.Publish(gcs.VehicleState{ID: 3, SysID: 3, Lat: p[1], Lon: p[0], HasPosition: hasPos, Time: t0})
	}
	state(-5000, false) // no position yet: nothing
	state(1000, true)
	state(200, true)
	var got []telemetry.Alert
	testenv.Eventually(t, 5*time.Second, "approach alert on the hub", func() bool {
		for _, msg := range alerts.Drain(nil) {
			if a, ok := msg.(telemetry.Alert); ok {
				got = append(got, a)
			}
		}
		return len(got) > 0
	})
	if len(got) != 1 || got[0].Type != AlertBorderApproach || got[0].SystemID != 3 || got[0].Severity != telemetry.SeverityWarning {
		t.Fatalf("alerts %+v", got)
	}
	// Territory arrives: a drone south of the border is now known outside.
	m.SetLayers(demoLayers(t, true))
	testenv.Eventually(t, 5*time.Second, "crossing alert after new layers", func() bool {
		state(-100, true)
		for _, msg := range alerts.Drain(nil) {
			if a, ok := msg.(telemetry.Alert); ok && a.Type == AlertBorderCrossed {
				return true
			}
		}
		return false
	})
	if m.Raised() != 2 {
		t.Fatalf("raised %d alerts, want 2", m.Raised())
	}
}
