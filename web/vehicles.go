package web

import (
	"net/http"
	"strconv"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
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

// vehicleID parses {id}: a vehicle id (telemetry.VehicleID; the system id on
// the default network).
func vehicleID(w http.ResponseWriter, r *http.Request) (telemetry.VehicleID, bool) {
	id, err := telemetry.ParseVehicleID(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return 0, false
	}
	return id, true
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
