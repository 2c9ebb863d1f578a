package gcs

import (
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/telemetry"
)

// The vehicle state, the flavours and the mode tables are the shared decoder's
// (mavlink/decode), so that live, replay, import and export derive the same
// state. These names keep gcs's API as it was.
type (
	// VehicleState is what the GCS knows about one vehicle (decode.VehicleState).
	VehicleState = decode.VehicleState
	// Home is the vehicle's home position.
	Home = decode.Home
	// StatusTextEntry is one STATUSTEXT a vehicle sent.
	StatusTextEntry = decode.StatusTextEntry
	// VehicleLinkStats are a vehicle's own link statistics.
	VehicleLinkStats = decode.VehicleLinkStats
	// Flavour is the autopilot family a vehicle runs.
	Flavour = decode.Flavour
	// Mode is one flight mode an autopilot knows.
	Mode = decode.Mode
)

// Flavours.
const (
	FlavourGeneric   = decode.FlavourGeneric
	FlavourArduPilot = decode.FlavourArduPilot
	FlavourPX4       = decode.FlavourPX4
)

// NewVehicleState is the state of a vehicle heard for the first time.
func NewVehicleState(vid telemetry.VehicleID) VehicleState { return decode.NewVehicleState(vid) }

// ModeName names a HEARTBEAT's flight mode for its autopilot and vehicle type.
func ModeName(ap common.MAV_AUTOPILOT, typ common.MAV_TYPE, base common.MAV_MODE_FLAG, custom uint32) string {
	return decode.ModeName(ap, typ, base, custom)
}

// ModeTable is the list of modes of an autopilot flavour and vehicle type.
func ModeTable(f Flavour, vehicleType string) []Mode { return decode.ModeTable(f, vehicleType) }

func flavourOf(ap common.MAV_AUTOPILOT) Flavour { return decode.FlavourOf(ap) }
func px4Mode(main, sub uint32) uint32           { return decode.PX4Mode(main, sub) }
func encodeParam(f Flavour, v float64, t common.MAV_PARAM_TYPE) float32 {
	return decode.EncodeParam(f, v, t)
}
func decodeParam(f Flavour, v float32, t common.MAV_PARAM_TYPE) float64 {
	return decode.DecodeParam(f, v, t)
}

// homeAtSeq0 says whether the vehicle keeps home as mission item 0 (ArduPilot
// does, for the mission list only; fences and rally points have no home).
func homeAtSeq0(f Flavour, t uint8) bool {
	return kindOf(f, "").HomeAtSeq0(common.MAV_MISSION_TYPE(t))
}
