package federation

import (
	"bytes"
	"fmt"
	"os"

	"github.com/nats-io/nats.go"
)

// What a credentials file of --nats-creds holds.
type credsKind int

const (
	credsJWT      credsKind = iota + 1 // a .creds file: a user JWT and its nkey seed (nsc)
	credsSeed                          // an nkey seed (SU…): a user of the server's nkeys
	credsPassword                      // one line USER:PASSWORD: a user of the server's users
)

// maxCredsFile bounds a credentials file (a .creds file is about 1 kB).
const maxCredsFile = 64 << 10

// parseCreds says what a credentials file holds; for a password file, the
// user and password. Its errors never quote the file.
func parseCreds(data []byte) (kind credsKind, user, password string, err error) {
	if len(data) > maxCredsFile {
		return 0, "", "", fmt.Errorf("%d bytes: a credentials file is at most %d", len(data), maxCredsFile)
	}
	if bytes.Contains(data, []byte("-----BEGIN NATS USER JWT-----")) {
		return credsJWT, "", "", nil
	}
	line := bytes.TrimSpace(data)
	if bytes.HasPrefix(line, []byte("SU")) {
		// `nk -gen user -pubout` writes the seed, then the public key.
		return credsSeed, "", "", nil
	}
	if bytes.ContainsAny(line, "\r\n") {
		return 0, "", "", fmt.Errorf("not a credentials file: want a .creds file (user JWT and nkey seed, from nsc), an nkey seed (SU…) or one line USER:PASSWORD")
	}
	u, p, ok := bytes.Cut(line, []byte(":"))
	if !ok || len(u) == 0 || len(p) == 0 || bytes.ContainsAny(u, " \t") {
		return 0, "", "", fmt.Errorf("not a credentials file: want a .creds file (user JWT and nkey seed, from nsc), an nkey seed (SU…) or one line USER:PASSWORD")
	}
	return credsPassword, string(u), string(p), nil
}

// credsOption reads a credentials file into the connection's option.
func credsOption(path string) (nats.Option, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--nats-creds: %w", err)
	}
	kind, user, password, err := parseCreds(data)
	if err != nil {
		return nil, fmt.Errorf("--nats-creds %s: %w", path, err)
	}
	switch kind {
	case credsJWT:
		return nats.UserCredentials(path), nil
	case credsSeed:
		o, err := nats.NkeyOptionFromSeed(path)
		if err != nil {
			return nil, fmt.Errorf("--nats-creds %s: not a valid nkey seed", path)
		}
		return o, nil
	default:
		return nats.UserInfo(user, password), nil
	}
}
