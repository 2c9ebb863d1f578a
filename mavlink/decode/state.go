package decode

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/dialect/borderwatch"
	"github.com/borderwatch/borderwatch/telemetry"
)

// VehicleState is what the GCS knows about one vehicle, derived from its
// messages. Field names carry units. It is a value: copies are snapshots.
type VehicleState struct {
	// ID is the vehicle's id (telemetry.VehicleID): its system id on the
	// default network.
	ID telemetry.VehicleID `json:"id"`
	// SysID is its MAVLink system id; Network the name of the MAVLink network
	// its links belong to ("" for the default network).
	SysID       uint8  `json:"sysid"`
	Network     string `json:"network"`
	Autopilot   string `json:"autopilot"`    // "ardupilot", "px4" or "generic"
	VehicleType string `json:"vehicle_type"` // "multirotor", "fixed_wing", …
	Mode        string `json:"mode"`
	CustomMode  uint32 `json:"custom_mode"`
	Armed       bool   `json:"armed"`
	// SystemStatus is MAV_STATE by name: "standby", "active", "critical" …
	SystemStatus string `json:"system_status"`

	// Lat, Lon, AltM and RelAltM are the last position the vehicle
	// reported; in JSON they are null until it reports one after it
	// (re)booted. HasPosition is false while it reports none (no fix:
	// ArduPilot sends 0,0, which is never taken for a position).
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
	// MissionSeq is the current mission item in the plan's numbering, the
	// same for both autopilots: 0 is the first item after ArduPilot's home
	// (the index in a .plan file and of set_current); -1 when there is none.
	MissionSeq int `json:"mission_seq"`
	// MissionSeqAutopilot is MISSION_CURRENT's seq as the autopilot counts
	// (ArduPilot: home = 0, so one more than MissionSeq); -1 before any.
	MissionSeqAutopilot int `json:"mission_seq_autopilot"`

	LinkOK    bool      `json:"link_ok"`
	LastHeard time.Time `json:"last_heard"`
	// Time of the message that last changed this snapshot (receive or replay time).
	Time time.Time `json:"time"`

	// GPSFix is GPS_RAW_INT's fix type by name: "none", "no_fix", "2d", "3d", "dgps", "rtk_float", "rtk_fixed".
	GPSFix     string `json:"gps_fix"`
	Satellites int    `json:"satellites"` // -1 when unknown
	// LandedState is EXTENDED_SYS_STATE's: "unknown", "on_ground", "in_air", "takeoff", "landing".
	LandedState string `json:"landed_state"`
	// Home is HOME_POSITION (altitude AMSL), nil until the vehicle sent it.
	Home *Home `json:"home,omitempty"`
	// MissionTotal is the number of mission items, without ArduPilot's home
	// (0: no mission; PX4's 65535 means the same); MissionReached the last
	// MISSION_ITEM_REACHED in the plan's numbering (-1 before any).
	MissionTotal   int `json:"mission_total"`
	MissionReached int `json:"mission_reached"`
	// MissionState is MISSION_CURRENT's mission_state: "unknown" (not sent),
	// "no_mission", "not_started", "active", "paused", "complete".
	MissionState string `json:"mission_state"`
	// FenceEnabled is whether the vehicle enforces its fence now: "enabled",
	// "disabled" or "unknown". ArduPilot: SYS_STATUS's GEOFENCE enabled bit
	// (DO_FENCE_ENABLE changes it without changing the FENCE_ENABLE
	// parameter, so the parameter is not the truth); PX4: GF_ACTION != 0
	// (PX4 enforces any loaded fence with that action).
	FenceEnabled string `json:"fence_enabled"`
	// Reboots counts the reboots seen (boot time going back); derived state
	// (position, battery, pre-arm, mission, fence) is reset at each.
	Reboots int `json:"reboots"`
	// Fence from FENCE_STATUS: whether it is breached now, how often it was.
	FenceBreached    bool   `json:"fence_breached"`
	FenceBreachCount int    `json:"fence_breach_count"`
	FenceBreachType  string `json:"fence_breach_type,omitempty"`
	// StatusTexts are the vehicle's latest STATUSTEXTs, newest last.
	StatusTexts []StatusTextEntry `json:"status_texts,omitempty"`
	// PreArm is "ok" or "failing" from SYS_STATUS's pre-arm check bit, "unknown" before.
	PreArm string `json:"prearm"`
	// Signed is true while the vehicle's frames arrive signed with its key.
	Signed bool `json:"signed"`
	// Link holds the vehicle's own link statistics (filled in by the fleet).
	Link VehicleLinkStats `json:"link_stats"`

	text    pendingText     // a chunked STATUSTEXT being reassembled
	bootMs  uint32          // the vehicle's last time since boot, to see it reboot
	booted  bool            // bootMs is known
	posSeen bool            // a position was reported since the last (re)boot
	rid     *remoteIDTracks // Remote ID transmitters heard by this vehicle's receiver (remoteid.go)
}

