package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/borderwatch/borderwatch/basemap"
)

// Basemap is a PMTiles archive the server serves for the map to draw under
// the layers (serve --basemap FILE.pmtiles, or the demo's, built at start-up).
type Basemap struct {
	// Data holds the archive; each request reads it through its own
	// io.SectionReader, so one ReaderAt serves every request at once.
	Data io.ReaderAt
	// Size is the archive's length in bytes.
	Size int64
	// (optional) ModTime is when it was built, for HTTP validators.
	// Defaults to the zero time (no Last-Modified).
	ModTime time.Time

	header basemap.Header
}

// checkBasemap refuses a file that is not a PMTiles v3 archive at start-up,
// rather than letting the browser fail on it later.
func (s *Server) checkBasemap() error {
	if s.Basemap == nil {
		return nil
	}
	return s.SetBasemap(s.Basemap)
}

// SetBasemap checks b and serves it from now on, for a basemap that is built
// while the server already runs (the demo builds its own in the background,
// so that its page opens at once). Safe for concurrent use.
func (s *Server) SetBasemap(b *Basemap) error {
	rd, err := basemap.Open(b.Data, b.Size)
	if err != nil {
		return fmt.Errorf("web: basemap: %w", err)
	}
	b.header = rd.Header
	s.basemap.Store(b)
	return nil
}

// ExpectBasemap says a basemap is being built: until SetBasemap (or
// NoBasemap, when the build failed), the info answers pending so that the
// page asks again instead of giving up.
func (s *Server) ExpectBasemap() { s.basemapPending.Store(true) }

// NoBasemap ends ExpectBasemap without one: the page stops asking and keeps
// its plain background.
func (s *Server) NoBasemap() { s.basemapPending.Store(false) }

// basemapInfo is GET /api/v1/basemap: whether there is a basemap, and what
// the UI needs to draw it (its area and zooms).
type basemapInfo struct {
	Available bool       `json:"available"`
	URL       string     `json:"url,omitempty"`
	TileType  string     `json:"tile_type,omitempty"`
	MinZoom   int        `json:"min_zoom"`
	MaxZoom   int        `json:"max_zoom"`
	Bounds    [4]float64 `json:"bounds_lon_lat"` // west, south, east, north
	Center    [2]float64 `json:"center_lon_lat"`
	SizeBytes int64      `json:"size_bytes"`
	// Pending is true while the server is still building its basemap (the
	// demo's); the page asks again.
	Pending bool `json:"pending,omitempty"`
}

func (s *Server) handleBasemapInfo(w http.ResponseWriter, r *http.Request) {
	bm := s.basemap.Load()
	if bm == nil {
		writeJSON(w, http.StatusOK, basemapInfo{Pending: s.basemapPending.Load()})
		return
	}
	h := bm.header
	tt := map[basemap.TileType]string{basemap.TileTypeMVT: "mvt", basemap.TileTypePNG: "png", basemap.TileTypeJPEG: "jpeg",
		basemap.TileTypeWebP: "webp", basemap.TileTypeAVIF: "avif"}[h.TileType]
	if tt == "" {
		tt = "unknown"
	}
	writeJSON(w, http.StatusOK, basemapInfo{
		Available: true, URL: "/api/v1/basemap.pmtiles", TileType: tt,
		MinZoom: int(h.MinZoom), MaxZoom: int(h.MaxZoom),
		Bounds:    [4]float64{float64(h.MinLonE7) / 1e7, float64(h.MinLatE7) / 1e7, float64(h.MaxLonE7) / 1e7, float64(h.MaxLatE7) / 1e7},
		Center:    [2]float64{float64(h.CenterLonE7) / 1e7, float64(h.CenterLatE7) / 1e7},
		SizeBytes: bm.Size,
	})
}

// handleBasemap serves the archive itself. PMTiles readers fetch it by
// HTTP range requests (the header and root directory, then one range per
// tile); http.ServeContent answers them with 206 and Content-Range.
func (s *Server) handleBasemap(w http.ResponseWriter, r *http.Request) {
	bm := s.basemap.Load()
	if bm == nil {
		writeError(w, http.StatusNotFound, "no basemap: start the server with --basemap FILE.pmtiles (see docs/basemap.md)")
		return
	}
	w.Header().Set("Content-Type", "application/vnd.pmtiles")
	w.Header().Set("Cache-Control", "private, no-cache") // revalidate: a restart may bring another archive
	http.ServeContent(w, r, "basemap.pmtiles", bm.ModTime, io.NewSectionReader(bm.Data, 0, bm.Size))
}

// OpenBasemapFile opens a PMTiles file for Server.Basemap; close it after
// the server stopped.
func OpenBasemapFile(path string) (*Basemap, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("basemap: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("basemap: %w", err)
	}
	if _, err := basemap.Open(f, fi.Size()); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("basemap %s: %w", path, err)
	}
	return &Basemap{Data: f, Size: fi.Size(), ModTime: fi.ModTime()}, f.Close, nil
}

// BasemapFromArchive serves an archive built in memory (the demo's).
func BasemapFromArchive(a *basemap.Archive, built time.Time) (*Basemap, error) {
	var b bytes.Buffer
	if _, err := a.WriteTo(&b); err != nil {
		return nil, err
	}
	return &Basemap{Data: bytes.NewReader(b.Bytes()), Size: int64(b.Len()), ModTime: built}, nil
}
