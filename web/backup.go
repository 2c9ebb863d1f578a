package web

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

// handleBackup sends a consistent copy of the whole store (bbolt's own
// snapshot of one read transaction) for `borderwatch backup` against a
// running server. The copy is spooled to a temporary file first, so the read
// transaction lasts as long as the disk copy, not as long as a slow or
// stalled client, and shutdown never waits for the download.
func (s *Server) handleBackup(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	spool, err := os.CreateTemp("", "borderwatch-backup-*")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "preparing the backup: "+err.Error())
		return
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	n, err := s.Store.Backup(spool)
	if err == nil {
		_, err = spool.Seek(0, io.SeekStart)
	}
	if err != nil {
		s.audit(r, 0, "backup", "", err)
		writeError(w, http.StatusInternalServerError, "copying the store: "+err.Error())
		return
	}
	s.audit(r, 0, "backup", fmt.Sprintf("%d bytes", n), nil)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="borderwatch-%s.db"`, time.Now().UTC().Format("20060102T150405Z")))
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	if err := sendWithDeadlines(w, spool); err != nil {
		s.Logger.Warn("web: backup not delivered", "err", err)
	}
}