// Home is the vehicle's home position.
type Home struct {
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
	AltM float64 `json:"alt_m"` // AMSL
}

// StatusTextEntry is one STATUSTEXT.
type StatusTextEntry struct {
	Time     time.Time `json:"time"`
	Severity int       `json:"severity"` // MAV_SEVERITY: 0 emergency … 7 debug
	Text     string    `json:"text"`
}

// VehicleLinkStats are one vehicle's link counters.
type VehicleLinkStats struct {
	Link   int    `json:"link"` // index of the link it was last heard on
	Frames uint64 `json:"frames"`
	Bytes  uint64 `json:"bytes"`
	// Lost frames, from gaps in the per-component sequence numbers.
	Lost    uint64  `json:"lost"`
	LossPct float64 `json:"loss_pct"`
	// RTTMs is the smoothed round trip from TIMESYNC or command ACKs, 0 before any.
	RTTMs float64 `json:"rtt_ms"`
	// NonFinite counts NaN and infinite values the vehicle sent that were
	// dropped (they cannot be shown, encoded as JSON or stored).
	NonFinite uint64 `json:"non_finite"`
	// ParamsDropped counts parameter values not cached because the vehicle
	// sent more names than any autopilot has.
	ParamsDropped uint64 `json:"params_dropped"`
	// SigningRejected counts frames refused by signature checks (unsigned,
	// wrong key, replayed) once the vehicle has a key.
	SigningRejected uint64 `json:"signing_rejected"`
}

// StatusTextsKept bounds StatusTexts.
const StatusTextsKept = 10

type pendingText struct {
	id   uint16
	sev  common.MAV_SEVERITY
	text string
}

// Kind implements telemetry.Message.
func (VehicleState) Kind() telemetry.Kind { return telemetry.KindState }

// Vehicle implements telemetry.Message.
func (s VehicleState) Vehicle() telemetry.VehicleID { return s.ID }

// NewVehicleState is the state of vehicle id heard for the first time.
func NewVehicleState(id telemetry.VehicleID) VehicleState {
	s := VehicleState{ID: id, SysID: id.SysID(), Autopilot: "generic", Mode: "unknown"}
	s.resetDerived()
	return s
}

// resetDerived forgets what the vehicle reported about itself since boot:
// after a reboot its old position, battery, pre-arm result, mission
// progress and fence state are no longer true (a real ArduCopter showed
// "prearm ok" and 8 % battery for 5 s after restarting, then 0,0).
// Identity, mode, link statistics, signing and status texts stay.
func (s *VehicleState) resetDerived() {
	s.Lat, s.Lon, s.AltM, s.RelAltM, s.HasPosition, s.posSeen = 0, 0, 0, 0, false, false
	s.GroundspeedMS, s.ClimbRateMS, s.RollDeg, s.PitchDeg = 0, 0, 0, 0
	s.BatteryPct, s.BatteryVoltage = -1, 0
	s.GPSFix, s.Satellites, s.LandedState, s.Home = "none", -1, "unknown", nil
	s.MissionSeq, s.MissionSeqAutopilot, s.MissionTotal, s.MissionReached, s.MissionState = -1, -1, 0, -1, "unknown"
	s.FenceBreached, s.FenceBreachCount, s.FenceBreachType, s.FenceEnabled = false, 0, "", "unknown"
	s.PreArm = "unknown"
}

// rebootSlack is how far a vehicle's time since boot may go back before it
// counts as a reboot: reordered UDP datagrams go back a little.
const rebootSlack = 2000 // ms

