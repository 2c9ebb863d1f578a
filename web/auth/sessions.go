package auth

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/borderwatch/borderwatch/telemetry/store"
)

// touchEvery is how stale a session's last-seen time may get before a
// request writes it again: the idle expiry needs minutes, not a store write
// per request.
const touchEvery = time.Minute

// SessionPrefix starts every session secret (the cookie's value).
const SessionPrefix = "bws_"

// Login checks a user's password and opens a session. remote is the
// client's address (host, no port), which the rate limit counts too. The
// secret it returns goes into the cookie and nowhere else.
//
// After LoginFailures failed attempts for the user or from the address in
// LoginWindow, Login answers ErrRateLimited without looking at the password
// (an attacker must not learn that the 11th guess was right).
func (a *Accounts) Login(name, password, remote string) (secret string, p Principal, err error) {
	now := a.Now()
	keys := []string{"user:" + name, "addr:" + remote}
	if wait, ok := a.limiter.allow(now, keys...); !ok {
		return "", Principal{}, fmt.Errorf("%w: wait %s and try again", ErrRateLimited, wait.Round(time.Second))
	}
	u, err := a.Store.User(name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		_ = bcrypt.CompareHashAndPassword(a.dummyHash, []byte(password))
		a.limiter.failed(now, keys...)
		return "", Principal{}, ErrBadCredentials
	case err != nil:
		return "", Principal{}, err
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil || u.Disabled {
		a.limiter.failed(now, keys...)
		return "", Principal{}, ErrBadCredentials
	}
	// Expired sessions are swept here: logins are rare, and it keeps the
	// bucket from growing without a background goroutine.
	if _, err := a.Store.DeleteSessions(func(s store.Session) bool { return a.sessionEnded(s, now) }); err != nil {
		return "", Principal{}, err
	}
	secret, hash := newSecret(SessionPrefix)
	se := store.Session{Hash: hash, User: u.Name, Created: now.UTC(), LastSeen: now.UTC(), Expires: now.Add(a.SessionMax).UTC(), Remote: remote}
	if err := a.Store.PutSession(se); err != nil {
		return "", Principal{}, err
	}
	p = Principal{User: u.Name, Role: Role(u.Role), Via: "session", sessionHash: hash}
	return secret, p, nil
}

func (a *Accounts) sessionEnded(s store.Session, now time.Time) bool {
	return !now.Before(s.Expires) || now.Sub(s.LastSeen) >= a.SessionIdle
}

// Session finds who a session secret belongs to, and ends it if it has been
// idle too long or has reached its absolute expiry.
func (a *Accounts) Session(secret string) (Principal, error) {
	if secret == "" {
		return Principal{}, ErrNoCredentials
	}
	hash := hashSecret(secret)
	se, err := a.Store.SessionByHash(hash)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, fmt.Errorf("%w: the session has ended; log in again", ErrExpired)
	}
	if err != nil {
		return Principal{}, err
	}
	now := a.Now()
	if a.sessionEnded(se, now) {
		_ = a.Store.DeleteSession(hash)
		return Principal{}, fmt.Errorf("%w: the session has expired; log in again", ErrExpired)
	}
	p, err := a.principal(se.User, "session")
	if err != nil {
		return Principal{}, err
	}
	p.sessionHash = hash
	if now.Sub(se.LastSeen) >= touchEvery {
		if err := a.Store.TouchSession(hash, now.UTC()); err != nil {
			return Principal{}, err
		}
	}
	return p, nil
}

// Logout ends the session a principal came with. Logging out twice, or
// with a token, is no error.
func (a *Accounts) Logout(p Principal) error {
	if p.sessionHash == "" {
		return nil
	}
	return a.Store.DeleteSession(p.sessionHash)
}

// SessionMaxAge is how long a session cookie should live in the browser.
func (a *Accounts) SessionMaxAge() time.Duration { return a.SessionMax }
