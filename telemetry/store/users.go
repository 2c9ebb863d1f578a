package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Accounts for the web/auth package: users (with a password hash that
// web/auth computes; the store never sees a password), API tokens and
// browser sessions (both kept by the hash of their secret only, so a copy of
// the file does not let anyone in). Keys: "users" name → JSON User; "tokens"
// hash → JSON Token; "sessions" hash → JSON Session (sessions.go).

var (
	bucketUsers  = []byte("users")
	bucketTokens = []byte("tokens")
)

// User is an account.
type User struct {
	Name         string    `json:"name"`
	Role         string    `json:"role"`          // operator, supervisor, admin (web/auth decides)
	PasswordHash []byte    `json:"password_hash"` // bcrypt output
	Disabled     bool      `json:"disabled,omitempty"`
	Created      time.Time `json:"created"`
}

// Token is an API token, known to the store only by its hash.
type Token struct {
	// ID names the token in lists and for revocation; it is not the secret.
	ID      string    `json:"id"`
	Hash    string    `json:"hash"` // hex SHA-256 of the token
	User    string    `json:"user"`
	Created time.Time `json:"created"`
	// Expires is when the token stops working; zero never.
	Expires time.Time `json:"expires,omitzero"`
	Comment string    `json:"comment,omitempty"`
}

func checkUserName(name string) error {
	if name == "" || len(name) > 100 {
		return fmt.Errorf("%w: a user needs a name of 1-100 bytes", ErrInvalid)
	}
	return nil
}

// getJSON reads key of bucket into v; a missing bucket or key is ErrNotFound
// (what names the record in the error).
func getJSON(tx *bolt.Tx, bucket, key []byte, v any, what string) error {
	var data []byte
	if b := tx.Bucket(bucket); b != nil {
		data = b.Get(key)
	}
	if data == nil {
		return fmt.Errorf("%w: %s", ErrNotFound, what)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorruptRecord, what, err)
	}
	return nil
}

// putJSON writes v under key, creating the bucket if needed.
func putJSON(tx *bolt.Tx, bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b, err := tx.CreateBucketIfNotExists(bucket)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// forEachJSON decodes every value of a bucket into a new T and calls fn.
func forEachJSON[T any](tx *bolt.Tx, bucket []byte, what string, fn func(k []byte, v T) error) error {
	b := tx.Bucket(bucket)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, data []byte) error {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("%w: %s %q: %v", ErrCorruptRecord, what, k, err)
		}
		return fn(k, v)
	})
}

// PutUser creates or replaces a user.
func (s *Store) PutUser(u User) error {
	if err := checkUserName(u.Name); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error { return putJSON(tx, bucketUsers, []byte(u.Name), u) })
}

// AddUser creates a user; ErrExists if the name is taken.
func (s *Store) AddUser(u User) error {
	if err := checkUserName(u.Name); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketUsers); b != nil && b.Get([]byte(u.Name)) != nil {
			return fmt.Errorf("%w: user %q", ErrExists, u.Name)
		}
		return putJSON(tx, bucketUsers, []byte(u.Name), u)
	})
}

// UpdateUser changes a user in one transaction: fn edits a copy, which is
// stored if fn returns nil. The name cannot change.
func (s *Store) UpdateUser(name string, fn func(*User) error) (User, error) {
	var u User
	err := s.update(func(tx *bolt.Tx) error {
		if err := getJSON(tx, bucketUsers, []byte(name), &u, fmt.Sprintf("user %q", name)); err != nil {
			return err
		}
		if err := fn(&u); err != nil {
			return err
		}
		u.Name = name
		return putJSON(tx, bucketUsers, []byte(name), u)
	})
	return u, err
}

// User returns one user.
func (s *Store) User(name string) (User, error) {
	var u User
	err := s.view(func(tx *bolt.Tx) error {
		return getJSON(tx, bucketUsers, []byte(name), &u, fmt.Sprintf("user %q", name))
	})
	return u, err
}

// Users lists the users by name.
func (s *Store) Users() ([]User, error) {
	var out []User
	err := s.view(func(tx *bolt.Tx) error {
		return forEachJSON(tx, bucketUsers, "user", func(_ []byte, u User) error { out = append(out, u); return nil })
	})
	return out, err
}

// DeleteUser removes a user with their tokens and sessions.
func (s *Store) DeleteUser(name string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b == nil || b.Get([]byte(name)) == nil {
			return fmt.Errorf("%w: user %q", ErrNotFound, name)
		}
		if err := b.Delete([]byte(name)); err != nil {
			return err
		}
		if _, err := deleteWhere(tx, bucketTokens, func(t Token) bool { return t.User == name }); err != nil {
			return err
		}
		_, err := deleteWhere(tx, bucketSessions, func(se Session) bool { return se.User == name })
		return err
	})
}

// deleteWhere deletes the records of a bucket that match and counts them.
func deleteWhere[T any](tx *bolt.Tx, bucket []byte, match func(T) bool) (int, error) {
	b := tx.Bucket(bucket)
	if b == nil {
		return 0, nil
	}
	n := 0
	c := b.Cursor()
	for k, v := c.First(); k != nil; {
		var rec T
		if json.Unmarshal(v, &rec) == nil && match(rec) {
			key := append([]byte(nil), k...)
			if err := c.Delete(); err != nil {
				return n, err
			}
			n++
			k, v = c.Seek(key) // Delete moves the cursor: seek to the key after the deleted one
			continue
		}
		k, v = c.Next()
	}
	return n, nil
}

// PutToken stores a token hash for an existing user.
func (s *Store) PutToken(t Token) error {
	if t.Hash == "" {
		return fmt.Errorf("%w: a token needs its hash", ErrInvalid)
	}
	return s.update(func(tx *bolt.Tx) error {
		if ub := tx.Bucket(bucketUsers); ub == nil || ub.Get([]byte(t.User)) == nil {
			return fmt.Errorf("%w: user %q", ErrNotFound, t.User)
		}
		return putJSON(tx, bucketTokens, []byte(t.Hash), t)
	})
}

// TokenByHash finds a token by its hash.
func (s *Store) TokenByHash(hash string) (Token, error) {
	var t Token
	err := s.view(func(tx *bolt.Tx) error { return getJSON(tx, bucketTokens, []byte(hash), &t, "token") })
	return t, err
}

// Tokens lists every token (hashes included: callers must not show them).
func (s *Store) Tokens() ([]Token, error) {
	var out []Token
	err := s.view(func(tx *bolt.Tx) error {
		return forEachJSON(tx, bucketTokens, "token", func(_ []byte, t Token) error { out = append(out, t); return nil })
	})
	return out, err
}

// DeleteToken revokes a token by its hash.
func (s *Store) DeleteToken(hash string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		if b == nil || b.Get([]byte(hash)) == nil {
			return fmt.Errorf("%w: token", ErrNotFound)
		}
		return b.Delete([]byte(hash))
	})
}

// DeleteTokenByID revokes a token by its ID and returns it.
func (s *Store) DeleteTokenByID(id string) (Token, error) {
	var found Token
	err := s.update(func(tx *bolt.Tx) error {
		n, err := deleteWhere(tx, bucketTokens, func(t Token) bool {
			if t.ID == id && id != "" {
				found = t
				return true
			}
			return false
		})
		if err == nil && n == 0 {
			err = fmt.Errorf("%w: token %q", ErrNotFound, id)
		}
		return err
	})
	return found, err
}
