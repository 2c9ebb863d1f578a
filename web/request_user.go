package web

import (
	"net/http"

	"github.com/borderwatch/borderwatch/telemetry"
)

// requestUser names who made a request, for the plan library, upload
// records, layer changes and acknowledgements: the user guard()
// authenticated, or "anonymous" on a public route.
func requestUser(r *http.Request) string {
	if u := infoOf(r).principal.User; u != "" {
		return u
	}
	return "anonymous"
}

// auditUser records an operator's action in the audit trail under the
// request's user (web/audit.go); id is the vehicle concerned, 0 for none.
func (s *Server) auditUser(r *http.Request, id telemetry.VehicleID, action, detail string, err error) {
	s.audit(r, id, action, detail, err)
}
