// Package fedtest gives tests NATS users for stations and a headquarters,
// with each one's credentials file, as an operator would make them
// (docs/operations.md): the server holds public keys and bcrypt hashes,
// each client its own seed or password in a file.
package fedtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/bcrypt"

	"github.com/borderwatch/borderwatch/federation"
)

// Users makes a user for each station and one for the headquarters hq.
// Stations at even places in the list authenticate with an nkey, those at
// odd places with a user name and password, so that tests cover both; the
// headquarters with an nkey. It returns the users (for --nats-users) and
// each one's credentials file by name (for --nats-creds), in t.TempDir().
func Users(t testing.TB, hq string, stations ...string) ([]federation.NATSUser, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	creds := map[string]string{}
	var users []federation.NATSUser
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name+".creds")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nkeyUser := func(name string) string {
		kp, err := nkeys.CreateUser()
		if err != nil {
			t.Fatal(err)
		}
		seed, _ := kp.Seed()
		pub, _ := kp.PublicKey()
		// As `nk -gen user -pubout` writes it: the seed, then the public key.
		creds[name] = write(name, []byte(string(seed)+"\n"+pub+"\n"))
		return pub
	}
	for i, s := range stations {
		if i%2 == 0 {
			users = append(users, federation.NATSUser{Station: s, Nkey: nkeyUser(s)})
			continue
		}
		password := s + "-nats-pw-" + filepath.Base(dir)
		hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		creds[s] = write(s, []byte(s+":"+password+"\n"))
		users = append(users, federation.NATSUser{Station: s, User: s, Password: string(hash)})
	}
	users = append(users, federation.NATSUser{HQ: hq, Nkey: nkeyUser(hq)})
	return users, creds
}
