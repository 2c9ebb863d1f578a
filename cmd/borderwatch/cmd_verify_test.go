package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/internal/testenv"
)

// A real tlog imported, its package exported and verified; then a frame
// altered in the store file and a byte altered in the package: verify names
// the sortie, vehicle and time, and the file.
func TestVerify_AlteredFrameAndPackage_NamedWithExit1(t *testing.T) {
	tlog := filepath.Join(testenv.SharedData(t), "tlogs", "dronekit_python", "test.tlog")
	dir := t.TempDir()
	db := filepath.Join(dir, "bw.db")
	if out, errOut, code := runTool(t, "import", tlog, "--data", db); code != 0 {
		t.Fatalf("import: %d %s%s", code, out, errOut)
	}
	out, errOut, code := runTool(t, "verify", "--data", db)
	if code != 0 || !strings.Contains(out, "OK: nothing was changed") {
		t.Fatalf("verify of an intact store: %d\n%s%s", code, out, errOut)
	}
	zipPath := filepath.Join(dir, "s1.zip")
	if _, errOut, code := runTool(t, "export", "1", "--format", "evidence", "-o", zipPath, "--data", db); code != 0 {
		t.Fatalf("export evidence: %s", errOut)
	}
	out, errOut, code = runTool(t, "verify", zipPath)
	if code != 0 || !strings.Contains(out, "evidence package of sortie 1") || !strings.Contains(out, "OK") {
		t.Fatalf("verify of a fresh package: %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runTool(t, "verify", zipPath, "--data", db)
	if code != 0 || !strings.Contains(out, "is the package's head") {
		t.Fatalf("verify of a package against its store: %d\n%s%s", code, out, errOut)
	}
	other := filepath.Join(dir, "other.db")
	if _, errOut, code := runTool(t, "import", tlog, "--data", other); code != 0 {
		t.Fatal(errOut)
	}
	if _, errOut, code := runTool(t, "import", tlog, "--data", other); code != 0 { // a second link: another head
		t.Fatal(errOut)
	}
	out, _, code = runTool(t, "verify", zipPath, "--data", other)
	if code != 1 || !strings.Contains(out, "DOES NOT MATCH: chain link") {
		t.Fatalf("verify of a package against another store: exit %d\n%s", code, out)
	}

	// One byte of one frame, in the file, with the server stopped.
	bdb, err := bolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("chunks"))
		k, v := b.Cursor().First()
		v = bytes.Clone(v)
		v[len(v)-3] ^= 0x10
		return b.Put(bytes.Clone(k), v)
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runTool(t, "verify", "--data", db)
	if code != 1 || !regexp.MustCompile(`CHANGED: sortie 1: frames of vehicle 1 \(stream 1\) received 20\d\d-\d\d-\d\dT[0-9:.]+Z – `).MatchString(out) {
		t.Fatalf("verify after a frame was altered: exit %d\n%s%s", code, out, errOut)
	}

	data, err := os.ReadFile(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	off, _ := zr.File[0].DataOffset() // frames.tlog
	data[off+10] ^= 0x01
	if err := os.WriteFile(zipPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runTool(t, "verify", zipPath)
	if code != 1 || !strings.Contains(out, "DOES NOT MATCH: frames.tlog") {
		t.Fatalf("verify of a changed package: exit %d\n%s%s", code, out, errOut)
	}
}

func TestVerify_NoStore_ErrorWithoutCreatingOne(t *testing.T) {
	db := filepath.Join(t.TempDir(), "none.db")
	_, errOut, code := runTool(t, "verify", "--data", db)
	if code != 1 || !strings.Contains(errOut, "no store at") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Fatal("verify created a store file")
	}
}
