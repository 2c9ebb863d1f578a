package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/borderwatch/borderwatch/missions"
)

// maxLayerBody bounds an imported layer: the whole Natural Earth 1:10m
// boundary file is 3.6 MB.
const maxLayerBody = 32 << 20

// layerSummary lists a layer without its geometry.
type layerSummary struct {
	ID       string             `json:"id"`
	Name     string             `json:"name"`
	Kind     missions.LayerKind `json:"kind"`
	Features int                `json:"features"`
	BBox     [4]float64         `json:"bbox"` // west, south, east, north
}

func summarize(l *missions.Layer) layerSummary {
	b := l.Bound()
	return layerSummary{ID: l.ID, Name: l.Name, Kind: l.Kind, Features: len(l.Features.Features),
		BBox: [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}
}

func (s *Server) handleLayers(w http.ResponseWriter, r *http.Request) {
	s.layerMu.RLock()
	out := make([]layerSummary, 0, len(s.Layers))
	for _, l := range s.Layers {
		out = append(out, summarize(l))
	}
	s.layerMu.RUnlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleLayer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.layerMu.RLock()
	defer s.layerMu.RUnlock()
	for _, l := range s.Layers {
		if l.ID == id {
			writeJSON(w, http.StatusOK, l.Features)
			return
		}
	}
	writeError(w, http.StatusNotFound, "no layer "+id)
}

// handleLayerImport adds a layer from a GeoJSON or KML body:
// POST /api/v1/layers?kind=border|own_territory|no_fly|patrol_sector|unclassified&name=NAME.
// A file that does not parse, or whose shapes do not suit the kind, is
// refused with the reader's message and nothing is added.
func (s *Server) handleLayerImport(w http.ResponseWriter, r *http.Request) {
	kind := missions.LayerKind(r.URL.Query().Get("kind"))
	if !missions.ValidLayerKind(kind) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("kind %q: want border, own_territory, no_fly, patrol_sector or unclassified (?kind=…)", kind))
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxLayerBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("layer is larger than %d MiB", maxLayerBody>>20))
			return
		}
		writeError(w, http.StatusBadRequest, "reading the layer: "+err.Error())
		return
	}
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	s.layerMu.Lock()
	defer s.layerMu.Unlock()
	id := fmt.Sprintf("upload-%d", len(s.Layers)+1)
	if name == "" {
		name = id
	}
	l, err := missions.ParseLayer(data, id, name, kind)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.Layers = append(s.Layers, l)
	writeJSON(w, http.StatusCreated, summarize(l))
}
