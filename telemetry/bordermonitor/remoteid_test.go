package bordermonitor

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/demodata"
	"github.com/borderwatch/borderwatch/telemetry"
)

// namedBorderLayers is the demo border with Natural Earth's country names on
// its sides (the line runs west to east: Mexico is on its right).
func namedBorderLayers(t *testing.T) []*missions.Layer {
	t.Helper()
	named := bytes.Replace(demodata.NogalesBorder, []byte(`"properties": {`),
		[]byte(`"properties": {"adm0_left": "United States of America", "adm0_right": "Mexico", `), 1)
	border, err := missions.ParseGeoJSONLayer(named, "b", "border", missions.LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	return []*missions.Layer{border, demoLayers(t, true)[1]}
}

func rid(uasID string, sysid uint8, northM float64, i int) telemetry.RemoteID {
	p := at(northM)
	return telemetry.RemoteID{EventHeader: telemetry.Header(t0.Add(time.Duration(i)*time.Second), telemetry.VehicleID(sysid)),
		UASID: uasID, Key: uasID, UAType: "helicopter_or_multirotor", HasPosition: true, Lat: p[1], Lon: p[0]}
}

// A Remote ID drone flying north across the line raises exactly one alert,
// naming where it came from, where it went and where; jitter about the line
// and a second receiver hearing the same drone add none.
func TestChecker_RemoteID_OneAlertPerCrossingWithDirection(t *testing.T) {
	c := NewChecker(namedBorderLayers(t), Rules{HysteresisM: 100})
	var got []telemetry.Alert
	for i, n := range []float64{-900, -400, -150, 30, -20, 40, 200, 600} {
		got = append(got, c.RemoteID(rid("1596F1234567890", 2, n, i))...)
		got = append(got, c.RemoteID(rid("1596F1234567890", 3, n+5, i))...) // heard by a second receiver
	}
	if len(got) != 1 {
		t.Fatalf("alerts %+v, want exactly one", got)
	}
	a := got[0]
	if a.Type != AlertTrackCrossed || a.Severity != telemetry.SeverityAlert || a.Place == nil ||
		a.Place.Track != "remote_id:1596F1234567890" || a.Place.Lat < borderLat {
		t.Errorf("alert %+v", a)
	}
	for _, want := range []string{`"1596F1234567890"`, "from Mexico into US side", "(31.3324", `m from border "b"`} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("alert text %q lacks %q", a.Text, want)
		}
	}
	// Back out well beyond the margin and in again: a second crossing.
	if n := len(c.RemoteID(rid("1596F1234567890", 2, -500, 20))); n != 0 {
		t.Fatalf("leaving raised %d alerts", n)
	}
	if n := len(c.RemoteID(rid("1596F1234567890", 2, 300, 21))); n != 1 {
		t.Fatalf("second crossing raised %d alerts, want 1", n)
	}
	// Without a position or before its BASIC_ID a track is not followed.
	unknown := rid("", 2, -500, 0)
	if c.RemoteID(unknown) != nil {
		t.Error("a track without a UAS id was followed")
	}
}

// Detections name the direction too; without country names the other side
// is "outside our territory".
func TestChecker_Detection_CrossingNamesDirection(t *testing.T) {
	layers := demoLayers(t, true)
	// The demo's border names its countries; this test is of a border that
	// does not, so the names are taken off.
	for _, f := range layers[0].Features.Features {
		for _, k := range []string{"adm0_left", "adm0_right", "adm0_a3_l", "adm0_a3_r"} {
			delete(f.Properties, k)
		}
	}
	c := NewChecker(layers, Rules{HysteresisM: 100})
	det := func(n float64, i int) telemetry.Detection {
		p := at(n)
		return telemetry.Detection{EventHeader: telemetry.Header(t0.Add(time.Duration(i)*time.Second), 2),
			TrackID: 4, Class: "vehicle", ConfidencePct: 90, Lat: p[1], Lon: p[0]}
	}
	c.Detection(det(-500, 0))
	got := c.Detection(det(50, 1))
	if len(got) != 1 || !strings.Contains(got[0].Text, "crossed from outside our territory into US side") {
		t.Fatalf("alerts %+v", got)
	}
	// With the names, the alert says which country the track came from.
	named := NewChecker(demoLayers(t, true), Rules{HysteresisM: 100})
	named.Detection(det(-500, 0))
	if got := named.Detection(det(50, 1)); len(got) != 1 || !strings.Contains(got[0].Text, "crossed from Mexico into US side") {
		t.Fatalf("alerts with a named border %+v", got)
	}
}
