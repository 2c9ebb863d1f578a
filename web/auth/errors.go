package auth

import "errors"

// Sentinel errors of the auth package; wrapped errors say more. The web
// layer maps them to HTTP statuses (web/auth_http.go).
var (
	// ErrNoCredentials: the request carried neither a session nor a token.
	ErrNoCredentials = errors.New("auth: not logged in")
	// ErrBadCredentials: wrong user name or password, or an unknown token or
	// session. It never says which part was wrong.
	ErrBadCredentials = errors.New("auth: wrong user name or password")
	// ErrExpired: the session or token has expired or was ended.
	ErrExpired = errors.New("auth: expired")
	// ErrRateLimited: too many failed logins for this user or address.
	ErrRateLimited = errors.New("auth: too many failed logins")
	// ErrInvalid: a refused argument (a bad user name, role or password).
	ErrInvalid = errors.New("auth: invalid")
	// ErrNotFound: no such user or token.
	ErrNotFound = errors.New("auth: not found")
	// ErrExists: the user name is taken.
	ErrExists = errors.New("auth: already exists")
	// ErrLastAdmin: the change would leave no admin to manage accounts.
	ErrLastAdmin = errors.New("auth: this is the last admin")
)
