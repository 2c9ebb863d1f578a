package planner

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/borderwatch/borderwatch/missions"
)

// FenceRequest asks for a geofence generated from layers, the way an
// operator gives it (CLI flags or an HTTP body).
type FenceRequest struct {
	// BorderLayer, Side, From and To: as in CorridorRequest.
	BorderLayer string  `json:"border_layer"`
	Side        string  `json:"side,omitempty"`
	From        *LatLon `json:"from,omitempty"`
	To          *LatLon `json:"to,omitempty"`
	// StandoffM is the nearest the inclusion fence comes to the border: the
	// fence margin (optional). Defaults to 300 m; at least MinFenceMarginM.
	StandoffM float64 `json:"standoff_m,omitempty"`
	// DepthM is how far from the border the inclusion fence reaches
	// (optional). Defaults to 5 km.
	DepthM float64 `json:"depth_m,omitempty"`
	// NoFlyLayers become exclusion zones, grown by NoFlyMarginM (optional).
	NoFlyLayers  []string `json:"no_fly_layers,omitempty"`
	NoFlyMarginM float64  `json:"no_fly_margin_m,omitempty"`
	// MaxVertices is the autopilot's polygon vertex limit (optional).
	// Defaults to 64.
	MaxVertices int `json:"max_vertices,omitempty"`
	// Firmware ("ardupilot" default, or "px4") and VehicleType ("copter"
	// default, or "plane") are recorded in the plan.
	Firmware    string `json:"firmware,omitempty"`
	VehicleType string `json:"vehicle_type,omitempty"`
	// Name is the plan's name (optional). Defaults to "border fence".
	Name string `json:"name,omitempty"`
}

// FenceResult is a fence-only plan and what it holds.
type FenceResult struct {
	Plan    *missions.Plan  `json:"-"`
	QGCPlan json.RawMessage `json:"qgc_plan"`
	Summary FenceSummary    `json:"summary"`
}

// FenceSummary counts a generated fence's parts.
type FenceSummary struct {
	Inclusion    int     `json:"inclusion_polygons"`
	Exclusion    int     `json:"exclusion_polygons"`
	Circles      int     `json:"circles"`
	Vertices     int     `json:"vertices"`
	StandoffM    float64 `json:"standoff_m"`
	DepthM       float64 `json:"depth_m"`
	NoFlyMarginM float64 `json:"no_fly_margin_m"`
}

// Fence generates a fence-only plan from a request. CLI and HTTP both call it.
func Fence(r FenceRequest, layers LayerLookup, now time.Time) (*FenceResult, error) {
	vc, err := LookupVehicleClass(r.VehicleType)
	if err != nil {
		return nil, err
	}
	fw, err := ParseFirmware(r.Firmware)
	if err != nil {
		return nil, err
	}
	if err := inRange(maxDistanceM, "standoff_m", r.StandoffM, "depth_m", r.DepthM, "no_fly_margin_m", r.NoFlyMarginM); err != nil {
		return nil, err
	}
	if len(r.NoFlyLayers) > maxLayerRefs {
		return nil, fmt.Errorf("%w: %d no-fly layers (at most %d)", ErrBadRequest, len(r.NoFlyLayers), maxLayerRefs)
	}
	if r.MaxVertices != 0 && (r.MaxVertices < minVertexLimit || r.MaxVertices > maxVertexLimit) {
		return nil, fmt.Errorf("%w: vertex limit %d (%d-%d)", ErrBadRequest, r.MaxVertices, minVertexLimit, maxVertexLimit)
	}
	p := FenceParams{StandoffM: r.StandoffM, DepthM: r.DepthM, NoFlyMarginM: r.NoFlyMarginM, MaxVertices: r.MaxVertices}
	if p.StandoffM == 0 {
		p.StandoffM = 300
	}
	if p.DepthM == 0 {
		p.DepthM = 5000
	}
	if p.Border, p.Side, err = loadBorder(layers, r.BorderLayer, r.Side); err != nil {
		return nil, err
	}
	if p.From, p.To, err = section(r.From, r.To); err != nil {
		return nil, err
	}
	if p.NoFly, err = loadNoFly(layers, r.NoFlyLayers); err != nil {
		return nil, err
	}
	fence, err := GenerateFence(p)
	if err != nil {
		return nil, err
	}
	name := r.Name
	if name == "" {
		name = "border fence"
	}
	plan := &missions.Plan{Fence: *fence,
		Vehicle: missions.Vehicle{FirmwareType: fw, VehicleType: vc.MAVType},
		Meta:    missions.Meta{Name: name, Author: "borderwatch planner", CreatedAt: now.UTC().Truncate(time.Second)}}
	data, err := missions.WriteQGCPlan(plan)
	if err != nil {
		return nil, err
	}
	res := &FenceResult{Plan: plan, QGCPlan: data,
		Summary: FenceSummary{Circles: len(fence.Circles), StandoffM: p.StandoffM, DepthM: p.DepthM, NoFlyMarginM: p.NoFlyMarginM}}
	for _, fp := range fence.Polygons {
		if fp.Inclusion {
			res.Summary.Inclusion++
		} else {
			res.Summary.Exclusion++
		}
		res.Summary.Vertices += len(fp.Vertices)
	}
	return res, nil
}

// WriteText prints the summary as the CLI shows it.
func (s *FenceSummary) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%d inclusion and %d exclusion polygon(s) (%d vertices), %d circle(s); inclusion fence %.0f m to %.0f m from the border\n",
		s.Inclusion, s.Exclusion, s.Vertices, s.Circles, s.StandoffM, s.DepthM)
}
