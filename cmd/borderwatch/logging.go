package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// logOptions are the flags of the server's structured log.
type logOptions struct {
	format string
	level  string
}

func declareLogFlags(fs *flag.FlagSet, o *logOptions) {
	fs.StringVar(&o.format, "log-format", "text", "log format on stderr: text (key=value) or json (one object a line, for journald or a log shipper)")
	fs.StringVar(&o.level, "log-level", "info", "least severe log level written: debug, info, warn or error")
}

// logger builds the slog.Logger the flags ask for.
func (o logOptions) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", o.level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(o.format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", o.format)
}

// install makes the flags' logger the process's default, which every manager
// logs to. Only for the real process: commands run in-process by tests share
// the process with others, and a default logger writing to one test's buffer
// would outlive it.
func (o logOptions) install(e *env) error {
	logger, err := o.logger(e.stderr)
	if err != nil {
		return err
	}
	if e.stderr == os.Stderr {
		slog.SetDefault(logger)
	}
	return nil
}
