package auth_test

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
	"github.com/borderwatch/borderwatch/web/auth"
)

// clock is an injected clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newAccounts(t *testing.T, path string) (*auth.Accounts, *clock) {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "store.db")
	}
	c := &clock{t: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	a := &auth.Accounts{Store: storetest.MustOpenPath(t, path), Now: c.Now, BcryptCost: bcrypt.MinCost}
	if err := a.Initialize(); err != nil {
		t.Fatal(err)
	}
	return a, c
}

const pw = "correct horse battery"

// The 11th wrong password in a minute is refused even when it is right, per
// user (from any address) and per address (for any user); a minute later
// the right password works again.
func TestAccounts_Login_RateLimitedAfterTenFailures(t *testing.T) {
	a, c := newAccounts(t, "")
	for _, n := range []string{"ann", "bob", "cat"} {
		if _, err := a.AddUser(n, auth.RoleOperator, pw); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 10; i++ {
		if _, _, err := a.Login("ann", "wrong password", "10.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("wrong password %d: %v", i+1, err)
		}
	}
	_, _, err := a.Login("ann", pw, "10.0.0.1")
	if !errors.Is(err, auth.ErrRateLimited) || !strings.Contains(err.Error(), "try again") {
		t.Fatalf("11th attempt with the right password: %v, want rate limited with advice", err)
	}
	if _, _, err := a.Login("ann", pw, "10.9.9.9"); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("ann from another address: %v, want rate limited (per user)", err)
	}
	if _, _, err := a.Login("bob", pw, "10.0.0.1"); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("bob from ann's address: %v, want rate limited (per address)", err)
	}
	if _, _, err := a.Login("cat", pw, "10.0.0.2"); err != nil {
		t.Fatalf("another user from another address: %v", err)
	}
	c.Advance(time.Minute)
	if _, p, err := a.Login("ann", pw, "10.0.0.1"); err != nil || p.User != "ann" {
		t.Fatalf("a minute later: %v", err)
	}
	// An unknown user name counts as a failure too (no user enumeration).
	for i := 0; i < 10; i++ {
		_, _, _ = a.Login("nobody", pw, "10.0.0.3")
	}
	if _, _, err := a.Login("nobody", pw, "10.0.0.3"); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("unknown user: %v", err)
	}
}

