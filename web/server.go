// Package web serves the HTTP API, the WebSocket streams and the embedded
// browser UI. Handlers are thin: they translate HTTP to calls on the gcs,
// missions and telemetry packages and back.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/borderwatch/borderwatch/federation"
	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/tak"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/bordermonitor"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web/auth"
)

// Server is the HTTP server.
type Server struct {
	// Addr to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free port).
	Addr string
	// Fleet answers vehicle queries.
	Fleet *gcs.Fleet
	// Hub feeds the live stream.
	Hub *telemetry.Hub
	// (optional) Store serves sorties, their exports, events, the audit log
	// and /ws/replay. Defaults to none: those endpoints answer 503.
	Store *store.Store
	// (optional) Layers are the GIS layers the map draws. POST
	// /api/v1/layers adds to them after Initialize, under layerMu.
	Layers  []*missions.Layer
	layerMu sync.RWMutex
	// (optional) UIDir serves the UI from a folder instead of the embedded
	// build (for UI development). Defaults to the embedded build.
	UIDir string
	// (optional) Logger. Defaults to slog.Default().
	Logger *slog.Logger
	// (optional) Collectors add metrics of other managers (the recorder …) to /metrics.
	Collectors []prometheus.Collector
	// (optional) BorderAlertM is how near a border line a drone comes before
	// the border monitor raises an alert (telemetry/bordermonitor). Defaults
	// to 300 m; negative turns the monitor off.
	BorderAlertM float64
	// (optional) Basemap is a PMTiles archive served at
	// /api/v1/basemap.pmtiles for the map to draw (web/basemap.go).
	// Defaults to none: the map draws the layers on a plain background.
	Basemap *Basemap
	// basemap is the one served (Basemap, or one set later by SetBasemap).
	basemap        atomic.Pointer[Basemap]
	basemapPending atomic.Bool
	// (optional) ReadyChecks are further conditions of /readyz besides the
	// store and the links (web/ready.go), e.g. a NATS connection.
	ReadyChecks []ReadyCheck
	// (optional) TAKMarkers are the markers TAK clients sent (tak.Markers),
	// served at /api/v1/tak/markers. Defaults to none: that route answers 503.
	TAKMarkers *tak.Markers

	// (optional) HQ makes this server a headquarters: its view of every
	// station is served under /api/v1/federation. Defaults to none (503).
	HQ *federation.HQ
	// (optional) NATSReady says whether the NATS connection of a station or
	// headquarters is up, for /readyz. Defaults to none (not checked).
	NATSReady func() error

	// (optional) Accounts checks logins, sessions and tokens. Defaults to
	// one over Store; without a Store every route that needs a login
	// answers 503.
	Accounts *auth.Accounts
	// (optional) MetricsOpen serves /metrics without a token (for a scraper
	// on a trusted network). Defaults to false: /metrics needs an admin.
	MetricsOpen bool
	// (optional) AllowHosts are host names (besides IP addresses, localhost
	// and Addr's host) that requests may name in their Host header.
	AllowHosts []string
	// (optional) TLSCert and TLSKey are PEM files; with both the server
	// speaks HTTPS only and session cookies are Secure.
	TLSCert, TLSKey string
	// (optional) WriteTimeout bounds writing an answer of a non-stream route.
	// Defaults to 60 s. ReadTimeout bounds reading a request (60 s),
	// IdleTimeout a kept-alive connection between requests (120 s).
	WriteTimeout, ReadTimeout, IdleTimeout time.Duration
	// (optional) ShutdownTimeout is how long Close waits for requests in
	// flight before it cuts their connections. Defaults to 5 s.
	ShutdownTimeout time.Duration

	accounts     *auth.Accounts
	ownAccounts  bool
	allowedHosts []string
	mux          *http.ServeMux
	ln           net.Listener
	srv          *http.Server
	ctx          context.Context
	cancel       context.CancelFunc
	wsConns      sync.WaitGroup
	done         chan struct{}
	once         sync.Once
	uploads      uploadDrain // plan uploads running, for shutdown (upload_drain.go)
	live         liveCounters
	fanout       liveFanout
	liveTicks    <-chan time.Time // (tests) drives the live fan-out instead of a ticker
	liveTicked   chan<- struct{}  // (tests) told when the fan-out has handed out a batch
	fedLive      fedLiveState     // the headquarters' stream (federation_live.go)
	layers       layerState       // stored layers and the border index (layers.go)
	monitor      *bordermonitor.Monitor
	dispatch     dispatchState // running "send a drone" routes (dispatch.go)
}

