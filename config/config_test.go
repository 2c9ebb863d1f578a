package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }
func (l *list) Repeatable()        {}

type flags struct {
	fs        *flag.FlagSet
	http      *string
	metrics   *bool
	retention *time.Duration
	drones    *int
	mavlink   list
}

func newFlags() *flags {
	f := &flags{fs: flag.NewFlagSet("borderwatch serve", flag.ContinueOnError)}
	f.http = f.fs.String("http", "127.0.0.1:8080", "")
	f.metrics = f.fs.Bool("metrics-open", false, "")
	f.retention = f.fs.Duration("retention", 0, "")
	f.drones = f.fs.Int("drones", 3, "")
	f.fs.Var(&f.mavlink, "mavlink", "")
	f.fs.String("config", "", "")
	return f
}

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "borderwatch.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func noEnv(string) string { return "" }

func TestApply_FileEnvFlags_Precedence(t *testing.T) {
	f := newFlags()
	file := write(t, "http: 0.0.0.0:9000\nmetrics-open: true\nretention: 2160h\ndrones: 5\nmavlink:\n  - udp://0.0.0.0:14550\n  - tcp://10.0.0.5:5760\n")
	if err := f.fs.Parse([]string{"--drones", "7"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BORDERWATCH_HTTP": "127.0.0.1:7000"}
	if err := Apply(f.fs, Source{File: file, Prefix: "BORDERWATCH_", Getenv: func(k string) string { return env[k] }, Skip: []string{"config"}}); err != nil {
		t.Fatal(err)
	}
	if *f.drones != 7 {
		t.Errorf("drones %d: the command line must win", *f.drones)
	}
	if *f.http != "127.0.0.1:7000" {
		t.Errorf("http %q: the environment must win over the file", *f.http)
	}
	if !*f.metrics || *f.retention != 2160*time.Hour || len(f.mavlink) != 2 || f.mavlink[1] != "tcp://10.0.0.5:5760" {
		t.Errorf("from the file: metrics %v retention %v mavlink %v", *f.metrics, *f.retention, f.mavlink)
	}
}

func TestApply_BadFiles_RefusedWithLineAndReason(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"http: 1\nmavlnk: udp://x:1\n", `:2: unknown key "mavlnk": borderwatch serve has no --mavlnk flag`},
		{"http: a\ndrones: many\n", `:2: "drones": "many" is not a value --drones takes`},
		{"retention: 3 days\n", `:1: "retention"`},
		{"http: [a, b]\n", `:1: "http" takes one value, not a list`},
		{"http:\n", `:1: "http" has no value`},
		{"http: a\nhttp: b\n", `:2: "http" appears twice`},
		{"- http\n", `:1: the file must be a mapping`},
		{"http: {a: 1}\n", `:1: "http" must be a value or a list`},
		{"config: other.yaml\n", `unknown key "config"`},
		{"http: 'unterminated\n", `borderwatch.yaml: yaml:`},
	} {
		f := newFlags()
		_ = f.fs.Parse(nil)
		err := Apply(f.fs, Source{File: write(t, c.body), Prefix: "BORDERWATCH_", Getenv: noEnv, Skip: []string{"config"}})
		if !errors.Is(err, ErrBad) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error containing %q", c.body, err, c.want)
		}
	}
}

func TestApply_BadEnvironment_Refused(t *testing.T) {
	f := newFlags()
	_ = f.fs.Parse(nil)
	err := Apply(f.fs, Source{Prefix: "BORDERWATCH_", Getenv: func(k string) string {
		if k == "BORDERWATCH_DRONES" {
			return "lots"
		}
		return ""
	}})
	if !errors.Is(err, ErrBad) || !strings.Contains(err.Error(), "BORDERWATCH_DRONES") {
		t.Fatalf("%v", err)
	}
}

// Whatever the file, Apply refuses it with ErrBad naming the file, or sets
// only flags of the set, and never panics.
func FuzzApply(f *testing.F) {
	f.Add([]byte("http: 0.0.0.0:9000\nmavlink: [udp://a:1, udp://b:2]\n"))
	f.Add([]byte("drones: 5\nmetrics-open: yes\n"))
	f.Add([]byte("{}"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fl := newFlags()
		_ = fl.fs.Parse(nil)
		err := applyYAML(fl.fs, "fuzz.yaml", data, map[string]bool{}, []string{"config"})
		if err != nil {
			if !errors.Is(err, ErrBad) || !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("refusal without the file's name or ErrBad: %v", err)
			}
			return
		}
		if len(fl.mavlink) > len(data) {
			t.Fatalf("more values than the file could hold: %v", fl.mavlink)
		}
	})
}
