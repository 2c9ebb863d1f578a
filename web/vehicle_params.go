package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

// ParamsResponse lists a vehicle's parameters.
type ParamsResponse struct {
	ID     telemetry.VehicleID `json:"id"`
	SysID  uint8               `json:"sysid"`
	Params []gcs.Param         `json:"params"`
	// Source is "cache" (what the vehicle sent so far) or "vehicle" (read now).
	Source string `json:"source"`
}

func (s *Server) handleVehicleParams(w http.ResponseWriter, r *http.Request) {
	id, ok := vehicleID(w, r)
	if !ok {
		return
	}
	var ps []gcs.Param
	var err error
	src := "cache"
	if r.URL.Query().Get("refresh") == "1" || r.URL.Query().Get("refresh") == "true" {
		ctx, cancel := context.WithTimeout(r.Context(), 5*commandTimeout)
		defer cancel()
		src = "vehicle"
		ps, err = s.Fleet.ReadParams(ctx, id, nil)
	} else {
		ps, err = s.Fleet.CachedParams(r.Context(), id)
	}
	if err != nil {
		writeError(w, vehicleErrorStatus(err), err.Error())
		return
	}
	if ps == nil {
		ps = []gcs.Param{}
	}
	writeJSON(w, http.StatusOK, ParamsResponse{ID: id, SysID: id.SysID(), Params: ps, Source: src})
}

func (s *Server) handleVehicleParam(w http.ResponseWriter, r *http.Request) {
	id, ok := vehicleID(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), commandTimeout)
	defer cancel()
	p, err := s.Fleet.ReadParam(ctx, id, r.PathValue("name"))
	if err != nil {
		writeError(w, vehicleErrorStatus(err), err.Error())
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// ParamSetRequest is the body of PUT /api/v1/vehicles/{id}/params/{name}.
type ParamSetRequest struct {
	Value *float64 `json:"value"`
}

func (s *Server) handleVehicleParamSet(w http.ResponseWriter, r *http.Request) {
	id, ok := vehicleID(w, r)
	if !ok {
		return
	}
	var req ParamSetRequest
	if !decodeBody(w, r, maxCommandBody, &req) {
		return
	}
	if req.Value == nil {
		writeError(w, http.StatusBadRequest, `body needs {"value": number}`)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), commandTimeout)
	defer cancel()
	p, err := s.Fleet.SetParam(ctx, id, r.PathValue("name"), *req.Value)
	s.audit(r, id, "param_set", fmt.Sprintf("%s = %g", r.PathValue("name"), *req.Value), err)
	if err != nil {
		writeError(w, vehicleErrorStatus(err), err.Error())
		return
	}
	// The vehicle's answer is the truth: it may have rounded or limited the value.
	writeJSON(w, http.StatusOK, ParamSetResponse{Param: p, Requested: *req.Value, Adjusted: !sameParamValue(p.Value, *req.Value)})
}

// ParamSetResponse answers PUT /api/v1/vehicles/{id}/params/{name}: the
// parameter as the vehicle stored it, the value asked for, and whether the
// vehicle stored something else (ArduPilot truncates integers and limits
// them to their type).
type ParamSetResponse struct {
	gcs.Param
	Requested float64 `json:"requested"`
	Adjusted  bool    `json:"adjusted"`
}

// sameParamValue compares at PARAM_VALUE's precision (a float32).
func sameParamValue(a, b float64) bool { return float32(a) == float32(b) }
