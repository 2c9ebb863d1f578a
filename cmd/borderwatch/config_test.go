package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/config"
)

// Every flag of serve and demo is a key of the config file: a file that sets
// each one (to its default) is accepted.
func TestConfig_EveryFlagHasAKey(t *testing.T) {
	for _, name := range []string{"serve", "demo"} {
		var c command
		for _, x := range commands {
			if x.name == name {
				c = x
			}
		}
		if !c.configurable {
			t.Fatalf("%s does not take --config", name)
		}
		fs := flag.NewFlagSet("borderwatch "+name, flag.ContinueOnError)
		c.flags(fs)
		var body strings.Builder
		n := 0
		fs.VisitAll(func(f *flag.Flag) {
			n++
			if _, ok := f.Value.(config.Repeatable); ok {
				fmt.Fprintf(&body, "%s: []\n", f.Name)
				return
			}
			fmt.Fprintf(&body, "%s: %q\n", f.Name, f.DefValue)
		})
		file := filepath.Join(t.TempDir(), "all.yaml")
		if err := os.WriteFile(file, []byte(body.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := config.Apply(fs, config.Source{File: file, Prefix: "BORDERWATCH_", Getenv: func(string) string { return "" }}); err != nil {
			t.Errorf("%s: a file with all %d flags: %v\n%s", name, n, err, body.String())
		}
	}
}

// serve --config with an unknown key exits with the file, the line and the
// reason; with a good file it serves where the file says.
func TestServe_ConfigFile_BadRefusedGoodUsed(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("http: 127.0.0.1:0\nmavlnk: udp://127.0.0.1:0\n"), 0o600)
	_, errOut, code := runTool(t, "serve", "--config", bad)
	if code != 1 || !strings.Contains(errOut, "bad.yaml:2: unknown key \"mavlnk\"") {
		t.Fatalf("bad file: %d %q", code, errOut)
	}
	good := filepath.Join(dir, "good.yaml")
	db := filepath.Join(dir, "from-config.db")
	os.WriteFile(good, []byte(fmt.Sprintf("http: 127.0.0.1:0\ndata: %s\nmavlink:\n  - udp://127.0.0.1:0\n", db)), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, stderr bytes.Buffer
	ready := make(chan map[string]string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdout: &out, stderr: &stderr, ready: func(m map[string]string) { ready <- m }, getenv: func(string) string { return "" }}, []string{"serve", "--config", good})
	}()
	select {
	case <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, stderr.String())
	}
	cancel()
	<-done
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("the store named in the file was not used: %v", err)
	}
}
