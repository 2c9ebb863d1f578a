package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web/auth"
)

// borderwatch users …: accounts in the store, through web/auth (the same
// code the HTTP API's /api/v1/users calls).

var usersSubcommands []command

func init() {
	register(command{
		name:        "users",
		summary:     "Manage accounts: add, list, remove, passwd, role.",
		usage:       "SUBCOMMAND [flags] [arguments]",
		subcommands: true,
		flags: func(*flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				return runGroup(ctx, e, "users", "Manage accounts (roles: operator, supervisor, admin).", usersSubcommands, args)
			}
		},
	})
	usersSubcommands = []command{
		{name: "add", summary: "Add a user; the password is read from stdin (twice on a terminal).", usage: "NAME --role operator|supervisor|admin [--data FILE]", flags: usersAddFlags},
		{name: "list", summary: "List the users and their roles.", usage: "[--json] [--data FILE]", flags: usersListFlags},
		{name: "remove", summary: "Remove a user with their sessions and tokens.", usage: "NAME [--data FILE]", flags: usersRemoveFlags},
		{name: "passwd", summary: "Set a user's password (read from stdin) and end their sessions.", usage: "NAME [--data FILE]", flags: usersPasswdFlags},
		{name: "role", summary: "Change a user's role.", usage: "NAME operator|supervisor|admin [--data FILE]", flags: usersRoleFlags},
	}
}

// runGroup runs one subcommand of a command group (users, tokens).
func runGroup(ctx context.Context, e *env, group, summary string, subs []command, args []string) error {
	groupUsage := func(w io.Writer) {
		fmt.Fprintf(w, "%s\n\nUsage: borderwatch %s SUBCOMMAND [flags] [arguments]\n\nSubcommands:\n", summary, group)
		for _, c := range subs {
			fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
		}
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			groupUsage(e.stderr)
			return errUsage
		}
		groupUsage(e.stdout)
		return nil
	}
	i := slices.IndexFunc(subs, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		fmt.Fprintf(e.stderr, "borderwatch %s: unknown subcommand %q\n\n", group, args[0])
		groupUsage(e.stderr)
		return errUsage
	}
	err := runOne(ctx, e, group+" "+subs[i].name, subs[i], args[1:])
	if err != nil && !errors.Is(err, errUsage) {
		return fmt.Errorf("%s: %w", subs[i].name, err)
	}
	return err
}

// dataFlag declares --data for the account commands.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", "borderwatch.db", "bbolt file of the store (the server must be stopped: bbolt locks the file; while it runs, use the API's /api/v1/users and /api/v1/tokens)")
}

// withAccounts opens the store and its accounts for one command.
func withAccounts(path string, fn func(*auth.Accounts) error) error {
	st := &store.Store{Path: path}
	if err := st.Initialize(); err != nil {
		if errors.Is(err, store.ErrHeld) {
			return fmt.Errorf("%w: stop the server first, or manage accounts through its API (/api/v1/users, /api/v1/tokens) or the admin page", err)
		}
		return err
	}
	defer st.Close()
	a := &auth.Accounts{Store: st}
	if err := a.Initialize(); err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

// readPassword reads a new password from stdin: on a terminal without echo
// and twice (a typo would lock the user out), from a pipe one line.
func readPassword(e *env, name string) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(e.stderr, "Password for %s: ", name)
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(e.stderr, "Again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", errors.New("the two passwords differ; nothing was changed")
		}
		return string(p1), nil
	}
	if e.stdin == nil {
		return "", errors.New("give the password on stdin")
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("reading the password from stdin: %w (pipe it in, e.g. from a password manager)", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func oneArg(args []string, what string) (string, error) {
	if len(args) != 1 {
		return "", fmt.Errorf("give %s (got %d arguments)", what, len(args))
	}
	return args[0], nil
}

func usersAddFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	data := dataFlag(fs)
	role := fs.String("role", "", "operator, supervisor or admin (required)")
	return func(ctx context.Context, e *env, args []string) error {
		name, err := oneArg(args, "the user's name")
		if err != nil {
			return err
		}
		r, err := auth.ParseRole(*role)
		if err != nil {
			return err
		}
		// Check the name before asking for a password.
		if err := auth.CheckUserName(name); err != nil {
			return err
		}
		pw, err := readPassword(e, name)
		if err != nil {
			return err
		}
		return withAccounts(*data, func(a *auth.Accounts) error {
			u, err := a.AddUser(name, r, pw)
			if err == nil {
				fmt.Fprintf(e.stdout, "added %s (%s)\n", u.Name, u.Role)
			}
			return err
		})
	}
}

func usersListFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	data := dataFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unexpected arguments %q", args)
		}
		return withAccounts(*data, func(a *auth.Accounts) error {
			us, err := a.Users()
			if err != nil {
				return err
			}
			if *asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(us)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tCREATED")
			for _, u := range us {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Name, u.Role, u.Created.Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		})
	}
}

func usersRemoveFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	data := dataFlag(fs)
	return func(ctx context.Context, e *env, args []string) error {
		name, err := oneArg(args, "the user's name")
		if err != nil {
			return err
		}
		return withAccounts(*data, func(a *auth.Accounts) error {
			err := a.RemoveUser(name)
			if err == nil {
				fmt.Fprintf(e.stdout, "removed %s\n", name)
			}
			return err
		})
	}
}

func usersPasswdFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	data := dataFlag(fs)
	return func(ctx context.Context, e *env, args []string) error {
		name, err := oneArg(args, "the user's name")
		if err != nil {
			return err
		}
		return withAccounts(*data, func(a *auth.Accounts) error {
			if _, err := a.User(name); err != nil {
				return err // before asking for a password
			}
			pw, err := readPassword(e, name)
			if err != nil {
				return err
			}
			if err := a.SetPassword(name, pw); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "password of %s set; their sessions have ended\n", name)
			return nil
		})
	}
}

func usersRoleFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	data := dataFlag(fs)
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 2 {
			return fmt.Errorf("give the user's name and the role (got %d arguments)", len(args))
		}
		r, err := auth.ParseRole(args[1])
		if err != nil {
			return err
		}
		return withAccounts(*data, func(a *auth.Accounts) error {
			u, err := a.SetRole(args[0], r)
			if err == nil {
				fmt.Fprintf(e.stdout, "%s is now %s\n", u.Name, u.Role)
			}
			return err
		})
	}
}
