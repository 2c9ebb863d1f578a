package web

import (
	"net/http"

	"github.com/borderwatch/borderwatch/tak"
)

// handleTAKMarkers lists the markers TAK clients shared (points of interest,
// a field team's positions) that are not yet stale, for the map's TAK layer
// and as targets of "send a drone". Callsigns and remarks came from outside:
// the UI shows them as text.
func (s *Server) handleTAKMarkers(w http.ResponseWriter, r *http.Request) {
	if s.TAKMarkers == nil {
		writeError(w, http.StatusServiceUnavailable, "no TAK input: start the server with --cot tcp://TAKSERVER:8087 or --cot-listen udp://0.0.0.0:6969")
		return
	}
	list := s.TAKMarkers.List()
	if list == nil {
		list = []tak.Marker{}
	}
	writeJSON(w, http.StatusOK, list)
}
