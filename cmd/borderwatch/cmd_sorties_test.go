package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

func runTool(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), &env{stdout: &out, stderr: &errOut}, args)
	return out.String(), errOut.String(), code
}

// Import a real log, list it, export it, back the store up: the commands a
// supervisor runs after a flight, in-process on a real store file.
func TestImportSortiesExportBackup_SharedTlog(t *testing.T) {
	tlog := filepath.Join(testenv.SharedData(t), "tlogs", "dronekit_python", "test.tlog")
	dir := t.TempDir()
	db := filepath.Join(dir, "bw.db")

	out, errOut, code := runTool(t, "import", tlog, "--data", db)
	if code != 0 || !strings.Contains(out, "417 frames imported") || !strings.Contains(out, "1 truncated record") {
		t.Fatalf("import: %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runTool(t, "sorties", "--data", db, "--json")
	var list []store.Sortie
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].SystemID != 1 || list[0].Frames == 0 {
		t.Fatalf("sorties --json: %d %s%s", code, out, errOut)
	}
	id := strconv.FormatUint(list[0].ID, 10)
	if out, _, code = runTool(t, "sorties", "--data", db); code != 0 || !strings.Contains(out, "import:test.tlog") {
		t.Fatalf("sorties table: %s", out)
	}

	gpx := filepath.Join(dir, "s.gpx")
	if _, errOut, code = runTool(t, "export", id, "--format", "gpx", "-o", gpx, "--data", db); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	data, _ := os.ReadFile(gpx)
	var doc struct {
		Pts []struct{} `xml:"trk>trkseg>trkpt"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("GPX export does not parse: %v", err)
	}
	tl := filepath.Join(dir, "s.tlog")
	if _, errOut, code = runTool(t, "export", id, "--format", "tlog", "-o", tl, "--data", db); code != 0 {
		t.Fatalf("export tlog: %s", errOut)
	}
	if out, errOut, code = runTool(t, "import", tl, "--data", db); code != 0 || !strings.Contains(out, "417 frames imported (skipped: 0 bad checksum, 0 garbage bytes, 0 truncated") {
		t.Fatalf("re-import of the export: %s%s", out, errOut)
	}
	if _, errOut, code = runTool(t, "export", "99", "--format", "gpx", "--data", db); code != 1 || !strings.Contains(errOut, "not found") {
		t.Fatalf("export of a missing sortie: %d %s", code, errOut)
	}
	if _, errOut, code = runTool(t, "export", id, "--format", "shp", "--data", db); code != 1 || !strings.Contains(errOut, "want one of") {
		t.Fatalf("export in an unknown format: %d %s", code, errOut)
	}

	// A time window of the imported stream: the same frames as the sortie.
	win := filepath.Join(dir, "w.tlog")
	from, to := list[0].Start.Format(time.RFC3339Nano), list[0].End.Add(time.Second).Format(time.RFC3339Nano)
	stream := strconv.FormatUint(uint64(list[0].Stream), 10)
	if _, errOut, code = runTool(t, "export", "--from", from, "--to", to, "--stream", stream, "--format", "tlog", "-o", win, "--data", db); code != 0 {
		t.Fatalf("window export: %s", errOut)
	}
	a, _ := os.ReadFile(tl)
	b, _ := os.ReadFile(win)
	if !bytes.Equal(a, b) {
		t.Fatalf("window export (%d bytes) differs from the sortie export (%d bytes)", len(b), len(a))
	}
	if _, errOut, code = runTool(t, "export", "--from", to, "--to", from, "--data", db); code != 1 || !strings.Contains(errOut, "before") {
		t.Fatalf("reversed window: %d %s", code, errOut)
	}

	bak := filepath.Join(dir, "bak.db")
	if out, errOut, code = runTool(t, "backup", bak, "--data", db); code != 0 {
		t.Fatalf("backup: %s%s", out, errOut)
	}
	if out, _, code = runTool(t, "sorties", "--data", bak, "--json"); code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 {
		t.Fatalf("the backup holds %d sorties: %s", len(list), out)
	}
}
