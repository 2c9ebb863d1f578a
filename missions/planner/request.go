package planner

import (
	"fmt"
	"math"
	"strings"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// This file is the planners' request layer, shared by the CLI (`borderwatch
// plan corridor|fence`) and the HTTP API: requests as JSON-taggable structs
// with units in their names, layers named by reference and resolved through
// a LayerLookup, and the choices (which side is ours, which vehicle defaults,
// how plans are named) made here once so both front ends agree.

// LatLon is a point as operators and JSON bodies give it.
type LatLon struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Point is the [lon, lat] point orb and the planners use.
func (p LatLon) Point() orb.Point { return orb.Point{p.Lon, p.Lat} }

func (p LatLon) check(what string) error {
	if !(p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180) {
		return fmt.Errorf("%w: %s (%g, %g) is not a latitude and longitude in degrees", ErrBadRequest, what, p.Lat, p.Lon)
	}
	return nil
}

// Site is a named place on the ground: a launch site or a rally point.
type Site struct {
	Name string  `json:"name,omitempty"`
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
	// AltAMSLM is the ground's altitude above mean sea level (optional).
	// A launch site's becomes its plans' home altitude; unknown, the plans
	// say so (null in the .plan) rather than claim 0 m.
	AltAMSLM *float64 `json:"alt_amsl_m,omitempty"`
}

// LayerLookup finds a layer by the reference a request gives (a file path
// for the CLI, a stored layer's id for HTTP), parsed as the given kind.
type LayerLookup func(ref string, kind missions.LayerKind) (*missions.Layer, error)

// VehicleClass is a kind of airframe with its planning defaults.
type VehicleClass struct {
	Name       string  `json:"name"`     // "copter" or "plane"
	MAVType    uint8   `json:"mav_type"` // MAV_TYPE written in the plans
	SpeedMS    float64 `json:"speed_m_s"`
	EnduranceS float64 `json:"endurance_s"`
}

// VehicleClasses are the airframes the planners know, with their default
// cruise speed and endurance. Copter: ArduCopter's WPNAV_SPEED default is
// 10 m/s, and a patrol quadcopter flies about 20 min on a battery. Plane:
// ArduPlane's and PX4's trim airspeed default is 15 m/s, and a small patrol
// plane flies about an hour.
var VehicleClasses = []VehicleClass{
	{Name: "copter", MAVType: 2, SpeedMS: 10, EnduranceS: 20 * 60},
	{Name: "plane", MAVType: 1, SpeedMS: 15, EnduranceS: 60 * 60},
}

// LookupVehicleClass returns the class by name; "" is a copter.
func LookupVehicleClass(name string) (VehicleClass, error) {
	if name == "" {
		name = "copter"
	}
	for _, c := range VehicleClasses {
		if strings.EqualFold(c.Name, name) {
			return c, nil
		}
	}
	return VehicleClass{}, fmt.Errorf("%w: vehicle type %q: want copter or plane", ErrBadRequest, name)
}

// ParseFirmware reads "ardupilot" or "px4" ("" is ardupilot) as MAV_AUTOPILOT.
func ParseFirmware(name string) (uint8, error) {
	switch strings.ToLower(name) {
	case "", "ardupilot":
		return missions.FirmwareArduPilot, nil
	case "px4":
		return missions.FirmwarePX4, nil
	}
	return 0, fmt.Errorf("%w: firmware %q: want ardupilot or px4", ErrBadRequest, name)
}

// BorderSide returns a border layer's lines and our side of them from side:
// "left" or "right" of the lines' drawing direction, or a country the layer
// names in adm0_left/adm0_right (lines are then turned so the country is on
// one side of all of them). "" means left for a layer that names no
// countries, and is refused for one that does: the operator must say.
func BorderSide(l *missions.Layer, side string) ([][]orb.Point, geo.Side, error) {
	switch strings.ToLower(side) {
	case "left", "right":
		lines, _, err := missions.BorderLines(l, "")
		s := geo.Left
		if strings.EqualFold(side, "right") {
			s = geo.Right
		}
		return lines, s, err
	case "":
		for _, f := range l.Features.Features {
			left, _ := f.Properties["adm0_left"].(string)
			right, _ := f.Properties["adm0_right"].(string)
			if left != "" || right != "" {
				return nil, 0, fmt.Errorf("%w: %s names %q on the left and %q on the right: say which side is ours (--side, or \"side\" in a request)", ErrBadRequest, l.Name, left, right)
			}
		}
		lines, _, err := missions.BorderLines(l, "")
		return lines, geo.Left, err
	}
	return missions.BorderLines(l, side)
}

// NoFlyPolygons returns a no-fly layer's polygons.
func NoFlyPolygons(l *missions.Layer) []orb.Polygon {
	var out []orb.Polygon
	for _, f := range l.Features.Features {
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			out = append(out, g)
		case orb.MultiPolygon:
			out = append(out, g...)
		}
	}
	return out
}

// loadBorder resolves a request's border layer and side.
func loadBorder(layers LayerLookup, ref, side string) ([][]orb.Point, geo.Side, error) {
	if ref == "" {
		return nil, 0, fmt.Errorf("%w: no border layer given", ErrBadRequest)
	}
	if layers == nil {
		return nil, 0, fmt.Errorf("%w: no layer lookup to find %q", ErrBadRequest, ref)
	}
	l, err := layers(ref, missions.LayerBorder)
	if err != nil {
		return nil, 0, fmt.Errorf("border layer %q: %w", ref, err)
	}
	return BorderSide(l, side)
}

// loadNoFly resolves a request's no-fly layers.
func loadNoFly(layers LayerLookup, refs []string) ([]orb.Polygon, error) {
	var out []orb.Polygon
	for _, ref := range refs {
		l, err := layers(ref, missions.LayerNoFly)
		if err != nil {
			return nil, fmt.Errorf("no-fly layer %q: %w", ref, err)
		}
		out = append(out, NoFlyPolygons(l)...)
	}
	return out, nil
}

// section checks and converts a request's optional section ends.
func section(from, to *LatLon) (*orb.Point, *orb.Point, error) {
	if (from == nil) != (to == nil) {
		return nil, nil, fmt.Errorf("%w: a border section needs both from and to", ErrBadRequest)
	}
	if from == nil {
		return nil, nil, nil
	}
	if err := from.check("from"); err != nil {
		return nil, nil, err
	}
	if err := to.check("to"); err != nil {
		return nil, nil, err
	}
	a, b := from.Point(), to.Point()
	return &a, &b, nil
}

// Bounds on what one request may ask for: a body from outside must not be
// able to make the planner run for hours or allocate without limit.
const (
	maxDrones       = 500
	maxSites        = 200
	maxLayerRefs    = 50
	maxDistanceM    = 100_000 // standoff, margins, depth, spacing
	maxEnduranceS   = 48 * 3600
	maxSpeedMS      = 150
	maxAltM         = 10_000
	maxVertexLimit  = 10_000
	minVertexLimit  = 3
	maxRequestLanes = 20
)

// inRange checks named values against [0, hi].
func inRange(hi float64, named ...any) error {
	for i := 0; i+1 < len(named); i += 2 {
		name, v := named[i].(string), named[i+1].(float64)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %s is not a number", ErrBadRequest, name)
		}
		if v < 0 || v > hi {
			return fmt.Errorf("%w: %s %g is out of range (0-%g)", ErrBadRequest, name, v, hi)
		}
	}
	return nil
}

// finite reports whether every value is a finite number (JSON cannot carry
// NaN, but Go callers can).
func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
