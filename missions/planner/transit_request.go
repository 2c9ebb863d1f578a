package planner

import (
	"fmt"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// TransitRequest asks for a transit route the way an operator gives it (an
// HTTP body): from a launch site to a leg, or a drone to a target, round the
// no-fly layers and inside our territory and an optional fence.
type TransitRequest struct {
	From LatLon `json:"from"`
	To   LatLon `json:"to"`
	// NoFlyLayers name no-fly layers to keep MarginM from (optional).
	NoFlyLayers []string `json:"no_fly_layers,omitempty"`
	// TerritoryLayers name own_territory layers (optional): the route stays
	// inside them, MarginM from their edge, so it never crosses the border.
	TerritoryLayers []string `json:"territory_layers,omitempty"`
	// MarginM is how far to keep from every zone and edge (optional).
	// Defaults to 50 m.
	MarginM float64 `json:"margin_m,omitempty"`
	// SpeedMS is the ground speed for the flight time (optional). Defaults
	// to a copter's.
	SpeedMS float64 `json:"speed_m_s,omitempty"`

	// Fence is a vehicle's fence to stay inside and clear of (optional; not
	// in JSON: the dispatcher fills it from the vehicle).
	Fence *missions.Fence `json:"-"`
}

// TransitResult is a route with its length and flight time.
type TransitResult struct {
	Path    []LatLon `json:"path"`
	LengthM float64  `json:"length_m"`
	FlightS float64  `json:"flight_s"`
	SpeedMS float64  `json:"speed_m_s"`
}

// maxTransitLayers bounds the layers one request may name.
const maxTransitLayers = 50

// RouteTransit finds the shortest route of a request. HTTP and the
// dispatcher call it.
func RouteTransit(r TransitRequest, layers LayerLookup) (*TransitResult, error) {
	if err := r.From.check("from"); err != nil {
		return nil, err
	}
	if err := r.To.check("to"); err != nil {
		return nil, err
	}
	if !finite(r.MarginM, r.SpeedMS) || r.MarginM < 0 || r.SpeedMS < 0 || r.MarginM > 100_000 || r.SpeedMS > 1000 {
		return nil, fmt.Errorf("%w: margin_m must be 0-100000 and speed_m_s 0-1000", ErrBadRequest)
	}
	if len(r.NoFlyLayers)+len(r.TerritoryLayers) > maxTransitLayers {
		return nil, fmt.Errorf("%w: at most %d layers", ErrBadRequest, maxTransitLayers)
	}
	speed := r.SpeedMS
	if speed == 0 {
		speed = VehicleClasses[0].SpeedMS
	}
	var cfg TransitConfig
	cfg.MarginM = r.MarginM
	var err error
	if len(r.NoFlyLayers) > 0 {
		if layers == nil {
			return nil, fmt.Errorf("%w: no layer lookup to find the no-fly layers", ErrBadRequest)
		}
		if cfg.Exclusions, err = loadNoFly(layers, r.NoFlyLayers); err != nil {
			return nil, err
		}
	}
	var territory []orb.Polygon
	for _, ref := range r.TerritoryLayers {
		if layers == nil {
			return nil, fmt.Errorf("%w: no layer lookup to find %q", ErrBadRequest, ref)
		}
		l, err := layers(ref, missions.LayerOwnTerritory)
		if err != nil {
			return nil, fmt.Errorf("territory layer %q: %w", ref, err)
		}
		territory = append(territory, NoFlyPolygons(l)...)
	}
	cfg.Inclusion = territory
	if f := r.Fence; f != nil {
		var incl []orb.Polygon
		for _, p := range f.Polygons {
			if len(p.Vertices) < 3 {
				continue // not a polygon: missions.Validate reports it
			}
			ring := append(orb.Ring(append([]orb.Point(nil), p.Vertices...)), p.Vertices[0])
			if p.Inclusion {
				incl = append(incl, orb.Polygon{ring})
			} else {
				cfg.Exclusions = append(cfg.Exclusions, orb.Polygon{ring})
			}
		}
		for _, c := range f.Circles {
			if !c.Inclusion {
				cfg.ExclusionCircles = append(cfg.ExclusionCircles, geo.Circle{Center: c.Center, RadiusM: c.RadiusM})
			}
		}
		if len(incl) > 0 {
			// Inside our territory and the fence: both must hold.
			if len(territory) > 0 {
				if incl, err = geo.Boolean(geo.OpIntersection, territory, incl); err != nil {
					return nil, err
				}
				if len(incl) == 0 {
					return nil, fmt.Errorf("%w: the vehicle's fence lies outside our territory", ErrNoPath)
				}
			}
			cfg.Inclusion = incl
		}
	}
	a, b := r.From.Point(), r.To.Point()
	var route *TransitRoute
	if len(cfg.Inclusion)+len(cfg.Exclusions)+len(cfg.ExclusionCircles) == 0 {
		route = &TransitRoute{Path: []orb.Point{a, b}, LengthM: geo.Distance(a, b)}
	} else {
		t, err := NewTransit(cfg)
		if err != nil {
			return nil, err
		}
		if route, err = t.Route(a, b); err != nil {
			return nil, err
		}
	}
	out := &TransitResult{LengthM: route.LengthM, SpeedMS: speed, FlightS: route.LengthM / speed}
	for _, p := range route.Path {
		out.Path = append(out.Path, LatLon{Lat: p[1], Lon: p[0]})
	}
	return out, nil
}