// bootTime checks a message's time_boot_ms: going back means the vehicle
// restarted, and what was derived from its messages is reset. It reports
// whether a reboot was seen.
func (s *VehicleState) bootTime(ms uint32, h telemetry.EventHeader, emit func(telemetry.Event)) bool {
	rebooted := s.booted && uint64(ms)+rebootSlack < uint64(s.bootMs)
	s.booted = true
	if rebooted {
		s.resetDerived()
		s.Reboots++
		emit(telemetry.Alert{EventHeader: h, Type: telemetry.AlertRebooted, Severity: telemetry.SeverityWarning,
			Text: fmt.Sprintf("vehicle rebooted (time since boot went back from %.1f s to %.1f s)", float64(s.bootMs)/1000, float64(ms)/1000)})
		s.bootMs = ms
		return true
	}
	s.bootMs = max(s.bootMs, ms)
	return false
}

// finite reports whether v is a number that can be shown and stored, and
// counts it when not.
func (s *VehicleState) finite(v float32) bool {
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		s.Link.NonFinite++
		return false
	}
	return true
}

// MarshalJSON writes the position as null until the vehicle has reported
// one since it (re)booted: 0,0 is a point in the ocean, not "unknown".
func (s VehicleState) MarshalJSON() ([]byte, error) {
	type plain VehicleState
	out := struct {
		plain
		Lat     *float64 `json:"lat"`
		Lon     *float64 `json:"lon"`
		AltM    *float64 `json:"alt_m"`
		RelAltM *float64 `json:"rel_alt_m"`
	}{plain: plain(s)}
	if s.posSeen {
		out.Lat, out.Lon, out.AltM, out.RelAltM = &s.Lat, &s.Lon, &s.AltM, &s.RelAltM
	}
	return json.Marshal(out)
}

// HeartbeatSeen reports whether the vehicle's own heartbeat was folded in:
// before it, mode and arm state are not known.
func (s VehicleState) HeartbeatSeen() bool { return s.Autopilot != "generic" || s.VehicleType != "" }

// Apply folds one message from the vehicle into the state and reports whether
// anything a client would see changed. It is the one decode path that live
// telemetry and replay share: it does no I/O and keeps no clock of its own.
func (s *VehicleState) Apply(msg message.Message, t time.Time) bool {
	return s.Update(msg, 0, t, nil)
}

// lowBatteryPct is where a low_battery alert fires (once per crossing).
const lowBatteryPct = 20

