package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// The security tests walk the route table: every route is checked for what
// every route must do, so a route added later is covered without a new test.

// secServer is a server with a store and a token for each role.
type secServer struct {
	*Server
	tokens map[auth.Role]string
}

func newSecServer(t testing.TB) secServer {
	t.Helper()
	hub := &telemetry.Hub{}
	fleet := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub}
	if err := fleet.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	st := storetest.MustOpen(t)
	accounts := &auth.Accounts{Store: st, BcryptCost: bcrypt.MinCost}
	if err := accounts.Initialize(); err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: "127.0.0.1:0", Fleet: fleet, Hub: hub, Store: st, Accounts: accounts}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ss := secServer{Server: s, tokens: map[auth.Role]string{}}
	for _, r := range auth.Roles {
		ss.tokens[r] = authtest.Token(t, accounts, r)
	}
	return ss
}

// routeMethod and routePath split a pattern; catch-alls have no method.
func routeMethod(rt route) string {
	m, _, ok := strings.Cut(rt.pattern, " ")
	if !ok {
		return ""
	}
	return m
}

// routeURL is a concrete path for a pattern: wildcards become "1".
func routeURL(rt route) string {
	_, p, ok := strings.Cut(rt.pattern, " ")
	if !ok {
		p = rt.pattern
	}
	var segs []string
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, "{") {
			seg = "1"
		}
		segs = append(segs, seg)
	}
	return strings.Join(segs, "/")
}

type reqOpt func(*http.Request)

func withToken(tok string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func withHeader(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

// do sends a request to the server and returns status, headers and body.
func (s secServer) do(t *testing.T, method, path string, body io.Reader, opts ...reqOpt) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(req)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, data
}

// jsonError says whether an answer is a JSON error with a message.
func jsonError(data []byte) bool {
	var e apiError
	return json.Unmarshal(data, &e) == nil && e.Error != ""
}

// No route is registered on the mux outside the route table: the only
// Handle call in the package's code is the loop in routes().
func TestRoutes_OnlyTheTableRegistersOnTheMux(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var calls []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && slices.Contains([]string{"Handle", "HandleFunc"}, sel.Sel.Name) {
				calls = append(calls, fset.Position(call.Pos()).String())
			}
			return true
		})
	}
	if len(calls) != 1 || !strings.HasPrefix(calls[0], "server.go:") {
		t.Fatalf("routes registered outside the route table's loop in routes(): %v", calls)
	}
	// And every row of the table is what the mux serves at its path.
	s := newSecServer(t)
	for _, rt := range s.routeTable() {
		method := routeMethod(rt)
		if method == "" {
			method = http.MethodGet
		}
		req, _ := http.NewRequest(method, "http://127.0.0.1"+routeURL(rt), nil)
		if _, p := s.mux.Handler(req); p != rt.pattern && !(rt.pattern == "/api/" || rt.pattern == "/") {
			t.Errorf("%s: the mux serves %q there", rt.pattern, p)
		}
	}
}

// Every route that needs a permission answers 401 without credentials, and
// 401 with a wrong token or a wrong Authorization scheme.
func TestRoutes_NoCredentials_401(t *testing.T) {
	s := newSecServer(t)
	for _, rt := range s.routeTable() {
		if rt.perm == PermPublic {
			continue
		}
		for name, opts := range map[string][]reqOpt{
			"none":        nil,
			"wrong token": {withToken("bwt_not-a-token")},
			"basic auth":  {withHeader("Authorization", "Basic YWRtaW46YWRtaW4=")},
			"bad cookie":  {withHeader("Cookie", SessionCookie+"=bws_forged")},
		} {
			code, h, body := s.do(t, routeMethod(rt), routeURL(rt), nil, opts...)
			if code != http.StatusUnauthorized || !jsonError(body) || h.Get("WWW-Authenticate") == "" {
				t.Errorf("%s with %s credentials: %d %s, want 401 with a JSON error", rt.pattern, name, code, body)
			}
		}
	}
}

