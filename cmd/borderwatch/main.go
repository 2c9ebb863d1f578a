// Command borderwatch is the one Borderwatch binary: the server, the simulator,
// the demo and the tools. Each command lives in its own file (cmd_NAME.go) and
// registers itself; main only dispatches.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/borderwatch/borderwatch/config"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	// usage is the line after "borderwatch NAME"; flags are appended by --help.
	usage string
	// flags declares the command's flags on fs and returns the function that runs it.
	flags func(fs *flag.FlagSet) func(ctx context.Context, env *env, args []string) error
	// subcommands, when set, makes run pass every argument (flags and
	// --help included) to the command, which dispatches to subcommands that
	// parse their own flags (see cmd_plan.go).
	subcommands bool
	// configurable adds --config FILE: every flag the command line leaves
	// unset is read from BORDERWATCH_NAME in the environment, then from the
	// file (package config).
	configurable bool
}

// env is what a command may touch of the outside world, so tests can run
// commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// ready, when set, is called by long-running commands once they serve.
	ready func(info map[string]string)
	// (optional) getenv reads the environment (os.Getenv when nil), so
	// tests of BORDERWATCH_<FLAG> variables do not touch the process's.
	getenv func(string) string
}

var commands []command

// errUsage is returned by a command with subcommands after it has printed a
// usage error, so that run exits with 2 as for any other command line error.
var errUsage = errors.New("usage error")

func register(c command) { commands = append(commands, c) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		fmt.Fprintf(e.stderr, "borderwatch: unknown command %q\n\n", args[0])
		usage(e.stderr)
		return 2
	}
	c := commands[i]
	err := runOne(ctx, e, c.name, c, args[1:])
	switch {
	case errors.Is(err, errUsage):
		return 2 // what was wrong and the usage have been printed
	case err != nil:
		fmt.Fprintf(e.stderr, "borderwatch %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

// runOne parses c's flags from args (before or after its arguments) and runs
// it; path is how the user named it ("serve", "plan corridor"). It returns
// errUsage when the flags were wrong (the flag package has printed why and
// the usage), and nil after printing --help. A command with subcommands gets
// its arguments unparsed.
func runOne(ctx context.Context, e *env, path string, c command, args []string) error {
	fs := flag.NewFlagSet("borderwatch "+path, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	runFn := c.flags(fs)
	if c.subcommands {
		return runFn(ctx, e, args)
	}
	var configFile *string
	if c.configurable {
		configFile = fs.String("config", "", "YAML file of flag values (keys are the flag names: http, mavlink: [..] …); the command line, then BORDERWATCH_<FLAG> variables, override it (docs/operations.md)")
	}
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "%s\n\nUsage: borderwatch %s %s\n", c.summary, path, c.usage)
		if hasFlags(fs) {
			fmt.Fprintf(out, "\nFlags (before or after the arguments):\n")
			fs.PrintDefaults()
		}
	}
	if wantsHelp(args) {
		fs.SetOutput(e.stdout)
		fs.Usage()
		return nil
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return errUsage
	}
	if c.configurable {
		src := config.Source{File: *configFile, Prefix: "BORDERWATCH_", Getenv: e.getenv, Skip: []string{"config"}}
		if err := config.Apply(fs, src); err != nil {
			return err
		}
	}
	return runFn(ctx, e, pos)
}

// parseInterleaved parses flags that may come before or after positional
// arguments (the standard flag package stops at the first positional one).
// "--" ends flag parsing.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse consumed "--" if it stopped there: everything after is positional.
		if len(args) >= len(rest)+1 && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// wantsHelp reports whether -h or --help comes before any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help", "--h":
			return true
		}
	}
	return false
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Borderwatch: ground control and mission planning for border-patrol drones.\n\nUsage: borderwatch COMMAND [flags] [arguments]\n\nCommands:\n")
	cs := slices.Clone(commands)
	slices.SortFunc(cs, func(a, b command) int { return strings.Compare(a.name, b.name) })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'borderwatch COMMAND --help' for a command's flags.\n")
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// Repeatable marks --mavlink, --layer … as lists in a config file.
func (s *stringList) Repeatable() {}
