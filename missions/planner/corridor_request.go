package planner

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/paulmach/orb"
)

// CorridorRequest asks for a border corridor patrol the way an operator
// gives it (CLI flags or an HTTP body): layers by reference, sides by name,
// distances in metres, times in seconds. Zero values take the defaults
// documented on each field; Corridor states the values it used in its
// summary.
type CorridorRequest struct {
	// BorderLayer names the border layer (a file for the CLI, a layer id
	// for HTTP), resolved by the LayerLookup.
	BorderLayer string `json:"border_layer"`
	// Side is ours: "left" or "right" of the lines' drawing direction, or a
	// country the layer names (adm0_left/adm0_right). Required for a layer
	// that names countries; defaults to left for one that does not.
	Side string `json:"side,omitempty"`
	// From and To cut a section out of the border (optional, both or none):
	// the stretch between the border points nearest to them.
	From *LatLon `json:"from,omitempty"`
	To   *LatLon `json:"to,omitempty"`
	// StandoffM is the nearest a patrol lane or transit comes to the border.
	// Defaults to 500 m.
	StandoffM float64 `json:"standoff_m,omitempty"`
	// FenceMarginM is the nearest a sortie's inclusion fence comes to the
	// border (optional). Defaults to half the standoff, at least 50 m; it
	// must be at least 50 m and below the standoff.
	FenceMarginM float64 `json:"fence_margin_m,omitempty"`
	// Lanes is the number of parallel lanes (default 1), LaneSpacingM the
	// distance between them (default 500 m).
	Lanes        int     `json:"lanes,omitempty"`
	LaneSpacingM float64 `json:"lane_spacing_m,omitempty"`
	// AltM is the patrol altitude above home. Defaults to 120 m.
	AltM float64 `json:"alt_m,omitempty"`
	// Drones in the fleet. Defaults to 1.
	Drones int `json:"drones,omitempty"`
	// Sites are the launch sites (optional; default one per drone, spread
	// along the first lane). A site's altitude becomes its plans' home
	// altitude.
	Sites []Site `json:"sites,omitempty"`
	// RallyPoints are extra places a drone may land on RTL (optional). Each
	// must be on our side at least RallyDepthM from the border; a leg gets
	// its launch site and the rally points inside its fence.
	RallyPoints []Site `json:"rally_points,omitempty"`
	// RallyDepthM is the nearest a rally point may be to the border
	// (optional). Defaults to the standoff.
	RallyDepthM float64 `json:"rally_depth_m,omitempty"`
	// VehicleType is "copter" (default) or "plane": it sets the MAV_TYPE of
	// the plans and the defaults of SpeedMS and EnduranceS (VehicleClasses).
	VehicleType string `json:"vehicle_type,omitempty"`
	// SpeedMS is the cruise ground speed, EnduranceS the flight time on one
	// battery (optional; defaults from the vehicle type).
	SpeedMS    float64 `json:"speed_m_s,omitempty"`
	EnduranceS float64 `json:"endurance_s,omitempty"`
	// ReserveFrac is the share of the endurance kept in reserve (optional).
	// Defaults to 0.2; a pointer so that an explicit 0 means no reserve.
	ReserveFrac *float64 `json:"reserve_frac,omitempty"`
	// Firmware is "ardupilot" (default) or "px4", recorded in the plans.
	Firmware string `json:"firmware,omitempty"`
	// MaxFenceVertices is the autopilot's polygon vertex limit (optional).
	// Defaults to 64 (PX4's).
	MaxFenceVertices int `json:"max_fence_vertices,omitempty"`
	// NoFlyLayers name no-fly layers (optional): lanes and transits keep
	// NoFlyMarginM (default 100 m) from them, fences exclude them.
	NoFlyLayers  []string `json:"no_fly_layers,omitempty"`
	NoFlyMarginM float64  `json:"no_fly_margin_m,omitempty"`
	// Name starts every plan's name (optional). Defaults to "corridor patrol".
	Name string `json:"name,omitempty"`
}