// Every route answers 403 to a role without its permission.
func TestRoutes_WrongRole_403(t *testing.T) {
	s := newSecServer(t)
	checked := 0
	for _, rt := range s.routeTable() {
		for _, role := range auth.Roles {
			if role.Can(rt.perm) {
				continue
			}
			checked++
			code, _, body := s.do(t, routeMethod(rt), routeURL(rt), nil, withToken(s.tokens[role]))
			if code != http.StatusForbidden || !jsonError(body) {
				t.Errorf("%s as %s: %d %s, want 403", rt.pattern, role, code, body)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d route/role pairs checked", checked)
	}
}

// A form that another site posts (with the user's cookie) is refused on
// every state-changing route, before it reaches the handler.
func TestRoutes_CrossSiteFormPost_403(t *testing.T) {
	s := newSecServer(t)
	name, pw := authtest.User(t, s.accounts, auth.RoleAdmin)
	secret, _, err := s.accounts.Login(name, pw, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	usersBefore, _ := s.accounts.Users()
	for _, rt := range s.routeTable() {
		m := routeMethod(rt)
		if m == "" || !stateChanging(m) {
			continue
		}
		for _, hdr := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "http://evil.example"}} {
			code, _, body := s.do(t, m, routeURL(rt), strings.NewReader("command=disarm&force=true&name=x&role=admin&password=p"),
				withHeader("Content-Type", "application/x-www-form-urlencoded"), withHeader("Cookie", SessionCookie+"="+secret), withHeader(hdr[0], hdr[1]))
			if code != http.StatusForbidden || !jsonError(body) {
				t.Errorf("%s cross-site (%s): %d %s, want 403", rt.pattern, hdr[0], code, body)
			}
		}
	}
	if usersAfter, _ := s.accounts.Users(); len(usersAfter) != len(usersBefore) {
		t.Fatalf("users changed by refused requests: %d → %d", len(usersBefore), len(usersAfter))
	}
}

// A JSON body sent as text/plain (what a cross-site page can send without a
// preflight) is refused with 415 on every route that takes JSON only.
func TestRoutes_JSONAsTextPlain_415(t *testing.T) {
	s := newSecServer(t)
	checked := 0
	for _, rt := range s.routeTable() {
		m := routeMethod(rt)
		if m == "" || !stateChanging(m) || slices.Contains(rt.bodyTypes, "text/plain") {
			continue // plan files may be QGC WPL text, which is text/plain
		}
		checked++
		code, _, body := s.do(t, m, routeURL(rt), strings.NewReader(`{"command":"disarm","force":true}`),
			withHeader("Content-Type", "text/plain"), withToken(s.tokens[auth.RoleAdmin]))
		if code != http.StatusUnsupportedMediaType || !jsonError(body) {
			t.Errorf("%s with text/plain: %d %s, want 415", rt.pattern, code, body)
		}
	}
	if checked < 10 {
		t.Fatalf("only %d routes checked", checked)
	}
}

// A 20 MB body is refused with 413 on every route, before it is read.
func TestRoutes_20MBBody_413(t *testing.T) {
	s := newSecServer(t)
	big := bytes.Repeat([]byte(" "), 20_000_000)
	for _, rt := range s.routeTable() {
		m := routeMethod(rt)
		if m == "" {
			m = http.MethodPost
		}
		if !stateChanging(m) {
			continue
		}
		code, _, body := s.do(t, m, routeURL(rt), bytes.NewReader(big),
			withHeader("Content-Type", "application/json"), withToken(s.tokens[auth.RoleAdmin]))
		if code != http.StatusRequestEntityTooLarge || !jsonError(body) {
			t.Errorf("%s with 20 MB: %d %.200s, want 413", rt.pattern, code, body)
		}
	}
	// Also when the size is not announced (chunked): the handler's reader stops at the limit.
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/api/v1/commands", io.MultiReader(bytes.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.tokens[auth.RoleAdmin])
	req.ContentLength = -1
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked 20 MB command: %d, want 413", res.StatusCode)
	}
}

