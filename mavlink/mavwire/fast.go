package mavwire

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// Most of what a fleet sends, and almost all of what a replay or a sortie's
// plots read back, is four messages: HEARTBEAT, SYS_STATUS, ATTITUDE and
// GLOBAL_POSITION_INT. gomavlib decodes every message field by field through
// reflection (about half a microsecond and two allocations each), which made
// the plots of a 10-hour sortie take four times as long as reading the bytes.
// These four are decoded here by their wire layout (mavlink.io serialization:
// fields sorted by size, MAVLink 2 extensions after them in definition order,
// a MAVLink 2 payload zero-extended when trailing zeros were trimmed) into the
// same gomavlib structs. fast_test.go holds each to gomavlib's own decode on
// every input (a fuzz test), errors included, so nothing can tell them apart.

// Wire sizes (without / with MAVLink 2 extensions), from the message definitions.
const (
	sizeHeartbeat         = 9
	sizeSysStatus         = 31
	sizeSysStatusExtended = 43
	sizeAttitude          = 28
	sizeGlobalPositionInt = 28
)

// decodeFast decodes msgID's payload if it is one of the four; ok is false
// for any other message (gomavlib's reflection then decodes it).
func decodeFast(msgID uint32, payload []byte, v2 bool) (msg message.Message, ok bool, err error) {
	var normal, extended int
	switch msgID {
	case 0:
		normal, extended = sizeHeartbeat, sizeHeartbeat
	case 1:
		normal, extended = sizeSysStatus, sizeSysStatusExtended
	case 30:
		normal, extended = sizeAttitude, sizeAttitude
	case 33:
		normal, extended = sizeGlobalPositionInt, sizeGlobalPositionInt
	default:
		return nil, false, nil
	}
	var buf [sizeSysStatusExtended]byte
	p := payload
	if v2 {
		if len(p) < extended {
			n := copy(buf[:], p)
			clear(buf[n:extended])
			p = buf[:extended]
		}
	} else if len(p) != normal {
		// gomavlib's words, so that both paths say the same.
		return nil, true, fmt.Errorf("wrong size: expected %d, got %d", normal, len(p))
	}
	le := binary.LittleEndian
	switch msgID {
	case 0:
		return &common.MessageHeartbeat{
			CustomMode:     le.Uint32(p[0:]),
			Type:           common.MAV_TYPE(p[4]),
			Autopilot:      common.MAV_AUTOPILOT(p[5]),
			BaseMode:       common.MAV_MODE_FLAG(p[6]),
			SystemStatus:   common.MAV_STATE(p[7]),
			MavlinkVersion: p[8],
		}, true, nil
	case 1:
		m := &common.MessageSysStatus{
			OnboardControlSensorsPresent: common.MAV_SYS_STATUS_SENSOR(le.Uint32(p[0:])),
			OnboardControlSensorsEnabled: common.MAV_SYS_STATUS_SENSOR(le.Uint32(p[4:])),
			OnboardControlSensorsHealth:  common.MAV_SYS_STATUS_SENSOR(le.Uint32(p[8:])),
			Load:                         le.Uint16(p[12:]),
			VoltageBattery:               le.Uint16(p[14:]),
			CurrentBattery:               int16(le.Uint16(p[16:])),
			DropRateComm:                 le.Uint16(p[18:]),
			ErrorsComm:                   le.Uint16(p[20:]),
			ErrorsCount1:                 le.Uint16(p[22:]),
			ErrorsCount2:                 le.Uint16(p[24:]),
			ErrorsCount3:                 le.Uint16(p[26:]),
			ErrorsCount4:                 le.Uint16(p[28:]),
			BatteryRemaining:             int8(p[30]),
		}
		if v2 {
			m.OnboardControlSensorsPresentExtended = common.MAV_SYS_STATUS_SENSOR_EXTENDED(le.Uint32(p[31:]))
			m.OnboardControlSensorsEnabledExtended = common.MAV_SYS_STATUS_SENSOR_EXTENDED(le.Uint32(p[35:]))
			m.OnboardControlSensorsHealthExtended = common.MAV_SYS_STATUS_SENSOR_EXTENDED(le.Uint32(p[39:]))
		}
		return m, true, nil
	case 30:
		f32 := func(o int) float32 { return math.Float32frombits(le.Uint32(p[o:])) }
		return &common.MessageAttitude{
			TimeBootMs: le.Uint32(p[0:]),
			Roll:       f32(4), Pitch: f32(8), Yaw: f32(12),
			Rollspeed: f32(16), Pitchspeed: f32(20), Yawspeed: f32(24),
		}, true, nil
	default: // 33
		return &common.MessageGlobalPositionInt{
			TimeBootMs:  le.Uint32(p[0:]),
			Lat:         int32(le.Uint32(p[4:])),
			Lon:         int32(le.Uint32(p[8:])),
			Alt:         int32(le.Uint32(p[12:])),
			RelativeAlt: int32(le.Uint32(p[16:])),
			Vx:          int16(le.Uint16(p[20:])),
			Vy:          int16(le.Uint16(p[22:])),
			Vz:          int16(le.Uint16(p[24:])),
			Hdg:         le.Uint16(p[26:]),
		}, true, nil
	}
}

// crcTable is the MAVLink checksum (CRC-16/MCRF4XX, "X.25" in the MAVLink
// sources: polynomial 0x1021 reflected, 0x8408) a byte at a time. gomavlib's
// x25 computes it bit by bit; every frame received, stored and replayed is
// checked, so the table pays. fast_test.go holds it to gomavlib's x25.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		crc := uint16(i)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
		t[i] = crc
	}
	return t
}()

func crcAdd(crc uint16, b byte) uint16 { return crc>>8 ^ crcTable[byte(crc)^b] }
