// Package planner plans border patrols: the corridor patrol along a border
// split into battery-sized legs over a fleet, transit routes around no-fly
// zones, and fences generated from GIS layers. Metric work happens in a
// local projection (missions/geo); results are [lon, lat] and missions.Plans.
package planner

import "errors"

// Sentinel errors; the returned errors wrap them with the details.
var (
	// ErrBadRequest means the request itself is inconsistent (a negative
	// speed, no border, a site on the wrong side …).
	ErrBadRequest = errors.New("planner: bad request")
	// ErrUncovered means part of the border section is out of reach of
	// every launch site.
	ErrUncovered = errors.New("planner: part of the border is out of reach")
	// ErrTooFewDrones means there are fewer drones than launch sites in use.
	ErrTooFewDrones = errors.New("planner: fewer drones than launch sites in use")
	// ErrNoPath means no transit route exists between the two points.
	ErrNoPath = errors.New("planner: no path")
	// ErrFence means a fence could not be built within the autopilot's limits.
	ErrFence = errors.New("planner: cannot build the fence")
)