// A session ends after SessionIdle without use, and after SessionMax
// whatever its use; logout ends it at once.
func TestAccounts_Session_IdleAbsoluteLogout(t *testing.T) {
	a, c := newAccounts(t, "")
	a.SessionIdle, a.SessionMax = time.Hour, 3*time.Hour
	if _, err := a.AddUser("ann", auth.RoleSupervisor, pw); err != nil {
		t.Fatal(err)
	}
	s1, _, err := a.Login("ann", pw, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(59 * time.Minute)
	if p, err := a.Session(s1); err != nil || p.User != "ann" || p.Role != auth.RoleSupervisor || p.Via != "session" {
		t.Fatalf("used within the idle time: %+v %v", p, err)
	}
	c.Advance(59 * time.Minute) // used 59 min ago: still alive
	if _, err := a.Session(s1); err != nil {
		t.Fatalf("activity did not extend the session: %v", err)
	}
	c.Advance(61 * time.Minute)
	if _, err := a.Session(s1); !errors.Is(err, auth.ErrExpired) {
		t.Fatalf("idle for 61 min: %v", err)
	}
	s2, _, err := a.Login("ann", pw, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ { // busy, but only for SessionMax
		c.Advance(30 * time.Minute)
		if _, err := a.Session(s2); (err == nil) != (i < 5) {
			t.Fatalf("after %d min: %v", (i+1)*30, err)
		}
	}
	s3, p3, err := a.Login("ann", pw, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(p3); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(s3); !errors.Is(err, auth.ErrExpired) {
		t.Fatalf("after logout: %v", err)
	}
}

// Sessions are in the store: reopening it (a server restart) keeps them.
func TestAccounts_Session_SurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	a, _ := newAccounts(t, path)
	if _, err := a.AddUser("ann", auth.RoleAdmin, pw); err != nil {
		t.Fatal(err)
	}
	secret, _, err := a.Login("ann", pw, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := newAccounts(t, path)
	if p, err := b.Session(secret); err != nil || p.User != "ann" {
		t.Fatalf("after reopening the store: %+v %v", p, err)
	}
}

// Tokens: expired ones and revoked ones are refused; a removed user's
// token stops working; a role change applies to the next request.
func TestAccounts_Token_ExpiryRevocationRoleChange(t *testing.T) {
	a, c := newAccounts(t, "")
	for n, r := range map[string]auth.Role{"ann": auth.RoleAdmin, "bob": auth.RoleOperator} {
		if _, err := a.AddUser(n, r, pw); err != nil {
			t.Fatal(err)
		}
	}
	tok, info, err := a.CreateToken("bob", time.Hour, "ci")
	if err != nil || !strings.HasPrefix(tok, auth.TokenPrefix) || info.Expires != c.Now().Add(time.Hour) {
		t.Fatalf("create: %q %+v %v", tok, info, err)
	}
	if p, err := a.Token(tok); err != nil || p.User != "bob" || p.Role != auth.RoleOperator || p.TokenID != info.ID {
		t.Fatalf("fresh token: %+v %v", p, err)
	}
	if _, err := a.SetRole("bob", auth.RoleSupervisor); err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Token(tok); p.Role != auth.RoleSupervisor {
		t.Fatalf("role after the change: %s", p.Role)
	}
	c.Advance(time.Hour)
	if _, err := a.Token(tok); !errors.Is(err, auth.ErrExpired) || !strings.Contains(err.Error(), "create a new one") {
		t.Fatalf("expired token: %v", err)
	}
	forever, info2, err := a.CreateToken("bob", 0, "")
	if err != nil || !info2.Expires.IsZero() {
		t.Fatal(err)
	}
	if _, err := a.RevokeToken(info2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Token(forever); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("revoked token: %v", err)
	}
	if _, err := a.RevokeToken(info2.ID); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("revoking twice: %v", err)
	}
	last, _, _ := a.CreateToken("bob", 0, "")
	if err := a.RemoveUser("bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Token(last); err == nil {
		t.Fatal("a removed user's token still works")
	}
	if ts, _ := a.Tokens(""); len(ts) != 0 {
		t.Fatalf("tokens left after removing bob: %+v", ts)
	}
}

// A password change ends the user's sessions; bad names, roles and
// passwords are refused with what is wrong.
func TestAccounts_Users_PasswordChangeAndValidation(t *testing.T) {
	a, _ := newAccounts(t, "")
	if _, err := a.AddUser("ann", auth.RoleAdmin, pw); err != nil {
		t.Fatal(err)
	}
	secret, _, err := a.Login("ann", pw, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetPassword("ann", "another password"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(secret); err == nil {
		t.Fatal("a session outlived a password change")
	}
	if _, _, err := a.Login("ann", pw, "127.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("old password: %v", err)
	}
	for _, c := range []struct {
		name, role, pw string
		want           error
	}{
		{"", "operator", pw, auth.ErrInvalid},
		{"../etc", "operator", pw, auth.ErrInvalid},
		{"bob", "pilot", pw, auth.ErrInvalid},
		{"bob", "operator", "short", auth.ErrInvalid},
		{"bob", "operator", strings.Repeat("x", 73), auth.ErrInvalid},
		{"ann", "operator", pw, auth.ErrExists},
	} {
		if _, err := a.AddUser(c.name, auth.Role(c.role), c.pw); !errors.Is(err, c.want) {
			t.Errorf("AddUser(%q, %q, %d bytes): %v, want %v", c.name, c.role, len(c.pw), err, c.want)
		}
	}
	if _, err := a.SetRole("ann", auth.RoleOperator); !errors.Is(err, auth.ErrLastAdmin) {
		t.Fatalf("demoting the last admin: %v", err)
	}
}

// What a request pays to be recognised: one store read (token), or one read
// and at most one write a minute (session).
func BenchmarkAccounts_Token(b *testing.B) {
	a := &auth.Accounts{Store: storetest.MustOpen(b), BcryptCost: bcrypt.MinCost}
	if err := a.Initialize(); err != nil {
		b.Fatal(err)
	}
	if _, err := a.AddUser("ann", auth.RoleOperator, pw); err != nil {
		b.Fatal(err)
	}
	tok, _, err := a.CreateToken("ann", 0, "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := a.Token(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// A login at the default bcrypt cost (10): the price of each password check.
func BenchmarkAccounts_Login(b *testing.B) {
	a := &auth.Accounts{Store: storetest.MustOpen(b), LoginFailures: 1 << 30}
	if err := a.Initialize(); err != nil {
		b.Fatal(err)
	}
	if _, err := a.AddUser("ann", auth.RoleOperator, pw); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := a.Login("ann", pw, "127.0.0.1"); err != nil {
			b.Fatal(err)
		}
	}
}
