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
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
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

	ln      net.Listener
	srv     *http.Server
	ctx     context.Context
	cancel  context.CancelFunc
	wsConns sync.WaitGroup
	done    chan struct{}
	once    sync.Once
	live    liveCounters
	fanout  liveFanout
	layers  layerState // stored layers and the border index (layers.go)
}

// Initialize starts listening and serving.
func (s *Server) Initialize() error {
	if s.Fleet == nil || s.Hub == nil {
		return errors.New("web: Fleet and Hub are required")
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("web: listen on %s: %w (is another server running there? pick another --http address)", s.Addr, err)
	}
	s.ln = ln
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.srv = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
	}
	s.done = make(chan struct{})
	s.fanout.clients = make(map[*liveClient]struct{})
	s.wsConns.Add(1)
	go s.runLive()
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("web: serve", "err", err)
		}
	}()
	return nil
}

// URL is the address clients reach the server at.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the server and its WebSocket streams. It is idempotent.
func (s *Server) Close() {
	s.once.Do(func() {
		s.cancel() // ends WebSocket streams, which http.Server.Shutdown does not track
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.srv.Shutdown(ctx)
		<-s.done
		s.wsConns.Wait()
	})
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		mux.Handle(rt.pattern, s.guard(rt))
	}
	return mux
}

// apiError is the body of every API error.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
