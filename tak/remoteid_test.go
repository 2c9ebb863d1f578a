package tak

import (
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/telemetry"
)

// A Remote ID track and its crossing alert go out over a real UDP socket and
// an independent XML parser reads them as TAK would: unknown air at the
// drone's own position, the alert marker at the crossing, not at the
// receiving drone.
func TestSender_UDP_RemoteIDAndCrossing_DecodedIndependently(t *testing.T) {
	pc, hub, _, _ := udpSender(t, "nogales")
	hub.Publish(drone()) // the receiving patrol drone, elsewhere
	hub.Publish(telemetry.RemoteID{EventHeader: telemetry.Header(t0, 2), UASID: "1596F<X>&1",
		Key: "1596F<X>&1", IDType: "serial", UAType: "helicopter_or_multirotor", Status: "airborne", HasPosition: true,
		Lat: 31.3290, Lon: -110.9, HasAlt: true, AltM: 1250.5, CourseDeg: 12.5, GroundspeedMS: 9.75,
		HasOperator: true, OperatorLat: 31.31, OperatorLon: -110.91, OperatorID: "MEX-OP-1"})
	hub.Publish(telemetry.RemoteID{EventHeader: telemetry.Header(t0, 2), Key: "mac:02"}) // no position: not sent
	hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(t0, 2), Type: "track_crossed",
		Severity: telemetry.SeverityAlert, Text: `Remote ID drone "1596F<X>&1" crossed from Mexico into US side`,
		Place: &telemetry.AlertPlace{Lat: 31.3330, Lon: -110.9001, Track: "remote_id:1596F<X>&1"}})
	ds := decodeIndependently(t, readDatagrams(t, pc, 3))
	byType := map[string]decoded{}
	for _, d := range ds {
		byType[d.Attrs["type"]] = d
	}
	r, ok := byType["a-u-A-M-F-Q"]
	if !ok {
		t.Fatalf("no unknown-air Remote ID event in %+v", ds)
	}
	if r.Attrs["uid"] != "borderwatch.nogales.remoteid.1596F<X>&1" || r.Attrs["how"] != "m-g" || r.Attrs["stale"] != "2026-12-06T09:02:00.000Z" {
		t.Errorf("remote id attrs %v", r.Attrs)
	}
	if r.Point["lat"] != "31.329" || r.Point["lon"] != "-110.9" || r.Point["hae"] != "1250.5" {
		t.Errorf("remote id point %v", r.Point)
	}
	if r.Detail["contact"]["callsign"] != "RID 1596F<X>&1" || r.Detail["track"]["course"] != "12.5" || r.Detail["track"]["speed"] != "9.75" {
		t.Errorf("remote id detail %v", r.Detail)
	}
	for _, want := range []string{"operator at (31.310000, -110.910000)", "operator id MEX-OP-1", "helicopter_or_multirotor", "heard by drone 2"} {
		if !strings.Contains(r.Remark, want) {
			t.Errorf("remarks %q lack %q", r.Remark, want)
		}
	}
	al, ok := byType["b-m-p-s-m"]
	if !ok {
		t.Fatalf("no alert marker in %+v", ds)
	}
	if al.Point["lat"] != "31.333" || al.Point["lon"] != "-110.9001" || al.Attrs["uid"] != "borderwatch.nogales.alert.remote_id:1596F<X>&1.track_crossed" ||
		!strings.Contains(al.Remark, "from Mexico into US side") || !strings.HasPrefix(al.Detail["contact"]["callsign"], "ALERT") {
		t.Errorf("crossing alert %+v", al)
	}
}
