// Package auth holds Borderwatch's accounts: users with roles and bcrypt
// password hashes, browser sessions and API tokens (both kept in the store
// by the hash of their secret only), and the login rate limit. The HTTP
// handlers (web) and the CLI (borderwatch users, borderwatch tokens) call the
// same Accounts methods, so both enforce the same rules.
package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Permission is one kind of thing a user may do. Every route of the web
// server needs exactly one (web/routes.go); a role is a set of them.
type Permission string

const (
	// PermPublic: no login (health checks, the login endpoint, the static UI).
	PermPublic Permission = "public"
	// PermWatch: see the live fleet, layers, plans, alerts and detections.
	PermWatch Permission = "watch"
	// PermPlan: edit the plan library, plan routes, validate and convert plans.
	PermPlan Permission = "plan"
	// PermCommand: command vehicles, upload plans, set parameters, acknowledge alerts.
	PermCommand Permission = "command"
	// PermReplay: list and replay sorties, export them.
	PermReplay Permission = "replay"
	// PermAudit: read the audit trail.
	PermAudit Permission = "audit"
	// PermAdmin: users, tokens, signing keys, layers, settings, /metrics.
	PermAdmin Permission = "admin"
)

// Role is what a user is; it decides their permissions.
type Role string

const (
	// RoleOperator plans, uploads and commands: watch + plan + command.
	RoleOperator Role = "operator"
	// RoleSupervisor watches, replays, exports and reads the audit trail; it
	// does not command vehicles or upload plans.
	RoleSupervisor Role = "supervisor"
	// RoleAdmin may do everything.
	RoleAdmin Role = "admin"
)

// Roles lists the roles, least powerful first.
var Roles = []Role{RoleOperator, RoleSupervisor, RoleAdmin}

var rolePermissions = map[Role][]Permission{
	RoleOperator:   {PermWatch, PermPlan, PermCommand},
	RoleSupervisor: {PermWatch, PermReplay, PermAudit},
	RoleAdmin:      {PermWatch, PermPlan, PermCommand, PermReplay, PermAudit, PermAdmin},
}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := rolePermissions[r]; !ok {
		return "", fmt.Errorf("%w: unknown role %q (known: operator, supervisor, admin)", ErrInvalid, s)
	}
	return r, nil
}

// Permissions lists what the role may do (a copy).
func (r Role) Permissions() []Permission { return slices.Clone(rolePermissions[r]) }

// Can says whether the role has a permission. Everyone has PermPublic.
func (r Role) Can(p Permission) bool {
	return p == PermPublic || slices.Contains(rolePermissions[r], p)
}