// Update is Apply that also reports the typed events the message implies
// (mode and arm changes, status texts, mission progress, fence breaches, low
// battery, detections) through emit, which may be nil. compid is the sending
// component: a camera's detections belong to its vehicle.
func (s *VehicleState) Update(msg message.Message, compid uint8, t time.Time, emit func(telemetry.Event)) bool {
	if emit == nil {
		emit = func(telemetry.Event) {}
	}
	h := telemetry.Header(t, s.ID)
	switch m := msg.(type) {
	case *common.MessageHeartbeat:
		mode := ModeName(m.Autopilot, m.Type, m.BaseMode, m.CustomMode)
		armed := m.BaseMode&common.MAV_MODE_FLAG_SAFETY_ARMED != 0
		known := s.HeartbeatSeen()
		if known && mode != s.Mode {
			emit(telemetry.ModeChange{EventHeader: h, From: s.Mode, To: mode})
		}
		if known && armed != s.Armed {
			emit(telemetry.ArmChange{EventHeader: h, Armed: armed})
		}
		if s.Mode == mode && s.Armed == armed && s.CustomMode == m.CustomMode && known &&
			s.SystemStatus == systemStatusName(m.SystemStatus) && s.VehicleType == vehicleTypeName(m.Type) {
			return false // a heartbeat that changes nothing is not worth a snapshot
		}
		s.Autopilot = autopilotName(m.Autopilot)
		s.VehicleType = vehicleTypeName(m.Type)
		s.CustomMode = m.CustomMode
		s.Mode = mode
		s.Armed = armed
		s.SystemStatus = systemStatusName(m.SystemStatus)
	case *common.MessageGlobalPositionInt:
		s.bootTime(m.TimeBootMs, h, emit)
		if m.Hdg != math.MaxUint16 {
			s.HeadingDeg = float64(m.Hdg) / 100
		}
		// Lat and lon 0,0 is ArduPilot's "no position" (ahrs.get_location
		// failed): the last known position stays, marked as not current.
		s.HasPosition = m.Lat != 0 || m.Lon != 0
		if s.HasPosition {
			s.Lat = float64(m.Lat) / 1e7
			s.Lon = float64(m.Lon) / 1e7
			s.AltM = float64(m.Alt) / 1000
			s.RelAltM = float64(m.RelativeAlt) / 1000
			s.GroundspeedMS = math.Hypot(float64(m.Vx), float64(m.Vy)) / 100
			s.ClimbRateMS = float64(-int32(m.Vz)) / 100
			s.posSeen = true
		}
	case *common.MessageAttitude:
		s.bootTime(m.TimeBootMs, h, emit)
		if s.finite(m.Roll) && s.finite(m.Pitch) {
			s.RollDeg = float64(m.Roll) * 180 / math.Pi
			s.PitchDeg = float64(m.Pitch) * 180 / math.Pi
		}
	case *common.MessageSystemTime:
		if !s.bootTime(m.TimeBootMs, h, emit) {
			return false
		}
	case *common.MessageSysStatus:
		s.setBattery(int(m.BatteryRemaining), h, emit)
		if m.VoltageBattery != math.MaxUint16 {
			s.BatteryVoltage = float64(m.VoltageBattery) / 1000
		}
		const prearm = common.MAV_SYS_STATUS_PREARM_CHECK
		// PX4 sets the pre-arm check's healthy bit without its present bit
		// (observed on v1.17): for PX4 the healthy bit alone is the answer.
		if m.OnboardControlSensorsPresent&prearm != 0 || s.Autopilot == "px4" {
			if m.OnboardControlSensorsHealth&prearm != 0 {
				s.PreArm = "ok"
			} else {
				s.PreArm = "failing"
			}
		}
		if s.Autopilot == "ardupilot" {
			// ArduPilot reports the fence's run-time state here
			// (GCS_Common.cpp: AC_Fence::sys_status_enabled()).
			s.FenceEnabled = "disabled"
			if m.OnboardControlSensorsEnabled&common.MAV_SYS_STATUS_GEOFENCE != 0 {
				s.FenceEnabled = "enabled"
			}
		}
	case *common.MessageBatteryStatus:
		if m.Id != 0 {
			return false // the first battery speaks for the vehicle
		}
		if m.BatteryRemaining >= 0 {
			s.setBattery(int(m.BatteryRemaining), h, emit)
		}
		var mv float64
		for _, c := range m.Voltages {
			if c != math.MaxUint16 {
				mv += float64(c)
			}
		}
		if mv > 0 {
			s.BatteryVoltage = mv / 1000
		}
	case *common.MessageMissionCurrent:
		seq, total := s.planSeq(int(m.Seq)), int(m.Total)
		state := missionStateName(m.MissionState)
		if total == math.MaxUint16 { // PX4: no mission
			total, seq, state = 0, -1, "no_mission"
		}
		if seq >= total {
			seq = -1 // past the end, or nothing to point at
		}
		if seq != s.MissionSeq && seq >= 0 {
			emit(telemetry.MissionProgress{EventHeader: h, Seq: seq})
		}
		if seq == s.MissionSeq && total == s.MissionTotal && int(m.Seq) == s.MissionSeqAutopilot && state == s.MissionState {
			return false
		}
		s.MissionSeq, s.MissionTotal, s.MissionSeqAutopilot, s.MissionState = seq, total, int(m.Seq), state
	case *common.MessageMissionItemReached:
		seq := s.planSeq(int(m.Seq))
		if seq < 0 {
			return false // ArduPilot's home
		}
		s.MissionReached = seq
		emit(telemetry.MissionProgress{EventHeader: h, Seq: seq, Reached: true})
	case *common.MessageParamValue:
		return s.paramValue(m)
	case *common.MessageGpsRawInt:
		fix, sats := gpsFixName(m.FixType), int(m.SatellitesVisible)
		if m.SatellitesVisible == math.MaxUint8 {
			sats = -1
		}
		if fix == s.GPSFix && sats == s.Satellites {
			return false
		}
		s.GPSFix, s.Satellites = fix, sats
	case *common.MessageExtendedSysState:
		ls := landedStateName(m.LandedState)
		if ls == s.LandedState {
			return false
		}
		s.LandedState = ls
	case *common.MessageHomePosition:
		s.Home = &Home{Lat: float64(m.Latitude) / 1e7, Lon: float64(m.Longitude) / 1e7, AltM: float64(m.Altitude) / 1000}
	case *common.MessageFenceStatus:
		breached := m.BreachStatus != 0
		if breached && !s.FenceBreached {
			emit(telemetry.Alert{EventHeader: h, Type: telemetry.AlertFenceBreach, Severity: telemetry.SeverityCritical,
				Text: "fence breached (" + fenceBreachName(m.BreachType) + ")"})
		}
		s.FenceBreached, s.FenceBreachCount = breached, int(m.BreachCount)
		s.FenceBreachType = ""
		if breached {
			s.FenceBreachType = fenceBreachName(m.BreachType)
		}
	case *common.MessageStatustext:
		return s.statusText(m, t, h, emit)
	case *borderwatch.MessageDetection:
		emit(telemetry.Detection{EventHeader: h, TrackID: m.TrackId, Class: targetClassName(m.TargetClass),
			ConfidencePct: int(min(m.Confidence, 100)), Lat: float64(m.Lat) / 1e7, Lon: float64(m.Lon) / 1e7,
			AltM: s.finiteOrZero(m.Alt), RangeM: s.finiteOrZero(m.Range), Sensor: sensorName(m.Sensor), ComponentID: compid})
		return false
	case *common.MessageCameraTrackingGeoStatus:
		if m.TrackingStatus&common.CAMERA_TRACKING_STATUS_FLAGS_ACTIVE == 0 {
			return false
		}
		emit(telemetry.Detection{EventHeader: h, TrackID: uint32(m.CameraDeviceId), Class: "unknown",
			Lat: float64(m.Lat) / 1e7, Lon: float64(m.Lon) / 1e7, AltM: s.finiteOrZero(m.Alt), RangeM: s.finiteOrZero(m.Dist),
			Sensor: "eo", ComponentID: compid})
		return false
	default:
		s.remoteID(msg, compid, h, emit) // Remote ID of other drones: events only
		return false
	}
	s.Time = t
	return true
}

