package web

import (
	"net/http"
	"strconv"

	"github.com/borderwatch/borderwatch/gcs"
)

func (s *Server) handleVehicles(w http.ResponseWriter, r *http.Request) {
	vs, err := s.Fleet.Vehicles(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "fleet unavailable: "+err.Error())
		return
	}
	if vs == nil {
		vs = []gcs.VehicleState{}
	}
	writeJSON(w, http.StatusOK, vs)
}

// vehicleID parses {id}: a vehicle's MAVLink system id.
func vehicleID(w http.ResponseWriter, r *http.Request) (uint8, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 8)
	if err != nil || id == 0 {
		writeError(w, http.StatusBadRequest, "vehicle id must be a MAVLink system id 1-255, got "+strconv.Quote(r.PathValue("id")))
		return 0, false
	}
	return uint8(id), true
}

// heardVehicle looks up {id}; when it answers false it has written the error.
func (s *Server) heardVehicle(w http.ResponseWriter, r *http.Request) (gcs.VehicleState, bool) {
	id, ok := vehicleID(w, r)
	if !ok {
		return gcs.VehicleState{}, false
	}
	v, found, err := s.Fleet.Vehicle(r.Context(), id)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "fleet unavailable: "+err.Error())
		return v, false
	}
	if !found {
		writeError(w, http.StatusNotFound, "no vehicle with system id "+strconv.Itoa(int(id))+" has been heard")
		return v, false
	}
	return v, true
}

func (s *Server) handleVehicle(w http.ResponseWriter, r *http.Request) {
	if v, ok := s.heardVehicle(w, r); ok {
		writeJSON(w, http.StatusOK, v)
	}
}
