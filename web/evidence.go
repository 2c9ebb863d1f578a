package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/borderwatch/borderwatch/telemetry/export"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// Evidence over HTTP beyond a sortie's own export: the package of a time
// window (the Replay view's zoomed range, or `borderwatch export --from --to
// --format evidence` against a running server) and the check of the store's
// evidence chain (`borderwatch verify` against a running server). Both are
// thin: the package code is telemetry/export's, the check telemetry/store's.

// windowQuery reads ?from=…&to=…[&vehicle=1,2][&stream=N] as a store query
// and checks it as the CLI does (export.CheckWindow).
func windowQuery(r *http.Request) (store.Query, error) {
	var q store.Query
	var err error
	if q.From, err = parseTime(r, "from"); err != nil {
		return q, err
	}
	if q.To, err = parseTime(r, "to"); err != nil {
		return q, err
	}
	if q.Systems, err = parseVehicles(r, "vehicle"); err != nil {
		return q, err
	}
	if v := r.URL.Query().Get("stream"); v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return q, fmt.Errorf("stream must be 0 (the live recording) or an import's stream number, got %q", v)
		}
		q.Stream = uint32(n)
	}
	return q, export.CheckWindow(q)
}

// handleWindowEvidence answers GET /api/v1/evidence?from=…&to=…: the
// evidence package of a time window, in the per-sortie export's format and
// under its permission (replay).
func (s *Server) handleWindowEvidence(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	q, err := windowQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.sendSpooled(w, export.WindowFileName(q, export.Evidence), export.Evidence.ContentType(), func(f io.Writer) error {
		if _, err := export.Window(f, s.Store, q, export.Evidence, export.Options{}); err != nil {
			s.Logger.Error("web: window evidence failed", "from", q.From, "to", q.To, "err", err)
			return fmt.Errorf("writing the evidence package: %w", err)
		}
		return nil
	})
}

// verifyWriteWait bounds writing the chain report once it is computed (the
// route is a stream route: checking a large store may outlast the server's
// write timeout).
const verifyWriteWait = 30 * time.Second

// handleVerify answers GET /api/v1/verify: the store's evidence chain checked
// as `borderwatch verify --data FILE` checks a stopped server's file
// (store.VerifyChain). Under the audit permission (supervisors and admins):
// checking that the record was not altered is part of reviewing it, it
// changes nothing, and the report names records (kind, key, time), never
// their contents. The answer is 200 with the report whether or not it found
// changes; problems are in "problems".
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	rep, err := s.Store.VerifyChain()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "checking the evidence chain: "+err.Error())
		return
	}
	if rep.Problems == nil {
		rep.Problems = []store.ChainProblem{}
	}
	s.audit(r, 0, "verify", fmt.Sprintf("%d records, %d links, %d problems", rep.Records, rep.Links, len(rep.Problems)+rep.Omitted), nil)
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(verifyWriteWait))
	writeJSON(w, http.StatusOK, rep)
}
