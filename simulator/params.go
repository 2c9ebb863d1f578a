package simulator

import (
	"math"
	"slices"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

type paramDef struct {
	name string
	typ  common.MAV_PARAM_TYPE
	def  float64
}

// The parameters a GCS needs (fence, failsafes, stream rates, navigation
// speeds and radii), with the real autopilots' names, types and units.
// Defaults follow the autopilots except where a simulator default says why.
var arduCommonParams = []paramDef{
	{"SYSID_THISMAV", common.MAV_PARAM_TYPE_INT16, 1},
	{"FENCE_ENABLE", common.MAV_PARAM_TYPE_INT8, 0},
	{"FENCE_ACTION", common.MAV_PARAM_TYPE_INT8, 1}, // 1 = RTL
	// Polygons and circles only (4); ArduCopter's default 7 adds a 100 m
	// altitude ceiling and a 300 m circle round home that a patrol would breach at once.
	{"FENCE_TYPE", common.MAV_PARAM_TYPE_INT8, 4},
	{"FENCE_ALT_MAX", common.MAV_PARAM_TYPE_REAL32, 100},
	{"FENCE_RADIUS", common.MAV_PARAM_TYPE_REAL32, 300},
	// GCS failsafe on (RTL) so that link loss is visible; ArduPilot ships it off.
	{"FS_GCS_ENABLE", common.MAV_PARAM_TYPE_INT8, 1},
	{"FS_GCS_TIMEOUT", common.MAV_PARAM_TYPE_REAL32, 5},
	{"BATT_CAPACITY", common.MAV_PARAM_TYPE_INT32, 10000},
	{"BATT_LOW_MAH", common.MAV_PARAM_TYPE_REAL32, 2000},
	{"BATT_CRT_MAH", common.MAV_PARAM_TYPE_REAL32, 800},
	{"BATT_FS_LOW_ACT", common.MAV_PARAM_TYPE_INT8, 2}, // 2 = RTL
	{"BATT_FS_CRT_ACT", common.MAV_PARAM_TYPE_INT8, 1}, // 1 = LAND
	{"RALLY_INCL_HOME", common.MAV_PARAM_TYPE_INT8, 1},
	{"DISARM_DELAY", common.MAV_PARAM_TYPE_INT8, 10},
	{"SR0_RAW_SENS", common.MAV_PARAM_TYPE_INT16, 0},
	{"SR0_EXT_STAT", common.MAV_PARAM_TYPE_INT16, 0},
	{"SR0_POSITION", common.MAV_PARAM_TYPE_INT16, 0},
	{"SR0_EXTRA1", common.MAV_PARAM_TYPE_INT16, 0},
	{"SR0_EXTRA2", common.MAV_PARAM_TYPE_INT16, 0},
	{"SR0_EXTRA3", common.MAV_PARAM_TYPE_INT16, 0},
}

var copterParams = append(slices.Clone(arduCommonParams),
	paramDef{"WPNAV_SPEED", common.MAV_PARAM_TYPE_REAL32, 1000}, // cm/s
	paramDef{"WPNAV_RADIUS", common.MAV_PARAM_TYPE_REAL32, 200}, // cm
	paramDef{"WPNAV_SPEED_UP", common.MAV_PARAM_TYPE_REAL32, 250},
	paramDef{"WPNAV_SPEED_DN", common.MAV_PARAM_TYPE_REAL32, 150},
	paramDef{"WPNAV_ACCEL", common.MAV_PARAM_TYPE_REAL32, 250},
	paramDef{"LAND_SPEED", common.MAV_PARAM_TYPE_INT16, 50},
	paramDef{"RTL_ALT", common.MAV_PARAM_TYPE_INT32, 1500}, // cm
	paramDef{"RTL_LOIT_TIME", common.MAV_PARAM_TYPE_INT32, 5000},
	paramDef{"ATC_RATE_Y_MAX", common.MAV_PARAM_TYPE_REAL32, 90},
)

var planeParams = append(slices.Clone(arduCommonParams),
	paramDef{"AIRSPEED_CRUISE", common.MAV_PARAM_TYPE_REAL32, 20},
	paramDef{"WP_RADIUS", common.MAV_PARAM_TYPE_INT16, 90},
	paramDef{"WP_LOITER_RAD", common.MAV_PARAM_TYPE_INT16, 60},
	paramDef{"RTL_RADIUS", common.MAV_PARAM_TYPE_INT16, 0},
	paramDef{"RTL_ALTITUDE", common.MAV_PARAM_TYPE_REAL32, 100},
	paramDef{"ROLL_LIMIT_DEG", common.MAV_PARAM_TYPE_REAL32, 45},
	paramDef{"FS_LONG_TIMEOUT", common.MAV_PARAM_TYPE_REAL32, 5},
)

var px4Params = []paramDef{
	{"MAV_SYS_ID", common.MAV_PARAM_TYPE_INT32, 1},
	// PX4 enforces a fence whenever one is loaded; GF_ACTION 3 = Return (PX4 ships 2, Hold).
	{"GF_ACTION", common.MAV_PARAM_TYPE_INT32, 3},
	{"GF_MAX_HOR_DIST", common.MAV_PARAM_TYPE_REAL32, 0},
	{"GF_MAX_VER_DIST", common.MAV_PARAM_TYPE_REAL32, 0},
	// Data-link loss: 2 = Return after COM_DL_LOSS_T s (PX4 ships 0, off).
	{"NAV_DLL_ACT", common.MAV_PARAM_TYPE_INT32, 2},
	{"COM_DL_LOSS_T", common.MAV_PARAM_TYPE_INT32, 10},
	{"COM_LOW_BAT_ACT", common.MAV_PARAM_TYPE_INT32, 3}, // 3 = Return at critical, land at emergency
	{"BAT_LOW_THR", common.MAV_PARAM_TYPE_REAL32, 0.15},
	{"BAT_CRIT_THR", common.MAV_PARAM_TYPE_REAL32, 0.07},
	{"BAT_EMERGEN_THR", common.MAV_PARAM_TYPE_REAL32, 0.05},
	{"BAT1_CAPACITY", common.MAV_PARAM_TYPE_REAL32, 10000},
	{"NAV_ACC_RAD", common.MAV_PARAM_TYPE_REAL32, 10},
	{"MPC_XY_CRUISE", common.MAV_PARAM_TYPE_REAL32, 5},
	{"MPC_Z_VEL_MAX_UP", common.MAV_PARAM_TYPE_REAL32, 3},
	{"MPC_Z_VEL_MAX_DN", common.MAV_PARAM_TYPE_REAL32, 1.5},
	{"MPC_ACC_HOR", common.MAV_PARAM_TYPE_REAL32, 3},
	{"MPC_LAND_SPEED", common.MAV_PARAM_TYPE_REAL32, 0.7},
	{"MIS_TAKEOFF_ALT", common.MAV_PARAM_TYPE_REAL32, 2.5},
	{"RTL_RETURN_ALT", common.MAV_PARAM_TYPE_REAL32, 60},
	{"RTL_LAND_DELAY", common.MAV_PARAM_TYPE_REAL32, 0},
	{"COM_DISARM_LAND", common.MAV_PARAM_TYPE_REAL32, 2},
	{"COM_DISARM_PRFLT", common.MAV_PARAM_TYPE_REAL32, 10},
}

// params is one vehicle's parameter table, in a fixed order (the index of PARAM_VALUE).
type params struct {
	flavor Flavor
	defs   []paramDef
	vals   []float64
	index  map[string]int
}

func newParams(f Flavor) *params {
	defs := copterParams
	switch f {
	case ArduPlane:
		defs = planeParams
	case PX4Copter:
		defs = px4Params
	}
	p := &params{flavor: f, defs: defs, vals: make([]float64, len(defs)), index: make(map[string]int, len(defs))}
	for i, d := range defs {
		p.vals[i] = d.def
		p.index[d.name] = i
	}
	return p
}

func (p *params) get(name string) float64 {
	if i, ok := p.index[name]; ok {
		return p.vals[i]
	}
	return 0
}

// set stores a value fitted to the parameter's type, as the autopilot does.
// ArduPilot's AP_Param::set_float adds 0.01 (away from zero), constrains to
// the type's range and truncates: 2.7 becomes 2, 300 in an INT8 127. PX4
// receives integers bit for bit, already whole.
func (p *params) set(name string, v float64) (int, bool) {
	i, ok := p.index[name]
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false // set_float ignores NaN and infinities
	}
	whole := math.Round
	if p.flavor.ardupilot() {
		whole = func(x float64) float64 { return math.Trunc(x + math.Copysign(0.01, x)) }
	}
	switch p.defs[i].typ {
	case common.MAV_PARAM_TYPE_INT8:
		v = whole(clamp(v, math.MinInt8, math.MaxInt8))
	case common.MAV_PARAM_TYPE_INT16:
		v = whole(clamp(v, math.MinInt16, math.MaxInt16))
	case common.MAV_PARAM_TYPE_INT32:
		v = whole(clamp(v, math.MinInt32, math.MaxInt32))
	default:
		v = float64(float32(v))
	}
	p.vals[i] = v
	return i, true
}

// wireValue encodes a value for PARAM_VALUE: ArduPilot sends every value as
// a float cast; PX4 copies integers bit for bit into the float field
// (MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_BYTEWISE).
func wireValue(f Flavor, typ common.MAV_PARAM_TYPE, v float64) float32 {
	if f == PX4Copter && typ == common.MAV_PARAM_TYPE_INT32 {
		return math.Float32frombits(uint32(int32(v)))
	}
	return float32(v)
}

// fromWire is the inverse of wireValue for PARAM_SET.
func fromWire(f Flavor, typ common.MAV_PARAM_TYPE, w float32) float64 {
	if f == PX4Copter && typ == common.MAV_PARAM_TYPE_INT32 {
		return float64(int32(math.Float32bits(w)))
	}
	return float64(w)
}
