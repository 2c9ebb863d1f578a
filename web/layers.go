package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// Layers: those the server was started with (serve --layer, ids "layer-N",
// read-only here) and those imported over the API, kept in the store (ids
// "stored-N") so that they survive a restart, or only in memory ("upload-N")
// on a server without a store.

const (
	// maxLayerBody bounds an imported layer: the whole Natural Earth 1:10m
	// boundary file is 3.6 MB.
	maxLayerBody = 32 << 20
	// maxLayers bounds how many layers a server holds: each is drawn by
	// every browser, and a hundred already clutters any map.
	maxLayers = 100
	// maxLayerName bounds a layer's name (it is shown in lists).
	maxLayerName = 200
	// maxLayerRenameBody bounds the body of a rename.
	maxLayerRenameBody = 4 << 10
)

// layerState is what the layer endpoints keep beside Server.Layers.
type layerState struct {
	once     sync.Once // loads the stored layers into Server.Layers on first use
	loadErr  error
	uploaded int // in-memory imports so far, for "upload-N" ids

	borderMu    sync.Mutex // lock order: Server.layerMu before borderMu
	border      *missions.BorderIndex
	borderValid bool
}

// layerSummary lists a layer without its geometry.
type layerSummary struct {
	ID       string             `json:"id"`
	Name     string             `json:"name"`
	Kind     missions.LayerKind `json:"kind"`
	Features int                `json:"features"`
	BBox     [4]float64         `json:"bbox"` // west, south, east, north
	// Stored is true for a layer imported over the API (it can be renamed
	// and deleted); false for one the server was started with.
	Stored bool `json:"stored"`
}

func summarize(l *missions.Layer) layerSummary {
	b := l.Bound()
	return layerSummary{ID: l.ID, Name: l.Name, Kind: l.Kind, Features: len(l.Features.Features),
		BBox: [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}, Stored: isImportedLayer(l.ID)}
}

func isImportedLayer(id string) bool {
	return strings.HasPrefix(id, store.LayerIDPrefix) || strings.HasPrefix(id, "upload-")
}

// loadStoredLayers adds the store's layers to Server.Layers, once. A stored
// layer that no longer parses is skipped and logged, never fatal: the
// others stay usable.
func (s *Server) loadStoredLayers() error {
	s.layers.once.Do(func() {
		if s.Store == nil {
			return
		}
		var loaded []*missions.Layer
		err := s.Store.Layers(true, func(rec store.LayerRecord) bool {
			l, err := missions.ParseGeoJSONLayer(rec.Data, rec.ID, rec.Name, missions.LayerKind(rec.Kind))
			if err != nil {
				s.Logger.Error("web: a stored layer no longer reads; skipped", "layer", rec.ID, "err", err)
				return true
			}
			loaded = append(loaded, l)
			return true
		})
		s.layerMu.Lock()
		s.Layers = append(s.Layers, loaded...)
		all := append([]*missions.Layer(nil), s.Layers...)
		s.layerMu.Unlock()
		s.layersChanged(all)
		if err != nil {
			s.layers.loadErr = fmt.Errorf("reading the stored layers: %w", err)
		}
	})
	return s.layers.loadErr
}

// layerList is a snapshot of every layer.
func (s *Server) layerList() []*missions.Layer {
	if err := s.loadStoredLayers(); err != nil {
		s.Logger.Error("web: layers", "err", err)
	}
	s.layerMu.RLock()
	defer s.layerMu.RUnlock()
	return append([]*missions.Layer(nil), s.Layers...)
}

// layersChanged is told the new list of layers after every change: it
// drops the border index (rebuilt on next use) and hands the list to the
// border monitor.
func (s *Server) layersChanged(layers []*missions.Layer) {
	s.layers.borderMu.Lock()
	s.layers.border, s.layers.borderValid = nil, false
	s.layers.borderMu.Unlock()
	if s.monitor != nil {
		s.monitor.SetLayers(layers)
	}
}

// borderIndex indexes the border layers (nil when there is none), rebuilt
// only after the layers changed.
func (s *Server) borderIndex() *missions.BorderIndex {
	if err := s.loadStoredLayers(); err != nil {
		s.Logger.Error("web: layers", "err", err)
	}
	// Both locks, in order, so that no change of the layers falls between
	// reading them and marking the index valid.
	s.layerMu.RLock()
	defer s.layerMu.RUnlock()
	s.layers.borderMu.Lock()
	defer s.layers.borderMu.Unlock()
	if s.layers.borderValid {
		return s.layers.border
	}
	var borders []*missions.Layer
	for _, l := range s.Layers {
		if l.Kind == missions.LayerBorder {
			borders = append(borders, l)
		}
	}
	s.layers.border = nil
	if len(borders) > 0 {
		if ix, err := missions.NewBorderIndex(borders...); err == nil {
			s.layers.border = ix
		}
	}
	s.layers.borderValid = true
	return s.layers.border
}

func (s *Server) handleLayers(w http.ResponseWriter, r *http.Request) {
	layers := s.layerList()
	out := make([]layerSummary, 0, len(layers))
	for _, l := range layers {
		out = append(out, summarize(l))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) findLayer(id string) *missions.Layer {
	for _, l := range s.layerList() {
		if l.ID == id {
			return l
		}
	}
	return nil
}

func (s *Server) handleLayer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	l := s.findLayer(id)
	if l == nil {
		writeError(w, http.StatusNotFound, "no layer "+id)
		return
	}
	writeJSON(w, http.StatusOK, l.Features)
}

