package federation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// NATS users and what each may do: a station publishes only under its own
// subjects and subscribes only to its own requests; a headquarters reads
// every stream and sends requests. The embedded server (--nats-users)
// enforces these; docs/operations.md gives the same rules for an external
// cluster's configuration.
//
// JetStream is reached through subjects too, so its API is part of the
// rules: a station may only look up its own events stream and the shared
// states stream ($JS.API.STREAM.INFO.<name>), never create, update, purge
// or delete a stream nor read one through a consumer; its publish
// acknowledgements come back on its own inbox. The server makes every
// station's stream when it starts (Embedded.createStreams), so that no
// station can make another's first, with subjects of its choosing. The headquarters
// may list and look at streams, create the states stream, create, read
// and remove consumers ($JS.API.CONSUMER.>) and acknowledge what they
// deliver ($JS.ACK.>), but not publish a station's states or events.
// Answers to requests travel on each connection's own inbox prefix
// (StationInbox, HQInbox), so that no user reads another's answers; a
// station answers the headquarters' requests through the server's
// response permission (allow_responses), without any right to publish on
// the headquarters' inbox otherwise.

// StationInbox is the inbox prefix of a station's connection.
func StationInbox(station string) string { return "_INBOX.st." + station }

// HQInbox is the inbox prefix of a headquarters' connection.
func HQInbox(hq string) string { return "_INBOX.hq." + hq }

// maxAnswerTime bounds how long after a forwarded request its station may
// answer (a plan upload over a poor radio link takes a while).
const maxAnswerTime = 10 * time.Minute

// StationPermissions are the rights of a station's NATS user.
func StationPermissions(station string) *server.Permissions {
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			"bw." + station + ".state.*",
			eventsSubject(station),
			"$JS.API.INFO",
			"$JS.API.STREAM.INFO." + StatesStream,
			"$JS.API.STREAM.INFO." + eventsStream(station),
		}},
		Subscribe: &server.SubjectPermission{Allow: []string{
			rpcSubject(station),
			StationInbox(station) + ".>",
		}},
		Response: &server.ResponsePermission{MaxMsgs: 1, Expires: maxAnswerTime},
	}
}

// HQPermissions are the rights of a headquarters' NATS user.
func HQPermissions(hq string) *server.Permissions {
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			rpcSubject("*"),
			"$JS.API.INFO",
			"$JS.API.STREAM.NAMES",
			"$JS.API.STREAM.LIST",
			"$JS.API.STREAM.INFO.*",
			"$JS.API.STREAM.CREATE." + StatesStream,
			"$JS.API.CONSUMER.>",
			"$JS.ACK.>",
		}},
		Subscribe: &server.SubjectPermission{Allow: []string{
			HQInbox(hq) + ".>",
		}},
	}
}

// NATSUser is one user of the embedded NATS server: a station or a
// headquarters, authenticated by an nkey or a user name and a bcrypt hash
// of its password. Neither is a secret: the seed and the password stay
// with the client (--nats-creds).
type NATSUser struct {
	// Station or HQ names what the user is (exactly one of them).
	Station string `json:"station,omitempty"`
	HQ      string `json:"hq,omitempty"`
	// Nkey is the user's public nkey (U…), or User and Password (a bcrypt
	// hash, $2a$…/$2b$…/$2y$…) name it and check its password.
	Nkey     string `json:"nkey,omitempty"`
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
}

// natsUsersFile is the file of --nats-users.
type natsUsersFile struct {
	Users []NATSUser `json:"users"`
}

// maxUsersFile bounds the users file (a few thousand stations).
const maxUsersFile = 4 << 20

// ReadNATSUsers reads the users file of --nats-users.
func ReadNATSUsers(path string) ([]NATSUser, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--nats-users: %w", err)
	}
	users, err := ParseNATSUsers(data)
	if err != nil {
		return nil, fmt.Errorf("--nats-users %s: %w", path, err)
	}
	return users, nil
}

