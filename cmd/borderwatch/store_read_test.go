package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// serverHoldingImport imports a public tlog into a new store and starts a
// server on it, which then holds the file.
func serverHoldingImport(t *testing.T) (string, *server) {
	t.Helper()
	tlog := filepath.Join(testenv.SharedData(t), "tlogs", "dronekit_python", "test.tlog")
	db := filepath.Join(t.TempDir(), "bw.db")
	if out, errOut, code := runTool(t, "import", tlog, "--data", db); code != 0 {
		t.Fatalf("import: %d %s%s", code, out, errOut)
	}
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	return db, sys
}

// `borderwatch sorties` after `make demo` answered "another process holds it
// open" (issue 12). While a server holds the store, sorties and export ask the
// server's API; a missing store is never created by a command that only reads.
func TestSortiesExport_StoreHeldByServer_AskTheServer(t *testing.T) {
	db, sys := serverHoldingImport(t)
	url := sys.web.URL()
	if _, errOut, code := runTool(t, "sorties", "--data", db, "--server", url); code == 0 || !strings.Contains(errOut, "give a token") {
		t.Fatalf("sorties through the server without a token: %d %s", code, errOut)
	}
	token := authtest.Token(t, sys.web.AccountsInUse(), auth.RoleSupervisor)

	out, errOut, code := runTool(t, "sorties", "--data", db, "--server", url, "--token", token, "--json")
	var list []store.Sortie
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Source != "import:test.tlog" {
		t.Fatalf("sorties through the server: %d %q %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "a running server holds") {
		t.Errorf("no note that the server was asked: %q", errOut)
	}
	// The networks, from the server: its links and the store's records.
	out, errOut, code = runTool(t, "networks", "--data", db, "--server", url, "--token", token)
	if code != 0 || !strings.Contains(out, "default") || !strings.Contains(out, "udp://") {
		t.Fatalf("networks through the server: %d %q %s", code, out, errOut)
	}
	gpx := filepath.Join(t.TempDir(), "s.gpx")
	id := strconv.FormatUint(list[0].ID, 10)
	if _, errOut, code = runTool(t, "export", id, "--format", "gpx", "-o", gpx, "--data", db, "--server", url, "--token", token); code != 0 {
		t.Fatalf("export through the server: %d %s", code, errOut)
	}
	if data, err := os.ReadFile(gpx); err != nil || !strings.Contains(string(data), "<gpx") || !strings.Contains(string(data), "sortie "+id) {
		t.Fatalf("exported GPX: %v %.200s", err, data)
	}
	if _, errOut, code = runTool(t, "export", "--from", "2020-01-01T00:00:00Z", "--to", "2030-01-01T00:00:00Z", "--data", db, "--server", url, "--token", token); code == 0 || !strings.Contains(errOut, "exports whole sorties") {
		t.Fatalf("window export through the server: %d %s", code, errOut)
	}

	missing := filepath.Join(t.TempDir(), "none.db")
	if _, errOut, code = runTool(t, "sorties", "--data", missing); code == 0 {
		t.Fatalf("sorties on a missing store succeeded: %s", errOut)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("sorties created a store at %s", missing)
	}
}

// borderwatch backup of a running server: the admin's token gets a snapshot
// through the API that opens as a store with the same sorties; a supervisor's
// token is refused.
func TestBackup_RunningServer_ThroughTheAPI(t *testing.T) {
	db, sys := serverHoldingImport(t)
	url := sys.web.URL()
	backup := filepath.Join(t.TempDir(), "copy.db")
	sup := authtest.Token(t, sys.web.AccountsInUse(), auth.RoleSupervisor)
	if _, errOut, code := runTool(t, "backup", backup, "--data", db, "--server", url, "--token", sup); code == 0 || !strings.Contains(errOut, "403") {
		t.Fatalf("backup with a supervisor's token: %d %s", code, errOut)
	}
	admin := authtest.Token(t, sys.web.AccountsInUse(), auth.RoleAdmin)
	if out, errOut, code := runTool(t, "backup", backup, "--data", db, "--server", url, "--token", admin); code != 0 || !strings.Contains(out, "backed up") {
		t.Fatalf("backup with an admin's token: %d %s%s", code, out, errOut)
	}
	out, errOut, code := runTool(t, "sorties", "--data", backup, "--json")
	var list []store.Sortie
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Source != "import:test.tlog" {
		t.Fatalf("sorties of the backup: %d %s%s", code, out, errOut)
	}
}

// While a server holds the store, `verify --data` asks the server to check
// its chain (GET /api/v1/verify, audit permission) and says so on stderr, and
// a window's evidence package comes from GET /api/v1/evidence: a package
// that verifies on its own and against the server's chain head.
func TestVerifyAndWindowEvidence_StoreHeldByServer_AskTheServer(t *testing.T) {
	db, sys := serverHoldingImport(t)
	url := sys.web.URL()
	op := authtest.Token(t, sys.web.AccountsInUse(), auth.RoleOperator)
	if _, errOut, code := runTool(t, "verify", "--data", db, "--server", url, "--token", op); code == 0 || !strings.Contains(errOut, "403") {
		t.Fatalf("verify with an operator's token (no audit permission): %d %s", code, errOut)
	}
	sup := authtest.Token(t, sys.web.AccountsInUse(), auth.RoleSupervisor)
	out, errOut, code := runTool(t, "verify", "--data", db, "--server", url, "--token", sup)
	if code != 0 || !strings.Contains(out, "checked by the server at "+url) || !strings.Contains(out, "OK: nothing was changed") {
		t.Fatalf("verify through the server: %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "a running server holds "+db) {
		t.Errorf("no note that the server was asked: %q", errOut)
	}

	out, errOut, code = runTool(t, "sorties", "--data", db, "--server", url, "--token", sup, "--json")
	var list []store.Sortie
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 {
		t.Fatalf("sorties through the server: %d %q %s", code, out, errOut)
	}
	so := list[0]
	zipPath := filepath.Join(t.TempDir(), "w.zip")
	args := []string{"export", "--from", so.Start.Format(time.RFC3339Nano), "--to", so.End.Add(time.Second).Format(time.RFC3339Nano),
		"--stream", strconv.FormatUint(uint64(so.Stream), 10), "--format", "evidence", "-o", zipPath, "--data", db, "--server", url, "--token", sup}
	if _, errOut, code = runTool(t, args...); code != 0 || !strings.Contains(errOut, "bytes from the server written to "+zipPath) {
		t.Fatalf("window evidence through the server: %d %s", code, errOut)
	}
	out, errOut, code = runTool(t, "verify", zipPath)
	if code != 0 || !strings.Contains(out, "evidence package of window") || !strings.Contains(out, "OK: nothing was changed") {
		t.Fatalf("verify of the window's package: %d\n%s%s", code, out, errOut)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == "frames.tlog" && f.UncompressedSize64 == 0 {
			t.Fatalf("the window's package holds no frames")
		}
	}
}
