package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/borderwatch/borderwatch/missions/planner"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/paulmach/orb"
)

// "Send a drone": propose the nearest drone that can get to a point and
// back (planner.ProposeDispatch, over every connected drone with the fence
// it holds, the server's no-fly and own-territory layers), then, on
// confirmation, send it along the route: a goto to each corner of the route
// in turn, the last one the target, where it holds (GUIDED on ArduPilot,
// HOLD on PX4: DO_REPOSITION's change-mode flag) and loiters.

const (
	maxDispatchBody = 4 << 10
	// dispatchFenceTimeout bounds reading the candidates' fences.
	dispatchFenceTimeout = 15 * time.Second
	// dispatchArriveM is how near a route corner counts as reached.
	dispatchArriveM = 25
	// dispatchPoll is how often the route follower looks at the vehicle.
	dispatchPoll = 250 * time.Millisecond
)

// DispatchRequest is the body of POST /api/v1/dispatch/propose and, with
// ID, of POST /api/v1/dispatch.
type DispatchRequest struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
	// TAKUID names a marker a TAK client shared (GET /api/v1/tak/markers)
	// as the target instead of lat/lon: the server takes its position from
	// what it holds, so the target is the marker as the field team placed it.
	TAKUID string `json:"tak_uid,omitempty"`
	// ID is the drone to send (the proposal's id); confirm only. SysID is
	// its older name, read as a vehicle of the default network.
	ID    telemetry.VehicleID `json:"id,omitempty"`
	SysID uint8               `json:"sysid,omitempty"`
	// AltM is the altitude above home to fly at (optional). Defaults to
	// the drone's current one, at least 30 m.
	AltM       *float64 `json:"alt_m,omitempty"`
	LoiterS    float64  `json:"loiter_s,omitempty"`
	ReservePct float64  `json:"reserve_pct,omitempty"`
}

// DispatchSent answers POST /api/v1/dispatch.
type DispatchSent struct {
	planner.DispatchProposal
	// Result is the vehicle's answer to the first goto.
	Result string  `json:"result"`
	AltM   float64 `json:"alt_m"`
	// Steps is the number of gotos the route takes (its corners and the target).
	Steps int `json:"steps"`
}

// dispatchState holds the running route followers, one per vehicle.
type dispatchState struct {
	mu   sync.Mutex
	jobs map[telemetry.VehicleID]context.CancelFunc
}

// dispatchCandidates reads every connected drone's state and fence.
func (s *Server) dispatchCandidates(ctx context.Context, only telemetry.VehicleID) ([]planner.DispatchCandidate, error) {
	vs, err := s.Fleet.Vehicles(ctx)
	if err != nil {
		return nil, err
	}
	var out []planner.DispatchCandidate
	for _, v := range vs {
		if only != 0 && v.ID != only {
			continue
		}
		c := planner.DispatchCandidate{ID: uint32(v.ID), Pos: planner.LatLon{Lat: v.Lat, Lon: v.Lon}, BatteryPct: float64(v.BatteryPct)}
		c.Home = c.Pos
		if v.Home != nil && (v.Home.Lat != 0 || v.Home.Lon != 0) {
			c.Home = planner.LatLon{Lat: v.Home.Lat, Lon: v.Home.Lon}
		}
		class := "copter"
		if v.VehicleType == "fixed_wing" {
			class = "plane"
		}
		c.Class, _ = planner.LookupVehicleClass(class)
		switch {
		case !v.LinkOK:
			c.Unfit = "its link is lost"
		case !v.HasPosition || (v.Lat == 0 && v.Lon == 0):
			c.Unfit = "it has no position"
		case !v.Armed || v.LandedState == "on_ground" || (v.LandedState != "in_air" && v.RelAltM < 2):
			c.Unfit = "it is on the ground: take off first"
		case v.BatteryPct < 0:
			c.Unfit = "its battery level is unknown"
		}
		out = append(out, c)
	}
	// The fence each holds, read from the vehicles at once.
	var wg sync.WaitGroup
	fctx, cancel := context.WithTimeout(ctx, dispatchFenceTimeout)
	defer cancel()
	for i := range out {
		if out[i].Unfit != "" {
			continue
		}
		wg.Add(1)
		go func(c *planner.DispatchCandidate) {
			defer wg.Done()
			items, _, err := s.Fleet.Download(fctx, telemetry.VehicleID(c.ID), missions.TypeFence, nil)
			if err == nil {
				var p *missions.Plan
				if p, err = missions.PlanFromItems(nil, items, nil); err == nil && !p.Fence.IsEmpty() {
					c.Fence = &p.Fence
				}
			}
			if err != nil {
				c.Unfit = "its fence could not be read: " + err.Error()
			}
		}(&out[i])
	}
	wg.Wait()
	return out, nil
}

