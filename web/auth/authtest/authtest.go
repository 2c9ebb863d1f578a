// Package authtest lets tests talk to a Borderwatch server that requires a
// login: it creates a user of a role with a token through the server's own
// Accounts (the code the CLI and the HTTP API use), and gives clients that
// send the token.
package authtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"

	"github.com/borderwatch/borderwatch/web/auth"
)

// UserName is the name Token gives the user of a role.
func UserName(role auth.Role) string { return "test-" + string(role) }

// Password makes a random password (tests log in with it; it is never
// printed).
func Password() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// User creates the user "test-ROLE" with a random password (once per
// Accounts) and returns its name and password.
func User(t testing.TB, a *auth.Accounts, role auth.Role) (name, password string) {
	t.Helper()
	if a == nil {
		t.Fatal("authtest: the server has no accounts (give it a Store)")
	}
	name, password = UserName(role), Password()
	if _, err := a.AddUser(name, role, password); errors.Is(err, auth.ErrExists) {
		if err := a.SetPassword(name, password); err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	return name, password
}

// Token creates (if needed) the user "test-ROLE" and a new API token for it.
func Token(t testing.TB, a *auth.Accounts, role auth.Role) string {
	t.Helper()
	name := UserName(role)
	if _, err := a.User(name); errors.Is(err, auth.ErrNotFound) {
		User(t, a, role)
	}
	tok, _, err := a.CreateToken(name, 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Header is an Authorization header with the token (for WebSocket dials).
func Header(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// Client is an HTTP client that sends the token with every request.
func Client(token string) *http.Client {
	return &http.Client{Transport: transport{token: token, base: http.DefaultTransport}}
}

type transport struct {
	token string
	base  http.RoundTripper
}

func (tr transport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+tr.token)
	return tr.base.RoundTrip(r)
}
