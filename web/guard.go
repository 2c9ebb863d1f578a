package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch/web/auth"
)

// The checks every request goes through. harden wraps the whole mux (host,
// path, security headers, cross-origin protection); guard wraps each route
// (credentials, permission, body type and size, WebSocket origin, audit).

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "bw_session"

// requestInfo travels in a request's context from guard to the handler.
type requestInfo struct {
	principal auth.Principal
	remote    string
	// audited is set when the handler wrote its own audit record(s), so the
	// generic one is not written too.
	audited atomic.Bool
}

type ctxKey struct{}

func infoOf(r *http.Request) *requestInfo {
	if ri, ok := r.Context().Value(ctxKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{remote: remoteHost(r)}
}

// remoteHost is the client's address without its port.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// stateChanging says whether a method may change something (and so is
// audited and checked for cross-origin use).
func stateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// guard wraps a route's handler with its checks, in this order:
//  1. a WebSocket upgrade must come from this server's own pages (403);
//  2. credentials (401 without or with bad ones) and the route's permission (403);
//  3. the body's media type (415) and size (413);
//  4. after the handler, an audit record of every state-changing request.
func (s *Server) guard(rt route) http.Handler {
	perm := rt.perm
	if rt.pattern == "GET /metrics" && s.MetricsOpen {
		perm = PermPublic // for a scraper on a trusted network (--metrics-open)
	}
	maxBody := rt.maxBody
	if maxBody <= 0 {
		maxBody = defaultMaxBody
	}
	types := rt.bodyTypes
	if len(types) == 0 {
		types = []string{"application/json"}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.stream {
			// The stream bounds each of its writes itself.
			_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
		}
		if isWebSocket(r) && !sameOrigin(r) {
			writeError(w, http.StatusForbidden, fmt.Sprintf("WebSocket upgrade from origin %q refused: only this server's own pages may open its streams", r.Header.Get("Origin")))
			return
		}
		ri := &requestInfo{remote: remoteHost(r)}
		if perm != PermPublic {
			p, err := s.principalOf(r)
			if err != nil {
				s.refuseAuth(w, r, err)
				return
			}
			if !p.Can(perm) {
				writeError(w, http.StatusForbidden, fmt.Sprintf("user %q (role %s) may not do this: it needs the %q permission", p.User, p.Role, perm))
				return
			}
			ri.principal = p
		}
		if hasBody(r) {
			if r.ContentLength > maxBody {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body of %d bytes is larger than this endpoint's limit of %d bytes", r.ContentLength, maxBody))
				return
			}
			mt, err := "", error(nil)
			if ct := r.Header.Get("Content-Type"); ct != "" {
				mt, _, err = mime.ParseMediaType(ct)
			}
			if err != nil || !containsStr(types, mt) {
				writeError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("request body has Content-Type %q; this endpoint takes %s", r.Header.Get("Content-Type"), strings.Join(slices.DeleteFunc(slices.Clone(types), func(t string) bool { return t == "" }), " or ")))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri))
		if !stateChanging(r.Method) || ri.principal.User == "" {
			rt.handler.ServeHTTP(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		rt.handler.ServeHTTP(sw, r)
		if !ri.audited.Load() {
			s.auditRequest(r, rt.pattern, sw)
		}
	})
}

// hasBody says whether a request carries a body (chunked ones have length -1).
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// authenticate finds who made a request: a Bearer token, else the session
// cookie.
func (s *Server) authenticate(r *http.Request) (auth.Principal, error) {
	if s.accounts == nil {
		return auth.Principal{}, errNoAccounts
	}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return auth.Principal{}, fmt.Errorf("%w: the Authorization header must be \"Bearer TOKEN\"", auth.ErrBadCredentials)
		}
		return s.accounts.Token(strings.TrimSpace(tok))
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return s.accounts.Session(c.Value)
	}
	return auth.Principal{}, auth.ErrNoCredentials
}

