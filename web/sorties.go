package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/export"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// Sortie, event and audit endpoints: thin translations of query parameters
// into store queries.

const (
	defaultEventLimit = 1000
	maxEventLimit     = 100000
)

func (s *Server) needStore(w http.ResponseWriter) bool {
	if s.Store == nil {
		writeError(w, http.StatusServiceUnavailable, "this server has no sortie store (start it with --data FILE)")
		return false
	}
	return true
}

// parseTime reads an RFC 3339 time parameter; empty is the zero time.
func parseTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s must be an RFC 3339 time such as 2026-05-01T12:00:00Z, got %q", name, v)
	}
	return t, nil
}

// parseVehicles reads vehicle=1,2 (or repeated vehicle=…) as vehicle ids.
func parseVehicles(r *http.Request, name string) ([]telemetry.VehicleID, error) {
	var out []telemetry.VehicleID
	for _, v := range r.URL.Query()[name] {
		for _, part := range strings.Split(v, ",") {
			if part == "" {
				continue
			}
			id, err := telemetry.ParseVehicleID(part)
			if err != nil {
				return nil, fmt.Errorf("%s must be vehicle ids: %w", name, err)
			}
			out = append(out, id)
		}
	}
	return out, nil
}

func parseLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return defaultEventLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxEventLimit {
		return 0, fmt.Errorf("limit must be 1-%d, got %q", maxEventLimit, v)
	}
	return n, nil
}

func (s *Server) handleSorties(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	var f store.SortieFilter
	vs, err := parseVehicles(r, "vehicle")
	if err == nil && len(vs) > 1 {
		err = errors.New("vehicle takes one system id")
	}
	if err == nil && len(vs) == 1 {
		f.Vehicle = vs[0]
	}
	if err == nil {
		f.From, err = parseTime(r, "from")
	}
	if err == nil {
		f.To, err = parseTime(r, "to")
	}
	for _, b := range []struct {
		name string
		v    *bool
	}{{"detections", &f.WithDetections}, {"breaches", &f.WithBreaches}, {"alerts", &f.WithAlerts}} {
		if err == nil {
			*b.v, err = parseFlag(r, b.name)
		}
	}
	if err == nil {
		switch f.Source = r.URL.Query().Get("source"); f.Source {
		case "", "live", "import":
		default:
			err = fmt.Errorf("source must be live or import, got %q", f.Source)
		}
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	list, err := s.Store.Sorties(f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "reading sorties: "+err.Error())
		return
	}
	if list == nil {
		list = []store.Sortie{}
	}
	writeJSON(w, http.StatusOK, list)
}

// parseFlag reads a yes/no filter: 1 or true keeps only matching items; 0, false or absent does not filter.
func parseFlag(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	default:
		return false, fmt.Errorf("%s must be 1 or 0, got %q", name, v)
	}
}

func (s *Server) sortieFromPath(w http.ResponseWriter, r *http.Request) (store.Sortie, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		writeError(w, http.StatusBadRequest, "sortie id must be a positive number, got "+strconv.Quote(r.PathValue("id")))
		return store.Sortie{}, false
	}
	so, err := s.Store.Sortie(id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("no sortie %d (GET /api/v1/sorties lists them)", id))
		return so, false
	case err != nil:
		writeError(w, http.StatusInternalServerError, "reading sortie: "+err.Error())
		return so, false
	}
	return so, true
}

func (s *Server) handleSortie(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	if so, ok := s.sortieFromPath(w, r); ok {
		writeJSON(w, http.StatusOK, so)
	}
}

func (s *Server) handleSortieExport(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	q := r.URL.Query()
	format, err := export.ParseFormat(q.Get("format"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var opt export.Options
	if fields := q.Get("fields"); fields != "" {
		opt.Fields = strings.Split(fields, ",")
		for _, f := range opt.Fields {
			if !containsStr(export.CSVFields, f) {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown CSV field %q (known: %s)", f, strings.Join(export.CSVFields, ",")))
				return
			}
		}
	}
	so, ok := s.sortieFromPath(w, r)
	if !ok {
		return
	}
	name := fmt.Sprintf("sortie-%d.%s", so.ID, format.Extension())
	s.sendSpooled(w, name, format.ContentType(), func(f io.Writer) error {
		if _, err := export.Sortie(f, s.Store, so, format, opt); err != nil {
			s.Logger.Error("web: sortie export failed", "sortie", so.ID, "format", format, "err", err)
			return fmt.Errorf("exporting the sortie: %w", err)
		}
		return nil
	})
}

// sendSpooled writes a download with fill into a temporary file, then sends
// it as the attachment name. fill reads the store in a transaction that
// lasts as long as the writing, and a client that stalls must not hold that
// transaction (it would block the store's Close and its file growth). The
// file is then sent with a deadline per chunk, so a stalled client is
// dropped and shutdown is not held up. fill's error is answered as a 500.
func (s *Server) sendSpooled(w http.ResponseWriter, name, contentType string, fill func(io.Writer) error) {
	spool, err := os.CreateTemp("", "borderwatch-export-*")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "preparing the export: "+err.Error())
		return
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	if err := fill(spool); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	size, err := spool.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = spool.Seek(0, io.SeekStart)
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "reading the export back: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	if err := sendWithDeadlines(w, spool); err != nil {
		s.Logger.Warn("web: export not delivered", "file", name, "err", err)
	}
}

