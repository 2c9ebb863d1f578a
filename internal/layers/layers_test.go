// Package layers keeps Borderwatch's dependencies pointing one way (docs/architecture.md):
// cmd → web → gcs, missions, telemetry → mavlink, with the simulator beside gcs
// sharing only the mavlink layer.
package layers

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/borderwatch/borderwatch/"

// forbidden lists, for each layer (a package path prefix), the packages its
// non-test code must not depend on, directly or through others.
var forbidden = []struct {
	layer string
	not   []string
	why   string
}{
	{"mavlink", []string{"gcs", "web", "simulator", "missions", "tak", "federation", "cmd", "config", "telemetry/"},
		"the bottom layer: everything builds on it, it builds on nothing of ours (telemetry's event model aside)"},
	{"telemetry", []string{"gcs", "web", "simulator", "tak", "federation", "cmd"},
		"telemetry knows nothing of links or HTTP; it decodes through mavlink/decode"},
	{"missions", []string{"gcs", "telemetry", "web", "simulator", "tak", "cmd"},
		"plans and geometry know nothing of links, telemetry or HTTP"},
	{"gcs", []string{"web", "simulator", "tak", "federation", "cmd"}, "gcs is below web and beside the simulator"},
	{"federation", []string{"web", "gcs", "simulator", "tak", "cmd"},
		"federation knows nothing of HTTP or links: the web server runs forwarded requests as its Executor"},
	{"simulator", []string{"gcs", "telemetry", "web", "tak", "cmd", "missions"},
		"the simulator shares only the mavlink layer with gcs"},
	{"loadtest", []string{"gcs", "telemetry", "web", "tak", "cmd", "missions", "simulator"},
		"the load generator is an outside client: it reaches the server over the wire only (MAVLink, HTTP, WebSocket)"},
}

// TestLayers_DependenciesPointOneWay runs `go list -deps` over the module and
// fails on every dependency that points back up (or sideways across) the layers.
func TestLayers_DependenciesPointOneWay(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goBin, "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg := strings.TrimPrefix(fields[0], module)
		for _, rule := range forbidden {
			if pkg != rule.layer && !strings.HasPrefix(pkg, rule.layer+"/") {
				continue
			}
			seen++
			for _, dep := range fields[1:] {
				own, ok := strings.CutPrefix(dep, module)
				if !ok {
					continue
				}
				for _, bad := range rule.not {
					if own == strings.TrimSuffix(bad, "/") && !strings.HasSuffix(bad, "/") || strings.HasPrefix(own, strings.TrimSuffix(bad, "/")+"/") {
						t.Errorf("%s depends on %s: %s", pkg, own, rule.why)
					}
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if seen < 10 {
		t.Fatalf("only %d packages matched a layer: the module path or the layers changed", seen)
	}
}
