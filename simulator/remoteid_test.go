package simulator

import (
	"errors"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// A receiver relays an intruder in range on ArduPilot's schedule (location
// at 1 Hz, one static message every 750 ms in the order BASIC_ID, SYSTEM,
// SELF_ID, OPERATOR_ID), from its own component, with the transmitter's MAC;
// out of range it hears nothing.
func TestFleet_RemoteIDReceiver_RelaysOnArduPilotSchedule(t *testing.T) {
	sc := groundScenario("arducopter")
	sc.Vehicles[0].RemoteIDReceiver = &RemoteIDReceiver{RangeM: 1500}
	home := sc.Vehicles[0].Home
	sc.RemoteIDDrones = []RemoteIDDrone{
		{UASID: "NEAR1", AltM: 1300, SpeedMS: 10, OperatorID: "OP1", Description: "survey",
			Path: []LatLon{{Lat: home.Lat + 0.005, Lon: home.Lon}, {Lat: home.Lat + 0.006, Lon: home.Lon}}},
		{UASID: "FAR1", AltM: 1300, SpeedMS: 10, Path: []LatLon{{Lat: home.Lat + 0.1, Lon: home.Lon}}},
	}
	f, g := startFleet(t, sc, nil)
	g.drain()
	if err := f.Step(6 * time.Second); err != nil {
		t.Fatal(err)
	}
	var locs int
	var statics []uint32
	var mac [20]byte
	deadline := time.After(wait) // the loop ends when enough arrived: a bound, not a window
	for locs < 5 || len(statics) < 7 {
		select {
		case r := <-g.ch:
			switch m := r.msg.(type) {
			case *common.MessageOpenDroneIdLocation:
				locs++
				mac = m.IdOrMac
				if m.Status != common.MAV_ODID_STATUS_AIRBORNE || m.Direction != 0 || m.SpeedHorizontal != 1000 || m.AltitudeGeodetic != 1300 {
					t.Fatalf("location %+v", m)
				}
			case *common.MessageOpenDroneIdBasicId:
				if string(m.UasId[:5]) != "NEAR1" {
					t.Fatalf("relayed %q, which is out of range", m.UasId)
				}
				statics = append(statics, m.GetID())
			case *common.MessageOpenDroneIdSystem, *common.MessageOpenDroneIdSelfId, *common.MessageOpenDroneIdOperatorId:
				statics = append(statics, m.GetID())
			}
		case <-deadline:
			t.Fatalf("after 6 s simulated: %d locations, statics %v", locs, statics)
		}
	}
	// 6 s after the first: locations at 1 … 6 s, statics at 0.75 … 6 s.
	if locs > 7 {
		t.Errorf("%d locations in 6 s, want 1 Hz", locs)
	}
	// The first step (before the test drained) sent BASIC_ID: the cycle goes on from there.
	next := map[uint32]uint32{12900: 12904, 12904: 12903, 12903: 12905, 12905: 12900}
	for i := 1; i < len(statics); i++ {
		if statics[i] != next[statics[i-1]] {
			t.Fatalf("static messages %v, not the round-robin BASIC_ID, SYSTEM, SELF_ID, OPERATOR_ID", statics)
		}
	}
	if mac == [20]byte{} || mac[0] != 0x02 {
		t.Errorf("id_or_mac %x: want the transmitter's (locally administered) MAC", mac)
	}
	if v := vehicleBy(f, sc.Vehicles[0].SysID); v.Stats.RemoteIDRelayed == 0 {
		t.Error("relayed messages not counted")
	}
}

func TestScenario_Parse_RefusesBadRemoteIDDrones(t *testing.T) {
	for _, tc := range []struct{ name, json string }{
		{"no id", `{"vehicles":[{"home":{"lat":31,"lon":-110}}],"remote_id_drones":[{"path":[{"lat":1,"lon":1}]}]}`},
		{"long id", `{"vehicles":[{"home":{"lat":31,"lon":-110}}],"remote_id_drones":[{"uas_id":"123456789012345678901","path":[{"lat":1,"lon":1}]}]}`},
		{"bad type", `{"vehicles":[{"home":{"lat":31,"lon":-110}}],"remote_id_drones":[{"uas_id":"A","ua_type":"ufo","path":[{"lat":1,"lon":1}]}]}`},
		{"no path", `{"vehicles":[{"home":{"lat":31,"lon":-110}}],"remote_id_drones":[{"uas_id":"A"}]}`},
	} {
		if _, err := ParseScenario([]byte(tc.json)); !errors.Is(err, ErrScenario) {
			t.Errorf("%s: error %v, want ErrScenario", tc.name, err)
		}
	}
	demo, err := LoadScenario("demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(demo.RemoteIDDrones) == 0 {
		t.Error("the demo scenario has no Remote ID drones")
	}
}
