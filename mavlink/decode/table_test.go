package decode

import (
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

var (
	copterHB = &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
		BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: 3}
	gcsHB    = &common.MessageHeartbeat{Type: common.MAV_TYPE_GCS, Autopilot: common.MAV_AUTOPILOT_INVALID}
	cameraHB = &common.MessageHeartbeat{Type: common.MAV_TYPE_CAMERA, Autopilot: common.MAV_AUTOPILOT_INVALID}
	position = &common.MessageGlobalPositionInt{TimeBootMs: 1000, Lat: 313500000, Lon: -1109500000, Alt: 1250000}
)

func TestTable_Message_OnlyAnAutopilotHeartbeatAdmits(t *testing.T) {
	var tb Table
	if r := tb.Message(7, 1, position, t0, nil); r.State != nil || tb.Admitted(7) {
		t.Fatalf("a position before any heartbeat admitted system 7: %+v", r)
	}
	if r := tb.Message(7, 1, gcsHB, t0, nil); r.State != nil {
		t.Fatal("another ground station's heartbeat made a vehicle")
	}
	if r := tb.Message(7, 100, cameraHB, t0, nil); r.State != nil {
		t.Fatal("a camera's heartbeat made a vehicle")
	}
	r := tb.Message(7, 1, copterHB, t0, nil)
	if r.State == nil || !r.New || !r.LinkUp || r.State.Mode != "AUTO" {
		t.Fatalf("the autopilot heartbeat: %+v", r)
	}
	// A component of an admitted vehicle is heard, but its heartbeat must
	// not overwrite the autopilot's mode.
	if r := tb.Message(7, 100, cameraHB, t0.Add(time.Second), nil); r.State == nil || r.Changed || r.State.Mode != "AUTO" {
		t.Fatalf("the camera's heartbeat changed the vehicle: %+v", r.State)
	}
	if got := tb.Take(false); len(got) != 1 || got[0].SysID != 7 {
		t.Fatalf("Take: %+v", got)
	}
	if got := tb.Take(false); len(got) != 0 {
		t.Fatalf("Take again without a change: %+v", got)
	}
}

func TestTable_Expire_LinkLostAfterTheTimeoutAndBackOnTheNextFrame(t *testing.T) {
	tb := Table{LinkTimeout: 2 * time.Second}
	tb.Message(3, 1, copterHB, t0, nil)
	if lost := tb.Expire(t0.Add(2 * time.Second)); len(lost) != 0 {
		t.Fatalf("lost at exactly the timeout: %v", lost)
	}
	lost := tb.Expire(t0.Add(2*time.Second + time.Millisecond))
	if len(lost) != 1 || lost[0] != 3 || tb.State(3).LinkOK {
		t.Fatalf("lost %v, state %+v", lost, tb.State(3))
	}
	if lost := tb.Expire(t0.Add(time.Minute)); len(lost) != 0 {
		t.Fatalf("lost twice: %v", lost)
	}
	if r := tb.Message(3, 1, position, t0.Add(time.Minute), nil); !r.LinkUp || !r.State.LinkOK {
		t.Fatalf("the link did not come back: %+v", r)
	}
	var def Table
	def.Message(3, 1, copterHB, t0, nil)
	if len(def.Expire(t0.Add(DefaultLinkTimeout))) != 0 || len(def.Expire(t0.Add(DefaultLinkTimeout+time.Millisecond))) != 1 {
		t.Fatal("the default link timeout is not 3.5 s")
	}
}

// ExpireVehicle applies Expire's rule to one vehicle and leaves the others
// (silent or not) to the next Expire.
func TestTable_ExpireVehicle_OneVehicleByTheSameRule(t *testing.T) {
	tb := Table{LinkTimeout: 2 * time.Second}
	tb.Message(3, 1, copterHB, t0, nil)
	tb.Message(4, 1, copterHB, t0, nil)
	tb.Message(5, 1, copterHB, t0.Add(time.Second), nil)
	at := t0.Add(2*time.Second + time.Millisecond)
	if tb.ExpireVehicle(5, at) || tb.ExpireVehicle(99, at) {
		t.Fatal("a vehicle heard within the timeout, or never heard, was lost")
	}
	if !tb.ExpireVehicle(3, at) || tb.State(3).LinkOK || !tb.State(4).LinkOK {
		t.Fatalf("3 lost alone: 3 %+v, 4 %+v", tb.State(3), tb.State(4))
	}
	if tb.ExpireVehicle(3, at.Add(time.Minute)) {
		t.Fatal("3 lost twice")
	}
	if lost := tb.Expire(at); len(lost) != 1 || lost[0] != 4 {
		t.Fatalf("Expire after ExpireVehicle(3) lost %v; want [4]", lost)
	}
}

func TestTable_Frame_DecodesRecordedBytesAndEmitsArmChanges(t *testing.T) {
	var tb Table
	enc := mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 1}
	frame := func(at time.Time, m *common.MessageHeartbeat) telemetry.Frame {
		raw, err := enc.Encode(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		return telemetry.Frame{Raw: raw, SystemID: 1, ComponentID: 1, MessageID: 0, Time: at}
	}
	var events []telemetry.Event
	emit := func(e telemetry.Event) { events = append(events, e) }
	tb.Frame(telemetry.Frame{Raw: []byte{0xFD, 9, 0, 0}, SystemID: 1, Time: t0}, emit) // truncated: ignored
	tb.Frame(frame(t0, copterHB), emit)
	armed := *copterHB
	armed.BaseMode |= common.MAV_MODE_FLAG_SAFETY_ARMED
	tb.Frame(frame(t0.Add(time.Second), &armed), emit)
	if len(events) != 1 {
		t.Fatalf("events %+v, want one arm change", events)
	}
	if a, ok := events[0].(telemetry.ArmChange); !ok || !a.Armed || a.SystemID != 1 {
		t.Fatalf("event %+v, want armed", events[0])
	}
}

func TestTable_Message_AdmitWithoutHeartbeatStillIgnoresGCSHeartbeats(t *testing.T) {
	tb := Table{AdmitWithoutHeartbeat: true}
	r := tb.Message(4, 1, position, t0, nil)
	if r.State == nil || !r.State.HasPosition || r.State.HeartbeatSeen() {
		t.Fatalf("a position of an unheard system: %+v", r.State)
	}
	if r := tb.Message(9, 1, gcsHB, t0, nil); r.State != nil {
		t.Fatal("a ground station's heartbeat made a vehicle")
	}
	if r := tb.Message(4, 1, gcsHB, t0, nil); r.Changed || r.State.HeartbeatSeen() {
		t.Fatalf("a ground station's heartbeat changed vehicle 4: %+v", r.State)
	}
}
