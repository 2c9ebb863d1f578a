package decode

import (
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/telemetry"
)

// The table (live rule, and replay through it) admits a standalone Remote
// ID receiver as a receiver, not a vehicle; an export, which admits
// without heartbeats, keeps an unknown sender of Remote ID a vehicle (its
// window may start with its on-board receiver's relay); an autopilot's
// heartbeat from a receiver's id makes it a vehicle after all.
func TestTable_Message_StandaloneReceiver(t *testing.T) {
	at := time.Unix(1_800_000_000, 0)
	var evs []telemetry.RemoteID
	emit := func(e telemetry.Event) {
		if r, ok := e.(telemetry.RemoteID); ok {
			evs = append(evs, r)
		}
	}
	var tb Table
	hb := &common.MessageHeartbeat{Type: common.MAV_TYPE_ODID, Autopilot: common.MAV_AUTOPILOT_INVALID}
	if r := tb.Message(40, 236, hb, at, emit); r.Receiver == nil || r.State != nil {
		t.Fatalf("ODID heartbeat: %+v", r)
	}
	for _, m := range ridMessages(ridMac(3)) {
		if r := tb.Message(40, 236, m, at, emit); r.Receiver == nil || r.State != nil {
			t.Fatalf("%T: %+v", m, r)
		}
	}
	if len(evs) != 5 || evs[4].Vehicle() != 40 || evs[4].UASID != "1596F1234567890" {
		t.Fatalf("events %+v", evs)
	}
	if !tb.Admitted(40) || tb.State(40) != nil || tb.Receiver(40).Messages != 5 || len(tb.Take(true)) != 0 {
		t.Fatal("the receiver is not admitted for the record, or became a vehicle")
	}
	if r := tb.Message(40, 1, copterHeartbeat(), at, emit); r.State == nil || !r.New || tb.Receiver(40) != nil {
		t.Fatalf("autopilot heartbeat from the receiver's id: %+v", r)
	}

	export := Table{AdmitWithoutHeartbeat: true}
	if r := export.Message(41, 236, ridMessages(ridMac(4))[0], at, nil); r.State == nil || r.Receiver != nil {
		t.Fatalf("export: an unknown system's relay made %+v, want a vehicle", r)
	}
}

func copterHeartbeat() *common.MessageHeartbeat {
	return &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, MavlinkVersion: 3}
}
