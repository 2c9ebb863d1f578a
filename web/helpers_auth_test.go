package web

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// Tests talk to servers that require a login. adminToken makes an admin and
// a token on a test server once; calls to the server's URL then carry it.

var testTokens sync.Map // server URL → admin token

func adminToken(t testing.TB, s *Server) string {
	t.Helper()
	if v, ok := testTokens.Load(s.URL()); ok {
		return v.(string)
	}
	tok := authtest.Token(t, s.AccountsInUse(), auth.RoleAdmin)
	testTokens.Store(s.URL(), tok)
	t.Cleanup(func() { testTokens.Delete(s.URL()) })
	return tok
}

// client is an HTTP client that sends s's admin token.
func client(t testing.TB, s *Server) *http.Client { return authtest.Client(adminToken(t, s)) }

// tokenFor finds the admin token of the test server a URL points at.
func tokenFor(url string) string {
	tok := ""
	testTokens.Range(func(k, v any) bool {
		if strings.HasPrefix(url, k.(string)+"/") {
			tok = v.(string)
			return false
		}
		return true
	})
	return tok
}
