package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// The server requires a login. Tests that start it in-process make an admin
// token through its Accounts (authedSystem); tests of the demo log in with
// the accounts it prints, through the real login endpoint (demoLogin) or the
// real login form in Chromium (browserLogin).

var testTokens sync.Map // base URL → admin token

// authedSystem makes an admin token for a server started in the test; calls
// to its URL through apiClient then carry it.
func authedSystem(t *testing.T, sys *server) {
	t.Helper()
	base := sys.web.URL()
	testTokens.Store(base, authtest.Token(t, sys.web.AccountsInUse(), auth.RoleAdmin))
	t.Cleanup(func() { testTokens.Delete(base) })
}

// apiClient is a client with the credentials registered for base: a token
// (authedSystem) or a logged-in session (demoLogin).
func apiClient(t *testing.T, base string) *http.Client {
	t.Helper()
	v, ok := testTokens.Load(base)
	if !ok {
		t.Fatalf("no credentials for %s: call authedSystem or demoLogin first", base)
	}
	if c, ok := v.(*http.Client); ok {
		return c
	}
	return authtest.Client(v.(string))
}

var demoLoginRE = regexp.MustCompile(`(?m)^\s+(\w+)\s+user (\S+)\s+password (\S+)$`)

// demoLogins reads the logins the demo printed: role → user, password.
func demoLogins(t *testing.T, out string) map[string][2]string {
	t.Helper()
	m := map[string][2]string{}
	for _, g := range demoLoginRE.FindAllStringSubmatch(out, -1) {
		m[g[1]] = [2]string{g[2], g[3]}
	}
	if len(m) != 3 {
		t.Fatalf("the demo did not print three logins: %q", out)
	}
	return m
}

// demoLogin logs in at base with the demo's printed login of a role, through
// POST /api/v1/session, and registers the session for apiClient.
func demoLogin(t *testing.T, base, out, role string) *http.Client {
	t.Helper()
	l := demoLogins(t, out)[role]
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	body, _ := json.Marshal(map[string]string{"user": l[0], "password": l[1]})
	res, err := c.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("logging in as the demo's %s: %s", role, res.Status)
	}
	testTokens.Store(base, c)
	t.Cleanup(func() { testTokens.Delete(base) })
	return c
}

// browserLogin opens base in Chromium and logs in with the UI's login view.
func browserLogin(t testing.TB, ctx context.Context, base, user, password string) {
	t.Helper()
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		// By the form's field names, which the login endpoint defines (the
		// inputs' ids have changed with the UI).
		chromedp.WaitVisible(`#bw-login input[name="user"]`, chromedp.ByQuery),
		chromedp.SendKeys(`#bw-login input[name="user"]`, user, chromedp.ByQuery),
		chromedp.SendKeys(`#bw-login input[name="password"]`, password, chromedp.ByQuery),
		chromedp.Click(`#bw-login button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#bw-login`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("logging in through the page as %s: %v", user, err)
	}
}

// browserLoginAs makes a user of a role on a server started in the test
// and logs in as them in Chromium.
func browserLoginAs(t testing.TB, ctx context.Context, sys *server, role auth.Role) {
	t.Helper()
	name, pw := authtest.User(t, sys.web.AccountsInUse(), role)
	browserLogin(t, ctx, sys.web.URL(), name, pw)
}

// tokenOf is the admin token authedSystem made for base.
func tokenOf(t *testing.T, base string) string {
	t.Helper()
	v, ok := testTokens.Load(base)
	tok, isToken := v.(string)
	if !ok || !isToken {
		t.Fatalf("no token for %s: call authedSystem first", base)
	}
	return tok
}

// syncBuffer is a bytes.Buffer that a command writes to while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
