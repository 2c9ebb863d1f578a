package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Browser sessions, kept in the store so that a restart does not log
// everyone out. Like tokens they are keyed by the hash of their secret.

var bucketSessions = []byte("sessions")

// Session is a logged-in browser.
type Session struct {
	Hash     string    `json:"hash"` // hex SHA-256 of the cookie's value
	User     string    `json:"user"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
	// Expires is the absolute end of the session, whatever its activity.
	Expires time.Time `json:"expires"`
	Remote  string    `json:"remote,omitempty"` // address it logged in from
}

// PutSession stores a session for an existing user.
func (s *Store) PutSession(se Session) error {
	if se.Hash == "" {
		return fmt.Errorf("%w: a session needs its hash", ErrInvalid)
	}
	return s.update(func(tx *bolt.Tx) error {
		if ub := tx.Bucket(bucketUsers); ub == nil || ub.Get([]byte(se.User)) == nil {
			return fmt.Errorf("%w: user %q", ErrNotFound, se.User)
		}
		return putJSON(tx, bucketSessions, []byte(se.Hash), se)
	})
}

// SessionByHash finds a session by its hash.
func (s *Store) SessionByHash(hash string) (Session, error) {
	var se Session
	err := s.view(func(tx *bolt.Tx) error { return getJSON(tx, bucketSessions, []byte(hash), &se, "session") })
	return se, err
}

// TouchSession records activity on a session.
func (s *Store) TouchSession(hash string, seen time.Time) error {
	return s.update(func(tx *bolt.Tx) error {
		var se Session
		if err := getJSON(tx, bucketSessions, []byte(hash), &se, "session"); err != nil {
			return err
		}
		se.LastSeen = seen
		return putJSON(tx, bucketSessions, []byte(hash), se)
	})
}

// DeleteSession ends a session. Ending one that does not exist is no error
// (a double logout).
func (s *Store) DeleteSession(hash string) error {
	return s.update(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketSessions); b != nil {
			return b.Delete([]byte(hash))
		}
		return nil
	})
}

// DeleteSessions ends the sessions that match (e.g. a user's, after a
// password change, or the expired ones) and counts them.
func (s *Store) DeleteSessions(match func(Session) bool) (int, error) {
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		n, err = deleteWhere(tx, bucketSessions, match)
		return err
	})
	return n, err
}

// Sessions lists every session (hashes included: callers must not show them).
func (s *Store) Sessions() ([]Session, error) {
	var out []Session
	err := s.view(func(tx *bolt.Tx) error {
		return forEachJSON(tx, bucketSessions, "session", func(_ []byte, se Session) error { out = append(out, se); return nil })
	})
	return out, err
}
