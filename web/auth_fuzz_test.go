package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/borderwatch/borderwatch/web/auth"
)

// accountState is everything an account request can change.
func accountState(t *testing.T, s secServer) string {
	t.Helper()
	us, err1 := s.Store.Users()
	ts, err2 := s.Store.Tokens()
	ss, err3 := s.Store.Sessions()
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatal(err1, err2, err3)
	}
	b, _ := json.Marshal([]any{us, ts, ss})
	return string(b)
}

// FuzzAccountBodies sends arbitrary bodies to every endpoint that reads an
// account body: login, user add, user change, token create. Whatever the
// body: the answer is JSON and never a 5xx; a refused body changes nothing
// in the store (users, password hashes, roles, tokens, sessions); an
// accepted one did what it answered.
func FuzzAccountBodies(f *testing.F) {
	for _, seed := range []string{
		`{"user":"test-admin","password":"x"}`,
		`{"name":"test-operator","password":"wrong"}`,
		`{"user":"a","name":"b","password":"p"}`,
		`{"name":"bob","role":"operator","password":"bob's password"}`,
		`{"name":"../x","role":"admin","password":"long enough"}`,
		`{"name":"eve","role":"root","password":"long enough"}`,
		`{"role":"supervisor"}`,
		`{"password":"short"}`,
		`{"password":"a new password","role":"nobody"}`,
		`{"user":"test-admin","expires":"720h","comment":"ci"}`,
		`{"user":"test-admin","expires":"-1h"}`,
		`{"user":"nobody","expires":"1h"}`,
		`{"user":"test-admin","expires":"1h"}{"x":1}`,
		``, `null`, `[]`, `{"unknown":1}`, `{"password":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}`,
	} {
		for ep := 0; ep < 4; ep++ {
			f.Add(uint8(ep), []byte(seed))
		}
	}
	s := newSecServer(f)
	h := s.srv.Handler
	endpoints := []struct{ method, path string }{
		{http.MethodPost, "/api/v1/session"},
		{http.MethodPost, "/api/v1/users"},
		{http.MethodPatch, "/api/v1/users/test-operator"},
		{http.MethodPost, "/api/v1/tokens"},
	}
	f.Fuzz(func(t *testing.T, ep uint8, body []byte) {
		e := endpoints[int(ep)%len(endpoints)]
		before := accountState(t, s)
		req := httptest.NewRequest(e.method, e.path, bytes.NewReader(body))
		req.Host = "127.0.0.1"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.tokens[auth.RoleAdmin])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 || !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s with %q: %d %q", e.method, e.path, body, rec.Code, rec.Body.Bytes())
		}
		after := accountState(t, s)
		if rec.Code >= 400 {
			if after != before {
				t.Fatalf("%s %s with %q was refused (%d %s) but changed the store", e.method, e.path, body, rec.Code, rec.Body.Bytes())
			}
			return
		}
		// Accepted: what it answered is true.
		switch e.path {
		case "/api/v1/session":
			var info SessionInfo
			ck := rec.Result().Cookies()
			if json.Unmarshal(rec.Body.Bytes(), &info) != nil || len(ck) != 1 {
				t.Fatalf("login answer %s", rec.Body.Bytes())
			}
			if p, err := s.accounts.Session(ck[0].Value); err != nil || p.User != info.User {
				t.Fatalf("the session of a login does not work: %v", err)
			}
		case "/api/v1/users", "/api/v1/users/test-operator":
			var u auth.UserInfo
			if json.Unmarshal(rec.Body.Bytes(), &u) != nil {
				t.Fatalf("user answer %s", rec.Body.Bytes())
			}
			if got, err := s.accounts.User(u.Name); err != nil || got.Role != u.Role {
				t.Fatalf("answered %+v, stored %+v %v", u, got, err)
			}
		case "/api/v1/tokens":
			var tc TokenCreated
			if json.Unmarshal(rec.Body.Bytes(), &tc) != nil {
				t.Fatalf("token answer %s", rec.Body.Bytes())
			}
			if p, err := s.accounts.Token(tc.Token); err != nil || p.User != tc.User {
				t.Fatalf("the created token does not work: %v", err)
			}
		}
	})
}
