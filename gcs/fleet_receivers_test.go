package gcs

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

// A standalone Remote ID receiver with its own system id (its heartbeat is
// MAV_TYPE_ODID, no autopilot) over loopback UDP: what it relays becomes
// RemoteID events heard by it, its frames are recorded, it is listed as a
// receiver and never as a vehicle. One that sends no heartbeat is admitted
// by what it relays; another ground station is not admitted at all.
func TestFleet_StandaloneRemoteIDReceiver_HeardNotAVehicle(t *testing.T) {
	hub := &telemetry.Hub{}
	sub := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindEvent, telemetry.KindFrame}}, 4096)
	defer sub.Close()
	f := newTestFleet(t, hub, nil, "udp://127.0.0.1:0")
	conn, err := net.Dial("udp", f.LinkAddrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	send := func(sys, comp uint8, msgs ...message.Message) {
		enc := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: sys, ComponentID: comp}
		for _, m := range msgs {
			b, err := enc.Encode(nil, m)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Write(b); err != nil {
				t.Fatal(err)
			}
		}
	}
	mac := [20]byte{0: 0x02, 5: 7}
	var uas [20]byte
	copy(uas[:], "1596F0000000RX01")
	basic := &common.MessageOpenDroneIdBasicId{IdOrMac: mac, IdType: common.MAV_ODID_ID_TYPE_SERIAL_NUMBER,
		UaType: common.MAV_ODID_UA_TYPE_HELICOPTER_OR_MULTIROTOR, UasId: uas}
	loc := &common.MessageOpenDroneIdLocation{IdOrMac: mac, Status: common.MAV_ODID_STATUS_AIRBORNE, Direction: 36100,
		SpeedHorizontal: 800, Latitude: 313300000, Longitude: -1109500000, AltitudeGeodetic: 1300, Height: -1000}
	odidHB := &common.MessageHeartbeat{Type: common.MAV_TYPE_ODID, Autopilot: common.MAV_AUTOPILOT_INVALID, MavlinkVersion: 3}
	send(77, 236, odidHB, basic, loc) // MAV_COMP_ID_ODID_TXRX_1
	send(78, 236, basic, loc)         // a receiver that sends no heartbeat
	send(90, 190, &common.MessageHeartbeat{Type: common.MAV_TYPE_GCS, Autopilot: common.MAV_AUTOPILOT_INVALID, MavlinkVersion: 3})

	heard := map[telemetry.VehicleID]telemetry.RemoteID{}
	frames := map[telemetry.VehicleID]int{}
	testenv.Eventually(t, 10*time.Second, "Remote ID heard by both receivers", func() bool {
		for _, m := range sub.Drain(nil) {
			switch e := m.(type) {
			case telemetry.RemoteID:
				heard[e.Vehicle()] = e
			case telemetry.Frame:
				frames[e.Vehicle()]++
			}
		}
		return heard[77].HasPosition && heard[78].HasPosition
	})
	r := heard[77]
	if r.UASID != "1596F0000000RX01" || r.Lat != 31.33 || r.Lon != -110.95 || r.ReceiverCompID != 236 || r.SystemID != 77 {
		t.Fatalf("Remote ID heard by 77: %+v", r)
	}
	if frames[77] != 3 || frames[78] != 2 || frames[90] != 0 {
		t.Fatalf("frames recorded by system: %v, want 77's three, 78's two, none of the ground station's", frames)
	}
	vs, err := f.Vehicles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 0 {
		t.Fatalf("receivers became vehicles: %+v", vs)
	}
	rs, err := f.Receivers()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].SysID != 77 || rs[0].Messages != 2 || rs[1].SysID != 78 || rs[1].Messages != 2 {
		t.Fatalf("receivers %+v", rs)
	}
}
