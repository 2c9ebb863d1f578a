package decode

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
)

// A vehicle's state has two kinds of fields: its motion (position,
// attitude, speeds, battery level, link counters, the times), which
// changes with nearly every frame it sends, and its status (identity,
// mode, arming, mission, fence, GPS fix, texts …), which changes now and
// then. A live client that already holds a vehicle's status needs only
// the motion of each new state: MotionJSON is that compact form, about a
// quarter of the full state's bytes, and SameStatus tells whether a new
// state may be sent that way.

// motionJSON is the compact form. The key order follows the full state's
// (link_stats before the position), so a reader that scans either form
// finds the fields in the same order.
type motionJSON struct {
	ID             telemetry.VehicleID `json:"id"`
	Motion         bool                `json:"motion"` // always true: merge me into the vehicle's last full state
	HeadingDeg     float64             `json:"heading_deg"`
	GroundspeedMS  float64             `json:"groundspeed_m_s"`
	ClimbRateMS    float64             `json:"climb_rate_m_s"`
	RollDeg        float64             `json:"roll_deg"`
	PitchDeg       float64             `json:"pitch_deg"`
	HasPosition    bool                `json:"has_position"`
	BatteryPct     int                 `json:"battery_pct"`
	BatteryVoltage float64             `json:"battery_v"`
	Satellites     int                 `json:"satellites"`
	LastHeard      time.Time           `json:"last_heard"`
	Time           time.Time           `json:"time"`
	Link           VehicleLinkStats    `json:"link_stats"`
	Lat            *float64            `json:"lat"`
	Lon            *float64            `json:"lon"`
	AltM           *float64            `json:"alt_m"`
	RelAltM        *float64            `json:"rel_alt_m"`
}

// MotionJSON encodes the state's motion fields with its id and
// "motion": true. Merged into a full state of the same vehicle with the
// same status (SameStatus), it gives exactly that state's full form. Like
// MarshalJSON, the position is null until the vehicle has reported one
// since it (re)booted.
func (s *VehicleState) MotionJSON() ([]byte, error) {
	m := motionJSON{
		ID: s.ID, Motion: true,
		HeadingDeg: s.HeadingDeg, GroundspeedMS: s.GroundspeedMS, ClimbRateMS: s.ClimbRateMS,
		RollDeg: s.RollDeg, PitchDeg: s.PitchDeg, HasPosition: s.HasPosition,
		BatteryPct: s.BatteryPct, BatteryVoltage: s.BatteryVoltage, Satellites: s.Satellites,
		LastHeard: s.LastHeard, Time: s.Time, Link: s.Link,
	}
	if s.posSeen {
		m.Lat, m.Lon, m.AltM, m.RelAltM = &s.Lat, &s.Lon, &s.AltM, &s.RelAltM
	}
	return json.Marshal(&m)
}

// SameStatus reports whether s and o differ at most in their motion
// fields (those MotionJSON carries), so that a client holding o's full
// state is brought to s's by s's motion alone. It errs on the side of
// "different": a false answer only costs a full state.
func (s *VehicleState) SameStatus(o *VehicleState) bool {
	return s.ID == o.ID && s.SysID == o.SysID && s.Network == o.Network &&
		s.Autopilot == o.Autopilot && s.VehicleType == o.VehicleType &&
		s.Mode == o.Mode &&
		s.CustomMode == o.CustomMode && s.Armed == o.Armed &&
		s.SystemStatus == o.SystemStatus &&
		s.MissionSeq == o.MissionSeq && s.MissionSeqAutopilot == o.MissionSeqAutopilot &&
		s.LinkOK == o.LinkOK && s.GPSFix == o.GPSFix && s.LandedState == o.LandedState &&
		sameHome(s.Home, o.Home) &&
		s.MissionTotal == o.MissionTotal && s.MissionReached == o.MissionReached && s.MissionState == o.MissionState &&
		s.FenceEnabled == o.FenceEnabled && s.Reboots == o.Reboots &&
		s.FenceBreached == o.FenceBreached && s.FenceBreachCount == o.FenceBreachCount && s.FenceBreachType == o.FenceBreachType &&
		slices.Equal(s.StatusTexts, o.StatusTexts) &&
		s.PreArm == o.PreArm && s.Signed == o.Signed
}

func sameHome(a, b *Home) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