// exportChunkWait is how long one chunk of a download may take to write
// before the client is taken for gone.
var exportChunkWait = 30 * time.Second

// sendWithDeadlines copies r to w in chunks, each under its own write
// deadline.
func sendWithDeadlines(w http.ResponseWriter, r io.Reader) error {
	rc := http.NewResponseController(w)
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(exportChunkWait))
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return rc.Flush()
		}
		if err != nil {
			return err
		}
	}
}

func containsStr(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// eventFilter reads vehicle, from, to and limit.
func eventFilter(r *http.Request) (store.EventFilter, error) {
	var f store.EventFilter
	var err error
	if f.Vehicles, err = parseVehicles(r, "vehicle"); err != nil {
		return f, err
	}
	if f.From, err = parseTime(r, "from"); err != nil {
		return f, err
	}
	if f.To, err = parseTime(r, "to"); err != nil {
		return f, err
	}
	f.Limit, err = parseLimit(r)
	return f, err
}

func (s *Server) handleEvents(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.needStore(w) {
			return
		}
		f, err := eventFilter(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		f.Types = []string{typ}
		out := []telemetry.Event{}
		if err := s.Store.Events(f, func(e telemetry.Event) bool { out = append(out, e); return true }); err != nil {
			writeError(w, http.StatusInternalServerError, "reading events: "+err.Error())
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	f, err := eventFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if user := r.URL.Query().Get("user"); user != "" {
		all := f
		all.Limit = 0
		out := []telemetry.OperatorAction{}
		err = s.Store.Audit(all, func(a telemetry.OperatorAction) bool {
			if a.User == user {
				out = append(out, a)
			}
			return len(out) < f.Limit
		})
		if err != nil {
			writeError(w, http.StatusInternalServerError, "reading the audit log: "+err.Error())
			return
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	out := []telemetry.OperatorAction{}
	if err := s.Store.Audit(f, func(a telemetry.OperatorAction) bool { out = append(out, a); return true }); err != nil {
		writeError(w, http.StatusInternalServerError, "reading the audit log: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// RecorderCollector exposes the recorder's counters on /metrics (pass it in
// Server.Collectors): what was committed, what was lost, how long commits take.
func RecorderCollector(r *store.Recorder) prometheus.Collector { return recorderCollector{r} }

var (
	descRecFrames  = prometheus.NewDesc("borderwatch_recorder_frames_total", "Frames committed to the store.", nil, nil)
	descRecEvents  = prometheus.NewDesc("borderwatch_recorder_events_total", "Events committed to the store.", nil, nil)
	descRecDropped = prometheus.NewDesc("borderwatch_recorder_dropped_total", "Frames and events that never reached the store (full queue or failed commit).", nil, nil)
	descRecCommits = prometheus.NewDesc("borderwatch_recorder_commits_total", "Durable commits.", nil, nil)
	descRecCommitS = prometheus.NewDesc("borderwatch_recorder_last_commit_seconds", "Duration of the last commit (part of the durability bound).", nil, nil)
	descRecSkipped = prometheus.NewDesc("borderwatch_store_skipped_events_total", "Events the store could not encode (NaN or infinite numbers, unknown types) and skipped; the frames of the same commit were kept.", nil, nil)
)

type recorderCollector struct{ r *store.Recorder }

func (c recorderCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRecFrames, descRecEvents, descRecDropped, descRecCommits, descRecCommitS, descRecSkipped} {
		ch <- d
	}
}

func (c recorderCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	counter(descRecFrames, c.r.Written())
	counter(descRecEvents, c.r.EventsWritten())
	counter(descRecDropped, c.r.Dropped())
	counter(descRecCommits, c.r.Commits())
	counter(descRecSkipped, c.r.Store.SkippedEvents())
	ch <- prometheus.MustNewConstMetric(descRecCommitS, prometheus.GaugeValue, c.r.LastCommitDuration().Seconds())
}
