package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/borderwatch/borderwatch/telemetry/store"
)

// TokenPrefix starts every API token.
const TokenPrefix = "bwt_"

// TokenInfo is a token as listed: never its secret or its hash.
type TokenInfo struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires,omitzero"`
	Comment string    `json:"comment,omitempty"`
}

func tokenInfo(t store.Token) TokenInfo {
	return TokenInfo{ID: t.ID, User: t.User, Created: t.Created, Expires: t.Expires, Comment: t.Comment}
}

// ParseTTL reads a token lifetime: a Go duration ("720h"), "" or "0" for
// none.
func ParseTTL(s string) (time.Duration, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%w: a token's lifetime must be a duration such as 720h (or 0 for none), got %q", ErrInvalid, s)
	}
	return d, nil
}

// MaxCommentLen bounds a token's comment.
const MaxCommentLen = 200

// CreateToken makes an API token for a user. ttl 0 makes one that does not
// expire. The secret is returned once and stored only as its hash.
func (a *Accounts) CreateToken(user string, ttl time.Duration, comment string) (secret string, info TokenInfo, err error) {
	if ttl < 0 {
		return "", TokenInfo{}, fmt.Errorf("%w: a token's lifetime must be positive (or 0 for no expiry)", ErrInvalid)
	}
	if len(comment) > MaxCommentLen {
		return "", TokenInfo{}, fmt.Errorf("%w: a token's comment is at most %d bytes", ErrInvalid, MaxCommentLen)
	}
	now := a.Now().UTC()
	id := make([]byte, 6)
	_, _ = rand.Read(id)
	secret, hash := newSecret(TokenPrefix)
	t := store.Token{ID: hex.EncodeToString(id), Hash: hash, User: user, Created: now, Comment: comment}
	if ttl > 0 {
		t.Expires = now.Add(ttl)
	}
	if err := a.Store.PutToken(t); err != nil {
		return "", TokenInfo{}, storeErr(err, fmt.Sprintf("user %q", user))
	}
	return secret, tokenInfo(t), nil
}

// Tokens lists the tokens, oldest first; user "" lists everyone's.
func (a *Accounts) Tokens(user string) ([]TokenInfo, error) {
	ts, err := a.Store.Tokens()
	if err != nil {
		return nil, err
	}
	out := []TokenInfo{}
	for _, t := range ts {
		if user == "" || t.User == user {
			out = append(out, tokenInfo(t))
		}
	}
	sortTokens(out)
	return out, nil
}

// RevokeToken deletes a token by its ID.
func (a *Accounts) RevokeToken(id string) (TokenInfo, error) {
	t, err := a.Store.DeleteTokenByID(id)
	if err != nil {
		return TokenInfo{}, storeErr(err, fmt.Sprintf("token %q", id))
	}
	return tokenInfo(t), nil
}

// Token finds who an API token belongs to. An expired token is refused
// (and kept, so that the admin's list shows it expired).
func (a *Accounts) Token(secret string) (Principal, error) {
	if secret == "" {
		return Principal{}, ErrNoCredentials
	}
	t, err := a.Store.TokenByHash(hashSecret(secret))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, fmt.Errorf("%w: unknown or revoked token", ErrBadCredentials)
	}
	if err != nil {
		return Principal{}, err
	}
	if !t.Expires.IsZero() && !a.Now().Before(t.Expires) {
		return Principal{}, fmt.Errorf("%w: the token expired at %s; create a new one", ErrExpired, t.Expires.Format(time.RFC3339))
	}
	p, err := a.principal(t.User, "token")
	p.TokenID = t.ID
	return p, err
}