// checkLayerName refuses names a list cannot show sensibly.
func checkLayerName(name string) error {
	if name == "" || len(name) > maxLayerName {
		return fmt.Errorf("a layer name must be 1-%d bytes", maxLayerName)
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f {
			return errors.New("a layer name must not hold control characters")
		}
	}
	return nil
}

// handleLayerImport adds a layer from a GeoJSON or KML body:
// POST /api/v1/layers?kind=border|own_territory|no_fly|patrol_sector|unclassified&name=NAME.
// A file that does not parse, or whose shapes do not suit the kind, is
// refused with the reader's message and nothing is added. With a store the
// layer is kept there (as GeoJSON) and survives a restart.
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
	if name != "" {
		if err := checkLayerName(name); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if err := s.loadStoredLayers(); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	l, err := missions.ParseLayer(data, "new", "new", kind)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.layerMu.Lock()
	defer s.layerMu.Unlock()
	if len(s.Layers) >= maxLayers {
		writeError(w, http.StatusConflict, fmt.Sprintf("the server holds %d layers, the most it keeps; delete one first", len(s.Layers)))
		return
	}
	if s.Store != nil {
		geo, err := json.Marshal(l.Features)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "encoding the layer: "+err.Error())
			return
		}
		if name == "" {
			name = "layer"
		}
		id, err := s.Store.AddLayer(store.LayerRecord{Name: name, Kind: string(kind), Author: requestUser(r), Time: time.Now(), Data: geo}, maxLayers)
		if err != nil {
			writeError(w, storeErrorStatus(err), err.Error())
			return
		}
		l.ID, l.Name = id, name
	} else {
		s.layers.uploaded++
		l.ID = fmt.Sprintf("upload-%d", s.layers.uploaded)
		l.Name = name
		if name == "" {
			l.Name = l.ID
		}
	}
	s.Layers = append(s.Layers, l)
	s.layersChanged(append([]*missions.Layer(nil), s.Layers...))
	s.auditUser(r, 0, "layer_import", fmt.Sprintf("layer %s %q (%s, %d features)", l.ID, l.Name, l.Kind, len(l.Features.Features)), nil)
	writeJSON(w, http.StatusCreated, summarize(l))
}

// LayerRename is the body of PATCH /api/v1/layers/{id}.
type LayerRename struct {
	Name string `json:"name"`
}

// importedLayer finds an imported layer for a change, answering the client
// when there is none or it cannot change. Call with layerMu held.
func (s *Server) importedLayer(w http.ResponseWriter, id string) (int, bool) {
	for i, l := range s.Layers {
		if l.ID != id {
			continue
		}
		if !isImportedLayer(id) {
			writeError(w, http.StatusConflict, "layer "+id+" was loaded when the server started (serve --layer); change it there")
			return 0, false
		}
		return i, true
	}
	writeError(w, http.StatusNotFound, "no layer "+id)
	return 0, false
}

func (s *Server) handleLayerRename(w http.ResponseWriter, r *http.Request) {
	var body LayerRename
	if !decodeBody(w, r, maxLayerRenameBody, &body) {
		return
	}
	body.Name = strings.TrimSpace(body.Name)
	if err := checkLayerName(body.Name); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.loadStoredLayers(); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	id := r.PathValue("id")
	s.layerMu.Lock()
	defer s.layerMu.Unlock()
	i, ok := s.importedLayer(w, id)
	if !ok {
		return
	}
	if s.Store != nil && strings.HasPrefix(id, store.LayerIDPrefix) {
		if err := s.Store.RenameLayer(id, body.Name); err != nil {
			writeError(w, storeErrorStatus(err), err.Error())
			return
		}
	}
	old := s.Layers[i]
	renamed := *old // layers are shared read-only with earlier snapshots: replace, never modify
	renamed.Name = body.Name
	s.Layers[i] = &renamed
	s.auditUser(r, 0, "layer_rename", fmt.Sprintf("layer %s %q to %q", id, old.Name, body.Name), nil)
	writeJSON(w, http.StatusOK, summarize(&renamed))
}

func (s *Server) handleLayerDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.loadStoredLayers(); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	id := r.PathValue("id")
	s.layerMu.Lock()
	defer s.layerMu.Unlock()
	i, ok := s.importedLayer(w, id)
	if !ok {
		return
	}
	if s.Store != nil && strings.HasPrefix(id, store.LayerIDPrefix) {
		if err := s.Store.DeleteLayer(id); err != nil {
			writeError(w, storeErrorStatus(err), err.Error())
			return
		}
	}
	l := s.Layers[i]
	s.Layers = append(s.Layers[:i:i], s.Layers[i+1:]...)
	s.layersChanged(append([]*missions.Layer(nil), s.Layers...))
	s.auditUser(r, 0, "layer_delete", fmt.Sprintf("layer %s %q", id, l.Name), nil)
	writeJSON(w, http.StatusOK, summarize(l))
}

// storeErrorStatus maps the store's sentinel errors to HTTP statuses.
func storeErrorStatus(err error) int {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, store.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, store.ErrExists), errors.Is(err, store.ErrLimit):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}
