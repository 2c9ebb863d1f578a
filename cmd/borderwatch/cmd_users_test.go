package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// runToolIn runs a command in-process with stdin.
func runToolIn(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut}, args)
	return out.String(), errOut.String(), code
}

// An admin sets up accounts with the CLI on a stopped server's store; the
// token the CLI printed then works on the API, until it is revoked.
func TestUsersTokensCLI_AddRoleTokenRevoke(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bw.db")
	pw := authtest.Password()
	if out, errOut, code := runToolIn(t, pw+"\n", "users", "add", "ann", "--role", "admin", "--data", db); code != 0 || !strings.Contains(out, "added ann (admin)") {
		t.Fatalf("users add: %d %q %q", code, out, errOut)
	}
	if _, errOut, code := runToolIn(t, "short\n", "users", "add", "bob", "--role", "operator", "--data", db); code == 0 || !strings.Contains(errOut, "password needs 8-72 bytes") {
		t.Fatalf("a short password was taken: %d %q", code, errOut)
	}
	if _, errOut, code := runToolIn(t, pw+"\n", "users", "add", "bob", "--role", "pilot", "--data", db); code == 0 || !strings.Contains(errOut, `unknown role "pilot"`) {
		t.Fatalf("an unknown role was taken: %d %q", code, errOut)
	}
	if _, _, code := runToolIn(t, pw, "users", "add", "bob", "--role", "operator", "--data", db); code != 0 {
		t.Fatal("users add from a pipe without a final newline failed")
	}
	if out, _, code := runToolIn(t, "", "users", "role", "bob", "supervisor", "--data", db); code != 0 || !strings.Contains(out, "bob is now supervisor") {
		t.Fatalf("users role: %d %q", code, out)
	}
	if _, errOut, code := runToolIn(t, "", "users", "role", "ann", "operator", "--data", db); code == 0 || !strings.Contains(errOut, "only admin") {
		t.Fatalf("the last admin was demoted: %d %q", code, errOut)
	}
	out, _, code := runToolIn(t, "", "users", "list", "--json", "--data", db)
	var users []struct{ Name, Role string }
	if code != 0 || json.Unmarshal([]byte(out), &users) != nil || len(users) != 2 || users[1].Name != "bob" || users[1].Role != "supervisor" {
		t.Fatalf("users list: %d %q", code, out)
	}
	if strings.Contains(out, "hash") || strings.Contains(out, pw) {
		t.Fatalf("users list shows a password or its hash: %q", out)
	}

	// tokens create prints the token and nothing else.
	tok, errOut, code := runToolIn(t, "", "tokens", "create", "bob", "--expires", "1h", "--comment", "ci", "--data", db)
	if code != 0 || !regexp.MustCompile(`^bwt_[A-Za-z0-9_-]{43}\n$`).MatchString(tok) {
		t.Fatalf("tokens create: %d %q %q", code, tok, errOut)
	}
	tok = strings.TrimSpace(tok)
	out, _, code = runToolIn(t, "", "tokens", "list", "--json", "--data", db)
	var toks []struct{ ID, User, Comment string }
	if code != 0 || json.Unmarshal([]byte(out), &toks) != nil || len(toks) != 1 || toks[0].User != "bob" || toks[0].Comment != "ci" || strings.Contains(out, tok) {
		t.Fatalf("tokens list: %d %q", code, out)
	}

	// The server on that store accepts the token as bob, the supervisor.
	whoami := func() int {
		sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: db})
		if err != nil {
			t.Fatal(err)
		}
		defer sys.Close()
		res, err := authtest.Client(tok).Get(sys.web.URL() + "/api/v1/session")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var who struct{ User, Role, Via string }
		_ = json.NewDecoder(res.Body).Decode(&who)
		if res.StatusCode == http.StatusOK && (who.User != "bob" || who.Role != "supervisor" || who.Via != "token") {
			t.Fatalf("whoami with bob's token: %+v", who)
		}
		return res.StatusCode
	}
	if code := whoami(); code != http.StatusOK {
		t.Fatalf("the CLI's token was refused: %d", code)
	}
	if out, _, code := runToolIn(t, "", "tokens", "revoke", toks[0].ID, "--data", db); code != 0 || !strings.Contains(out, "revoked token "+toks[0].ID) {
		t.Fatalf("tokens revoke: %d %q", code, out)
	}
	if code := whoami(); code != http.StatusUnauthorized {
		t.Fatalf("a revoked token: %d, want 401", code)
	}
	if out, _, code := runToolIn(t, "", "users", "remove", "bob", "--data", db); code != 0 || !strings.Contains(out, "removed bob") {
		t.Fatalf("users remove: %d %q", code, out)
	}
	if _, errOut, code := runToolIn(t, "", "users", "remove", "ann", "--data", db); code == 0 || !strings.Contains(errOut, "only admin") {
		t.Fatalf("the last admin was removed: %d %q", code, errOut)
	}
}