// layersByKind is every layer of kind.
func (s *Server) layersByKind(kind missions.LayerKind) []*missions.Layer {
	var out []*missions.Layer
	for _, l := range s.layerList() {
		if l.Kind == kind {
			out = append(out, l)
		}
	}
	return out
}

// layersOfKind lists the ids of the server's layers of one kind.
func (s *Server) layersOfKind(kind missions.LayerKind) []string {
	var out []string
	for _, l := range s.layersByKind(kind) {
		out = append(out, l.ID)
	}
	return out
}

// errNoMarker says a tak_uid target is unknown or went stale.
var errNoMarker = errors.New("no such TAK marker")

// resolveTAKTarget replaces a tak_uid target with the marker's position.
func (s *Server) resolveTAKTarget(body *DispatchRequest) error {
	if body.TAKUID == "" {
		return nil
	}
	if s.TAKMarkers == nil {
		return fmt.Errorf("%w %q: the server has no TAK input (--cot or --cot-listen)", errNoMarker, body.TAKUID)
	}
	mk, ok := s.TAKMarkers.Get(body.TAKUID)
	if !ok {
		return fmt.Errorf("%w %q: it is unknown or stale; pick another from GET /api/v1/tak/markers", errNoMarker, body.TAKUID)
	}
	body.Lat, body.Lon = mk.Lat, mk.Lon
	return nil
}

// propose runs the planner over the candidates (only one drone when only != 0).
func (s *Server) propose(ctx context.Context, body DispatchRequest, only telemetry.VehicleID) (*planner.DispatchProposal, error) {
	if err := s.resolveTAKTarget(&body); err != nil {
		return nil, err
	}
	cands, err := s.dispatchCandidates(ctx, only)
	if err != nil {
		return nil, err
	}
	if only != 0 && len(cands) == 0 {
		return nil, fmt.Errorf("%w: no vehicle %d has been heard", gcs.ErrNoVehicle, only)
	}
	req := planner.DispatchRequest{Target: planner.LatLon{Lat: body.Lat, Lon: body.Lon}, LoiterS: body.LoiterS, ReservePct: body.ReservePct,
		NoFlyLayers: s.layersOfKind(missions.LayerNoFly), TerritoryLayers: s.layersOfKind(missions.LayerOwnTerritory)}
	return planner.ProposeDispatch(req, cands, s.layerLookup)
}

func dispatchStatus(err error) int {
	switch {
	case errors.Is(err, planner.ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, planner.ErrNoPath):
		return http.StatusUnprocessableEntity
	case errors.Is(err, errNoMarker):
		return http.StatusNotFound
	}
	return vehicleErrorStatus(err)
}