// ParseNATSUsers reads a users file: {"users": [{"station": "east",
// "nkey": "U…"}, {"hq": "hq", "user": "hq", "password": "$2a$11$…"}]}.
// It refuses anything it does not understand, a plain-text password, two
// users with one name or key, and a file with no user (which would leave
// the server open to all). Errors never repeat a password.
func ParseNATSUsers(data []byte) ([]NATSUser, error) {
	if len(data) > maxUsersFile {
		return nil, fmt.Errorf("the users file is %d bytes; at most %d", len(data), maxUsersFile)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f natsUsersFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a users file (want {\"users\": [{\"station\": NAME, \"nkey\": \"U…\"} …]}): %s", jsonErrorWithoutValues(err))
	}
	if dec.More() {
		return nil, fmt.Errorf("not a users file: more than one JSON value")
	}
	if len(f.Users) == 0 {
		return nil, fmt.Errorf("no users: a server with --nats-users and no user would let no station in (leave --nats-users out for a server without users)")
	}
	seen := map[string]int{}
	for i, u := range f.Users {
		if err := u.check(); err != nil {
			return nil, fmt.Errorf("user %d: %w", i+1, err)
		}
		id := "nkey " + u.Nkey
		if u.Nkey == "" {
			id = "user " + u.User
		}
		if j, dup := seen[id]; dup {
			return nil, fmt.Errorf("users %d and %d are both %s", j, i+1, id)
		}
		seen[id] = i + 1
	}
	return f.Users, nil
}

// jsonErrorWithoutValues says what is wrong with a JSON document without
// quoting it (a password might be in the part quoted).
func jsonErrorWithoutValues(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("bad JSON at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("field %q has the wrong type (at byte %d)", e.Field, e.Offset)
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "json: unknown field ") {
		return "unknown field " + strings.TrimPrefix(msg, "json: unknown field ")
	}
	return "bad JSON"
}

func (u NATSUser) check() error {
	switch {
	case (u.Station == "") == (u.HQ == ""):
		return fmt.Errorf("give exactly one of \"station\" and \"hq\"")
	case u.Station != "":
		if err := CheckName("station", u.Station); err != nil {
			return err
		}
	default:
		if err := CheckName("headquarters", u.HQ); err != nil {
			return err
		}
	}
	if (u.Nkey == "") == (u.User == "" && u.Password == "") {
		return fmt.Errorf("give either \"nkey\" or \"user\" and \"password\"")
	}
	if u.Nkey != "" {
		return checkPublicKey(u.Nkey)
	}
	if u.User == "" || strings.ContainsAny(u.User, " \t\r\n:") || len(u.User) > 64 {
		return fmt.Errorf("\"user\" must be 1-64 characters without spaces or ':'")
	}
	if !isBcrypt(u.Password) {
		return fmt.Errorf("user %q: \"password\" must be a bcrypt hash ($2a$…, $2b$… or $2y$…), never the password itself; make one with `nats server passwd` or `htpasswd -nbBC 11 '' PASSWORD`", u.User)
	}
	return nil
}

// isBcrypt says whether s looks like a bcrypt hash: $2a$, $2b$ or $2y$,
// a two-digit cost, then 53 characters of salt and hash.
func isBcrypt(s string) bool {
	if len(s) != 60 || s[0] != '$' || s[1] != '2' || s[3] != '$' || s[6] != '$' {
		return false
	}
	if !strings.ContainsRune("aby", rune(s[2])) || s[4] < '0' || s[4] > '3' || s[5] < '0' || s[5] > '9' {
		return false
	}
	for _, c := range s[7:] {
		if !(c == '.' || c == '/' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// permissions are the user's rights.
func (u NATSUser) permissions() *server.Permissions {
	if u.Station != "" {
		return StationPermissions(u.Station)
	}
	return HQPermissions(u.HQ)
}

// serverUsers turns users into the server's options, adding local: an
// nkey made for this process's own connection (never written anywhere).
func serverUsers(users []NATSUser, local NATSUser, localKey nkeys.KeyPair) (pw []*server.User, nk []*server.NkeyUser, err error) {
	pub, err := localKey.PublicKey()
	if err != nil {
		return nil, nil, err
	}
	local.Nkey, local.User, local.Password = pub, "", ""
	if err := local.check(); err != nil {
		return nil, nil, fmt.Errorf("this server's own NATS user: %w", err)
	}
	for _, u := range append(users, local) {
		if u.Nkey != "" {
			nk = append(nk, &server.NkeyUser{Nkey: u.Nkey, Permissions: u.permissions()})
		} else {
			pw = append(pw, &server.User{Username: u.User, Password: u.Password, Permissions: u.permissions()})
		}
	}
	return pw, nk, nil
}
