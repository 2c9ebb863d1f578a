package web

import (
	"net/http"

	"github.com/borderwatch/borderwatch/missions"
)

// layerSummary lists a layer without its geometry.
type layerSummary struct {
	ID       string             `json:"id"`
	Name     string             `json:"name"`
	Kind     missions.LayerKind `json:"kind"`
	Features int                `json:"features"`
	BBox     [4]float64         `json:"bbox"` // west, south, east, north
}

func (s *Server) handleLayers(w http.ResponseWriter, r *http.Request) {
	out := make([]layerSummary, 0, len(s.Layers))
	for _, l := range s.Layers {
		b := l.Bound()
		out = append(out, layerSummary{ID: l.ID, Name: l.Name, Kind: l.Kind, Features: len(l.Features.Features),
			BBox: [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleLayer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, l := range s.Layers {
		if l.ID == id {
			writeJSON(w, http.StatusOK, l.Features)
			return
		}
	}
	writeError(w, http.StatusNotFound, "no layer "+id)
}
