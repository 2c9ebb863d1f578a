package decode

import (
	"math"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Flavour is the autopilot family a vehicle runs, chosen from its HEARTBEAT.
// It decides the protocol quirks: home at mission seq 0, parameter value
// encoding and the mode table.
type Flavour uint8

// Flavours.
const (
	FlavourGeneric Flavour = iota
	FlavourArduPilot
	FlavourPX4
)

func (f Flavour) String() string {
	switch f {
	case FlavourArduPilot:
		return "ardupilot"
	case FlavourPX4:
		return "px4"
	}
	return "generic"
}

// FlavourOf is the flavour a HEARTBEAT's autopilot field names.
func FlavourOf(ap common.MAV_AUTOPILOT) Flavour {
	switch ap {
	case common.MAV_AUTOPILOT_ARDUPILOTMEGA:
		return FlavourArduPilot
	case common.MAV_AUTOPILOT_PX4:
		return FlavourPX4
	}
	return FlavourGeneric
}

// ParamBytewise says whether integer parameters travel as their bit pattern in
// PARAM_VALUE's float (PX4) rather than converted to a float (ArduPilot).
func (f Flavour) ParamBytewise() bool { return f == FlavourPX4 }

// Parameter value encoding. PARAM_VALUE carries a float32; ArduPilot converts
// integers to it, PX4 copies their bits into it.
// EncodeParam is a parameter value as the flavour sends it in PARAM_SET.
func EncodeParam(f Flavour, v float64, t common.MAV_PARAM_TYPE) float32 {
	if !f.ParamBytewise() {
		return float32(v)
	}
	switch t {
	case common.MAV_PARAM_TYPE_UINT8, common.MAV_PARAM_TYPE_UINT16, common.MAV_PARAM_TYPE_UINT32:
		return math.Float32frombits(uint32(v))
	case common.MAV_PARAM_TYPE_INT8, common.MAV_PARAM_TYPE_INT16, common.MAV_PARAM_TYPE_INT32:
		return math.Float32frombits(uint32(int32(v)))
	}
	return float32(v)
}

// DecodeParam is PARAM_VALUE's float as the value the flavour meant.
func DecodeParam(f Flavour, v float32, t common.MAV_PARAM_TYPE) float64 {
	if !f.ParamBytewise() {
		return float64(v)
	}
	switch t {
	case common.MAV_PARAM_TYPE_UINT8, common.MAV_PARAM_TYPE_UINT16, common.MAV_PARAM_TYPE_UINT32:
		return float64(math.Float32bits(v))
	case common.MAV_PARAM_TYPE_INT8, common.MAV_PARAM_TYPE_INT16, common.MAV_PARAM_TYPE_INT32:
		return float64(int32(math.Float32bits(v)))
	}
	return float64(v)
}