// CorridorResult is the answer to a CorridorRequest: one plan per drone and
// leg, the summary an operator reads, and the geometry (lanes, legs,
// coverage) for a map.
type CorridorResult struct {
	Plans    []PlanFile      `json:"plans"`
	Summary  CorridorSummary `json:"summary"`
	Corridor *CorridorPlan   `json:"corridor"`
}

// PlanFile is one plan for one drone's leg.
type PlanFile struct {
	// Name tells plans apart within a result: "d1" for drone 1's first leg,
	// "d1-leg2" for its second (the CLI writes NAME-d1.plan …).
	Name  string `json:"name"`
	Drone int    `json:"drone"`
	// Leg is the leg's number in Summary.Legs (1-based).
	Leg  int            `json:"leg"`
	Plan *missions.Plan `json:"-"`
	// QGCPlan is the plan as a QGroundControl .plan document.
	QGCPlan json.RawMessage `json:"qgc_plan"`
}

// CorridorSummary is what the planner chose and achieved.
type CorridorSummary struct {
	// The values used, defaults applied.
	VehicleType  string  `json:"vehicle_type"`
	SpeedMS      float64 `json:"speed_m_s"`
	EnduranceS   float64 `json:"endurance_s"`
	ReserveFrac  float64 `json:"reserve_frac"`
	StandoffM    float64 `json:"standoff_m"`
	FenceMarginM float64 `json:"fence_margin_m"`
	RallyDepthM  float64 `json:"rally_depth_m"`
	AltM         float64 `json:"alt_m"`
	// Coverage of the border section.
	SectionM     float64        `json:"section_m"`
	CoveredM     float64        `json:"covered_m"`
	MaxRevisitS  float64        `json:"max_revisit_s"`
	MeanRevisitS float64        `json:"mean_revisit_s"`
	Lanes        int            `json:"lanes"`
	Sites        []Site         `json:"sites"`
	Drones       []DroneSummary `json:"drones"`
	Legs         []LegSummary   `json:"legs"`
	Revisit      []CoverageBin  `json:"revisit"` // per kilometre of border
	Notes        []string       `json:"notes,omitempty"`
}

// DroneSummary is one drone's share.
type DroneSummary struct {
	Drone  int     `json:"drone"`
	Site   string  `json:"site"`
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
	Legs   []int   `json:"legs"`    // leg numbers (1-based), flown in turn
	CycleS int     `json:"cycle_s"` // one round of its legs, turnarounds included
}

// LegSummary is one sortie.
type LegSummary struct {
	Leg            int     `json:"leg"` // 1-based
	Drone          int     `json:"drone"`
	Lane           int     `json:"lane"` // 1-based
	Site           string  `json:"site"`
	Plan           string  `json:"plan"` // PlanFile.Name
	PatrolM        float64 `json:"patrol_m"`
	FlightM        float64 `json:"flight_m"`
	FlightS        float64 `json:"flight_s"`
	MinBorderDistM float64 `json:"min_border_dist_m"`
	// FenceMinBorderDistM is the nearest the leg's inclusion fence comes to
	// the border (a lower bound, as MinBorderDistM).
	FenceMinBorderDistM float64 `json:"fence_min_border_dist_m"`
	FenceVertices       int     `json:"fence_vertices"`
	RallyPoints         int     `json:"rally_points"`
}

// DefaultStandoffM is a corridor's standoff when the request gives none.
const DefaultStandoffM = 500.0

// MinFenceMarginM is the nearest any generated fence may come to the border:
// room for GPS error and the autopilot's breach reaction.
const MinFenceMarginM = 50.0

// DefaultFenceMargin is the fence margin for a standoff: half of it, at
// least MinFenceMarginM.
func DefaultFenceMargin(standoffM float64) float64 {
	return max(standoffM/2, MinFenceMarginM)
}

