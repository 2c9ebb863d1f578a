package planner

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/borderwatch/borderwatch/missions"
)

// Dispatch chooses which drone to send to a point ("send a drone"): the
// nearest by route that can fly there round the no-fly zones, inside our
// territory and its own fence, loiter, and fly back home with its reserve
// of battery left.

// DispatchCandidate is one drone that might go.
type DispatchCandidate struct {
	ID  uint32 `json:"id"` // the vehicle id (the caller's; the system id on the default network)
	Pos LatLon `json:"pos"`
	// Home is where it returns to (its home, or launch site).
	Home LatLon `json:"home"`
	// BatteryPct is its remaining battery, 0-100.
	BatteryPct float64 `json:"battery_pct"`
	// Class gives its speed and its endurance on a full battery.
	Class VehicleClass `json:"class"`
	// Fence is the fence it holds (nil: none known).
	Fence *missions.Fence `json:"-"`
	// Unfit says why it cannot go at all (not flying, no link …); "" when it can be considered.
	Unfit string `json:"-"`
}

// DispatchRequest is where to send a drone and the rules.
type DispatchRequest struct {
	Target LatLon `json:"target"`
	// LoiterS is how long it must be able to stay at the target (optional).
	// Defaults to 300 s.
	LoiterS float64 `json:"loiter_s,omitempty"`
	// ReservePct is the battery it must have left when back home
	// (optional). Defaults to 20.
	ReservePct float64 `json:"reserve_pct,omitempty"`
	// NoFlyLayers, TerritoryLayers and MarginM: as in TransitRequest.
	NoFlyLayers     []string `json:"no_fly_layers,omitempty"`
	TerritoryLayers []string `json:"territory_layers,omitempty"`
	MarginM         float64  `json:"margin_m,omitempty"`
}

// DispatchProposal is the drone proposed and why the others were not.
type DispatchProposal struct {
	ID              uint32              `json:"id"`
	DistanceM       float64             `json:"distance_m"` // along the route there
	EtaS            float64             `json:"eta_s"`
	ReturnM         float64             `json:"return_m"` // target to home
	LoiterS         float64             `json:"loiter_s"`
	BatteryAfterPct float64             `json:"battery_after_pct"` // left when back home
	Route           []LatLon            `json:"route"`             // from the drone to the target
	Rejected        []DispatchRejection `json:"rejected"`
}

// DispatchRejection says why a drone was not proposed.
type DispatchRejection struct {
	ID     uint32 `json:"id"`
	Reason string `json:"reason"`
}

// ProposeDispatch returns the able drone with the shortest route to the
// target, or an error wrapping ErrNoPath that lists why none can go.
func ProposeDispatch(req DispatchRequest, candidates []DispatchCandidate, layers LayerLookup) (*DispatchProposal, error) {
	if err := req.Target.check("target"); err != nil {
		return nil, err
	}
	if !finite(req.LoiterS, req.ReservePct) || req.LoiterS < 0 || req.LoiterS > 86400 || req.ReservePct < 0 || req.ReservePct >= 100 {
		return nil, fmt.Errorf("%w: loiter_s must be 0-86400 and reserve_pct 0-99", ErrBadRequest)
	}
	loiter, reserve := req.LoiterS, req.ReservePct
	if loiter == 0 {
		loiter = 300
	}
	if reserve == 0 {
		reserve = 20
	}
	var best *DispatchProposal
	var rejected []DispatchRejection
	reject := func(id uint32, format string, args ...any) {
		rejected = append(rejected, DispatchRejection{ID: id, Reason: fmt.Sprintf(format, args...)})
	}
	for _, c := range candidates {
		if c.Unfit != "" {
			reject(c.ID, "%s", c.Unfit)
			continue
		}
		if !(c.Class.SpeedMS > 0 && c.Class.EnduranceS > 0) {
			reject(c.ID, "no speed and endurance known for it")
			continue
		}
		tr := TransitRequest{NoFlyLayers: req.NoFlyLayers, TerritoryLayers: req.TerritoryLayers, MarginM: req.MarginM, SpeedMS: c.Class.SpeedMS, Fence: c.Fence}
		tr.From, tr.To = c.Pos, req.Target
		out, err := RouteTransit(tr, layers)
		if err != nil {
			if !isNoPath(err) {
				return nil, err // a bad request (a missing layer) is everyone's
			}
			reject(c.ID, "no route there: %v", err)
			continue
		}
		tr.From, tr.To = req.Target, c.Home
		back, err := RouteTransit(tr, layers)
		if err != nil {
			if !isNoPath(err) {
				return nil, err
			}
			reject(c.ID, "no route back home: %v", err)
			continue
		}
		used := (out.FlightS + loiter + back.FlightS) / c.Class.EnduranceS * 100
		after := c.BatteryPct - used
		if after < reserve {
			reject(c.ID, "battery %.0f%% would be %.0f%% back home after %.1f km and %.0f s of loiter (reserve %.0f%%)",
				c.BatteryPct, after, (out.LengthM+back.LengthM)/1000, loiter, reserve)
			continue
		}
		p := &DispatchProposal{ID: c.ID, DistanceM: out.LengthM, EtaS: out.FlightS, ReturnM: back.LengthM,
			LoiterS: loiter, BatteryAfterPct: math.Round(after*10) / 10, Route: out.Path}
		if best == nil || p.DistanceM < best.DistanceM {
			if best != nil {
				reject(best.ID, "drone %d is nearer", p.ID)
			}
			best = p
		} else {
			reject(c.ID, "drone %d is nearer", best.ID)
		}
	}
	sort.Slice(rejected, func(i, j int) bool { return rejected[i].ID < rejected[j].ID })
	if best == nil {
		if len(candidates) == 0 {
			return nil, fmt.Errorf("%w: no drone is connected", ErrNoPath)
		}
		return nil, &NoDroneError{Rejected: rejected}
	}
	best.Rejected = rejected
	if best.Rejected == nil {
		best.Rejected = []DispatchRejection{}
	}
	return best, nil
}

// NoDroneError says that no drone can go, and why each cannot. It wraps ErrNoPath.
type NoDroneError struct {
	Rejected []DispatchRejection
}

func (e *NoDroneError) Error() string {
	s := "no drone can get there and back"
	for _, r := range e.Rejected {
		s += fmt.Sprintf("; drone %d: %s", r.ID, r.Reason)
	}
	return s
}

// Unwrap makes errors.Is(err, ErrNoPath) true.
func (e *NoDroneError) Unwrap() error { return ErrNoPath }

func isNoPath(err error) bool { return errors.Is(err, ErrNoPath) }
