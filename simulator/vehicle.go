package simulator

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

const earthRadiusM = 6371000.0

// Vehicle is one simulated multicopter flying a circle around its centre.
type Vehicle struct {
	SystemID uint8
	// Centre of the circle and the circle's radius.
	CenterLat, CenterLon float64
	RadiusM              float64
	AltAMSLM             float64 // altitude above mean sea level
	GroundAltM           float64 // terrain (home) altitude
	SpeedMS              float64
	// Phase is where on the circle the vehicle starts (radians).
	Phase float64

	start      time.Time
	bootTime   time.Time
	batteryPct float64
}

func (v *Vehicle) init(now time.Time) {
	v.start, v.bootTime = now, now
	v.batteryPct = 100
}

// position returns where the vehicle is at t: lat, lon, heading (deg) and its velocity north/east (m/s).
func (v *Vehicle) position(t time.Time) (lat, lon, hdg, vn, ve float64) {
	elapsed := t.Sub(v.start).Seconds()
	omega := v.SpeedMS / v.RadiusM // rad/s, counter-clockwise seen from above
	a := v.Phase + omega*elapsed
	north := v.RadiusM * math.Sin(a)
	east := v.RadiusM * math.Cos(a)
	lat = v.CenterLat + north/earthRadiusM*180/math.Pi
	lon = v.CenterLon + east/(earthRadiusM*math.Cos(v.CenterLat*math.Pi/180))*180/math.Pi
	vn = v.SpeedMS * math.Cos(a)
	ve = -v.SpeedMS * math.Sin(a)
	hdg = math.Mod(math.Atan2(ve, vn)*180/math.Pi+360, 360)
	return lat, lon, hdg, vn, ve
}

// telemetry returns the messages the vehicle sends at t; heartbeat adds a HEARTBEAT and SYS_STATUS.
func (v *Vehicle) telemetry(t time.Time, heartbeat bool) []message.Message {
	lat, lon, hdg, vn, ve := v.position(t)
	bootMs := uint32(t.Sub(v.bootTime).Milliseconds())
	// About 25 minutes of flight on a full battery.
	v.batteryPct = math.Max(0, 100-t.Sub(v.start).Minutes()*4)
	msgs := []message.Message{
		&common.MessageGlobalPositionInt{
			TimeBootMs:  bootMs,
			Lat:         int32(math.Round(lat * 1e7)),
			Lon:         int32(math.Round(lon * 1e7)),
			Alt:         int32(v.AltAMSLM * 1000),
			RelativeAlt: int32((v.AltAMSLM - v.GroundAltM) * 1000),
			Vx:          int16(math.Round(vn * 100)),
			Vy:          int16(math.Round(ve * 100)),
			Hdg:         uint16(math.Round(hdg*100)) % 36000,
		},
		&common.MessageAttitude{
			TimeBootMs: bootMs,
			// A coordinated turn banks by atan(v²/(g·r)).
			Roll: float32(math.Atan(v.SpeedMS * v.SpeedMS / (9.81 * v.RadiusM))),
			Yaw:  float32(hdg * math.Pi / 180),
		},
	}
	if heartbeat {
		msgs = append(msgs,
			&common.MessageHeartbeat{
				Type:           common.MAV_TYPE_QUADROTOR,
				Autopilot:      common.MAV_AUTOPILOT_ARDUPILOTMEGA,
				BaseMode:       common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | common.MAV_MODE_FLAG_SAFETY_ARMED | common.MAV_MODE_FLAG_GUIDED_ENABLED | common.MAV_MODE_FLAG_STABILIZE_ENABLED,
				CustomMode:     3, // ArduCopter AUTO
				SystemStatus:   common.MAV_STATE_ACTIVE,
				MavlinkVersion: 3,
			},
			&common.MessageSysStatus{
				VoltageBattery:   uint16(12600 - (100-v.batteryPct)*20),
				CurrentBattery:   1500,
				BatteryRemaining: int8(math.Round(v.batteryPct)),
			})
	}
	return msgs
}
