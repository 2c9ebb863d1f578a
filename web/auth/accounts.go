package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/borderwatch/borderwatch/telemetry/store"
)

// Accounts manages users, sessions and tokens in a store. It holds no
// goroutine; the store serialises writes, and the login limiter has its
// own small lock.
type Accounts struct {
	// Store keeps users, sessions and token hashes.
	Store *store.Store
	// (optional) Now is the clock. Defaults to time.Now; tests inject one.
	Now func() time.Time
	// (optional) SessionIdle ends a session unused this long. Defaults to 8h.
	SessionIdle time.Duration
	// (optional) SessionMax ends a session this long after login whatever its
	// activity. Defaults to 7 days.
	SessionMax time.Duration
	// (optional) BcryptCost is the password hash's work factor. Defaults to
	// bcrypt.DefaultCost (10); tests lower it to bcrypt.MinCost.
	BcryptCost int
	// (optional) LoginFailures is how many failed logins per user and per
	// address are allowed in LoginWindow before further attempts are refused
	// (even with the right password). Defaults to 10.
	LoginFailures int
	// (optional) LoginWindow: see LoginFailures. Defaults to one minute.
	LoginWindow time.Duration

	limiter loginLimiter
	// dummyHash is compared against when the user does not exist, so that a
	// wrong name costs as long as a wrong password (no user enumeration).
	dummyHash []byte
}

// Initialize applies the defaults.
func (a *Accounts) Initialize() error {
	if a.Store == nil {
		return errors.New("auth: Accounts needs a Store")
	}
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.SessionIdle <= 0 {
		a.SessionIdle = 8 * time.Hour
	}
	if a.SessionMax <= 0 {
		a.SessionMax = 7 * 24 * time.Hour
	}
	if a.BcryptCost == 0 {
		a.BcryptCost = bcrypt.DefaultCost
	}
	if a.LoginFailures <= 0 {
		a.LoginFailures = 10
	}
	if a.LoginWindow <= 0 {
		a.LoginWindow = time.Minute
	}
	a.limiter.init(a.LoginFailures, a.LoginWindow)
	h, err := bcrypt.GenerateFromPassword([]byte("no such user: compare against this"), a.BcryptCost)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	a.dummyHash = h
	return nil
}

// Close releases nothing today; it is here so that Accounts is built and
// torn down like every other manager.
func (a *Accounts) Close() {}

// UserInfo is a user as shown to admins: never the password hash.
type UserInfo struct {
	Name        string       `json:"name"`
	Role        Role         `json:"role"`
	Permissions []Permission `json:"permissions"`
	Created     time.Time    `json:"created"`
}

func userInfo(u store.User) UserInfo {
	r := Role(u.Role)
	return UserInfo{Name: u.Name, Role: r, Permissions: r.Permissions(), Created: u.Created}
}

var userNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// CheckUserName says whether a name can be a user name: 1-64 letters,
// digits, '.', '_', '@' or '-', starting with a letter or digit.
func CheckUserName(name string) error {
	if !userNameRE.MatchString(name) {
		return fmt.Errorf("%w: user name %q: use 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit", ErrInvalid, name)
	}
	return nil
}

// Password limits: bcrypt reads at most 72 bytes, so longer passwords would
// be silently cut; refuse them instead.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 72
)

