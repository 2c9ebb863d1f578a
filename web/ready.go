package web

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// ReadyCheck is one condition of /readyz: Check answers nil when it holds,
// else an error that says what is wrong and what to do.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// readyTimeout bounds each check: a probe must not hang on a stuck store.
const readyTimeout = 2 * time.Second

// readyChecks are the server's own checks, then those of Server.ReadyChecks.
func (s *Server) readyChecks() []ReadyCheck {
	return append([]ReadyCheck{{"store", s.checkStore}, {"links", s.checkLinks}, {"nats", s.checkNATS}}, s.ReadyChecks...)
}

// checkNATS: connected to NATS, where federation is configured.
func (s *Server) checkNATS(context.Context) error {
	if s.NATSReady == nil {
		return nil
	}
	if err := s.NATSReady(); err != nil {
		return fmt.Errorf("NATS not connected: %w", err)
	}
	return nil
}

// checkStore: the store (if any) answers a read.
func (s *Server) checkStore(context.Context) error {
	if s.Store == nil {
		return nil
	}
	if _, err := s.Store.Users(); err != nil {
		return fmt.Errorf("store not ready: %w", err)
	}
	return nil
}

// checkLinks: every configured MAVLink link is open (gcs.Fleet.CheckLinks:
// a TCP client link not connected or a serial port gone is not).
func (s *Server) checkLinks(context.Context) error {
	if s.Fleet == nil {
		return nil
	}
	return s.Fleet.CheckLinks()
}

// ReadyAnswer is /readyz's body: each check's result ("ok" or what is
// wrong), and, when one fails, the first failure as "error" (503).
type ReadyAnswer struct {
	Status string            `json:"status"`
	Error  string            `json:"error,omitempty"`
	Checks map[string]string `json:"checks"`
}

// handleReady says whether the server can do its work: every check holds.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ans := ReadyAnswer{Status: "ready", Checks: map[string]string{}}
	for _, c := range s.readyChecks() {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		err := c.Check(ctx)
		cancel()
		if err == nil {
			ans.Checks[c.Name] = "ok"
			continue
		}
		ans.Checks[c.Name] = err.Error()
		if ans.Error == "" {
			ans.Status, ans.Error = "not ready", fmt.Sprintf("%s: %v", c.Name, err)
		}
	}
	if ans.Error != "" {
		writeJSON(w, http.StatusServiceUnavailable, ans)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}
