package web

import (
	"net/http"

	"github.com/borderwatch/borderwatch/telemetry"
)

// handleNetworks answers GET /api/v1/networks: every MAVLink network, from
// the fleet (its links, the vehicles heard now: gcs.Fleet.NetworkList) and
// from the store (the numbered networks, the vehicles recorded on each:
// store.Store.NetworkList), joined by telemetry.MergeNetworks.
func (s *Server) handleNetworks(w http.ResponseWriter, r *http.Request) {
	live, err := s.Fleet.NetworkList(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "reading the fleet's networks: "+err.Error())
		return
	}
	lists := [][]telemetry.Network{live}
	if s.Store != nil {
		stored, err := s.Store.NetworkList()
		if err != nil {
			writeError(w, http.StatusInternalServerError, "reading the store's networks: "+err.Error())
			return
		}
		lists = append(lists, stored)
	}
	writeJSON(w, http.StatusOK, telemetry.MergeNetworks(lists...))
}