// Params turns the request into the planner's parameters: layers resolved,
// defaults applied. It also returns the vehicle class and firmware chosen.
func (r CorridorRequest) Params(layers LayerLookup) (CorridorParams, VehicleClass, uint8, error) {
	var p CorridorParams
	vc, err := LookupVehicleClass(r.VehicleType)
	if err != nil {
		return p, vc, 0, err
	}
	fw, err := ParseFirmware(r.Firmware)
	if err != nil {
		return p, vc, 0, err
	}
	if err := inRange(maxDistanceM, "standoff_m", r.StandoffM, "fence_margin_m", r.FenceMarginM, "lane_spacing_m", r.LaneSpacingM,
		"rally_depth_m", r.RallyDepthM, "no_fly_margin_m", r.NoFlyMarginM); err != nil {
		return p, vc, 0, err
	}
	if err := inRange(maxAltM, "alt_m", r.AltM); err != nil {
		return p, vc, 0, err
	}
	if err := inRange(maxSpeedMS, "speed_m_s", r.SpeedMS); err != nil {
		return p, vc, 0, err
	}
	if err := inRange(maxEnduranceS, "endurance_s", r.EnduranceS); err != nil {
		return p, vc, 0, err
	}
	switch {
	case r.Drones < 0 || r.Drones > maxDrones:
		return p, vc, 0, fmt.Errorf("%w: %d drones (1-%d)", ErrBadRequest, r.Drones, maxDrones)
	case r.Lanes < 0 || r.Lanes > maxRequestLanes:
		return p, vc, 0, fmt.Errorf("%w: %d lanes (1-%d)", ErrBadRequest, r.Lanes, maxRequestLanes)
	case len(r.Sites) > maxSites || len(r.RallyPoints) > maxSites:
		return p, vc, 0, fmt.Errorf("%w: %d sites and %d rally points (at most %d each)", ErrBadRequest, len(r.Sites), len(r.RallyPoints), maxSites)
	case len(r.NoFlyLayers) > maxLayerRefs:
		return p, vc, 0, fmt.Errorf("%w: %d no-fly layers (at most %d)", ErrBadRequest, len(r.NoFlyLayers), maxLayerRefs)
	case r.MaxFenceVertices != 0 && (r.MaxFenceVertices < minVertexLimit || r.MaxFenceVertices > maxVertexLimit):
		return p, vc, 0, fmt.Errorf("%w: fence vertex limit %d (%d-%d)", ErrBadRequest, r.MaxFenceVertices, minVertexLimit, maxVertexLimit)
	}
	if r.ReserveFrac != nil && !(*r.ReserveFrac >= 0 && *r.ReserveFrac < 1) {
		return p, vc, 0, fmt.Errorf("%w: reserve_frac must be in [0, 1)", ErrBadRequest)
	}
	p.Border, p.Side, err = loadBorder(layers, r.BorderLayer, r.Side)
	if err != nil {
		return p, vc, 0, err
	}
	if p.From, p.To, err = section(r.From, r.To); err != nil {
		return p, vc, 0, err
	}
	p.StandoffM = r.StandoffM
	if p.StandoffM == 0 {
		p.StandoffM = DefaultStandoffM
	}
	p.FenceMarginM = r.FenceMarginM
	p.Lanes, p.LaneSpacingM = r.Lanes, r.LaneSpacingM
	p.AltM = r.AltM
	if p.AltM == 0 {
		p.AltM = 120
	}
	if !(p.AltM > 0) {
		return p, vc, 0, fmt.Errorf("%w: altitude %g m above home must be positive", ErrBadRequest, p.AltM)
	}
	p.Drones = r.Drones
	if p.Drones == 0 {
		p.Drones = 1
	}
	p.Vehicle = Vehicle{CruiseMS: r.SpeedMS, EnduranceS: r.EnduranceS}
	if p.Vehicle.CruiseMS == 0 {
		p.Vehicle.CruiseMS = vc.SpeedMS
	}
	if p.Vehicle.EnduranceS == 0 {
		p.Vehicle.EnduranceS = vc.EnduranceS
	}
	if r.ReserveFrac != nil {
		p.Vehicle.ReserveFrac = *r.ReserveFrac
		if p.Vehicle.ReserveFrac == 0 {
			p.Vehicle.ReserveFrac = 1e-9 // 0 means "default" below; an explicit 0 is no reserve
		}
	}
	for i, s := range r.Sites {
		if err := (LatLon{s.Lat, s.Lon}).check(fmt.Sprintf("launch site %d", i+1)); err != nil {
			return p, vc, 0, err
		}
		if s.AltAMSLM != nil && !finite(*s.AltAMSLM) {
			return p, vc, 0, fmt.Errorf("%w: launch site %d: altitude is not a number", ErrBadRequest, i+1)
		}
		p.Sites = append(p.Sites, LaunchSite{Name: s.Name, Pos: orb.Point{s.Lon, s.Lat}, AltAMSLM: s.AltAMSLM})
	}
	for i, s := range r.RallyPoints {
		if err := (LatLon{s.Lat, s.Lon}).check(fmt.Sprintf("rally point %d", i+1)); err != nil {
			return p, vc, 0, err
		}
		p.Rally = append(p.Rally, LaunchSite{Name: s.Name, Pos: orb.Point{s.Lon, s.Lat}, AltAMSLM: s.AltAMSLM})
	}
	p.RallyDepthM = r.RallyDepthM
	p.MaxFenceVertices = r.MaxFenceVertices
	p.NoFlyMarginM = r.NoFlyMarginM
	if p.NoFly, err = loadNoFly(layers, r.NoFlyLayers); err != nil {
		return p, vc, 0, err
	}
	return p, vc, fw, nil
}

