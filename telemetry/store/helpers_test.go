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
	encs map[uint8]*mavwire.Encoder
}

func newMaker(t testing.TB) *maker { return &maker{t: t, encs: map[uint8]*mavwire.Encoder{}} }

func (m *maker) frame(sysid uint8, at time.Time, msg message.Message) telemetry.Frame {
	e := m.encs[sysid]
	if e == nil {
		e = &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: sysid, ComponentID: 1}
		m.encs[sysid] = e
	}
	raw, err := e.Encode(nil, msg)
	if err != nil {
		m.t.Fatal(err)
	}
	return telemetry.Frame{Time: at, SystemID: sysid, ComponentID: 1, MessageID: msg.GetID(), Raw: raw}
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
