package simulator

import (
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

// target returns the system and component a message is addressed to; ok is
// false for messages without a target (broadcasts such as HEARTBEAT).
func target(msg message.Message) (sys, comp uint8, ok bool) {
	switch m := msg.(type) {
	case *common.MessageCommandLong:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageCommandInt:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageMissionCount:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageMissionItemInt:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageMissionItem:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageMissionRequestList:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageMissionRequestInt:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageMissionRequest:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageMissionAck:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageMissionClearAll:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageMissionSetCurrent:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageParamRequestList:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageParamRequestRead:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageParamSet:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageRequestDataStream:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageSetMode:
		return m.TargetSystem, 0, true
	case *common.MessageSetPositionTargetGlobalInt:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageSetupSigning:
		return m.TargetSystem, m.TargetComponent, true
	case *common.MessageTimesync:
		return m.TargetSystem, m.TargetComponent, true
	}
	return 0, 0, false
}

// vehicleSigning is the vehicle side of MAVLink 2 signing.
type vehicleSigning struct {
	key     [32]byte
	lastOut uint64
	streams map[[3]uint8]uint64 // last timestamp per (sysid, compid, link id)
}

// signingEpoch is the MAVLink signing epoch, 2015-01-01 UTC.
var signingEpoch = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)

func (v *vehicle) signingNow() uint64 {
	return uint64(v.f.epoch.Add(v.f.now).Sub(signingEpoch) / (10 * time.Microsecond))
}

// signingTimestamp never goes back, as the signing spec requires.
func (v *vehicle) signingTimestamp() uint64 {
	ts := max(v.signingNow(), v.sign.lastOut+1)
	v.sign.lastOut = ts
	return ts
}

// accept applies ArduPilot's signing rules: with a key, unsigned frames are
// ignored (except RADIO_STATUS), signatures must verify, and timestamps must
// grow per stream and be within a minute of the vehicle's clock.
func (v *vehicle) accept(fr mavwire.Frame) bool {
	if v.sign == nil {
		return true
	}
	if !fr.Signed() {
		if fr.MessageID == 109 {
			return true
		}
		v.Stats.UnsignedDrops++
		return false
	}
	link, ts, sig, ok := fr.Signature()
	if !ok || mavwire.ComputeSignature(v.sign.key, fr.Raw[:len(fr.Raw)-6]) != sig {
		v.Stats.BadSignatures++
		return false
	}
	k := [3]uint8{fr.SystemID, fr.ComponentID, link}
	if v.sign.streams == nil {
		v.sign.streams = map[[3]uint8]uint64{}
	}
	if last, seen := v.sign.streams[k]; (seen && ts <= last) || ts+6_000_000 < max(v.signingNow(), v.sign.lastOut) {
		v.Stats.BadSignatures++
		return false
	}
	v.sign.streams[k] = ts
	return true
}