// Corridor plans a border corridor patrol from a request: the plans (one
// per drone and leg, stamped with now), their summary and the geometry.
// CLI and HTTP both call it.
func Corridor(r CorridorRequest, layers LayerLookup, now time.Time) (*CorridorResult, error) {
	params, vc, fw, err := r.Params(layers)
	if err != nil {
		return nil, err
	}
	cp, err := PlanCorridor(params)
	if err != nil {
		return nil, err
	}
	if err := params.defaults(); err != nil { // the values PlanCorridor used, for the summary
		return nil, err
	}
	name := r.Name
	if name == "" {
		name = "corridor patrol"
	}
	res := &CorridorResult{Corridor: cp}
	sum := &res.Summary
	*sum = CorridorSummary{
		VehicleType: vc.Name, SpeedMS: params.Vehicle.CruiseMS, EnduranceS: params.Vehicle.EnduranceS,
		ReserveFrac: params.Vehicle.ReserveFrac, StandoffM: params.StandoffM, FenceMarginM: params.FenceMarginM,
		RallyDepthM: params.RallyDepthM, AltM: params.AltM,
		SectionM: cp.Coverage.SectionM, CoveredM: cp.Coverage.CoveredM,
		MaxRevisitS: cp.Coverage.MaxRevisitS, MeanRevisitS: cp.Coverage.MeanRevisitS,
		Lanes: len(cp.Lanes), Revisit: cp.Coverage.Bins,
	}
	if sum.ReserveFrac < 1e-6 {
		sum.ReserveFrac = 0
	}
	for _, s := range cp.Sites {
		sum.Sites = append(sum.Sites, Site{Name: s.Name, Lat: s.Pos[1], Lon: s.Pos[0], AltAMSLM: s.AltAMSLM})
		if s.AltAMSLM == nil {
			sum.Notes = append(sum.Notes, fmt.Sprintf("%s: ground altitude unknown; its plans carry no home altitude (null), give it as LAT,LON,ALT", s.Name))
		}
	}
	legFile := map[int]string{}
	for _, d := range cp.Drones {
		site := cp.Sites[d.Site]
		ds := DroneSummary{Drone: d.Drone, Site: site.Name, Lat: site.Pos[1], Lon: site.Pos[0], CycleS: d.CycleS}
		for k, li := range d.Legs {
			ds.Legs = append(ds.Legs, li+1)
			file := fmt.Sprintf("d%d", d.Drone)
			if k > 0 {
				file = fmt.Sprintf("d%d-leg%d", d.Drone, k+1)
			}
			legFile[li] = file
			p := cp.Legs[li].Plan
			p.Vehicle.FirmwareType = fw
			p.Vehicle.VehicleType = vc.MAVType
			p.Meta.Name = fmt.Sprintf("%s, drone %d, leg %d", name, d.Drone, k+1)
			p.Meta.Author = "borderwatch planner"
			p.Meta.CreatedAt = now.UTC().Truncate(time.Second)
			data, err := missions.WriteQGCPlan(p)
			if err != nil {
				return nil, fmt.Errorf("drone %d leg %d: %w", d.Drone, k+1, err)
			}
			res.Plans = append(res.Plans, PlanFile{Name: file, Drone: d.Drone, Leg: li + 1, Plan: p, QGCPlan: data})
		}
		sum.Drones = append(sum.Drones, ds)
	}
	if len(res.Plans) == 0 {
		return nil, fmt.Errorf("%w: the plan has no legs", ErrUncovered)
	}
	for i, l := range cp.Legs {
		ls := LegSummary{Leg: i + 1, Drone: l.Drone, Lane: l.Lane + 1, Site: cp.Sites[l.Site].Name, Plan: legFile[i],
			PatrolM: l.PatrolM, FlightM: l.FlightM, FlightS: l.FlightS, MinBorderDistM: l.MinBorderDistM,
			FenceMinBorderDistM: l.FenceMinBorderDistM, RallyPoints: len(l.Plan.Rally)}
		for _, fp := range l.Plan.Fence.Polygons {
			if fp.Inclusion {
				ls.FenceVertices += len(fp.Vertices)
			}
		}
		sum.Legs = append(sum.Legs, ls)
	}
	return res, nil
}

