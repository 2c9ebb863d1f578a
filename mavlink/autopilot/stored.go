// Package autopilot says what the real autopilots store of a mission item:
// ONE table, used by the ground station to verify an upload by read-back
// (gcs/verify.go) and by the simulator to store and read back items
// (simulator/mission.go), so that the simulator answers exactly what the
// real autopilot does and the GCS compares by what the vehicle keeps, not
// by what was sent.
//
// The sources, read for this table:
//   - ArduPilot libraries/AP_Mission/AP_Mission.cpp: mavlink_int_to_mission_cmd
//     (what each MAV_CMD keeps, in which integer), mission_cmd_to_mavlink_int
//     (what comes back: frame 0/3/10 without _INT, autocontinue 1, current 0),
//     stored_in_location (which commands keep a position), sanity_check_params.
//   - ArduPilot libraries/GCS_MAVLink/MissionItemProtocol_Fence.cpp with
//     libraries/AC_Fence/AC_PolyFence_loader.cpp: a fence item keeps its type,
//     lat/lng, vertex count (uint8) or radius (float); it comes back in frame 0,
//     z 0, params 2-4 and autocontinue 0.
//   - ArduPilot libraries/GCS_MAVLink/MissionItemProtocol_Rally.cpp with
//     libraries/AP_Rally/AP_Rally.h: a rally point keeps lat/lng, its altitude
//     as int16 metres and its altitude frame; it comes back in frame 0, 3 or 10.
//   - PX4 src/modules/mavlink/mavlink_mission.cpp: parse_mavlink_mission_item
//     and format_mavlink_mission_item (mission_item_s: lat/lon as double,
//     altitude float, a few named params per command), send_mission_item (a
//     fence point keeps nav_cmd, lat/lon, alt and vertex count or radius and is
//     formatted with altitude_is_relative unset: frame 5, GLOBAL_INT).
//
// C++ converts a float to an integer field by truncating toward zero; for
// values out of the field's range the result is undefined in C++, and the
// autopilots' flight hardware (ARM) saturates, which is what this table does.
package autopilot

