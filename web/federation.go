package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/federation"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/web/auth"
)

// Federation (package federation): a headquarters' view of every station,
// and a station running the requests a headquarters forwards. The logic is
// in federation; these handlers parse, call and present.

// errNotHQ answers the headquarters routes on a server that is not one.
const errNotHQ = "this server is not a headquarters (serve --hq --nats URL)"

func (s *Server) hqOr503(w http.ResponseWriter) *federation.HQ {
	if s.HQ == nil {
		writeError(w, http.StatusServiceUnavailable, errNotHQ)
	}
	return s.HQ
}

// fedList answers one of the headquarters' lists (503 elsewhere).
func (s *Server) fedList(list func(*federation.HQ) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if hq := s.hqOr503(w); hq != nil {
			writeJSON(w, http.StatusOK, list(hq))
		}
	}
}

// stationVehicle reads a headquarters route's {station} and {id}, answering
// 400 when either is not one.
func stationVehicle(w http.ResponseWriter, r *http.Request) (string, telemetry.VehicleID, bool) {
	station := r.PathValue("station")
	if err := federation.CheckName("station", station); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return "", 0, false
	}
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 32)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("vehicle id %q is not a station's vehicle id (a number)", r.PathValue("id")))
		return "", 0, false
	}
	return station, telemetry.VehicleID(id), true
}

// handleFedForward sends a command or a plan transfer to a station's
// vehicle: /api/v1/federation/stations/{station}/vehicles/{id}/REST becomes
// the station's /api/v1/vehicles/{id}/REST, run there with this user's name
// and role. Both audit trails record it.
func (s *Server) handleFedForward(w http.ResponseWriter, r *http.Request) {
	hq := s.hqOr503(w)
	if hq == nil {
		return
	}
	station, vid, ok := stationVehicle(w, r)
	if !ok {
		return
	}
	id := strconv.FormatUint(uint64(vid), 10)
	var body []byte
	if hasBody(r) {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "reading the request body: "+err.Error())
			return
		}
	}
	suffix := "commands"
	if strings.HasSuffix(r.Pattern, "/plan") {
		suffix = "plan"
	}
	path := "/api/v1/vehicles/" + id + "/" + suffix
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	p := infoOf(r).principal
	ctx, cancel := context.WithTimeout(r.Context(), commandTimeout+10*time.Second)
	defer cancel()
	rep, err := hq.Forward(ctx, station, federation.Forwarded{User: p.User, Role: string(p.Role), Method: r.Method, Path: path, ContentType: r.Header.Get("Content-Type"), Body: body})
	detail := fmt.Sprintf("forwarded to station %s: %s %s", station, r.Method, path)
	if len(body) > 0 && len(body) <= 1024 && r.Header.Get("Content-Type") == "application/json" {
		detail += " " + string(body)
	}
	result := "ok"
	switch {
	case err != nil:
		result = "error: " + err.Error()
	case rep.Status >= 400:
		result = fmt.Sprintf("error %d: %s", rep.Status, bytes.TrimSpace(rep.Body))
	}
	s.recordAs(r, "", 0, "forward", detail, result)
	if err != nil {
		writeError(w, http.StatusBadGateway, err.Error())
		return
	}
	if rep.ContentType != "" {
		w.Header().Set("Content-Type", rep.ContentType)
	}
	w.WriteHeader(rep.Status)
	_, _ = w.Write(rep.Body)
}

// forwardedKey carries the identity a headquarters vouches for, for a
// request ServeForwarded makes in-process (never from an HTTP client).
type forwardedKey struct{}

// principalOf is who made a request: the HQ user of a forwarded request,
// else the request's credentials.
func (s *Server) principalOf(r *http.Request) (auth.Principal, error) {
	if f, ok := r.Context().Value(forwardedKey{}).(federation.Forwarded); ok {
		role, err := auth.ParseRole(f.Role)
		if err != nil {
			return auth.Principal{}, fmt.Errorf("%w: headquarters %s sent %v", auth.ErrBadCredentials, f.HQ, err)
		}
		// A name of its own: an HQ user is not the station's user of the
		// same name, and the audit trail says where the request came from.
		return auth.Principal{User: f.User + "@hq:" + f.HQ, Role: role, Via: "hq"}, nil
	}
	return s.authenticate(r)
}

// ServeForwarded runs a request a headquarters forwarded (federation.Executor)
// through this server's own route table: the route's permission is checked
// against the HQ user's role, and the audit record names the user as
// USER@hq:HQ from "hq:HQ", exactly as for a local operator otherwise.
func (s *Server) ServeForwarded(ctx context.Context, f federation.Forwarded) federation.Reply {
	u, err := url.Parse(f.Path)
	if err != nil {
		return federation.Reply{Status: http.StatusBadRequest, Body: []byte(`{"error":"bad path"}`)}
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, forwardedKey{}, f), f.Method, u.String(), bytes.NewReader(f.Body))
	if err != nil {
		return federation.Reply{Status: http.StatusBadRequest, Body: []byte(`{"error":"bad request"}`)}
	}
	// The audit record's remote: "hq:NAME" (remoteHost takes the host part).
	req.RemoteAddr = net.JoinHostPort("hq:"+f.HQ, "0")
	req.Host = "localhost"
	if f.ContentType != "" {
		req.Header.Set("Content-Type", f.ContentType)
	}
	// Handler only finds the route (it sets no path values); the mux then
	// serves the request through that route's guard.
	if _, pattern := s.mux.Handler(req); !slices.Contains(federation.ForwardRoutes, pattern) {
		return federation.Reply{Status: http.StatusForbidden, Body: []byte(`{"error":"not a route a headquarters may call"}`)}
	}
	rec := &replyWriter{header: http.Header{}}
	s.mux.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return federation.Reply{Status: rec.status, ContentType: rec.header.Get("Content-Type"), Body: rec.body.Bytes()}
}

// replyWriter keeps an answer to send back over NATS.
type replyWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *replyWriter) Header() http.Header { return w.header }
func (w *replyWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *replyWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