// Initialize starts listening and serving.
func (s *Server) Initialize() error {
	if s.Fleet == nil || s.Hub == nil {
		return errors.New("web: Fleet and Hub are required")
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		return errors.New("web: TLS needs both a certificate and a key (--tls-cert and --tls-key)")
	}
	if s.WriteTimeout <= 0 {
		s.WriteTimeout = 60 * time.Second
	}
	if s.ReadTimeout <= 0 {
		s.ReadTimeout = 60 * time.Second
	}
	if s.IdleTimeout <= 0 {
		s.IdleTimeout = 120 * time.Second
	}
	if s.ShutdownTimeout <= 0 {
		s.ShutdownTimeout = 5 * time.Second
	}
	s.accounts = s.Accounts
	if s.accounts == nil && s.Store != nil {
		s.accounts = &auth.Accounts{Store: s.Store}
		if err := s.accounts.Initialize(); err != nil {
			return err
		}
		s.ownAccounts = true
	}
	s.allowedHosts = nil
	for _, h := range append([]string{hostOnly(s.Addr)}, s.AllowHosts...) {
		if h = strings.ToLower(strings.TrimSuffix(h, ".")); h != "" {
			s.allowedHosts = append(s.allowedHosts, h)
		}
	}
	if err := s.checkBasemap(); err != nil {
		return err
	}
	if err := s.startBorderMonitor(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		s.stopBorderMonitor()
		return fmt.Errorf("web: listen on %s: %w (is another server running there? pick another --http address)", s.Addr, err)
	}
	s.ln = ln
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.uploads.init()
	s.srv = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.ReadTimeout,
		WriteTimeout:      s.WriteTimeout, // stream routes lift it (guard) and bound their own writes
		IdleTimeout:       s.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
	}
	s.done = make(chan struct{})
	s.fanout.clients = make(map[*liveClient]struct{})
	s.fanout.counters, s.fanout.logger = &s.live, s.Logger
	s.wsConns.Add(1)
	go s.runLive()
	go func() {
		defer close(s.done)
		var err error
		if s.TLSCert != "" {
			err = s.srv.ServeTLS(ln, s.TLSCert, s.TLSKey)
		} else {
			err = s.srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("web: serve", "err", err)
		}
	}()
	return nil
}

// URL is the address clients reach the server at.
func (s *Server) URL() string {
	if s.TLSCert != "" {
		return "https://" + s.ln.Addr().String()
	}
	return "http://" + s.ln.Addr().String()
}

// AccountsInUse is the Accounts the server checks credentials with (nil
// without a store): the CLI and tests create users and tokens through it.
func (s *Server) AccountsInUse() *auth.Accounts { return s.accounts }

// Close stops the server and its WebSocket streams. It is idempotent.
// answerFlushTimeout bounds the wait, at shutdown, for the answers of
// handlers that have returned to be written out.
const answerFlushTimeout = 2 * time.Second

func (s *Server) Close() {
	s.once.Do(func() {
		s.cancel() // ends WebSocket streams, which http.Server.Shutdown does not track
		s.uploads.close()
		ctx, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			// Uploads still running are cancelled and given another bound
			// to report it (upload_drain.go) to their clients.
			s.uploads.cancelAll()
			rctx, rcancel := context.WithTimeout(context.Background(), uploadReportTimeout)
			if !s.uploads.wait(rctx) {
				s.Logger.Warn("web: uploads still reporting their cancellation at shutdown")
			}
			rcancel()
			// An upload's handler has returned, but net/http writes the end
			// of its answer after that: a second graceful drain, briefly,
			// lets those answers reach their clients before the cut.
			fctx, fcancel := context.WithTimeout(context.Background(), answerFlushTimeout)
			err = s.srv.Shutdown(fctx)
			fcancel()
			if err != nil {
				// A request outlived the timeout (a stalled download): cut its
				// connection, which fails its next write and ends its handler.
				s.Logger.Warn("web: requests still running at shutdown; closing their connections", "err", err)
				_ = s.srv.Close()
			}
		}
		<-s.done
		s.wsConns.Wait()
		// An upload's record and audit entry go to the store, which closes
		// after the web server: wait until every upload has written them
		// (its read-back after cancelling is bounded by gcs).
		s.uploads.wait(context.Background())
		s.stopBorderMonitor()
	})
}

func (s *Server) routes() http.Handler {
	s.mux = http.NewServeMux()
	for _, rt := range s.routeTable() {
		s.mux.Handle(rt.pattern, s.guard(rt))
	}
	return s.harden(s.mux)
}

// apiError is the body of every API error.
type apiError struct {
	Error string `json:"error"`
}

// writeJSON encodes v before it writes anything, so that a value JSON cannot
// hold (a NaN that slipped past the decoder) answers 500 with the reason
// instead of 200 with an empty body: one bad vehicle once emptied the whole
// fleet list that way.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		encodeFailures.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		msg, _ := json.Marshal(apiError{Error: "the answer could not be encoded as JSON: " + err.Error()})
		_, _ = w.Write(append(msg, '\n'))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// encodeFailures counts answers that could not be encoded (in /metrics).
var encodeFailures atomic.Uint64

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
