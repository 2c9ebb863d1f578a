package federation

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// Any users file is either refused, with an error that never repeats a
// password found in it, or read into users that each name exactly one
// station or headquarters, authenticate by a valid nkey or a bcrypt hash,
// and have permissions; no two share a key or a user name.
func FuzzParseNATSUsers(f *testing.F) {
	f.Add([]byte(`{"users":[{"station":"east","nkey":"UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"}]}`))
	f.Add([]byte(`{"users":[{"hq":"hq","user":"hq","password":"$2a$11$abcdefghijklmnopqrstuuJ2yS2OYbUSpNI0T4xWqzZkRjPSCgbBi"}]}`))
	f.Add([]byte(`{"users":[{"station":"west","user":"west","password":"plain-secret-pw"}]}`))
	f.Add([]byte(`{"users":[]}`))
	f.Add([]byte(`{"users":[{"station":"a","hq":"b","nkey":"U"}]} {}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		users, err := ParseNATSUsers(data)
		if err != nil {
			var raw struct {
				Users []map[string]any `json:"users"`
			}
			json.Unmarshal(data, &raw)
			for _, u := range raw.Users {
				if p, ok := u["password"].(string); ok && len(p) >= 6 && strings.Contains(err.Error(), p) {
					t.Fatalf("the error repeats a password: %v", err)
				}
			}
			return
		}
		if len(users) == 0 {
			t.Fatal("a file with no user was accepted")
		}
		seen := map[string]bool{}
		for _, u := range users {
			if err := u.check(); err != nil {
				t.Fatalf("an accepted user fails its check: %v", err)
			}
			if (u.Station == "") == (u.HQ == "") || (u.Nkey == "") == (u.User == "") {
				t.Fatalf("an accepted user is ambiguous: %+v", u)
			}
			if u.Nkey == "" && !isBcrypt(u.Password) {
				t.Fatalf("a plain-text password was accepted: user %q", u.User)
			}
			id := u.Nkey + "\x00" + u.User
			if seen[id] {
				t.Fatalf("two users with one name or key: %+v", u)
			}
			seen[id] = true
			if p := u.permissions(); p == nil || p.Publish == nil || p.Subscribe == nil {
				t.Fatalf("user %+v has no permissions", u)
			}
		}
	})
}

// Any credentials file is either refused, with an error that never quotes
// it, or read as one kind; a password file gives back exactly its user and
// password.
func FuzzParseCreds(f *testing.F) {
	f.Add([]byte("west:s3cret-pw\n"))
	f.Add([]byte("SUAM3YQ4ZDD5KC7NWGNBNLJCGE7BXMNCAXJ5ZLDGL6ZDYMQCPCSSZB6FSI\n"))
	f.Add([]byte("-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n"))
	f.Add([]byte("no colon here\n"))
	f.Add([]byte("two\nlines:x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		kind, user, password, err := parseCreds(data)
		if err != nil {
			if line := bytes.TrimSpace(data); len(line) >= 6 && strings.Contains(err.Error(), string(line)) {
				t.Fatalf("the error quotes the file: %v", err)
			}
			if kind != 0 || user != "" || password != "" {
				t.Fatal("a refused file gave credentials")
			}
			return
		}
		switch kind {
		case credsJWT, credsSeed:
			if user != "" || password != "" {
				t.Fatal("a key file gave a password")
			}
		case credsPassword:
			if user == "" || password == "" || strings.ContainsAny(user, " \t:\r\n") || user+":"+password != string(bytes.TrimSpace(data)) {
				t.Fatalf("password file %q read as user %q password %q", data, user, password)
			}
		default:
			t.Fatalf("unknown kind %d", kind)
		}
	})
}
