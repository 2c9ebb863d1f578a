package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestLogOptions_JSONAndLevel(t *testing.T) {
	var b bytes.Buffer
	l, err := logOptions{format: "json", level: "warn"}.logger(&b)
	if err != nil {
		t.Fatal(err)
	}
	l.Info("quiet")
	l.Warn("link lost", "sysid", 3)
	var rec map[string]any
	if err := json.Unmarshal(b.Bytes(), &rec); err != nil || rec["msg"] != "link lost" || rec["sysid"] != float64(3) || strings.Contains(b.String(), "quiet") {
		t.Fatalf("log %q (%v)", b.String(), err)
	}
	for _, o := range []logOptions{{format: "xml", level: "info"}, {format: "text", level: "loud"}} {
		if _, err := o.logger(&b); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, errOut, code := runTool(t, "serve", "--log-format", "yaml", "--http", "127.0.0.1:0", "--mavlink", "udp://127.0.0.1:0", "--data", t.TempDir()+"/x.db"); code != 1 || !strings.Contains(errOut, "--log-format") {
		t.Fatalf("serve with a bad --log-format: %d %s", code, errOut)
	}
}
