package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web/auth"
)

// syncBuf is a log buffer several goroutines write to.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// A session of account work (logins good and bad, users added and changed,
// a token made and used, a signing key sent, logout) is audited with who,
// what, from where and the result; and no password, token, session id or
// signing key appears in the log, in any answer (but the one that creates
// the token), in the audit trail or in the store file.
func TestSecrets_AuditedButNeverWritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bw.db")
	var logs syncBuf
	s := startSessionServer(t, path, func(s *Server) {
		s.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	rec := &store.Recorder{Store: s.st, Hub: s.Hub, FlushInterval: 10 * time.Millisecond, Logger: s.Logger}
	if err := rec.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Close)

	secrets := map[string]string{
		"admin password":  "admin-pw-7d1f3c",
		"wrong password":  "wrong-pw-9a8b7c",
		"bob's password":  "bob-pw-first-1",
		"bob's new one":   "bob-pw-second-2",
		"signing key hex": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	}
	if _, err := s.accounts.AddUser("ann", auth.RoleAdmin, secrets["admin password"]); err != nil {
		t.Fatal(err)
	}
	var answers bytes.Buffer // every answer's headers and body, except the token's creation
	send := func(method, path, body string, ck *http.Cookie, token string) []byte {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if ck != nil {
			req.AddCookie(ck)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		return append([]byte(res.Status+"\n"+headerText(res.Header)+"\n"), data...)
	}

	if code, _, _, body := login(t, http.DefaultClient, s.URL(), "ann", secrets["wrong password"]); code != 401 {
		t.Fatalf("wrong login: %d", code)
	} else {
		answers.Write(body)
	}
	code, _, ck, body := login(t, http.DefaultClient, s.URL(), "ann", secrets["admin password"])
	if code != 200 || ck == nil {
		t.Fatalf("login: %d %s", code, body)
	}
	secrets["session id"] = ck.Value
	answers.Write(body) // the login's body (its Set-Cookie carries the session id by design)
	answers.Write(send("POST", "/api/v1/users", `{"name":"bob","role":"operator","password":"`+secrets["bob's password"]+`"}`, ck, ""))
	answers.Write(send("PATCH", "/api/v1/users/bob", `{"password":"`+secrets["bob's new one"]+`","role":"supervisor"}`, ck, ""))
	created := send("POST", "/api/v1/tokens", `{"user":"bob","expires":"1h","comment":"ci"}`, ck, "")
	var tok TokenCreated
	if err := json.Unmarshal(created[bytes.Index(created, []byte("\n\n"))+2:], &tok); err != nil || !strings.HasPrefix(tok.Token, auth.TokenPrefix) {
		t.Fatalf("token create: %s", created)
	}
	secrets["token"] = tok.Token
	answers.Write(send("GET", "/api/v1/session", "", nil, tok.Token))
	answers.Write(send("GET", "/api/v1/tokens", "", ck, ""))
	answers.Write(send("GET", "/api/v1/users", "", ck, ""))
	answers.Write(send("PUT", "/api/v1/vehicles/7/signing", `{"key_hex":"`+secrets["signing key hex"]+`"}`, ck, ""))
	answers.Write(send("DELETE", "/api/v1/session", "", ck, ""))

	// The audit trail, read back through the API as a supervisor would.
	supervisor := send("GET", "/api/v1/audit", "", nil, tok.Token)
	var audit []telemetry.OperatorAction
	testenv.Eventually(t, 10*time.Second, "the audit trail is committed", func() bool {
		supervisor = send("GET", "/api/v1/audit", "", nil, tok.Token)
		audit = nil
		_ = json.Unmarshal(supervisor[bytes.Index(supervisor, []byte("\n\n"))+2:], &audit)
		return len(audit) >= 7
	})
	answers.Write(supervisor)
	want := map[string]func(telemetry.OperatorAction) bool{
		"failed login": func(a telemetry.OperatorAction) bool { return a.Action == "login_failed" && a.User == "ann" },
		"login": func(a telemetry.OperatorAction) bool {
			return a.Action == "login" && a.User == "ann" && a.Result == "ok"
		},
		"user add": func(a telemetry.OperatorAction) bool {
			return a.Action == "user_add" && a.User == "ann" && a.Detail == "name=bob role=operator"
		},
		"password and role": func(a telemetry.OperatorAction) bool {
			return a.Action == "user_change" && strings.Contains(a.Detail, "password reset") && strings.Contains(a.Detail, "role=supervisor")
		},
		"token": func(a telemetry.OperatorAction) bool {
			return a.Action == "token_create" && strings.Contains(a.Detail, "user=bob")
		},
		"signing": func(a telemetry.OperatorAction) bool {
			return a.Action == "signing_setup" && a.SystemID == 7 && a.Result != "ok"
		},
		"logout": func(a telemetry.OperatorAction) bool { return a.Action == "logout" && a.User == "ann" },
	}
	for what, match := range want {
		found := false
		for _, a := range audit {
			if match(a) {
				found = true
				if a.Remote != "127.0.0.1" || a.Time.IsZero() || a.Result == "" {
					t.Errorf("%s: record lacks where, when or result: %+v", what, a)
				}
			}
		}
		if !found {
			t.Errorf("no audit record of the %s in %+v", what, audit)
		}
	}

	rec.Close()
	s.stop(t)
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range secrets {
		for where, text := range map[string]string{"the log": logs.String(), "the answers": answers.String(), "the audit trail": string(supervisor)} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s is in %s", name, where)
			}
		}
		if name != "signing key hex" && bytes.Contains(file, []byte(secret)) { // keys are kept, by design, in the store
			t.Errorf("the %s is in the store file", name)
		}
	}
}

func headerText(h http.Header) string {
	var b strings.Builder
	_ = h.Write(&b)
	return b.String()
}