var errNoAccounts = errors.New("this server has no store, so no accounts: start it with --data FILE")

// refuseAuth answers a request whose credentials failed.
func (s *Server) refuseAuth(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errNoAccounts):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	case errors.Is(err, auth.ErrNoCredentials), errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrExpired):
		if _, cerr := r.Cookie(SessionCookie); cerr == nil && r.Header.Get("Authorization") == "" {
			s.clearSessionCookie(w, r) // the browser's session is over
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="borderwatch"`)
		msg := "log in first (POST /api/v1/session) or send Authorization: Bearer TOKEN"
		if !errors.Is(err, auth.ErrNoCredentials) {
			msg = strings.TrimPrefix(err.Error(), "auth: ")
		}
		writeError(w, http.StatusUnauthorized, msg)
	default:
		s.Logger.Error("web: checking credentials", "err", err)
		writeError(w, http.StatusInternalServerError, "checking credentials failed: "+err.Error())
	}
}

func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// sameOrigin says whether a request's Origin (if any) is this server: a
// browser always sends it on a WebSocket upgrade, and a page of another site
// must not open a stream with the user's cookie. Clients that are not
// browsers send none and authenticate with a token.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// statusWriter remembers the status and the start of an error answer for
// the audit record.
type statusWriter struct {
	http.ResponseWriter
	status int
	errBuf bytes.Buffer
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 && w.errBuf.Len() < 300 {
		w.errBuf.Write(p[:min(len(p), 300-w.errBuf.Len())])
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// harden wraps the whole mux with the checks that do not depend on the
// route: security headers, the Host check (DNS rebinding), clean paths, JSON
// 404 and 405 answers, and cross-origin protection of state-changing requests.
func (s *Server) harden(mux *http.ServeMux) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "cross-origin request refused: a state-changing request must come from this server's own pages (or from a script without a browser's Origin)")
	}))
	inner := cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			s.notFoundOrNotAllowed(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		if !s.hostAllowed(r.Host) {
			writeError(w, http.StatusForbidden, fmt.Sprintf("this server does not answer to the host name %q (a DNS-rebinding defence); start it with --allow-host %s if that name is right", hostOnly(r.Host), hostOnly(r.Host)))
			return
		}
		if !cleanPath(r.URL.Path) {
			writeError(w, http.StatusNotFound, "no such path: "+r.URL.Path)
			return
		}
		inner.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy: scripts only from this server, never inline, so a
// text that slipped into the page as HTML cannot run. Styles may be inline
// (Leaflet positions its panes with style attributes).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// cleanPath refuses paths with "..", "." or empty segments rather than
// redirecting them: nothing of ours lives there.
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// notFoundOrNotAllowed answers what the mux would with 404 or 405, as JSON.
func (s *Server) notFoundOrNotAllowed(w http.ResponseWriter, r *http.Request) {
	if allow := s.allowedMethods(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		return
	}
	writeError(w, http.StatusNotFound, "no such path: "+r.URL.Path)
}

// handleAPINotFound answers API paths no route matches.
func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	s.notFoundOrNotAllowed(w, r)
}

// allowedMethods lists the methods some route other than the catch-alls
// serves at r's path.
func (s *Server) allowedMethods(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, p := s.mux.Handler(r2); p != "" && p != "/api/" {
			out = append(out, m)
		}
	}
	return out
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

// hostAllowed is the DNS-rebinding defence: a page of another site whose
// name was re-pointed at this address sends its own name as Host. IP
// addresses and loopback names cannot be re-pointed, so they are always
// allowed; any other name must be configured (--allow-host, or --http's).
func (s *Server) hostAllowed(hostport string) bool {
	h := strings.ToLower(strings.TrimSuffix(hostOnly(hostport), "."))
	if h == "" {
		return false // HTTP/1.1 requires Host
	}
	if net.ParseIP(h) != nil || h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	for _, a := range s.allowedHosts {
		if h == a {
			return true
		}
	}
	return false
}
