package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/sidecar/config"
	"github.com/atlasd/atlasd/sidecar/daemon"
	"github.com/atlasd/atlasd/sidecar/follow"
)

const runExample = `
Example:
  atlasd run --bitcoind.rpc-cookie ~/.bitcoin/.cookie --bitcoind.zmq-hashblock tcp://127.0.0.1:28332

Settings come from flags, ATLASD_* variables, the config file and defaults, in that order.`

// loadConfig parses the settings for a command; it prints usage for -h and
// the refused keys otherwise. ok is false when the command should exit
// with code.
func loadConfig(name, example string, args []string) (l *config.Loaded, code int, ok bool) {
	return loadConfigWith(flag.NewFlagSet("atlasd "+name, flag.ContinueOnError), name, example, args)
}

type loaded = config.Loaded

// loadConfigWith is loadConfig with command-specific flags already in fs.
func loadConfigWith(fs *flag.FlagSet, name, example string, args []string) (l *config.Loaded, code int, ok bool) {
	fs.SetOutput(io.Discard)
	own := fs
	args = flagsFirst(fs, args)
	l, err := config.Load(config.LoadOptions{Args: args, Env: os.Environ(), Flags: fs})
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stdout, "usage: atlasd %s [flags]\n\nflags:\n", name)
		own.VisitAll(func(f *flag.Flag) {
			if !isSetting(f.Name) {
				fmt.Fprintf(os.Stdout, "  --%s\n\t%s\n", f.Name, f.Usage)
			}
		})
		config.Usage(os.Stdout)
		fmt.Fprintln(os.Stdout, example)
		return nil, exitOK, false
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "atlasd %s: %v\n", name, err)
		return nil, exitUsage, false
	}
	return l, 0, true
}

// newLogger builds the zerolog logger the settings ask for: human-readable
// on a terminal, JSON lines otherwise.
func newLogger(cfg config.Config) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil {
		lvl = zerolog.InfoLevel
	}
	var w io.Writer = os.Stderr
	text := cfg.LogFormat == "text" || (cfg.LogFormat == "auto" && isatty.IsTerminal(os.Stderr.Fd()))
	if text {
		w = zerolog.ConsoleWriter{Out: os.Stderr, TimeFormat: time.DateTime}
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}

func runRun(ctx context.Context, args []string) int {
	l, code, ok := loadConfig("run", runExample, args)
	if !ok {
		return code
	}
	if len(l.Args) > 0 {
		fmt.Fprintf(os.Stderr, "atlasd run: unexpected arguments %q\n", l.Args)
		return exitUsage
	}
	log := newLogger(l.Config)
	for _, w := range l.Warnings {
		log.Warn().Msg(w)
	}
	if l.File != "" {
		log.Info().Str("file", l.File).Msg("config file read")
	}
	d, err := daemon.Open(l.Config, log)
	if err != nil {
		log.Error().Err(err).Msg("cannot start")
		return exitFailure
	}
	err = d.Run(ctx)
	if cerr := d.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		ev := log.Error().Err(err)
		if errors.Is(err, follow.ErrForkTooDeep) {
			ev = ev.Str("fix", "atlasd reindex")
		}
		ev.Msg("stopped")
		return exitFailure
	}
	log.Info().Msg("shut down cleanly")
	return exitOK
}

func runConfig(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] != "print" {
		fmt.Fprintln(os.Stderr, "usage: atlasd config print [flags]\n\nPrints the effective settings, secrets masked, each with where it came from.\n\nExample:\n  ATLASD_NETWORK=regtest atlasd config print --datadir /var/lib/atlasd")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return exitOK
		}
		return exitUsage
	}
	l, code, ok := loadConfig("config print", "\nExample:\n  ATLASD_NETWORK=regtest atlasd config print", args[1:])
	if !ok {
		return code
	}
	if err := l.Print(os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "atlasd config print: %v\n", err)
		return exitFailure
	}
	for _, w := range l.Warnings {
		fmt.Fprintln(os.Stderr, "warning: "+strings.TrimPrefix(w, "config: "))
	}
	return exitOK
}

// isSetting tells config's flags (section.key, or config) from a
// command's own.
func isSetting(name string) bool {
	for _, c := range name {
		if c == '.' {
			return true
		}
	}
	switch name {
	case "config", "network", "params-file", "datadir", "log-level", "log-format":
		return true
	}
	return false
}

// flagsFirst moves positional arguments after the flags, so that
// "names show NAME --api URL" parses like "names show --api URL NAME"; the
// flag package stops at the first positional argument.
func flagsFirst(own *flag.FlagSet, args []string) []string {
	all := flag.NewFlagSet("", flag.ContinueOnError)
	all.SetOutput(io.Discard)
	own.VisitAll(func(f *flag.Flag) { all.Var(f.Value, f.Name, f.Usage) })
	// Registers every setting's flag in all (the load result is unused).
	_, _ = config.Load(config.LoadOptions{Flags: all, Env: []string{}, Args: []string{"--config", ""}})
	isBool := func(name string) bool {
		f := all.Lookup(name)
		if f == nil {
			return false
		}
		b, ok := f.Value.(interface{ IsBoolFlag() bool })
		return ok && b.IsBoolFlag()
	}
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && !isBool(name) && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) == 0 {
		return flags
	}
	return append(append(flags, "--"), pos...)
}
