package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/borderwatch/borderwatch/web/auth"
)

// borderwatch tokens …: API tokens for scripts (Authorization: Bearer
// TOKEN), through web/auth like /api/v1/tokens.

var tokensSubcommands []command

func init() {
	register(command{
		name:        "tokens",
		summary:     "Manage API tokens: create (prints the token), list, revoke.",
		usage:       "SUBCOMMAND [flags] [arguments]",
		subcommands: true,
		flags: func(*flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				return runGroup(ctx, e, "tokens", "Manage API tokens (scripts send them as Authorization: Bearer TOKEN).", tokensSubcommands, args)
			}
		},
	})
	tokensSubcommands = []command{
		{name: "create", summary: "Create a token for a user and print it (only then: it is stored hashed).", usage: "USER [--expires 720h] [--comment TEXT] [--data FILE]", flags: tokensCreateFlags},
		{name: "list", summary: "List tokens (never their secrets).", usage: "[--user NAME] [--json] [--data FILE]", flags: tokensListFlags},
		{name: "revoke", summary: "Revoke a token by its ID (from tokens list).", usage: "ID [--data FILE]", flags: tokensRevokeFlags},
	}
}

func tokensCreateFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	data := dataFlag(fs)
	expires := fs.String("expires", "720h", "how long the token works (a duration; 0 for no expiry)")
	comment := fs.String("comment", "", "what the token is for (shown in tokens list)")
	return func(ctx context.Context, e *env, args []string) error {
		user, err := oneArg(args, "the user the token acts as")
		if err != nil {
			return err
		}
		ttl, err := auth.ParseTTL(*expires)
		if err != nil {
			return err
		}
		return withAccounts(*data, func(a *auth.Accounts) error {
			tok, _, err := a.CreateToken(user, ttl, *comment)
			if err == nil {
				fmt.Fprintln(e.stdout, tok) // the token and nothing else: scripts capture it
			}
			return err
		})
	}
}

func tokensListFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	data := dataFlag(fs)
	user := fs.String("user", "", "only this user's tokens")
	asJSON := fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unexpected arguments %q", args)
		}
		return withAccounts(*data, func(a *auth.Accounts) error {
			ts, err := a.Tokens(*user)
			if err != nil {
				return err
			}
			if *asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(ts)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tUSER\tCREATED\tEXPIRES\tCOMMENT")
			for _, t := range ts {
				exp := "never"
				if !t.Expires.IsZero() {
					exp = t.Expires.Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.User, t.Created.Format("2006-01-02 15:04"), exp, t.Comment)
			}
			return tw.Flush()
		})
	}
}

func tokensRevokeFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	data := dataFlag(fs)
	return func(ctx context.Context, e *env, args []string) error {
		id, err := oneArg(args, "the token's ID (see tokens list)")
		if err != nil {
			return err
		}
		return withAccounts(*data, func(a *auth.Accounts) error {
			t, err := a.RevokeToken(id)
			if err == nil {
				fmt.Fprintf(e.stdout, "revoked token %s of %s\n", t.ID, t.User)
			}
			return err
		})
	}
}