// CheckPassword says whether a password is acceptable.
func CheckPassword(pw string) error {
	if len(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return fmt.Errorf("%w: a password needs %d-%d bytes", ErrInvalid, MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

func (a *Accounts) hash(pw string) ([]byte, error) {
	if err := CheckPassword(pw); err != nil {
		return nil, err
	}
	return bcrypt.GenerateFromPassword([]byte(pw), a.BcryptCost)
}

// storeErr turns the store's sentinel errors into ours.
func storeErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: %s", ErrNotFound, what)
	case errors.Is(err, store.ErrExists):
		return fmt.Errorf("%w: %s", ErrExists, what)
	}
	return err
}

// AddUser creates a user with a role and a password.
func (a *Accounts) AddUser(name string, role Role, password string) (UserInfo, error) {
	if err := CheckUserName(name); err != nil {
		return UserInfo{}, err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return UserInfo{}, err
	}
	h, err := a.hash(password)
	if err != nil {
		return UserInfo{}, err
	}
	u := store.User{Name: name, Role: string(role), PasswordHash: h, Created: a.Now().UTC()}
	if err := a.Store.AddUser(u); err != nil {
		return UserInfo{}, storeErr(err, fmt.Sprintf("user %q", name))
	}
	return userInfo(u), nil
}

// User returns one user.
func (a *Accounts) User(name string) (UserInfo, error) {
	u, err := a.Store.User(name)
	if err != nil {
		return UserInfo{}, storeErr(err, fmt.Sprintf("user %q", name))
	}
	return userInfo(u), nil
}

// Users lists the users by name.
func (a *Accounts) Users() ([]UserInfo, error) {
	us, err := a.Store.Users()
	if err != nil {
		return nil, err
	}
	out := make([]UserInfo, 0, len(us))
	for _, u := range us {
		out = append(out, userInfo(u))
	}
	return out, nil
}

// SetPassword replaces a user's password and ends their sessions (a reset
// after a leak must throw out whoever used the old one). Tokens stay: they
// are separate credentials with their own revocation.
func (a *Accounts) SetPassword(name, password string) error {
	h, err := a.hash(password)
	if err != nil {
		return err
	}
	if _, err := a.Store.UpdateUser(name, func(u *store.User) error { u.PasswordHash = h; return nil }); err != nil {
		return storeErr(err, fmt.Sprintf("user %q", name))
	}
	_, err = a.Store.DeleteSessions(func(s store.Session) bool { return s.User == name })
	return err
}

// SetRole changes a user's role; it applies to their next request. The last
// admin cannot be demoted (nobody could manage accounts any more).
func (a *Accounts) SetRole(name string, role Role) (UserInfo, error) {
	if _, err := ParseRole(string(role)); err != nil {
		return UserInfo{}, err
	}
	if role != RoleAdmin {
		if err := a.keepAnAdmin(name); err != nil {
			return UserInfo{}, err
		}
	}
	u, err := a.Store.UpdateUser(name, func(u *store.User) error { u.Role = string(role); return nil })
	if err != nil {
		return UserInfo{}, storeErr(err, fmt.Sprintf("user %q", name))
	}
	return userInfo(u), nil
}

// RemoveUser deletes a user with their sessions and tokens. The last admin
// cannot be removed.
func (a *Accounts) RemoveUser(name string) error {
	if err := a.keepAnAdmin(name); err != nil {
		return err
	}
	return storeErr(a.Store.DeleteUser(name), fmt.Sprintf("user %q", name))
}

// keepAnAdmin refuses a change that takes admin away from name when name is
// the only admin.
func (a *Accounts) keepAnAdmin(name string) error {
	us, err := a.Store.Users()
	if err != nil {
		return err
	}
	admins, isAdmin := 0, false
	for _, u := range us {
		if Role(u.Role) == RoleAdmin {
			admins++
			isAdmin = isAdmin || u.Name == name
		}
	}
	if isAdmin && admins == 1 {
		return fmt.Errorf("%w: %q is the only admin; make another user admin first", ErrLastAdmin, name)
	}
	return nil
}

// Principal is who made a request, and how they proved it.
type Principal struct {
	User string
	Role Role
	// Via is "session" or "token".
	Via string
	// TokenID names the token used (Via "token").
	TokenID string
	// sessionHash identifies the session (Via "session") for logout.
	sessionHash string
}

// Can says whether the principal has a permission.
func (p Principal) Can(perm Permission) bool { return p.Role.Can(perm) }

// principal looks the user up again on every request, so that a role change
// or a removal applies at once.
func (a *Accounts) principal(name, via string) (Principal, error) {
	u, err := a.Store.User(name)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, fmt.Errorf("%w: the user was removed", ErrExpired)
	}
	if err != nil {
		return Principal{}, err
	}
	if u.Disabled {
		return Principal{}, fmt.Errorf("%w: the account is disabled", ErrExpired)
	}
	return Principal{User: u.Name, Role: Role(u.Role), Via: via}, nil
}

// newSecret makes a random secret with a prefix that says what it is (so a
// leaked one is recognised by secret scanners and people), and its hash.
func newSecret(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret)
}

// hashSecret is how secrets are looked up: SHA-256 is enough for 256-bit
// random values (no dictionary to attack), and fast enough for every request.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func sortTokens(ts []TokenInfo) {
	sort.Slice(ts, func(i, j int) bool {
		if !ts[i].Created.Equal(ts[j].Created) {
			return ts[i].Created.Before(ts[j].Created)
		}
		return ts[i].ID < ts[j].ID
	})
}

// EnsureUser creates a user, or gives an existing one this role and
// password (the demo's accounts get fresh passwords at every start).
func (a *Accounts) EnsureUser(name string, role Role, password string) error {
	_, err := a.AddUser(name, role, password)
	if !errors.Is(err, ErrExists) {
		return err
	}
	if err := a.SetPassword(name, password); err != nil {
		return err
	}
	_, err = a.SetRole(name, role)
	return err
}

// NewPassword makes a random password of 20 characters (100 bits) for
// generated accounts.
func NewPassword() string {
	b := make([]byte, 13)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:20]
}
