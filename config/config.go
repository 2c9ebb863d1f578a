// Package config fills a command's flags from the environment and a YAML
// file, so that a server run for months is configured by a file under
// version control rather than a long command line. Every flag is a key: the
// file's keys are the flag names (mavlink, http, data, layer, cot …), so a new
// flag needs no new code here, and an unknown key or a bad value is refused
// with the file, the line and the reason.
//
// Precedence, highest first: the command line, the environment
// (BORDERWATCH_HTTP for --http, BORDERWATCH_METRICS_OPEN for --metrics-open),
// the file, the flag's default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Repeatable marks a flag.Value that takes several values (--mavlink A
// --mavlink B): in the file it is a list, in the environment a
// comma-separated value.
type Repeatable interface {
	flag.Value
	Repeatable()
}

// Source says where values come from.
type Source struct {
	// (optional) File is the YAML file. Defaults to none.
	File string
	// (optional) Getenv reads the environment. Defaults to os.Getenv.
	Getenv func(string) string
	// Prefix of environment variable names, e.g. "BORDERWATCH_".
	Prefix string
	// (optional) Skip names flags that the file and environment must not set
	// (the config flag itself).
	Skip []string
}

// MaxFileBytes bounds a configuration file.
const MaxFileBytes = 1 << 20

// ErrBad is wrapped by every refusal.
var ErrBad = errors.New("bad configuration")

// EnvName is the environment variable of a flag: prefix + the name upper-cased
// with '-' as '_'.
func EnvName(prefix, name string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Apply sets the flags of fs that the command line left unset, from the
// environment and then from the file. Call it after fs.Parse.
func Apply(fs *flag.FlagSet, src Source) error {
	getenv := src.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, s := range src.Skip {
		set[s] = true
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		name := EnvName(src.Prefix, f.Name)
		v := getenv(name)
		if v == "" {
			return
		}
		vals := []string{v}
		if _, ok := f.Value.(Repeatable); ok {
			vals = strings.Split(v, ",")
		}
		for _, one := range vals {
			if err := fs.Set(f.Name, strings.TrimSpace(one)); err != nil {
				errs = append(errs, fmt.Errorf("%w: environment %s=%q: %v", ErrBad, name, v, err))
				return
			}
		}
		set[f.Name] = true
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if src.File == "" {
		return nil
	}
	data, err := os.ReadFile(src.File)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBad, err)
	}
	return applyYAML(fs, src.File, data, set, src.Skip)
}

func applyYAML(fs *flag.FlagSet, file string, data []byte, set map[string]bool, skip []string) error {
	if len(data) > MaxFileBytes {
		return fmt.Errorf("%w: %s: %d bytes, at most %d", ErrBad, file, len(data), MaxFileBytes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBad, file, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // an empty file sets nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%w: %s:%d: the file must be a mapping of flag names to values (http: 127.0.0.1:8080)", ErrBad, file, root.Line)
	}
	at := func(n *yaml.Node, format string, a ...any) error {
		return fmt.Errorf("%w: %s:%d: %s", ErrBad, file, n.Line, fmt.Sprintf(format, a...))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return at(k, "a key must be a flag name")
		}
		name := k.Value
		if seen[name] {
			return at(k, "%q appears twice", name)
		}
		seen[name] = true
		f := fs.Lookup(name)
		if f == nil || contains(skip, name) {
			return at(k, "unknown key %q: %s has no --%s flag (see its --help)", name, fs.Name(), name)
		}
		if set[name] {
			continue // the command line or the environment wins
		}
		var vals []*yaml.Node
		switch v.Kind {
		case yaml.ScalarNode:
			if v.Tag == "!!null" {
				return at(v, "%q has no value", name)
			}
			vals = []*yaml.Node{v}
		case yaml.SequenceNode:
			if _, ok := f.Value.(Repeatable); !ok {
				return at(v, "%q takes one value, not a list", name)
			}
			vals = v.Content
		default:
			return at(v, "%q must be a value or a list of values", name)
		}
		for _, one := range vals {
			if one.Kind != yaml.ScalarNode || one.Tag == "!!null" {
				return at(one, "%q: each value must be a plain value", name)
			}
			if err := fs.Set(name, one.Value); err != nil {
				return at(one, "%q: %q is not a value --%s takes: %v", name, one.Value, name, err)
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