// planSeq converts the autopilot's mission sequence number to the plan's
// numbering: ArduPilot counts its home as item 0 (AP_Mission), PX4 and
// others count from the first item.
func (s *VehicleState) planSeq(seq int) int {
	if s.Autopilot == "ardupilot" {
		return seq - 1
	}
	return seq
}

func missionStateName(st common.MISSION_STATE) string {
	switch st {
	case common.MISSION_STATE_NO_MISSION:
		return "no_mission"
	case common.MISSION_STATE_NOT_STARTED:
		return "not_started"
	case common.MISSION_STATE_ACTIVE:
		return "active"
	case common.MISSION_STATE_PAUSED:
		return "paused"
	case common.MISSION_STATE_COMPLETE:
		return "complete"
	}
	return "unknown"
}

// paramValue follows the parameters that say whether a PX4 enforces its
// fence (GF_ACTION 0 = none). ArduPilot's FENCE_ENABLE is not the truth
// (see FenceEnabled).
func (s *VehicleState) paramValue(m *common.MessageParamValue) bool {
	if s.Autopilot != "px4" || strings.TrimRight(m.ParamId, "\x00") != "GF_ACTION" {
		return false
	}
	st := "enabled"
	if DecodeParam(FlavourPX4, m.ParamValue, m.ParamType) == 0 {
		st = "disabled"
	}
	if st == s.FenceEnabled {
		return false
	}
	s.FenceEnabled = st
	return true
}

// finiteOrZero is v, or 0 (counted) when v is not a finite number: MAVLink
// uses NaN for "unknown", and JSON and the store cannot hold it.
func (s *VehicleState) finiteOrZero(v float32) float64 {
	if !s.finite(v) {
		return 0
	}
	return float64(v)
}

func (s *VehicleState) setBattery(pct int, h telemetry.EventHeader, emit func(telemetry.Event)) {
	if pct >= 0 && pct < lowBatteryPct && (s.BatteryPct < 0 || s.BatteryPct >= lowBatteryPct) {
		emit(telemetry.Alert{EventHeader: h, Type: telemetry.AlertLowBattery, Severity: telemetry.SeverityWarning,
			Text: fmt.Sprintf("battery at %d %%", pct)})
	}
	s.BatteryPct = pct
}

