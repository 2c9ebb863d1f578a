package web

import (
	"net/http"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
)

// requestUser names who made a request, for the plan library, upload
// records, layer changes and acknowledgements. Until accounts exist (the
// auth branch, issue 9) every request is "anonymous", as the audit trail
// already says.
func requestUser(r *http.Request) string { return "anonymous" }

// auditUser records an operator's action in the audit trail under the
// request's user; id is the vehicle concerned, 0 for none.
func (s *Server) auditUser(r *http.Request, id uint8, action, detail string, err error) {
	result := "ok"
	if err != nil {
		result = "error: " + err.Error()
	}
	s.Hub.Publish(telemetry.OperatorAction{EventHeader: telemetry.EventHeader{Time: time.Now(), SystemID: id},
		User: requestUser(r), Action: action, Detail: detail, Result: result})
}
