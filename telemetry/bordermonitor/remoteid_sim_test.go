package bordermonitor

import (
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/replay"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// noStates is a replay decoder that derives nothing: the test asks replay
// for the recorded events only (web's tests replay with the gcs decoder).
type noStates struct{}

func (noStates) Frame(telemetry.Frame, func(telemetry.Event)) {}
func (noStates) Check(time.Time)                              {}
func (noStates) Take(bool) []struct{}                         { return nil }

// The whole path with real parts: the simulator flies a Remote ID drone
// north across the demo border; a receiver on a patrol drone relays it over
// loopback UDP to the ground station; the monitor raises exactly one
// crossing alert, from Mexico into our side; the track and the alert are
// recorded in a real bbolt file and come back in replay.
func TestMonitor_RemoteIDDroneCrossing_SimulatorOverUDP(t *testing.T) {
	hub := &telemetry.Hub{}
	st := storetest.MustOpen(t)
	rec := &store.Recorder{Store: st, Hub: hub, FlushInterval: 50 * time.Millisecond}
	if err := rec.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	m := &Monitor{Hub: hub, Layers: namedBorderLayers(t), Rules: Rules{HysteresisM: 100},
		Position: func(msg telemetry.Message) (orb.Point, time.Time, bool) {
			s, ok := msg.(gcs.VehicleState)
			return orb.Point{s.Lon, s.Lat}, s.Time, ok && s.HasPosition
		}}
	if err := m.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	alerts := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent}}, 4096)
	defer alerts.Close()
	f := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub, NoStreamRequests: true}
	if err := f.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const uasID = "1596F3530000BW01"
	start := at(-1200)
	end := at(900)
	sc := &simulator.Scenario{Name: "rid", Vehicles: []simulator.VehicleSpec{{SysID: 1, Flavor: "arducopter",
		Home: simulator.Home{Lat: 31.3400, Lon: -110.9, AltM: 1180}, RemoteIDReceiver: &simulator.RemoteIDReceiver{RangeM: 3000}}},
		RemoteIDDrones: []simulator.RemoteIDDrone{{UASID: uasID, OperatorID: "MEX-OP-7", Description: "delivery",
			Operator: &simulator.LatLon{Lat: start[1], Lon: start[0]}, AltM: 1300, SpeedMS: 20,
			Path: []simulator.LatLon{{Lat: start[1], Lon: start[0]}, {Lat: end[1], Lon: end[0]}}}}}
	addr := f.LinkAddrs()[0].String()
	sim := &simulator.Fleet{GCS: "udp://" + addr, Scenario: sc, Rate: 2, Speedup: 10}
	if err := sim.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	var crossings []telemetry.Alert
	var last telemetry.RemoteID
	drain := func() {
		for _, msg := range alerts.Drain(nil) {
			switch e := msg.(type) {
			case telemetry.Alert:
				if e.Type == AlertTrackCrossed {
					crossings = append(crossings, e)
				}
			case telemetry.RemoteID:
				last = e
			}
		}
	}
	// 2.1 km at 20 m/s: about 105 s of simulated flight, 11 s at 10×.
	testenv.Eventually(t, 90*time.Second, "the Remote ID drone reaches the end of its path", func() bool {
		drain()
		return last.HasPosition && last.Lat > at(880)[1]
	})
	sim.Close()
	drain()
	if len(crossings) != 1 {
		t.Fatalf("crossing alerts %+v, want exactly one", crossings)
	}
	if a := crossings[0].Text; !strings.Contains(a, uasID) || !strings.Contains(a, "from Mexico into US side") {
		t.Errorf("alert text %q", a)
	}
	if last.UASID != uasID || last.OperatorID != "MEX-OP-7" || last.SelfID != "delivery" || !last.HasOperator ||
		last.SystemID != 1 || last.ReceiverCompID != 236 || last.AltM != 1300 || last.UAType != "helicopter_or_multirotor" {
		t.Errorf("track %+v", last)
	}
	// Recorded, and replayed from the store.
	rec.Close()
	from, to := crossings[0].Time.Add(-time.Minute), last.Time.Add(time.Second)
	s := &replay.Session[struct{}]{Store: st, Window: replay.Window{From: from, To: to},
		NewDecoder: func() replay.Decoder[struct{}] { return noStates{} }, Now: func() time.Time { return to }}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	s.Seek(to)
	u := s.Poll()
	if u.Err != nil {
		t.Fatal(u.Err)
	}
	tracks, replayed := 0, 0
	for _, e := range u.Events {
		switch v := e.Event.(type) {
		case telemetry.RemoteID:
			if e.Type != "remote_id" || v.UASID != uasID && v.UASID != "" {
				t.Fatalf("replayed %s %+v", e.Type, v)
			}
			tracks++
		case telemetry.Alert:
			if v.Type == AlertTrackCrossed {
				replayed++
			}
		}
	}
	if tracks < 50 || replayed != 1 {
		t.Fatalf("replay has %d Remote ID events and %d crossing alerts; want the flight's (>= 50) and one", tracks, replayed)
	}
}
