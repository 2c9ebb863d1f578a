package store_test

import (
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

// maker encodes real MAVLink frames as a vehicle would send them.
type maker struct {
	t    testing.TB
	encs map[telemetry.VehicleID]*mavwire.Encoder
}

func newMaker(t testing.TB) *maker {
	return &maker{t: t, encs: map[telemetry.VehicleID]*mavwire.Encoder{}}
}

// frame is a frame of vehicle id (its system id on its network).
func (m *maker) frame(id telemetry.VehicleID, at time.Time, msg message.Message) telemetry.Frame {
	e := m.encs[id]
	if e == nil {
		e = &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: id.SysID(), ComponentID: 1}
		m.encs[id] = e
	}
	raw, err := e.Encode(nil, msg)
	if err != nil {
		m.t.Fatal(err)
	}
	return telemetry.Frame{Time: at, Network: id.Network(), SystemID: id.SysID(), ComponentID: 1, MessageID: msg.GetID(), Raw: raw}
}

func heartbeat(armed bool) *common.MessageHeartbeat {
	hb := &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, MavlinkVersion: 3}
	if armed {
		hb.BaseMode = common.MAV_MODE_FLAG_SAFETY_ARMED
	}
	return hb
}

func position(lat, lon, altM float64) *common.MessageGlobalPositionInt {
	return &common.MessageGlobalPositionInt{Lat: int32(lat * 1e7), Lon: int32(lon * 1e7), Alt: int32(altM * 1000), RelativeAlt: int32((altM - 100) * 1000), Hdg: 65535}
}

func battery(pct int8) *common.MessageSysStatus {
	return &common.MessageSysStatus{BatteryRemaining: pct, VoltageBattery: 12000}
}

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
