package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Accounts for the web package: users (with a password hash the web layer
// computes; the store never sees a password) and API tokens (kept by their
// hash only). Keys: "users" name → JSON User; "tokens" hash → JSON Token.

var (
	bucketUsers  = []byte("users")
	bucketTokens = []byte("tokens")
)

// User is an account.
type User struct {
	Name         string    `json:"name"`
	Role         string    `json:"role"`          // operator, supervisor, admin (the web package decides)
	PasswordHash []byte    `json:"password_hash"` // e.g. bcrypt output
	Disabled     bool      `json:"disabled,omitempty"`
	Created      time.Time `json:"created"`
}

// Token is an API token, known to the store only by its hash.
type Token struct {
	Hash    string    `json:"hash"` // e.g. hex SHA-256 of the token
	User    string    `json:"user"`
	Created time.Time `json:"created"`
	Comment string    `json:"comment,omitempty"`
}

// PutUser creates or replaces a user.
func (s *Store) PutUser(u User) error {
	if u.Name == "" || len(u.Name) > 100 {
		return fmt.Errorf("%w: a user needs a name of 1-100 bytes", ErrInvalid)
	}
	v, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketUsers)
		if err != nil {
			return err
		}
		return b.Put([]byte(u.Name), v)
	})
}

// User returns one user.
func (s *Store) User(name string) (User, error) {
	var u User
	err := s.view(func(tx *bolt.Tx) error {
		var v []byte
		if b := tx.Bucket(bucketUsers); b != nil {
			v = b.Get([]byte(name))
		}
		if v == nil {
			return fmt.Errorf("%w: user %q", ErrNotFound, name)
		}
		if err := json.Unmarshal(v, &u); err != nil {
			return fmt.Errorf("%w: user %q: %v", ErrCorruptRecord, name, err)
		}
		return nil
	})
	return u, err
}

// Users lists the users by name.
func (s *Store) Users() ([]User, error) {
	var out []User
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("%w: user %q: %v", ErrCorruptRecord, k, err)
			}
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

// DeleteUser removes a user and their tokens.
func (s *Store) DeleteUser(name string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b == nil || b.Get([]byte(name)) == nil {
			return fmt.Errorf("%w: user %q", ErrNotFound, name)
		}
		if err := b.Delete([]byte(name)); err != nil {
			return err
		}
		tb := tx.Bucket(bucketTokens)
		if tb == nil {
			return nil
		}
		c := tb.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var t Token
			if json.Unmarshal(v, &t) == nil && t.User == name {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// PutToken stores a token hash for an existing user.
func (s *Store) PutToken(t Token) error {
	if t.Hash == "" {
		return fmt.Errorf("%w: a token needs its hash", ErrInvalid)
	}
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		if ub := tx.Bucket(bucketUsers); ub == nil || ub.Get([]byte(t.User)) == nil {
			return fmt.Errorf("%w: user %q", ErrNotFound, t.User)
		}
		b, err := tx.CreateBucketIfNotExists(bucketTokens)
		if err != nil {
			return err
		}
		return b.Put([]byte(t.Hash), v)
	})
}

// TokenByHash finds a token by its hash.
func (s *Store) TokenByHash(hash string) (Token, error) {
	var t Token
	err := s.view(func(tx *bolt.Tx) error {
		var v []byte
		if b := tx.Bucket(bucketTokens); b != nil {
			v = b.Get([]byte(hash))
		}
		if v == nil {
			return fmt.Errorf("%w: token", ErrNotFound)
		}
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("%w: token: %v", ErrCorruptRecord, err)
		}
		return nil
	})
	return t, err
}

// DeleteToken revokes a token.
func (s *Store) DeleteToken(hash string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		if b == nil || b.Get([]byte(hash)) == nil {
			return fmt.Errorf("%w: token", ErrNotFound)
		}
		return b.Delete([]byte(hash))
	})
}
