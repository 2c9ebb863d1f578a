package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
)

// The audit trail: who did what (with its arguments), when, from where, and
// the result. Records go to the hub like every event; the recorder stores
// them in the audit log (store "audit" bucket). Nothing secret is ever put
// in a record: no password, token, session id or signing key.

// audit records an operator's action on a vehicle.
func (s *Server) audit(r *http.Request, id telemetry.VehicleID, action, detail string, err error) {
	result := "ok"
	if err != nil {
		result = "error: " + err.Error()
	}
	s.recordAs(r, "", id, action, detail, result)
}

// recordAs writes one audit record. user "" means the request's principal
// (or "anonymous"); login handlers name the user who tried.
func (s *Server) recordAs(r *http.Request, user string, id telemetry.VehicleID, action, detail, result string) {
	ri := infoOf(r)
	ri.audited.Store(true)
	if user == "" {
		user = requestUser(r)
	}
	s.Hub.Publish(telemetry.OperatorAction{
		EventHeader: telemetry.Header(time.Now().UTC(), id),
		User:        user, Action: action, Detail: detail, Result: result, Remote: ri.remote,
	})
}

// auditRequest is the record of a state-changing request whose handler did
// not write its own: the route, its path arguments and the answer's status
// (with the start of the error message).
func (s *Server) auditRequest(r *http.Request, pattern string, sw *statusWriter) {
	_, p, _ := strings.Cut(pattern, " ")
	var args []string
	var id telemetry.VehicleID
	for _, seg := range strings.Split(p, "/") {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		name := strings.Trim(seg, "{}.")
		v := r.PathValue(name)
		args = append(args, name+"="+v)
		if n, err := telemetry.ParseVehicleID(v); err == nil && name == "id" && strings.Contains(p, "/vehicles/") {
			id = n
		}
	}
	result := "ok"
	if sw.status >= 400 {
		var e apiError
		msg := strings.TrimSpace(sw.errBuf.String())
		if json.Unmarshal(sw.errBuf.Bytes(), &e) == nil {
			msg = e.Error
		}
		result = fmt.Sprintf("error %d: %s", sw.status, msg)
	}
	s.recordAs(r, "", id, r.Method+" "+p, strings.Join(args, " "), result)
}

// commandDetail is a command with all its arguments, as the caller sent them.
func commandDetail(c CommandRequest) string {
	c.Vehicles = nil
	b, err := json.Marshal(c)
	if err != nil {
		return c.Command
	}
	return string(b)
}
