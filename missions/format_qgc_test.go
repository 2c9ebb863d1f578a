package missions

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
)

func sharedFiles(t *testing.T, sub, pattern string) []string {
	t.Helper()
	dir := testenv.SharedData(t)
	files, err := filepath.Glob(filepath.Join(dir, sub, pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s files under %s: %v", pattern, filepath.Join(dir, sub), err)
	}
	return files
}

func TestReadQGCPlan_SharedFiles_RoundTrip(t *testing.T) {
	for _, f := range sharedFiles(t, "qgc_plans", "*/*.plan") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ReadQGCPlan(data)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			out, err := WriteQGCPlan(p)
			if err != nil {
				t.Fatalf("write: %v", err)
			}
			q, err := ReadQGCPlan(out)
			if err != nil {
				t.Fatalf("re-read: %v\n%s", err, out)
			}
			if d := p.Diff(q); d != "" {
				t.Fatalf("round trip differs: %s", d)
			}
		})
	}
}