// handleDispatchPropose: POST /api/v1/dispatch/propose {lat, lon[, loiter_s][, reserve_pct]}.
func (s *Server) handleDispatchPropose(w http.ResponseWriter, r *http.Request) {
	var body DispatchRequest
	if !decodeBody(w, r, maxDispatchBody, &body) {
		return
	}
	p, err := s.propose(r.Context(), body, 0)
	if err != nil {
		writeError(w, dispatchStatus(err), err.Error())
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// handleDispatch: POST /api/v1/dispatch {sysid, lat, lon[, alt_m]…} checks
// the drone again as the proposal did, then sends it along the route.
func (s *Server) handleDispatch(w http.ResponseWriter, r *http.Request) {
	var body DispatchRequest
	if !decodeBody(w, r, maxDispatchBody, &body) {
		return
	}
	id := body.ID
	if id == 0 {
		id = telemetry.VehicleID(body.SysID)
	}
	if id == 0 {
		writeError(w, http.StatusBadRequest, `say which drone to send: "id" (the proposal's)`)
		return
	}
	markerErr := s.resolveTAKTarget(&body)
	detail := fmt.Sprintf("send drone %d to (%.6f, %.6f)", id, body.Lat, body.Lon)
	if body.TAKUID != "" {
		// The uid came from outside: quoted, so it cannot forge audit text.
		detail += fmt.Sprintf(" (TAK marker %q)", body.TAKUID)
	}
	if markerErr != nil {
		s.auditUser(r, id, "dispatch", detail, markerErr)
		writeError(w, dispatchStatus(markerErr), markerErr.Error())
		return
	}
	p, err := s.propose(r.Context(), body, id)
	if err != nil {
		s.auditUser(r, id, "dispatch", detail, err)
		writeError(w, dispatchStatus(err), err.Error())
		return
	}
	v, _, _ := s.Fleet.Vehicle(r.Context(), id)
	alt := max(v.RelAltM, 30)
	if body.AltM != nil {
		alt = *body.AltM
	}
	if alt < 5 || alt > 500 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("alt_m must be 5-500 m above home, got %g", alt))
		return
	}
	// The first goto is sent here, so that the answer is the vehicle's.
	ctx, cancel := context.WithTimeout(r.Context(), commandTimeout)
	defer cancel()
	first := p.Route[1]
	res, err := s.Fleet.Goto(ctx, id, first.Lat, first.Lon, alt)
	if err == nil && res.Status != "accepted" {
		err = fmt.Errorf("%w: the vehicle answered %s to the goto", gcs.ErrRejected, res.Status)
	}
	s.auditUser(r, id, "dispatch", fmt.Sprintf("%s at %.0f m, %d steps, %.1f km", detail, alt, len(p.Route)-1, p.DistanceM/1000), err)
	if err != nil {
		writeError(w, vehicleErrorStatus(err), err.Error())
		return
	}
	if len(p.Route) > 2 {
		s.followRoute(id, p.Route[1:], alt)
	} else {
		s.stopRoute(id)
	}
	writeJSON(w, http.StatusOK, DispatchSent{DispatchProposal: *p, Result: res.Status, AltM: alt, Steps: len(p.Route) - 1})
}

// stopRoute ends a vehicle's running route follower.
func (s *Server) stopRoute(id telemetry.VehicleID) {
	s.dispatch.mu.Lock()
	if cancel := s.dispatch.jobs[id]; cancel != nil {
		cancel()
		delete(s.dispatch.jobs, id)
	}
	s.dispatch.mu.Unlock()
}

// followRoute sends the vehicle to each corner of route in turn, once it
// reached the one before (route[0] was sent already). It stops when the
// target is sent, the server closes, another dispatch replaces it, or the
// operator takes the vehicle over (its mode changes).
func (s *Server) followRoute(id telemetry.VehicleID, route []planner.LatLon, alt float64) {
	s.stopRoute(id)
	ctx, cancel := context.WithCancel(s.ctx)
	s.dispatch.mu.Lock()
	if s.dispatch.jobs == nil {
		s.dispatch.jobs = map[telemetry.VehicleID]context.CancelFunc{}
	}
	s.dispatch.jobs[id] = cancel
	s.dispatch.mu.Unlock()
	go func() {
		defer cancel()
		tick := time.NewTicker(dispatchPoll)
		defer tick.Stop()
		mode := ""
		for i := 0; i < len(route)-1; {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			v, ok, err := s.Fleet.Vehicle(ctx, id)
			if err != nil || !ok {
				return
			}
			if mode == "" {
				mode = v.Mode
			} else if v.Mode != mode {
				s.Logger.Info("dispatch: the vehicle left its mode; route abandoned", "vehicle", id, "mode", v.Mode)
				return
			}
			if geo.Distance(orb.Point{v.Lon, v.Lat}, route[i].Point()) > dispatchArriveM {
				continue
			}
			i++
			res, err := s.Fleet.Goto(ctx, id, route[i].Lat, route[i].Lon, alt)
			if err != nil || res.Status != "accepted" {
				s.Logger.Warn("dispatch: a goto of the route failed; route abandoned", "vehicle", id, "step", i+1, "status", res.Status, "err", err)
				return
			}
		}
	}()
}
