package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/borderwatch/borderwatch/web/auth"
)

// Admin endpoints for users and API tokens. The logic (names, roles,
// password rules, the last admin) is in web/auth, shared with the CLI.

// UserRequest creates a user (POST /api/v1/users) or changes one (PATCH
// /api/v1/users/{name}: role and/or password).
type UserRequest struct {
	Name     string    `json:"name,omitempty"`
	Role     auth.Role `json:"role,omitempty"`
	Password string    `json:"password,omitempty"`
}

// TokenRequest creates a token (POST /api/v1/tokens). Expires is a Go
// duration ("720h"); empty or "0" makes a token that does not expire.
type TokenRequest struct {
	User    string `json:"user"`
	Expires string `json:"expires,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// TokenCreated answers POST /api/v1/tokens: the only time the token is shown.
type TokenCreated struct {
	Token string `json:"token"`
	auth.TokenInfo
}

const maxAccountBody = 4 << 10

// authStatus maps web/auth errors to HTTP statuses.
func authStatus(err error) int {
	switch {
	case errors.Is(err, auth.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, auth.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, auth.ErrExists), errors.Is(err, auth.ErrLastAdmin):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// accountResult answers an account change and audits it.
func (s *Server) accountResult(w http.ResponseWriter, r *http.Request, action, detail string, status int, out any, err error) {
	s.audit(r, 0, action, detail, err)
	if err != nil {
		writeError(w, authStatus(err), err.Error())
		return
	}
	writeJSON(w, status, out)
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.accounts.Users()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "listing users: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, us)
}

func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.accounts.User(r.PathValue("name"))
	if err != nil {
		writeError(w, authStatus(err), err.Error())
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) handleUserAdd(w http.ResponseWriter, r *http.Request) {
	var req UserRequest
	if !decodeBody(w, r, maxAccountBody, &req) {
		return
	}
	u, err := s.accounts.AddUser(req.Name, req.Role, req.Password)
	s.accountResult(w, r, "user_add", fmt.Sprintf("name=%s role=%s", auditName(req.Name), auditName(string(req.Role))), http.StatusCreated, u, err)
}

func (s *Server) handleUserChange(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var req UserRequest
	if !decodeBody(w, r, maxAccountBody, &req) {
		return
	}
	if req.Name != "" && req.Name != name {
		writeError(w, http.StatusBadRequest, "a user cannot be renamed; create a new user and remove this one")
		return
	}
	if req.Role == "" && req.Password == "" {
		writeError(w, http.StatusBadRequest, `give "role" and/or "password" to change`)
		return
	}
	// Check both before changing either, so a bad role does not leave a
	// changed password behind.
	if req.Role != "" {
		if _, err := auth.ParseRole(string(req.Role)); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if req.Password != "" {
		if err := auth.CheckPassword(req.Password); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	detail := "name=" + auditName(name)
	var err error
	if req.Password != "" {
		detail += " password reset"
		err = s.accounts.SetPassword(name, req.Password)
	}
	if err == nil && req.Role != "" {
		detail += " role=" + string(req.Role)
		_, err = s.accounts.SetRole(name, req.Role)
	}
	var u auth.UserInfo
	if err == nil {
		u, err = s.accounts.User(name)
	}
	s.accountResult(w, r, "user_change", detail, http.StatusOK, u, err)
}

func (s *Server) handleUserRemove(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := s.accounts.RemoveUser(name)
	s.accountResult(w, r, "user_remove", "name="+auditName(name), http.StatusOK, map[string]string{"removed": name}, err)
}

func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.accounts.Tokens(r.URL.Query().Get("user"))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "listing tokens: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, ts)
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	var req TokenRequest
	if !decodeBody(w, r, maxAccountBody, &req) {
		return
	}
	detail := fmt.Sprintf("user=%s expires=%s", auditName(req.User), auditName(req.Expires))
	ttl, err := auth.ParseTTL(req.Expires)
	if err != nil {
		s.accountResult(w, r, "token_create", detail, 0, nil, err)
		return
	}
	secret, info, err := s.accounts.CreateToken(req.User, ttl, req.Comment)
	if err == nil {
		detail += " id=" + info.ID
	}
	s.accountResult(w, r, "token_create", detail, http.StatusCreated, TokenCreated{Token: secret, TokenInfo: info}, err)
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	info, err := s.accounts.RevokeToken(id)
	s.accountResult(w, r, "token_revoke", "id="+auditName(id), http.StatusOK, info, err)
}
