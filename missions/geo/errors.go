package geo

import "errors"

// Sentinel errors; the returned errors wrap them with the details.
var (
	// ErrNoOffset means a one-sided offset or strip left nothing on the
	// wanted side of the line.
	ErrNoOffset = errors.New("geo: nothing lies on that side of the line at that distance")
	// ErrTooManyVertices means a fence cannot be simplified to the
	// autopilot's vertex limit without changing it by more than the caller
	// allows (see TooManyVerticesError).
	ErrTooManyVertices = errors.New("geo: the polygon cannot fit the vertex limit within the allowed change")
)
