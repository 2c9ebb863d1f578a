package export_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/export"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

var created = time.Date(2026, 5, 2, 8, 0, 0, 0, time.UTC)

// evidenceOf records the flight, an operator action during it and one
// outside it, an alert, and two plan versions, and packages the sortie.
func evidenceOf(t testing.TB) ([]byte, store.Sortie, store.ChainHead) {
	s, so := flight(t.(*testing.T))
	actions := []telemetry.OperatorAction{
		{EventHeader: telemetry.Header(t0.Add(3*time.Second), 4), User: "ana", Action: "command", Detail: "mode LOITER", Result: "accepted"},
		{EventHeader: telemetry.Header(t0.Add(time.Hour), 4), User: "ana", Action: "command", Detail: "later"},
	}
	for _, a := range actions {
		if err := s.AppendAudit(a); err != nil {
			t.Fatal(err)
		}
	}
	alert := telemetry.Alert{EventHeader: telemetry.Header(t0.Add(7*time.Second), 4), Type: telemetry.AlertFenceBreach, Text: "left the fence"}
	if err := s.Append(nil, []telemetry.Event{alert}); err != nil {
		t.Fatal(err)
	}
	// Versions 1-3 of a plan: 1 uploaded before the sortie, 2 during it, 3 after.
	for i, at := range []time.Time{t0.Add(-time.Hour), t0.Add(time.Second), t0.Add(2 * time.Hour)} {
		if _, err := s.SavePlan(store.PlanVersion{Name: "north/line", Author: "ana", Time: at, ContentType: "application/vnd.qgc.plan+json", Data: []byte(`{"v":` + string(rune('1'+i)) + `}`)}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordPlanUpload(store.PlanUpload{Time: at.Add(time.Second), Plan: "north/line", Version: i + 1, SysID: 4, User: "ana", Verified: true}); err != nil {
			t.Fatal(err)
		}
	}
	// An upload to another vehicle is not this sortie's.
	if err := s.RecordPlanUpload(store.PlanUpload{Time: t0.Add(2 * time.Second), Plan: "north/line", Version: 3, SysID: 9, User: "ana"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := export.Sortie(&buf, s, so, export.Evidence, export.Options{Now: func() time.Time { return created }}); err != nil {
		t.Fatal(err)
	}
	head, err := s.ChainHead()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), so, head
}

func verify(t testing.TB, b []byte) export.EvidenceReport {
	t.Helper()
	r, err := export.VerifyEvidence(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func readZipFile(t *testing.T, b []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSortie_Evidence_PackageHoldsEverythingAndVerifies(t *testing.T) {
	b, so, head := evidenceOf(t)
	r := verify(t, b)
	if !r.OK() {
		t.Fatalf("fresh package: %v", r.Problems)
	}
	m := r.Manifest
	if m.Sortie == nil || m.Sortie.ID != so.ID || m.ChainHead != head || !m.Created.Equal(created) {
		t.Fatalf("manifest sortie %v, head %v (store %v), created %v", m.Sortie, m.ChainHead, head, m.Created)
	}
	var names []string
	for _, f := range m.Files {
		names = append(names, f.Name)
	}
	want := []string{"frames.tlog", "track.geojson", "events.json", "alerts.json", "operator_actions.json", "plans/north_line-v1.plan", "plans/north_line-v2.plan", "plans/uploads.json", "plans/index.json"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %v; want %v (the versions vehicle 4 flew during the sortie)", names, want)
	}
	var ups []store.PlanUpload
	if err := json.Unmarshal(readZipFile(t, b, "plans/uploads.json"), &ups); err != nil || len(ups) != 2 || ups[0].Version != 1 || ups[1].Version != 2 {
		t.Fatalf("uploads.json: %+v, %v", ups, err)
	}
	if bytes.Contains(b, secretKey[:8]) {
		t.Fatal("the package contains the signing key")
	}
	var actions []telemetry.OperatorAction
	if err := json.Unmarshal(readZipFile(t, b, "operator_actions.json"), &actions); err != nil || len(actions) != 1 || actions[0].Detail != "mode LOITER" {
		t.Fatalf("operator actions %+v, %v; want the one during the sortie", actions, err)
	}
	if a := string(readZipFile(t, b, "alerts.json")); !strings.Contains(a, "left the fence") || strings.Contains(a, "person") {
		t.Fatalf("alerts.json = %s", a)
	}
	if g := string(readZipFile(t, b, "track.geojson")); !strings.Contains(g, `"LineString"`) || !strings.Contains(g, `"person"`) {
		t.Fatalf("track.geojson lacks the track or a detection: %.200s", g)
	}
	tl := readZipFile(t, b, "frames.tlog")
	sum := sha256.Sum256(tl)
	if hex.EncodeToString(sum[:]) != m.Files[0].SHA256 || int64(len(tl)) != m.Files[0].Bytes {
		t.Fatal("manifest hash of frames.tlog is not the file's")
	}
}

func TestVerifyEvidence_OneChangedByte_NamesTheFile(t *testing.T) {
	b, _, _ := evidenceOf(t)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		if f.UncompressedSize64 == 0 {
			continue
		}
		bad := bytes.Clone(b)
		bad[off+int64(f.UncompressedSize64/2)] ^= 0x04
		r := verify(t, bad)
		if r.OK() || r.Problems[0].File != f.Name {
			t.Fatalf("byte changed in %s: problems %v; want that file named", f.Name, r.Problems)
		}
	}
}

// Every single byte of the package matters: changing any one fails.
func TestVerifyEvidence_AnyByteChanged_Fails(t *testing.T) {
	b, _, _ := evidenceOf(t)
	step := 1
	if testing.Short() {
		step = 7
	}
	for i := 0; i < len(b); i += step {
		bad := bytes.Clone(b)
		bad[i] ^= 0x01
		if r := verify(t, bad); r.OK() {
			t.Fatalf("byte %d of %d changed and the package still verifies", i, len(b))
		}
	}
	if r := verify(t, append(bytes.Clone(b), 0)); r.OK() || r.Problems[0].File != "archive" {
		t.Fatalf("a byte appended: %v", r.Problems)
	}
	if r := verify(t, b[:len(b)-1]); r.OK() {
		t.Fatal("a byte cut off and the package still verifies")
	}
}

func TestVerifyEvidence_NotAPackage_ClearProblem(t *testing.T) {
	for name, in := range map[string][]byte{"empty": nil, "text": []byte("hello"), "json": []byte(`{"format":"borderwatch-evidence/1"}`)} {
		r := verify(t, in)
		if r.OK() || r.Problems[0].File != "archive" || !strings.Contains(r.Problems[0].What, "not a readable zip") {
			t.Errorf("%s: %v", name, r.Problems)
		}
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("notes.txt")
	w.Write([]byte("hi"))
	zw.Close()
	if r := verify(t, buf.Bytes()); r.OK() || r.Problems[0].File != "manifest.json" {
		t.Errorf("zip without manifest: %v", r.Problems)
	}
}

// FuzzVerifyEvidence feeds packages changed at a position by a byte, and
// arbitrary bytes. Properties: it never panics; a change to a real package
// always fails, naming a file; and whatever verifies is exactly a package
// whose every listed file has the manifest's size and SHA-256, with no other
// file in it.
func FuzzVerifyEvidence(f *testing.F) {
	f.Add(uint32(0), byte(1), []byte(nil))
	f.Add(uint32(100), byte(0x80), []byte("PK\x03\x04"))
	f.Add(uint32(5000), byte(0xff), []byte(nil))
	var pkg []byte
	f.Fuzz(func(t *testing.T, pos uint32, x byte, raw []byte) {
		if pkg == nil {
			pkg, _, _ = evidenceOf(t)
		}
		if x != 0 {
			bad := bytes.Clone(pkg)
			bad[int(pos)%len(bad)] ^= x
			r := verify(t, bad)
			if r.OK() {
				t.Fatalf("byte %d xor %#x: the changed package verifies", int(pos)%len(bad), x)
			}
			if r.Problems[0].File == "" || r.Problems[0].What == "" {
				t.Fatalf("problem names no file: %+v", r.Problems[0])
			}
		}
		r := verify(t, raw)
		if !r.OK() {
			return
		}
		zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			t.Fatalf("verified but not a zip: %v", err)
		}
		if len(zr.File) != len(r.Manifest.Files)+1 {
			t.Fatalf("verified with %d files for %d in the manifest", len(zr.File), len(r.Manifest.Files))
		}
		for _, mf := range r.Manifest.Files {
			data := readZipFile(t, raw, mf.Name)
			sum := sha256.Sum256(data)
			if int64(len(data)) != mf.Bytes || hex.EncodeToString(sum[:]) != mf.SHA256 {
				t.Fatalf("verified but %s does not match its manifest entry", mf.Name)
			}
		}
	})
}