// WriteText prints the summary as the CLI shows it.
func (s *CorridorSummary) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Border section %.1f km, %.1f km covered by %d legs on %d lane(s) flown by %d drone(s) from %d site(s).\n",
		s.SectionM/1000, s.CoveredM/1000, len(s.Legs), s.Lanes, len(s.Drones), len(s.Sites))
	fmt.Fprintf(w, "Revisit time: %.0f min at worst, %.0f min on average per kilometre of border.\n", s.MaxRevisitS/60, s.MeanRevisitS/60)
	fmt.Fprintf(w, "%s at %.0f m/s, %.0f min per battery (%.0f %% reserve); lanes %.0f m and fences at least %.0f m from the border.\n",
		s.VehicleType, s.SpeedMS, s.EnduranceS/60, s.ReserveFrac*100, s.StandoffM, s.FenceMarginM)
	for _, d := range s.Drones {
		fmt.Fprintf(w, "  drone %d from %s (%.5f, %.5f): %d leg(s), a round every %.0f min\n",
			d.Drone, d.Site, d.Lat, d.Lon, len(d.Legs), float64(d.CycleS)/60)
	}
	for _, l := range s.Legs {
		fmt.Fprintf(w, "    leg %d (drone %d, lane %d): %.1f km patrolled, %.1f km flown, %.0f min; route ≥ %.0f m and fence ≥ %.0f m from the border\n",
			l.Leg, l.Drone, l.Lane, l.PatrolM/1000, l.FlightM/1000, l.FlightS/60, math.Floor(l.MinBorderDistM), math.Floor(l.FenceMinBorderDistM))
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}
