package store

import (
	"testing"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

// The raw-offset readers must agree with gomavlib's decoder, in MAVLink 1
// and in MAVLink 2 (whose trailing zero bytes are trimmed).
func TestReaders_AgreeWithGomavlib(t *testing.T) {
	for _, v1 := range []bool{true, false} {
		e := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 1, V1: v1}
		enc := func(m message.Message) []byte {
			raw, err := e.Encode(nil, m)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}
		p, _ := readGlobalPosition(enc(&common.MessageGlobalPositionInt{Lat: -353632610, Lon: 1491652300, Alt: 584070, RelativeAlt: -20, Vx: -1234, Vy: 567}))
		if p.lat != -35.363261 || p.lon != 149.16523 || p.altM != 584.07 || p.relAlt != -0.02 || p.vx != -12.34 || p.vy != 5.67 {
			t.Errorf("v1=%v position %+v", v1, p)
		}
		if pct, _ := readBatteryPct(msgSysStatus, enc(&common.MessageSysStatus{BatteryRemaining: 57, VoltageBattery: 65535})); pct != 57 {
			t.Errorf("v1=%v SYS_STATUS battery %d", v1, pct)
		}
		if pct, _ := readBatteryPct(msgBatteryStatus, enc(&common.MessageBatteryStatus{BatteryRemaining: -1, Id: 3})); pct != -1 {
			t.Errorf("v1=%v BATTERY_STATUS battery %d", v1, pct)
		}
		if pct, _ := readBatteryPct(msgBatteryStatus, enc(&common.MessageBatteryStatus{BatteryRemaining: 42})); pct != 42 {
			t.Errorf("v1=%v BATTERY_STATUS battery %d", v1, pct)
		}
	}
}