// statusText handles STATUSTEXT, reassembling chunked texts (id != 0: chunks
// of 50 characters, the last one shorter).
func (s *VehicleState) statusText(m *common.MessageStatustext, t time.Time, h telemetry.EventHeader, emit func(telemetry.Event)) bool {
	text := strings.TrimRight(m.Text, "\x00")
	if m.Id != 0 {
		if s.text.id != m.Id {
			s.text = pendingText{id: m.Id, sev: m.Severity}
		}
		s.text.text += text
		if len(m.Text) >= 50 && len(text) == 50 && len(s.text.text) < 50*255 {
			return false // more chunks follow
		}
		text, s.text = s.text.text, pendingText{}
	}
	text = CleanText(text) // PX4 ends texts that are also events with a tab
	sev := telemetry.Severity(m.Severity)
	emit(telemetry.StatusText{EventHeader: h, Severity: sev, Text: text})
	if sev <= telemetry.SeverityCritical {
		emit(telemetry.Alert{EventHeader: h, Type: telemetry.AlertStatusText, Severity: sev, Text: text})
	}
	// Copy on write: snapshots handed out share the old slice.
	n := min(len(s.StatusTexts), StatusTextsKept-1)
	texts := make([]StatusTextEntry, 0, n+1)
	texts = append(texts, s.StatusTexts[len(s.StatusTexts)-n:]...)
	s.StatusTexts = append(texts, StatusTextEntry{Time: t, Severity: int(m.Severity), Text: text})
	if strings.HasPrefix(text, "PreArm:") {
		s.PreArm = "failing"
	}
	s.Time = t
	return true
}

func gpsFixName(f common.GPS_FIX_TYPE) string {
	switch f {
	case common.GPS_FIX_TYPE_NO_GPS:
		return "none"
	case common.GPS_FIX_TYPE_NO_FIX:
		return "no_fix"
	case common.GPS_FIX_TYPE_2D_FIX:
		return "2d"
	case common.GPS_FIX_TYPE_3D_FIX:
		return "3d"
	case common.GPS_FIX_TYPE_DGPS:
		return "dgps"
	case common.GPS_FIX_TYPE_RTK_FLOAT:
		return "rtk_float"
	case common.GPS_FIX_TYPE_RTK_FIXED:
		return "rtk_fixed"
	}
	return "other"
}

func landedStateName(l common.MAV_LANDED_STATE) string {
	switch l {
	case common.MAV_LANDED_STATE_ON_GROUND:
		return "on_ground"
	case common.MAV_LANDED_STATE_IN_AIR:
		return "in_air"
	case common.MAV_LANDED_STATE_TAKEOFF:
		return "takeoff"
	case common.MAV_LANDED_STATE_LANDING:
		return "landing"
	}
	return "unknown"
}

func fenceBreachName(b common.FENCE_BREACH) string {
	switch b {
	case common.FENCE_BREACH_MINALT:
		return "min_alt"
	case common.FENCE_BREACH_MAXALT:
		return "max_alt"
	case common.FENCE_BREACH_BOUNDARY:
		return "boundary"
	}
	return "unknown"
}

func targetClassName(c borderwatch.BW_TARGET_CLASS) string {
	switch c {
	case borderwatch.BW_TARGET_CLASS_PERSON:
		return "person"
	case borderwatch.BW_TARGET_CLASS_VEHICLE:
		return "vehicle"
	case borderwatch.BW_TARGET_CLASS_BOAT:
		return "boat"
	case borderwatch.BW_TARGET_CLASS_ANIMAL:
		return "animal"
	}
	return "unknown"
}

func sensorName(s borderwatch.BW_SENSOR) string {
	switch s {
	case borderwatch.BW_SENSOR_IR:
		return "ir"
	case borderwatch.BW_SENSOR_RADAR:
		return "radar"
	}
	return "eo"
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

// CleanText is a STATUSTEXT's text without its NUL padding and without the
// trailing tab PX4 appends to texts that also go out as events
// (mavlink_log_critical(…, "…\t"): the tab separates the legacy text from
// the event's arguments).
func CleanText(s string) string {
	return strings.TrimRight(strings.TrimRight(s, "\x00"), "\t ")
}
