// Package gcs links Borderwatch to vehicles over MAVLink: the links, the fleet,
// one state per vehicle derived from the standard messages, and (as it grows)
// the command, parameter and mission/fence/rally transfer protocols.
package gcs

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/telemetry"
)

// VehicleState is what the GCS knows about one vehicle, derived from its
// messages. Field names carry units. It is a value: copies are snapshots.
type VehicleState struct {
	ID          uint8  `json:"id"`
	SysID       uint8  `json:"sysid"`
	Autopilot   string `json:"autopilot"`    // "ardupilot", "px4" or "generic"
	VehicleType string `json:"vehicle_type"` // "multirotor", "fixed_wing", …
	Mode        string `json:"mode"`
	CustomMode  uint32 `json:"custom_mode"`
	Armed       bool   `json:"armed"`
	// SystemStatus is MAV_STATE by name: "standby", "active", "critical" …
	SystemStatus string `json:"system_status"`

	Lat            float64 `json:"lat"`
	Lon            float64 `json:"lon"`
	AltM           float64 `json:"alt_m"`     // AMSL
	RelAltM        float64 `json:"rel_alt_m"` // above home
	HeadingDeg     float64 `json:"heading_deg"`
	GroundspeedMS  float64 `json:"groundspeed_m_s"`
	ClimbRateMS    float64 `json:"climb_rate_m_s"`
	RollDeg        float64 `json:"roll_deg"`
	PitchDeg       float64 `json:"pitch_deg"`
	HasPosition    bool    `json:"has_position"`
	BatteryPct     int     `json:"battery_pct"` // -1 when unknown
	BatteryVoltage float64 `json:"battery_v"`
	MissionSeq     int     `json:"mission_seq"`

	LinkOK    bool      `json:"link_ok"`
	LastHeard time.Time `json:"last_heard"`
	// Time of the message that last changed this snapshot (receive or replay time).
	Time time.Time `json:"time"`
}

// Kind implements telemetry.Message.
func (VehicleState) Kind() telemetry.Kind { return telemetry.KindState }

// Vehicle implements telemetry.Message.
func (s VehicleState) Vehicle() uint8 { return s.SysID }

// NewVehicleState is the state of a vehicle heard for the first time.
func NewVehicleState(sysid uint8) VehicleState {
	return VehicleState{ID: sysid, SysID: sysid, BatteryPct: -1, Autopilot: "generic", Mode: "unknown"}
}

// Apply folds one message from the vehicle into the state and reports whether
// anything a client would see changed. It is the one decode path that live
// telemetry and replay share: it does no I/O and keeps no clock of its own.
func (s *VehicleState) Apply(msg message.Message, t time.Time) bool {
	switch m := msg.(type) {
	case *common.MessageHeartbeat:
		s.Autopilot = autopilotName(m.Autopilot)
		s.VehicleType = vehicleTypeName(m.Type)
		s.CustomMode = m.CustomMode
		s.Mode = ModeName(m.Autopilot, m.Type, m.BaseMode, m.CustomMode)
		s.Armed = m.BaseMode&common.MAV_MODE_FLAG_SAFETY_ARMED != 0
		s.SystemStatus = systemStatusName(m.SystemStatus)
	case *common.MessageGlobalPositionInt:
		s.Lat = float64(m.Lat) / 1e7
		s.Lon = float64(m.Lon) / 1e7
		s.AltM = float64(m.Alt) / 1000
		s.RelAltM = float64(m.RelativeAlt) / 1000
		if m.Hdg != math.MaxUint16 {
			s.HeadingDeg = float64(m.Hdg) / 100
		}
		s.GroundspeedMS = math.Hypot(float64(m.Vx), float64(m.Vy)) / 100
		s.ClimbRateMS = float64(-int32(m.Vz)) / 100
		s.HasPosition = m.Lat != 0 || m.Lon != 0
	case *common.MessageAttitude:
		s.RollDeg = float64(m.Roll) * 180 / math.Pi
		s.PitchDeg = float64(m.Pitch) * 180 / math.Pi
	case *common.MessageSysStatus:
		s.BatteryPct = int(m.BatteryRemaining)
		if m.VoltageBattery != math.MaxUint16 {
			s.BatteryVoltage = float64(m.VoltageBattery) / 1000
		}
	case *common.MessageMissionCurrent:
		s.MissionSeq = int(m.Seq)
	default:
		return false
	}
	s.Time = t
	return true
}

func autopilotName(a common.MAV_AUTOPILOT) string {
	switch a {
	case common.MAV_AUTOPILOT_ARDUPILOTMEGA:
		return "ardupilot"
	case common.MAV_AUTOPILOT_PX4:
		return "px4"
	}
	return "generic"
}

func vehicleTypeName(t common.MAV_TYPE) string {
	switch t {
	case common.MAV_TYPE_QUADROTOR, common.MAV_TYPE_HEXAROTOR, common.MAV_TYPE_OCTOROTOR,
		common.MAV_TYPE_TRICOPTER, common.MAV_TYPE_COAXIAL, common.MAV_TYPE_DODECAROTOR, common.MAV_TYPE_HELICOPTER:
		return "multirotor"
	case common.MAV_TYPE_FIXED_WING:
		return "fixed_wing"
	case common.MAV_TYPE_VTOL_TAILSITTER_DUOROTOR, common.MAV_TYPE_VTOL_TAILSITTER_QUADROTOR,
		common.MAV_TYPE_VTOL_TILTROTOR, common.MAV_TYPE_VTOL_FIXEDROTOR, common.MAV_TYPE_VTOL_TAILSITTER,
		common.MAV_TYPE_VTOL_TILTWING:
		return "vtol"
	case common.MAV_TYPE_GROUND_ROVER:
		return "rover"
	case common.MAV_TYPE_SURFACE_BOAT:
		return "boat"
	case common.MAV_TYPE_SUBMARINE:
		return "submarine"
	}
	return "other"
}

func systemStatusName(s common.MAV_STATE) string {
	switch s {
	case common.MAV_STATE_BOOT:
		return "boot"
	case common.MAV_STATE_CALIBRATING:
		return "calibrating"
	case common.MAV_STATE_STANDBY:
		return "standby"
	case common.MAV_STATE_ACTIVE:
		return "active"
	case common.MAV_STATE_CRITICAL:
		return "critical"
	case common.MAV_STATE_EMERGENCY:
		return "emergency"
	case common.MAV_STATE_POWEROFF:
		return "poweroff"
	case common.MAV_STATE_FLIGHT_TERMINATION:
		return "termination"
	}
	return "uninit"
}