import (
	"math"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Kind is an autopilot whose storage differs.
type Kind uint8

// The autopilots the table knows. ArduPilot's Copter, Rover and Sub build
// pack NAV_WAYPOINT one way and Plane another (APM_BUILD_TYPE in AP_Mission.cpp).
const (
	// Generic is an autopilot we have no source for: it is assumed to keep
	// what it was sent.
	Generic Kind = iota
	ArduCopter
	ArduPlane
	PX4
)

// ArduPilot reports whether k is an ArduPilot build.
func (k Kind) ArduPilot() bool { return k == ArduCopter || k == ArduPlane }

func (k Kind) String() string {
	switch k {
	case ArduCopter:
		return "ArduCopter"
	case ArduPlane:
		return "ArduPlane"
	case PX4:
		return "PX4"
	}
	return "generic autopilot"
}

// HomeAtSeq0 reports whether k keeps its home as item 0 of list t:
// ArduPilot's mission (AP_Mission stores home at index 0, ignores an uploaded
// item 0 and reads back its real home; MISSION_CURRENT and
// MISSION_SET_CURRENT count with it). Fences, rally points and PX4's lists
// start with the first item.
func (k Kind) HomeAtSeq0(t common.MAV_MISSION_TYPE) bool { return k.ArduPilot() && t == ListMission }

// Lists (MAV_MISSION_TYPE).
const (
	ListMission = common.MAV_MISSION_TYPE_MISSION
	ListFence   = common.MAV_MISSION_TYPE_FENCE
	ListRally   = common.MAV_MISSION_TYPE_RALLY
)

// Result is what the table says of one item.
type Result struct {
	// Item is what the autopilot sends back for the item (seq, targets and
	// mission_type as given, current 0), when Accepted.
	Item common.MessageMissionItemInt
	// Refusal is the MISSION_ACK the autopilot answers instead of storing
	// the item (MAV_MISSION_ACCEPTED when it stores it).
	Refusal common.MAV_MISSION_RESULT
	// Exact is false where the sources we read do not cover the command
	// (ArduPilot commands added after the copy of AP_Mission.cpp we read):
	// then Item is the item as sent with ArduPilot's frame rules, and a
	// comparison should allow for whole-number storage of params 1-4.
	Exact bool
	// Angles marks params (bit i = param i+1) that are angles in degrees,
	// to compare modulo 360: PX4 keeps yaw in radians wrapped to [0, 2π)
	// in float32, so 0° may come back as 360° or 0.00001°.
	Angles uint8
}

// SameAngle compares two angles in degrees modulo 360, within tol degrees.
func SameAngle(a, b, tol float64) bool {
	d := math.Mod(math.Abs(a-b), 360)
	return math.Min(d, 360-d) <= tol
}

// Accepted reports whether the autopilot stores the item.
func (r Result) Accepted() bool { return r.Refusal == common.MAV_MISSION_ACCEPTED }

// Store is what autopilot k keeps of item m uploaded to list t, as it sends it
// back in MISSION_ITEM_INT (answering MISSION_REQUEST_INT).
func Store(k Kind, t common.MAV_MISSION_TYPE, m common.MessageMissionItemInt) Result {
	m.Current = 0
	switch k {
	case ArduCopter, ArduPlane:
		switch t {
		case ListFence:
			return apFence(m)
		case ListRally:
			return apRally(m)
		}
		return apMission(k, m)
	case PX4:
		return px4Item(t, m)
	}
	return Result{Item: m, Exact: true}
}

func refuse(m common.MessageMissionItemInt, r common.MAV_MISSION_RESULT) Result {
	return Result{Item: m, Refusal: r, Exact: true}
}

// Conversions of a float parameter to the C++ field that keeps it.
func trunc(v float32, lo, hi float64) float32 {
	f := float64(v)
	if math.IsNaN(f) {
		return 0
	}
	return float32(math.Max(lo, math.Min(hi, math.Trunc(f))))
}
func u8(v float32) float32  { return trunc(v, 0, math.MaxUint8) }
func i8(v float32) float32  { return trunc(v, math.MinInt8, math.MaxInt8) }
func u16(v float32) float32 { return trunc(v, 0, math.MaxUint16) }
func i16(v float32) float32 { return trunc(v, math.MinInt16, math.MaxInt16) }
func f32(v float32) float32 { return v }
func zero(float32) float32  { return 0 }

func boolean(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// apPacking is how AP_Mission keeps one command: a converter per param 1-4
// (nil: not kept, comes back 0), whether x/y/z are a stored Location
// (stored_in_location), and converters for x/y/z when they are not.
type apPacking struct {
	p       [4]func(float32) float32
	loc     bool
	x, y, z func(float32) float32
	// special packs commands whose params share a field (p1 bytes, signs).
	special func(k Kind, in common.MessageMissionItemInt, out *common.MessageMissionItemInt)
	// inexact: the command is newer than the copy of AP_Mission.cpp read.
	inexact bool
	// planeOnly / notPlane: refused (MAV_MISSION_UNSUPPORTED) by the other build.
	notPlane bool
	// nanOK lists params (bit i = param i+1) that may be NaN (sanity_check_params).
	nanOK uint8
}

// apCommands is AP_Mission.cpp's mavlink_int_to_mission_cmd and
// mission_cmd_to_mavlink_int, command by command: cmd.p1 is a uint16, the
// content structs' fields are the types noted.
var apCommands = map[common.MAV_CMD]apPacking{
	// NAV_WAYPOINT: Copter keeps the hold time in p1 (uint16); Plane keeps the
	// acceptance radius and pass-by distance as bytes of p1.
	common.MAV_CMD_NAV_WAYPOINT: {loc: true, nanOK: 1 << 3, special: func(k Kind, in common.MessageMissionItemInt, out *common.MessageMissionItemInt) {
		if k == ArduPlane {
			out.Param2 = float32(min(255, u16(in.Param2)))
			out.Param3 = float32(min(255, u16(in.Param3)))
			return
		}
		out.Param1 = u16(in.Param1)
	}},
	// LOITER_UNLIM: |param3| as p1, its sign as loiter_ccw.
	common.MAV_CMD_NAV_LOITER_UNLIM: {loc: true, special: func(_ Kind, in common.MessageMissionItemInt, out *common.MessageMissionItemInt) {
		out.Param3 = u16(float32(math.Abs(float64(in.Param3))))
		if in.Param3 < 0 {
			out.Param3 = -out.Param3
		}
	}},
	// LOITER_TURNS: turns (≤255) in the low byte of p1, the radius in the high
	// byte (÷10 with a flag above 255 m), the sign as loiter_ccw, xtrack from param4 > 0.
	common.MAV_CMD_NAV_LOITER_TURNS: {loc: true, special: func(_ Kind, in common.MessageMissionItemInt, out *common.MessageMissionItemInt) {
		out.Param1 = float32(uint8(u16(float32(math.Min(255, float64(in.Param1))))))
		r := math.Abs(float64(in.Param3))
		if math.IsNaN(r) {
			r = 0
		}
		var radius float32
		if r <= 255 {
			radius = u8(float32(r))
		} else {
			radius = float32(math.Min(255, math.Trunc(r*0.1))) * 10
		}
		if in.Param3 < 0 {
			radius = -radius
		}
		out.Param3 = radius
		out.Param4 = boolean(in.Param4 > 0)
	}},
	// LOITER_TIME: the time in p1; param3 keeps only its sign (±1); xtrack.
	common.MAV_CMD_NAV_LOITER_TIME: {loc: true, special: func(_ Kind, in common.MessageMissionItemInt, out *common.MessageMissionItemInt) {
		out.Param1 = u16(in.Param1)
		out.Param3 = 1
		if in.Param3 < 0 {
			out.Param3 = -1
		}
		out.Param4 = boolean(in.Param4 > 0)
	}},
	common.MAV_CMD_NAV_RETURN_TO_LAUNCH: {},
	// LAND: abort altitude in p1; param4 keeps only its sign (loiter_ccw), so
	// it comes back as -1 or 1 (NaN leaves the flag clear: 1).
	common.MAV_CMD_NAV_LAND: {loc: true, nanOK: 1 << 3, special: func(_ Kind, in common.MessageMissionItemInt, out *common.MessageMissionItemInt) {
		out.Param1 = u16(in.Param1)
		out.Param4 = 1
		if in.Param4 < 0 {
			out.Param4 = -1
		}
	}},
	common.MAV_CMD_NAV_TAKEOFF:                 {loc: true, nanOK: 1 << 3, p: [4]func(float32) float32{u16}},
	common.MAV_CMD_NAV_CONTINUE_AND_CHANGE_ALT: {loc: true, p: [4]func(float32) float32{u16}},
	// LOITER_TO_ALT: |param2| in p1 with its sign; xtrack.
	common.MAV_CMD_NAV_LOITER_TO_ALT: {loc: true, special: func(_ Kind, in common.MessageMissionItemInt, out *common.MessageMissionItemInt) {
		out.Param2 = u16(float32(math.Abs(float64(in.Param2))))
		if in.Param2 < 0 {
			out.Param2 = -out.Param2
		}
		out.Param4 = boolean(in.Param4 > 0)
	}},
	common.MAV_CMD_NAV_SPLINE_WAYPOINT: {loc: true, notPlane: true, p: [4]func(float32) float32{u16}},
	common.MAV_CMD_NAV_GUIDED_ENABLE:   {loc: true, p: [4]func(float32) float32{u16}},
	common.MAV_CMD_NAV_DELAY:           {p: [4]func(float32) float32{f32, i8, i8, i8}},
	common.MAV_CMD_CONDITION_DELAY:     {p: [4]func(float32) float32{f32}},
	common.MAV_CMD_CONDITION_DISTANCE:  {p: [4]func(float32) float32{f32}},
	common.MAV_CMD_CONDITION_YAW:       {p: [4]func(float32) float32{f32, f32, i8, u8}},
	common.MAV_CMD_DO_JUMP:             {p: [4]func(float32) float32{u16, i16}},
	common.MAV_CMD_DO_CHANGE_SPEED:     {p: [4]func(float32) float32{u8, f32, f32}},
	common.MAV_CMD_DO_SET_HOME:         {loc: true, p: [4]func(float32) float32{u16}},
	common.MAV_CMD_DO_SET_RELAY:        {p: [4]func(float32) float32{u8, u8}},
	common.MAV_CMD_DO_REPEAT_RELAY:     {p: [4]func(float32) float32{u8, i16, f32}},
	common.MAV_CMD_DO_SET_SERVO:        {p: [4]func(float32) float32{u8, u16}},
	common.MAV_CMD_DO_REPEAT_SERVO:     {p: [4]func(float32) float32{u8, u16, i16, f32}},
	common.MAV_CMD_DO_LAND_START:       {loc: true},
	common.MAV_CMD_DO_GO_AROUND:        {loc: true},
	common.MAV_CMD_DO_SET_ROI:          {loc: true, p: [4]func(float32) float32{u16}},
	// DO_DIGICAM_CONFIGURE/CONTROL keep x, y (and z) as small integers, not a position.
	common.MAV_CMD_DO_DIGICAM_CONFIGURE: {p: [4]func(float32) float32{u8, u16, u8, u8}, x: u8, y: u8, z: f32},
	common.MAV_CMD_DO_DIGICAM_CONTROL:   {p: [4]func(float32) float32{u8, u8, i8, u8}, x: u8, y: u8},
	// DO_MOUNT_CONTROL keeps pitch, roll, yaw; its mode (param7) is lost.
	common.MAV_CMD_DO_MOUNT_CONTROL:      {p: [4]func(float32) float32{f32, f32, f32}},
	common.MAV_CMD_DO_SET_CAM_TRIGG_DIST: {p: [4]func(float32) float32{f32, nil, u8}},
	common.MAV_CMD_DO_FENCE_ENABLE:       {p: [4]func(float32) float32{u16}},
	common.MAV_CMD_DO_PARACHUTE:          {p: [4]func(float32) float32{u16}},
	common.MAV_CMD_DO_INVERTED_FLIGHT:    {p: [4]func(float32) float32{u16}},
	common.MAV_CMD_DO_GRIPPER:            {p: [4]func(float32) float32{u8, u8}},
	common.MAV_CMD_DO_AUTOTUNE_ENABLE:    {p: [4]func(float32) float32{u16}},
	common.MAV_CMD_NAV_VTOL_TAKEOFF:      {loc: true, nanOK: 1 << 3},
	common.MAV_CMD_NAV_VTOL_LAND:         {loc: true, nanOK: 1<<2 | 1<<3, p: [4]func(float32) float32{u16}},
	common.MAV_CMD_DO_VTOL_TRANSITION:    {p: [4]func(float32) float32{u8}},
	common.MAV_CMD_DO_SET_REVERSE:        {p: [4]func(float32) float32{u16}},
	common.MAV_CMD_DO_PAUSE_CONTINUE:     {p: [4]func(float32) float32{u16}},
	common.MAV_CMD(216):                  {p: [4]func(float32) float32{u16}}, // DO_SPRAYER (ardupilotmega.xml)
	common.MAV_CMD_DO_WINCH:              {p: [4]func(float32) float32{u8, u8, f32, f32}},
	// DO_GIMBAL_MANAGER_PITCHYAW: four floats, flags in x, the gimbal id in z.
	common.MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW: {p: [4]func(float32) float32{f32, f32, f32, f32},
		x: func(v float32) float32 { return trunc(v, 0, math.MaxUint32) }, z: u8},
	// Newer than the copy of AP_Mission.cpp read (ArduPilot 4.4+): kept, but
	// how each parameter is packed is not in the source we checked.
	common.MAV_CMD_DO_SET_ROI_LOCATION: {loc: true, inexact: true},
	common.MAV_CMD_DO_SET_ROI_NONE:     {inexact: true},
	common.MAV_CMD_IMAGE_START_CAPTURE: {inexact: true},
	common.MAV_CMD_IMAGE_STOP_CAPTURE:  {inexact: true},
	common.MAV_CMD_VIDEO_START_CAPTURE: {inexact: true},
	common.MAV_CMD_VIDEO_STOP_CAPTURE:  {inexact: true},
	common.MAV_CMD(600):                {inexact: true}, // JUMP_TAG (ardupilotmega.xml)
	common.MAV_CMD(601):                {inexact: true}, // DO_JUMP_TAG
}

// apLocationFrame is how AP_Mission keeps a Location's altitude frame, and
// the frame it reports back (without _INT).
func apLocationFrame(f common.MAV_FRAME) (common.MAV_FRAME, bool) {
	switch f {
	case common.MAV_FRAME_MISSION, common.MAV_FRAME_GLOBAL, common.MAV_FRAME_GLOBAL_INT:
		return common.MAV_FRAME_GLOBAL, true
	case common.MAV_FRAME_GLOBAL_RELATIVE_ALT, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT:
		return common.MAV_FRAME_GLOBAL_RELATIVE_ALT, true
	case common.MAV_FRAME_GLOBAL_TERRAIN_ALT, common.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT:
		return common.MAV_FRAME_GLOBAL_TERRAIN_ALT, true
	}
	return 0, false
}

// check_lat / check_lng (AP_Common/Location.h): degrees ×1e7 in range.
func validLatLng(x, y int32) (common.MAV_MISSION_RESULT, bool) {
	if x < -900000000 || x > 900000000 {
		return common.MAV_MISSION_INVALID_PARAM5_X, false
	}
	if y < -1800000000 || y > 1800000000 {
		return common.MAV_MISSION_INVALID_PARAM6_Y, false
	}
	return common.MAV_MISSION_ACCEPTED, true
}

// locationAltMaxM is LOCATION_ALT_MAX_M (AP_Common/Location.h).
const locationAltMaxM = 83000

func apMission(k Kind, in common.MessageMissionItemInt) Result {
	pk, ok := apCommands[in.Command]
	if !ok || pk.notPlane && k == ArduPlane {
		return refuse(in, common.MAV_MISSION_UNSUPPORTED)
	}
	// sanity_check_params: NaN only where the command allows it.
	for i, v := range []float32{in.Param1, in.Param2, in.Param3, in.Param4} {
		if v != v && pk.nanOK&(1<<i) == 0 {
			return refuse(in, common.MAV_MISSION_INVALID_PARAM1+common.MAV_MISSION_RESULT(i))
		}
	}
	out := in
	out.Frame, out.Autocontinue = common.MAV_FRAME_GLOBAL, 1
	out.Param1, out.Param2, out.Param3, out.Param4, out.X, out.Y, out.Z = 0, 0, 0, 0, 0, 0, 0
	if pk.inexact {
		out.Param1, out.Param2, out.Param3, out.Param4 = in.Param1, in.Param2, in.Param3, in.Param4
		if !pk.loc {
			out.X, out.Y, out.Z = in.X, in.Y, in.Z
		}
	}
	if pk.special != nil {
		pk.special(k, in, &out)
	}
	for i, conv := range pk.p {
		if conv == nil {
			continue
		}
		v := conv([]float32{in.Param1, in.Param2, in.Param3, in.Param4}[i])
		switch i {
		case 0:
			out.Param1 = v
		case 1:
			out.Param2 = v
		case 2:
			out.Param3 = v
		case 3:
			out.Param4 = v
		}
	}
	if pk.x != nil {
		out.X = int32(pk.x(float32(in.X)))
	}
	if pk.y != nil {
		out.Y = int32(pk.y(float32(in.Y)))
	}
	if pk.z != nil {
		out.Z = pk.z(in.Z)
	}
	if pk.loc {
		if r, ok := validLatLng(in.X, in.Y); !ok {
			return refuse(in, r)
		}
		if in.Z != in.Z || math.Abs(float64(in.Z)) >= locationAltMaxM {
			return refuse(in, common.MAV_MISSION_INVALID_PARAM7)
		}
		f, ok := apLocationFrame(in.Frame)
		if !ok {
			return refuse(in, common.MAV_MISSION_UNSUPPORTED_FRAME)
		}
		// The altitude is kept as int32 centimetres (packet.z * 100.0f) and
		// sent back as alt * 0.01f.
		cm := int32(math.Trunc(float64(in.Z * 100)))
		out.X, out.Y, out.Z, out.Frame = in.X, in.Y, float32(cm)*0.01, f
	}
	return Result{Item: out, Exact: !pk.inexact}
}

func globalFrame(f common.MAV_FRAME) bool {
	_, ok := apLocationFrame(f)
	return ok && f != common.MAV_FRAME_MISSION
}

// apFence is MissionItemProtocol_Fence's convert_MISSION_ITEM_INT_to_AC_PolyFenceItem
// and get_item_as_mission_item.
func apFence(in common.MessageMissionItemInt) Result {
	if !globalFrame(in.Frame) {
		return refuse(in, common.MAV_MISSION_UNSUPPORTED_FRAME)
	}
	out := common.MessageMissionItemInt{TargetSystem: in.TargetSystem, TargetComponent: in.TargetComponent, Seq: in.Seq,
		MissionType: in.MissionType, Command: in.Command, X: in.X, Y: in.Y}
	switch in.Command {
	case common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION:
		out.Param1 = u8(in.Param1) // AC_PolyFenceItem::vertex_count is a uint8_t
	case common.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, common.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION:
		out.Param1 = in.Param1 // the radius is kept as a float (as an integer when it is one)
	case common.MAV_CMD_NAV_FENCE_RETURN_POINT:
	default:
		return refuse(in, common.MAV_MISSION_UNSUPPORTED)
	}
	return Result{Item: out, Exact: true}
}

// apRally is MissionItemProtocol_Rally's convert_MISSION_ITEM_INT_to_RallyLocation
// and get_item_as_mission_item (RallyLocation: int16 alt in metres, alt frame flags).
func apRally(in common.MessageMissionItemInt) Result {
	if in.Command != common.MAV_CMD_NAV_RALLY_POINT {
		return refuse(in, common.MAV_MISSION_UNSUPPORTED)
	}
	if r, ok := validLatLng(in.X, in.Y); !ok {
		return refuse(in, r)
	}
	if in.Z < math.MinInt16 || in.Z > math.MaxInt16 {
		return refuse(in, common.MAV_MISSION_INVALID_PARAM7)
	}
	f, ok := apLocationFrame(in.Frame)
	if !ok || in.Frame == common.MAV_FRAME_MISSION {
		return refuse(in, common.MAV_MISSION_UNSUPPORTED_FRAME)
	}
	return Result{Item: common.MessageMissionItemInt{TargetSystem: in.TargetSystem, TargetComponent: in.TargetComponent, Seq: in.Seq,
		MissionType: in.MissionType, Command: in.Command, Frame: f, X: in.X, Y: in.Y, Z: i16(in.Z)}, Exact: true}
}

// px4Yaw is PX4's yaw round trip: wrap_2pi(radians(p)) stored, degrees(yaw) sent.
func px4Yaw(p float32) float32 {
	if p != p {
		return p
	}
	r := float32(float64(p) * math.Pi / 180)
	r = float32(math.Mod(float64(r), 2*math.Pi))
	if r < 0 {
		r += 2 * math.Pi
	}
	return float32(float64(r) * 180 / math.Pi)
}

// px4MissionFrameCmds are the commands PX4 takes in MAV_FRAME_MISSION; it
// keeps their params 1-7 (params[] are floats; DO_JUMP's are uint16 fields).
var px4MissionFrameCmds = map[common.MAV_CMD]bool{
	common.MAV_CMD_DO_JUMP: true, common.MAV_CMD_DO_SET_ROI: true, common.MAV_CMD_DO_WINCH: true, common.MAV_CMD_DO_GRIPPER: true,
	common.MAV_CMD_DO_CHANGE_SPEED: true, common.MAV_CMD_DO_SET_HOME: true, common.MAV_CMD_DO_LAND_START: true,
	common.MAV_CMD_DO_TRIGGER_CONTROL: true, common.MAV_CMD_DO_DIGICAM_CONTROL: true, common.MAV_CMD_DO_MOUNT_CONFIGURE: true,
	common.MAV_CMD_DO_MOUNT_CONTROL: true, common.MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW: true, common.MAV_CMD_SET_CAMERA_FOCUS: true,
	common.MAV_CMD_DO_GIMBAL_MANAGER_CONFIGURE: true, common.MAV_CMD_IMAGE_START_CAPTURE: true, common.MAV_CMD_IMAGE_STOP_CAPTURE: true,
	common.MAV_CMD_VIDEO_START_CAPTURE: true, common.MAV_CMD_VIDEO_STOP_CAPTURE: true, common.MAV_CMD_DO_CONTROL_VIDEO: true,
	common.MAV_CMD_DO_SET_CAM_TRIGG_DIST: true, common.MAV_CMD_OBLIQUE_SURVEY: true, common.MAV_CMD_DO_SET_CAM_TRIGG_INTERVAL: true,
	common.MAV_CMD_SET_CAMERA_MODE: true, common.MAV_CMD_DO_VTOL_TRANSITION: true, common.MAV_CMD_NAV_DELAY: true,
	common.MAV_CMD_NAV_RETURN_TO_LAUNCH: true, common.MAV_CMD_DO_SET_ROI_WPNEXT_OFFSET: true, common.MAV_CMD_DO_SET_ROI_NONE: true,
	common.MAV_CMD_CONDITION_DELAY: true, common.MAV_CMD_CONDITION_DISTANCE: true, common.MAV_CMD_DO_SET_ACTUATOR: true,
}

// px4Item is mavlink_mission.cpp's parse_mavlink_mission_item, the dataman
// record and format_mavlink_mission_item in int mode.
func px4Item(t common.MAV_MISSION_TYPE, in common.MessageMissionItemInt) (res Result) {
	out := in
	out.Param1, out.Param2, out.Param3, out.Param4 = 0, 0, 0, 0
	switch in.Frame {
	case common.MAV_FRAME_GLOBAL, common.MAV_FRAME_GLOBAL_RELATIVE_ALT, common.MAV_FRAME_GLOBAL_INT, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT:
		rel := in.Frame == common.MAV_FRAME_GLOBAL_RELATIVE_ALT || in.Frame == common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
		out.Frame = common.MAV_FRAME_GLOBAL_INT
		if rel {
			out.Frame = common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
		}
		angles := uint8(0)
		defer func() { res.Angles = angles }()
		switch in.Command {
		case common.MAV_CMD_NAV_WAYPOINT:
			angles = 1 << 3
			out.Param1, out.Param2, out.Param4 = in.Param1, in.Param2, px4Yaw(in.Param4)
		case common.MAV_CMD_NAV_LOITER_UNLIM:
			angles = 1 << 3
			out.Param3, out.Param4 = in.Param3, px4Yaw(in.Param4)
		case common.MAV_CMD_NAV_LOITER_TIME:
			out.Param1, out.Param2, out.Param3, out.Param4 = in.Param1, boolean(in.Param2 > 0), in.Param3, boolean(in.Param4 > 0)
		case common.MAV_CMD_NAV_LAND:
			angles = 1 << 3
			out.Param2, out.Param4 = u8(in.Param2), px4Yaw(in.Param4)
		case common.MAV_CMD_NAV_TAKEOFF, common.MAV_CMD_NAV_VTOL_TAKEOFF, common.MAV_CMD_NAV_VTOL_LAND:
			angles = 1 << 3
			out.Param4 = px4Yaw(in.Param4)
		case common.MAV_CMD_NAV_LOITER_TO_ALT:
			out.Param1, out.Param2, out.Param4 = boolean(in.Param1 > 0), in.Param2, boolean(in.Param4 > 0)
		case common.MAV_CMD_NAV_ROI, common.MAV_CMD_DO_SET_ROI:
			// Only ROI_LOCATION (3) and ROI_NONE (0) in a global frame;
			// format has no case for them and sends params 1-4 as 0.
			if r := int(in.Param1); r != int(common.MAV_ROI_LOCATION) && r != int(common.MAV_ROI_NONE) {
				return refuse(in, common.MAV_MISSION_INVALID_PARAM1)
			}
		case common.MAV_CMD_DO_SET_ROI_LOCATION, common.MAV_CMD_CONDITION_GATE, common.MAV_CMD_NAV_FENCE_RETURN_POINT,
			common.MAV_CMD_NAV_RALLY_POINT:
		case common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION:
			out.Param1 = float32(uint16(u16(in.Param1 + 0.5)))
		case common.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, common.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION:
			out.Param1 = in.Param1
		default:
			return refuse(in, common.MAV_MISSION_UNSUPPORTED)
		}
	case common.MAV_FRAME_MISSION:
		if !px4MissionFrameCmds[in.Command] {
			return refuse(in, common.MAV_MISSION_UNSUPPORTED)
		}
		out.Param1, out.Param2, out.Param3, out.Param4 = in.Param1, in.Param2, in.Param3, in.Param4
		// x and y go through float params[4], [5] and back with round().
		out.X, out.Y = int32(float32(in.X)), int32(float32(in.Y))
		switch in.Command {
		case common.MAV_CMD_DO_JUMP:
			out.Param1, out.Param2 = u16(in.Param1), u16(in.Param2)
		case common.MAV_CMD_DO_SET_ROI:
			if r := int(in.Param1); r != int(common.MAV_ROI_NONE) && r != int(common.MAV_ROI_WPNEXT) && r != int(common.MAV_ROI_WPINDEX) {
				return refuse(in, common.MAV_MISSION_INVALID_PARAM1)
			}
		}
	default:
		return refuse(in, common.MAV_MISSION_UNSUPPORTED_FRAME)
	}
	isFence := in.Command >= common.MAV_CMD_NAV_FENCE_RETURN_POINT && in.Command <= common.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION
	switch t {
	case ListFence:
		if !isFence {
			return refuse(in, common.MAV_MISSION_UNSUPPORTED)
		}
		// send_mission_item builds a mission_item_s from the fence point
		// without altitude_is_relative or autocontinue: frame 5, autocontinue 0.
		out.Frame, out.Autocontinue = common.MAV_FRAME_GLOBAL_INT, 0
	case ListRally:
		if in.Command != common.MAV_CMD_NAV_RALLY_POINT {
			return refuse(in, common.MAV_MISSION_UNSUPPORTED)
		}
	default:
		if isFence || in.Command == common.MAV_CMD_NAV_RALLY_POINT {
			return refuse(in, common.MAV_MISSION_ERROR)
		}
	}
	return Result{Item: out, Exact: true}
}
