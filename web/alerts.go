package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// Alerts and detections for a page that opens late: the history since a
// time, and for alerts whether and by whom each was acknowledged.

// AlertEntry is one alert with its id and acknowledgement.
type AlertEntry struct {
	ID string `json:"id"`
	telemetry.Alert
	// State is "open" or "acknowledged".
	State string          `json:"state"`
	Ack   *store.AlertAck `json:"ack,omitempty"`
}

// AlertAckRequest is the body of POST /api/v1/alerts/{id}/ack.
type AlertAckRequest struct {
	Note string `json:"note,omitempty"`
}

const maxAckBody = 8 << 10

// historyFilter reads vehicle, from (or since), to and limit. since is an
// RFC 3339 time or a duration back from now ("15m").
func historyFilter(r *http.Request) (store.EventFilter, error) {
	f, err := eventFilter(r)
	if err != nil {
		return f, err
	}
	since := r.URL.Query().Get("since")
	if since == "" {
		return f, nil
	}
	if !f.From.IsZero() {
		return f, errors.New("give from or since, not both")
	}
	if d, derr := time.ParseDuration(since); derr == nil && d >= 0 {
		f.From = time.Now().Add(-d)
		return f, nil
	}
	t, err := time.Parse(time.RFC3339Nano, since)
	if err != nil {
		return f, fmt.Errorf("since must be an RFC 3339 time such as 2026-05-01T12:00:00Z or a duration such as 15m, got %q", since)
	}
	f.From = t
	return f, nil
}

// newestEvents reads the newest f.Limit events of type typ that match f
// (and keep, when given), oldest first: a page opening late wants what
// happened last, not first.
func (s *Server) newestEvents(f store.EventFilter, typ string, keep func(telemetry.Event) bool) ([]telemetry.Event, error) {
	limit := f.Limit
	f.Limit, f.Types = 0, []string{typ}
	ring := make([]telemetry.Event, 0, min(limit, 1024))
	start := 0
	err := s.Store.Events(f, func(e telemetry.Event) bool {
		if keep != nil && !keep(e) {
			return true
		}
		if len(ring) < limit {
			ring = append(ring, e)
		} else {
			ring[start] = e
			start = (start + 1) % limit
		}
		return true
	})
	return append(ring[start:], ring[:start]...), err
}

// handleAlerts: GET /api/v1/alerts[?since=…|from=…][&to=…][&vehicle=…][&limit=N][&state=open|acknowledged].
func (s *Server) handleAlerts(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	f, err := historyFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	state := r.URL.Query().Get("state")
	if state != "" && state != "open" && state != "acknowledged" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("state must be open or acknowledged, got %q", state))
		return
	}
	// The state filters before the limit: the newest 50 open alerts, not
	// the open ones among the newest 50 (after a flood of notices an
	// operator's page asks for the open ones and must get them).
	var keep func(telemetry.Event) bool
	if state != "" {
		acked, err := s.Store.AcknowledgedAlerts()
		if err != nil {
			writeError(w, http.StatusInternalServerError, "reading acknowledgements: "+err.Error())
			return
		}
		keep = func(e telemetry.Event) bool {
			_, ok := acked[store.AlertID(e.(telemetry.Alert))]
			return ok == (state == "acknowledged")
		}
	}
	evs, err := s.newestEvents(f, "alert", keep)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "reading alerts: "+err.Error())
		return
	}
	ids := make([]string, 0, len(evs))
	for _, e := range evs {
		ids = append(ids, store.AlertID(e.(telemetry.Alert)))
	}
	acks, err := s.Store.AlertAcks(ids)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "reading acknowledgements: "+err.Error())
		return
	}
	out := make([]AlertEntry, 0, len(evs))
	for i, e := range evs {
		a := AlertEntry{ID: ids[i], Alert: e.(telemetry.Alert), State: "open"}
		if ack, ok := acks[ids[i]]; ok {
			a.State, a.Ack = "acknowledged", &ack
		}
		out = append(out, a)
	}
	writeJSON(w, http.StatusOK, out)
}

// handleDetections: GET /api/v1/detections[?since=…|from=…][&to=…][&vehicle=…][&limit=N].
func (s *Server) handleDetections(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	f, err := historyFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	evs, err := s.newestEvents(f, "detection", nil)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "reading detections: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, evs)
}

// handleAlertAck: POST /api/v1/alerts/{id}/ack with {"note": "…"} stores who
// acknowledged the alert and when, and tells every /ws/live client.
func (s *Server) handleAlertAck(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	var body AlertAckRequest
	if !decodeBody(w, r, maxAckBody, &body) {
		return
	}
	body.Note = strings.TrimSpace(body.Note)
	id := r.PathValue("id")
	ack, err := s.Store.AckAlert(store.AlertAck{AlertID: id, User: requestUser(r), Time: time.Now().UTC(), Note: body.Note})
	s.auditUser(r, 0, "alert_ack", fmt.Sprintf("alert %s, note %q", id, body.Note), err)
	switch {
	case errors.Is(err, store.ErrExists):
		writeJSON(w, http.StatusConflict, struct {
			Error string         `json:"error"`
			Ack   store.AlertAck `json:"ack"`
		}{err.Error(), ack})
		return
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error()+" (an alert is stored within a fraction of a second of being raised: list /api/v1/alerts for ids)")
		return
	case err != nil:
		writeError(w, storeErrorStatus(err), err.Error())
		return
	}
	s.publishLiveEvent(LiveEvent{Type: "alert_ack", ID: id, Event: mustJSON(ack)})
	writeJSON(w, http.StatusOK, ack)
}
