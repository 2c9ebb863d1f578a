package missions

import (
	"fmt"
	"math"

	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// UploadTarget is what a ground station knows of the vehicle a plan is
// about to go to, for UploadWarnings.
type UploadTarget struct {
	// FirmwareType is the vehicle's MAV_AUTOPILOT (FirmwareArduPilot,
	// FirmwarePX4, 0 unknown).
	FirmwareType uint8
	// Home is the vehicle's home, or its position when it has no home yet;
	// nil when neither is known.
	Home *Position
	// MissionItems is how many mission items the vehicle holds now
	// (MISSION_CURRENT's total, home not counted); 0 when none or unknown.
	MissionItems int
	// (optional) FarFromHomeM is the distance from home beyond which a
	// mission whose nearest point is farther is suspect. Defaults to
	// DefaultFarFromHomeM.
	FarFromHomeM float64
}

// DefaultFarFromHomeM: a patrol drone's mission whose nearest waypoint is
// farther than this from where the drone is was almost certainly meant for
// another drone (long-range fixed wings patrol tens of km, but start near home).
const DefaultFarFromHomeM = 25000

// UploadWarning is something about an upload the operator must confirm
// before it is sent. Code is for programs, Message for people.
type UploadWarning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Upload warning codes.
const (
	// WarnFarFromHome: the mission's nearest waypoint is far from the vehicle's home.
	WarnFarFromHome = "far_from_home"
	// WarnOtherAutopilot: the plan was written for another autopilot than the vehicle's.
	WarnOtherAutopilot = "other_autopilot"
	// WarnClearsMission: the plan has no mission, so the upload clears the vehicle's.
	WarnClearsMission = "clears_mission"
)

// UploadWarnings lists what about uploading p to the target deserves a
// confirmation: a mission far from home, a plan for the other autopilot (its
// DO_JUMP numbering and frames differ), or a plan without a mission (a
// fence-only plan) that would erase the mission the vehicle holds. None of
// them makes the plan invalid; Validate says that.
func UploadWarnings(p *Plan, t UploadTarget) []UploadWarning {
	var out []UploadWarning
	far := t.FarFromHomeM
	if far <= 0 {
		far = DefaultFarFromHomeM
	}
	if t.Home != nil {
		home := orb.Point{t.Home.Lon, t.Home.Lat}
		nearest, idx := math.Inf(1), -1
		for i, it := range p.Mission {
			if !it.HasPosition() || (it.Params[4] == 0 && it.Params[5] == 0) {
				continue // items at 0,0 take the vehicle's position (a TAKEOFF, an RTL)
			}
			if d := geo.Distance(home, orb.Point{it.Params[5], it.Params[4]}); d < nearest {
				nearest, idx = d, i
			}
		}
		if idx >= 0 && nearest > far {
			out = append(out, UploadWarning{Code: WarnFarFromHome, Message: fmt.Sprintf(
				"the mission's nearest waypoint (item %d) is %.1f km from the vehicle's home (%.6f, %.6f); more than %.0f km suggests a plan meant for another vehicle",
				idx+1, nearest/1000, t.Home.Lat, t.Home.Lon, far/1000)})
		}
	}
	pf, vf := p.Vehicle.FirmwareType, t.FirmwareType
	if (pf == FirmwareArduPilot || pf == FirmwarePX4) && (vf == FirmwareArduPilot || vf == FirmwarePX4) && pf != vf {
		out = append(out, UploadWarning{Code: WarnOtherAutopilot, Message: fmt.Sprintf(
			"the plan was written for %s but the vehicle runs %s: check its commands and altitudes before flying it",
			firmwareName(pf), firmwareName(vf))})
	}
	if len(p.Mission) == 0 && t.MissionItems > 0 {
		out = append(out, UploadWarning{Code: WarnClearsMission, Message: fmt.Sprintf(
			"the plan has no mission, so uploading it erases the %d mission items the vehicle holds", t.MissionItems)})
	}
	return out
}
