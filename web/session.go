package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/web/auth"
)

// Browser sessions: log in, who am I, log out. The logic is in web/auth;
// these handlers only read the body, set the cookie and audit.

// LoginRequest is the body of POST /api/v1/session.
type LoginRequest struct {
	User string `json:"user"`
	// Name is another name for User (the UI's state calls the user's name "name").
	Name     string `json:"name,omitempty"`
	Password string `json:"password"`
}

// SessionInfo answers a login and GET /api/v1/session: who is logged in and
// what they may do (the UI shows its tabs from Permissions).
type SessionInfo struct {
	User string `json:"user"`
	// Name is User again, for the UI's user signal ({name, role, permissions}).
	Name        string            `json:"name"`
	Role        auth.Role         `json:"role"`
	Permissions []auth.Permission `json:"permissions"`
	// Via is "session" (a browser cookie) or "token".
	Via string `json:"via"`
}

func sessionInfo(p auth.Principal) SessionInfo {
	return SessionInfo{User: p.User, Name: p.User, Role: p.Role, Permissions: p.Role.Permissions(), Via: p.Via}
}

const maxLoginBody = 4 << 10

// auditName bounds a user name that came from outside before it is recorded.
func auditName(name string) string {
	if len(name) > 64 {
		name = name[:64] + "…"
	}
	return strconv.QuoteToASCII(name)[1 : len(strconv.QuoteToASCII(name))-1]
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if s.accounts == nil {
		writeError(w, http.StatusServiceUnavailable, errNoAccounts.Error())
		return
	}
	var req LoginRequest
	if !decodeBody(w, r, maxLoginBody, &req) {
		return
	}
	if req.User == "" {
		req.User = req.Name
	} else if req.Name != "" && req.Name != req.User {
		writeError(w, http.StatusBadRequest, `"user" and "name" differ; send one of them`)
		return
	}
	secret, p, err := s.accounts.Login(req.User, req.Password, infoOf(r).remote)
	who := auditName(req.User)
	switch {
	case errors.Is(err, auth.ErrRateLimited):
		s.recordAs(r, who, 0, "login_refused", "rate limited", "refused: too many failed logins")
		w.Header().Set("Retry-After", strconv.Itoa(int(s.accounts.LoginWindow/time.Second)))
		writeError(w, http.StatusTooManyRequests, "too many failed logins for this user or from this address: "+strings.TrimPrefix(err.Error(), auth.ErrRateLimited.Error()+": "))
		return
	case errors.Is(err, auth.ErrBadCredentials):
		s.recordAs(r, who, 0, "login_failed", "", "refused: wrong user name or password")
		writeError(w, http.StatusUnauthorized, "wrong user name or password")
		return
	case err != nil:
		s.recordAs(r, who, 0, "login_failed", "", "error: "+err.Error())
		writeError(w, http.StatusInternalServerError, "logging in failed: "+err.Error())
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: secret, Path: "/",
		MaxAge:   int(s.accounts.SessionMaxAge() / time.Second),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(r),
	})
	s.recordAs(r, p.User, 0, "login", "role "+string(p.Role), "ok")
	writeJSON(w, http.StatusOK, sessionInfo(p))
}

// secure says whether cookies must be Secure: under TLS.
func (s *Server) secure(r *http.Request) bool { return r.TLS != nil || s.TLSCert != "" }

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(r)})
}

func (s *Server) handleWhoAmI(w http.ResponseWriter, r *http.Request) {
	p, err := s.authenticate(r)
	if err != nil {
		s.refuseAuth(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sessionInfo(p))
}

// handleLogout ends the browser's session. Logging out when not logged in
// (an expired session, a second click) is not an error: the cookie is
// cleared either way.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	p, err := s.authenticate(r)
	s.clearSessionCookie(w, r)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"logged_out": false, "reason": "not logged in"})
		return
	}
	if p.Via != "session" {
		writeError(w, http.StatusBadRequest, "this request authenticated with a token; tokens end by revocation (DELETE /api/v1/tokens/{id}), not logout")
		return
	}
	if err := s.accounts.Logout(p); err != nil {
		s.recordAs(r, p.User, 0, "logout", "", "error: "+err.Error())
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("ending the session failed: %v", err))
		return
	}
	s.recordAs(r, p.User, 0, "logout", "", "ok")
	writeJSON(w, http.StatusOK, map[string]any{"logged_out": true})
}