// A WebSocket upgrade from a foreign page is refused on every stream route;
// from the server's own page it is accepted.
func TestRoutes_WebSocketForeignOrigin_403(t *testing.T) {
	s := newSecServer(t)
	checked := 0
	for _, rt := range s.routeTable() {
		if !strings.Contains(rt.pattern, " /ws/") {
			continue
		}
		checked++
		for _, origin := range []string{"http://evil.example", s.URL()} {
			conn, err := net.Dial("tcp", s.ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"+
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: %s\r\nAuthorization: Bearer %s\r\n\r\n",
				routeURL(rt), s.ln.Addr(), origin, s.tokens[auth.RoleAdmin])
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			// From its own page the origin check passes (/ws/replay then
			// wants its query, /ws/live upgrades, /ws/federation answers 503
			// on a server that is not a headquarters).
			if foreign := origin != s.URL(); (res.StatusCode == http.StatusForbidden) != foreign {
				t.Errorf("%s from %s: %d", rt.pattern, origin, res.StatusCode)
			}
			conn.Close()
		}
	}
	if checked != 3 {
		t.Fatalf("%d WebSocket routes checked, want 3", checked)
	}
}

// Paths that climb out (/../../etc/passwd) are not served, unknown API paths
// and wrong methods answer JSON errors, and no other host name is answered.
func TestServer_PathsMethodsHosts(t *testing.T) {
	s := newSecServer(t)
	for _, p := range []string{"/../../etc/passwd", "/api/v1/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd"} {
		conn, err := net.Dial("tcp", s.ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", p)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		conn.Close()
		if res.StatusCode != http.StatusNotFound || !jsonError(body) || strings.Contains(string(body), "root:") {
			t.Errorf("GET %s: %d %s, want a 404 JSON error", p, res.StatusCode, body)
		}
	}
	admin := withToken(s.tokens[auth.RoleAdmin])
	if code, _, body := s.do(t, "GET", "/api/v1/nothing", nil, admin); code != 404 || !jsonError(body) {
		t.Errorf("unknown API path: %d %s", code, body)
	}
	if code, h, body := s.do(t, "DELETE", "/api/v1/vehicles", nil, admin); code != 405 || !jsonError(body) || h.Get("Allow") != "GET, HEAD" {
		t.Errorf("wrong method: %d %q %s", code, h.Get("Allow"), body)
	}
	if code, h, body := s.do(t, "POST", "/index.html", nil, admin); code != 405 || !jsonError(body) || h.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST to the UI: %d %q %s", code, h.Get("Allow"), body)
	}
	// DNS rebinding: a page of another name re-pointed at this address.
	if code, _, body := s.do(t, "GET", "/api/v1/vehicles", nil, admin, func(r *http.Request) { r.Host = "evil.example" }); code != 403 || !strings.Contains(string(body), "--allow-host") {
		t.Errorf("foreign Host: %d %s", code, body)
	}
	if code, _, _ := s.do(t, "GET", "/healthz", nil, func(r *http.Request) { r.Host = "localhost:8080" }); code != 200 {
		t.Errorf("localhost: %d", code)
	}
}

// Every answer, page or API, carries the security headers; the CSP allows
// no inline script.
func TestServer_SecurityHeaders(t *testing.T) {
	s := newSecServer(t)
	for _, p := range []string{"/", "/healthz", "/api/v1/vehicles", "/api/v1/nothing"} {
		_, h, _ := s.do(t, "GET", p, nil)
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", p, h)
		}
	}
}

// /metrics needs an admin unless the server was started with --metrics-open.
func TestMetrics_NeedsTokenUnlessOpen(t *testing.T) {
	s := newSecServer(t)
	if code, _, _ := s.do(t, "GET", "/metrics", nil); code != 401 {
		t.Fatalf("/metrics without a token: %d", code)
	}
	if code, _, _ := s.do(t, "GET", "/metrics", nil, withToken(s.tokens[auth.RoleAdmin])); code != 200 {
		t.Fatalf("/metrics with an admin token: %d", code)
	}
	open := &Server{Addr: "127.0.0.1:0", Fleet: s.Fleet, Hub: s.Hub, MetricsOpen: true}
	if err := open.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	res, err := http.Get(open.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("/metrics with MetricsOpen: %d", res.StatusCode)
	}
}
