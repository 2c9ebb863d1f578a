package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/borderwatch/borderwatch/federation"
)

// handleBackup sends a consistent copy of the whole store (bbolt's own
// snapshot of one read transaction) for `borderwatch backup` against a
// running server.
func (s *Server) handleBackup(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	s.sendSnapshot(w, r, "backup", "the store", "borderwatch-%s.db", s.Store.Backup)
}

// handleHQViewBackup sends a consistent copy of a headquarters' view file
// (<data>.hqview, federation/hq_store.go) for `borderwatch backup` against
// a running headquarters, which holds that file as it holds the store.
func (s *Server) handleHQViewBackup(w http.ResponseWriter, r *http.Request) {
	hq := s.hqOr503(w)
	if hq == nil {
		return
	}
	s.sendSnapshot(w, r, "backup hqview", "the headquarters' view", "borderwatch-%s.db.hqview", hq.BackupView)
}

// sendSnapshot sends the copy that snapshot writes. The copy is spooled to
// a temporary file first, so the read transaction lasts as long as the disk
// copy, not as long as a slow or stalled client, and shutdown never waits
// for the download. action names it in the audit trail; name is the
// download's file name pattern (%s: the time).
func (s *Server) sendSnapshot(w http.ResponseWriter, r *http.Request, action, what, name string, snapshot func(io.Writer) (int64, error)) {
	spool, err := os.CreateTemp("", "borderwatch-backup-*")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "preparing the backup: "+err.Error())
		return
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	n, err := snapshot(spool)
	if err == nil {
		_, err = spool.Seek(0, io.SeekStart)
	}
	if err != nil {
		s.audit(r, 0, action, "", err)
		status := http.StatusInternalServerError
		if errors.Is(err, federation.ErrNoView) {
			status = http.StatusConflict
		}
		writeError(w, status, "copying "+what+": "+err.Error())
		return
	}
	s.audit(r, 0, action, fmt.Sprintf("%d bytes", n), nil)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="`+name+`"`, time.Now().UTC().Format("20060102T150405Z")))
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	if err := sendWithDeadlines(w, spool); err != nil {
		s.Logger.Warn("web: backup not delivered", "what", what, "err", err)
	}
}