// handle processes one message addressed to this vehicle.
func (v *vehicle) handle(now time.Duration, fr mavwire.Frame, msg message.Message) {
	if v.down || !v.accept(fr) {
		return
	}
	v.Stats.Received++
	from := [2]uint8{fr.SystemID, fr.ComponentID}
	switch m := msg.(type) {
	case *common.MessageHeartbeat:
		if m.Type == common.MAV_TYPE_GCS {
			v.gcsSeen, v.lastGCS = true, now
		}
	case *common.MessageCommandLong:
		v.command(now, cmdArgs{cmd: m.Command, from: from, p: [7]float64{float64(m.Param1), float64(m.Param2),
			float64(m.Param3), float64(m.Param4), float64(m.Param5), float64(m.Param6), float64(m.Param7)}})
	case *common.MessageCommandInt:
		v.command(now, cmdArgs{cmd: m.Command, from: from, isInt: true, frame: m.Frame, p: [7]float64{float64(m.Param1), float64(m.Param2),
			float64(m.Param3), float64(m.Param4), float64(m.X) / 1e7, float64(m.Y) / 1e7, float64(m.Z)}})
	case *common.MessageSetMode:
		res := common.MAV_RESULT_DENIED
		if m.BaseMode&common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED != 0 {
			res = v.changeMode(now, m.CustomMode)
		}
		if v.flavor.ardupilot() {
			// ArduPilot answers the old SET_MODE message with a COMMAND_ACK whose command is the message id (11).
			v.ackCommand(cmdArgs{cmd: common.MAV_CMD(11), from: from}, res, 0)
		}
	case *common.MessageSetPositionTargetGlobalInt:
		// GUIDED go-to (ArduPilot only accepts it in GUIDED).
		if v.beh != bGuided && v.flavor.ardupilot() || !v.flying() {
			return
		}
		if !validLatLon(float64(m.LatInt)/1e7, float64(m.LonInt)/1e7) || math.IsNaN(float64(m.Alt)) {
			return
		}
		alt := float64(m.Alt)
		if m.CoordinateFrame == common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT || m.CoordinateFrame == common.MAV_FRAME_GLOBAL_RELATIVE_ALT {
			alt += v.home.alt
		}
		if target := (pos{float64(m.LatInt) / 1e7, float64(m.LonInt) / 1e7, alt}); v.destinationInFence(target) {
			v.guided, v.guidedSet = target, true
		}
	case *common.MessageParamRequestList:
		if v.flavor.ardupilot() {
			v.banner() // ArduPilot: "requesting parameters is a convenient way to get extra information"
		}
		for i := range v.params.defs {
			v.sendParam(i)
		}
		if !v.flavor.ardupilot() {
			v.sendHashCheck()
		}
	case *common.MessageParamRequestRead:
		i := int(m.ParamIndex)
		if m.ParamIndex < 0 {
			var ok bool
			i, ok = v.params.index[paramName(m.ParamId)]
			if !ok {
				return // both autopilots stay silent about unknown names
			}
		}
		if i >= 0 && i < len(v.params.defs) {
			if m.ParamIndex < 0 && v.flavor.ardupilot() {
				v.sendParamAs(i, 65535) // ArduPilot echoes the request's index, -1 for a read by name
			} else {
				v.sendParam(i)
			}
		}
	case *common.MessageParamSet:
		name := paramName(m.ParamId)
		i, ok := v.params.index[name]
		if !ok {
			return
		}
		v.params.set(name, fromWire(v.flavor, v.params.defs[i].typ, m.ParamValue))
		v.paramChanged(now, name)
		if v.flavor.ardupilot() {
			// ArduPilot announces a changed parameter to every GCS with index 65535
			// (-1), the same unsolicited PARAM_VALUE it sends when it changes one itself.
			v.sendParamAs(i, 65535)
		} else {
			v.sendParam(i)
		}
	case *common.MessageRequestDataStream:
		if v.flavor.ardupilot() { // PX4 does not implement REQUEST_DATA_STREAM
			v.requestDataStream(int(m.ReqStreamId), float64(m.ReqMessageRate), m.StartStop != 0)
		}
	case *common.MessageTimesync:
		// Answer a sync request with our clock (ns since boot), so that a GCS can measure the round trip.
		if m.Tc1 == 0 {
			v.send(&common.MessageTimesync{Tc1: int64(now), Ts1: m.Ts1, TargetSystem: from[0], TargetComponent: from[1]})
		}
	case *common.MessageSetupSigning:
		if m.SecretKey == ([32]uint8{}) {
			v.sign = nil
			v.enc.Signer = nil
			return
		}
		v.sign = &vehicleSigning{key: m.SecretKey, lastOut: m.InitialTimestamp}
		v.enc.Signer = &mavwire.Signer{Key: m.SecretKey, Timestamp: v.signingTimestamp}
	default:
		v.handleMission(now, from, msg)
	}
}

func paramName(id string) string { return strings.TrimRight(id, "\x00") }

// sendHashCheck ends PX4's parameter list: "_HASH_CHECK" with index -1
// (65535), type UINT32 and a hash of the values in the float's bits, so that
// a GCS can keep a cached list (src/modules/mavlink/mavlink_parameters.cpp,
// HASH_PARAM). It is not a parameter.
func (v *vehicle) sendHashCheck() {
	h := fnv.New32a()
	for i, d := range v.params.defs {
		fmt.Fprintf(h, "%s=%g;", d.name, v.params.vals[i])
	}
	v.send(&common.MessageParamValue{ParamId: "_HASH_CHECK", ParamValue: math.Float32frombits(h.Sum32()),
		ParamType: common.MAV_PARAM_TYPE_UINT32, ParamCount: uint16(len(v.params.defs)), ParamIndex: 65535})
}

func (v *vehicle) sendParam(i int) { v.sendParamAs(i, uint16(i)) }

func (v *vehicle) sendParamAs(i int, index uint16) {
	d := v.params.defs[i]
	v.send(&common.MessageParamValue{ParamId: d.name, ParamValue: wireValue(v.flavor, d.typ, v.params.vals[i]),
		ParamType: d.typ, ParamCount: uint16(len(v.params.defs)), ParamIndex: index})
}

// paramChanged applies parameters that act at once.
func (v *vehicle) paramChanged(now time.Duration, name string) {
	switch {
	case strings.HasPrefix(name, "SR0_"):
		rate := v.params.get(name)
		for i, d := range streamDefs {
			if d.param == name {
				if rate <= 0 {
					v.streams[i].interval = 0
				} else {
					v.streams[i].interval = time.Duration(float64(time.Second) / rate)
				}
			}
		}
	case name == "WPNAV_SPEED" || name == "MPC_XY_CRUISE" || name == "AIRSPEED_CRUISE":
		v.cruise = v.defaultSpeed()
	case name == "BATT_CAPACITY" || name == "BAT1_CAPACITY":
		frac := v.batt.remainingFrac()
		v.batt.capacityMAh = v.params.get(name)
		v.batt.consumedMAh = v.batt.capacityMAh * (1 - frac)
	case name == "FENCE_ENABLE":
		// Setting the parameter takes over from DO_FENCE_ENABLE (AC_Fence::enable follows it).
		v.fenceOverride = nil
		if v.params.get(name) == 0 {
			v.fence.breached = false
		}
	}
}
