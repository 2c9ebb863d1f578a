package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/planner"
)

// Route planning over the server's layers: the corridor patrol, a fence
// generated from the border, and transits round no-fly zones. The planner
// package does the work (the CLI calls the same functions); layers are
// named by their ids in GET /api/v1/layers.

// maxRouteBody bounds a planning request (launch sites and rally points).
const maxRouteBody = 1 << 20

// layerLookup resolves a request's layer ids among the server's layers,
// refusing one of another kind.
func (s *Server) layerLookup(ref string, kind missions.LayerKind) (*missions.Layer, error) {
	l := s.findLayer(ref)
	if l == nil {
		return nil, fmt.Errorf("%w: no layer %q (GET /api/v1/layers lists their ids)", planner.ErrBadRequest, ref)
	}
	if l.Kind != kind {
		return nil, fmt.Errorf("%w: layer %q is a %s layer, not %s", planner.ErrBadRequest, ref, l.Kind, kind)
	}
	return l, nil
}

// plannerStatus maps the planner's errors to HTTP statuses: a request that
// makes no sense is 400; one the geometry cannot satisfy 422.
func plannerStatus(err error) int {
	if errors.Is(err, planner.ErrBadRequest) {
		return http.StatusBadRequest
	}
	// ErrUncovered, ErrTooFewDrones, ErrNoPath, ErrFence and geometry the
	// planner could not handle: the request's, not the server's.
	return http.StatusUnprocessableEntity
}

// handleRouteCorridor: POST /api/v1/routes/corridor with a planner.CorridorRequest.
func (s *Server) handleRouteCorridor(w http.ResponseWriter, r *http.Request) {
	var req planner.CorridorRequest
	if !decodeBody(w, r, maxRouteBody, &req) {
		return
	}
	res, err := planner.Corridor(req, s.layerLookup, time.Now().UTC())
	if err != nil {
		writeError(w, plannerStatus(err), err.Error())
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// handleRouteFence: POST /api/v1/routes/fence with a planner.FenceRequest.
func (s *Server) handleRouteFence(w http.ResponseWriter, r *http.Request) {
	var req planner.FenceRequest
	if !decodeBody(w, r, maxRouteBody, &req) {
		return
	}
	res, err := planner.Fence(req, s.layerLookup, time.Now().UTC())
	if err != nil {
		writeError(w, plannerStatus(err), err.Error())
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// handleRouteTransit: POST /api/v1/routes/transit with a planner.TransitRequest.
func (s *Server) handleRouteTransit(w http.ResponseWriter, r *http.Request) {
	var req planner.TransitRequest
	if !decodeBody(w, r, maxRouteBody, &req) {
		return
	}
	res, err := planner.RouteTransit(req, s.layerLookup)
	if err != nil {
		writeError(w, plannerStatus(err), err.Error())
		return
	}
	writeJSON(w, http.StatusOK, res)
}
