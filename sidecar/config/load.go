package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// DefaultFileName is the config file looked for in the data directory.
const DefaultFileName = "atlasd.toml"

// LoadOptions is what Load reads.
type LoadOptions struct {
	// Args are the command-line arguments after the program's and
	// subcommand's names.
	Args []string
	// Env is the environment as os.Environ returns it. HOME in it is the
	// home that ~ expands to (the process's if absent).
	Env []string
	// Flags, if not nil, gets the settings' flags beside the caller's own
	// and is parsed with its own error handling. If nil, Load uses a
	// private set that prints nothing and returns flag.ErrHelp for -h.
	Flags *flag.FlagSet
}

// Loaded is the effective configuration and how it came about.
type Loaded struct {
	// Config is validated and cleaned (see Config.Validate).
	Config Config
	// File is the config file read, "" if none.
	File string
	// Sources says which layer set each key.
	Sources Sources
	// Args are the positional arguments left after the flags.
	Args []string
	// Warnings are worth logging but did not stop the load.
	Warnings []string
}

// Load builds the configuration from defaults, the file, the environment
// and the flags, each overriding the one before. It reports every refused
// setting at once, as *KeyError values joined together, or a syntax error
// of the file wrapping ErrSyntax; -h and --help give flag.ErrHelp.
func Load(opts LoadOptions) (*Loaded, error) {
	all, err := settings()
	if err != nil {
		return nil, err
	}
	cfg := Default()
	fset := opts.Flags
	if fset == nil {
		fset = flag.NewFlagSet("atlasd", flag.ContinueOnError)
		fset.SetOutput(io.Discard)
	}
	fl := bindFlags(fset, all, &cfg)
	if err := fset.Parse(opts.Args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	el, warnings, errs := readEnv(opts.Env, all)
	home := el.home
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	l := &Loaded{Sources: Sources{}, Args: fset.Args()}

	path, explicit, err := configPath(fl, el, all, &cfg, home)
	if err != nil {
		return nil, err
	}
	if path != "" {
		data, info, err := readFile(path)
		switch {
		case err == nil:
			l.File = path
			if err := decodeFile(&cfg, data, "file "+path, all, l.Sources); err != nil {
				if errors.Is(err, ErrSyntax) {
					return nil, err
				}
				errs = append(errs, err)
			}
			warnings = append(warnings, permissionWarnings(path, info, cfg, l.Sources)...)
		case explicit || !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}

	for i := range all {
		s := &all[i]
		if raw, ok := el.values[s.key]; ok {
			if reason := s.setText(&cfg, raw); reason != "" {
				errs.add(s.key, "env "+el.names[s.key], reason)
			} else {
				l.Sources[s.key] = SourceEnv
			}
		}
		if raw, ok := fl.values[s.key]; ok {
			if reason := s.setText(&cfg, raw); reason != "" {
				errs.add(s.key, "flag --"+s.flag, reason)
			} else {
				l.Sources[s.key] = SourceFlag
				if s.secret {
					warnings = append(warnings, "config: --"+s.flag+" is visible to other users in the process list; prefer the file or the environment")
				}
			}
		}
	}
	if len(errs) > 0 {
		// Later layers were checked against values that did not parse;
		// validating now would blame the wrong layer.
		return nil, errs.err()
	}

	clean, err := cfg.validate(home)
	if err != nil {
		return nil, l.annotate(err, all, el)
	}
	l.Config = clean
	l.Warnings = append(warnings, exposureWarnings(clean)...)
	return l, nil
}

// configPath picks the file: --config, then ATLASD_CONFIG, then
// <datadir>/atlasd.toml with datadir from the flags, the environment or
// the default. An explicit empty name means no file.
func configPath(fl *flagLayer, el envLayer, all []setting, def *Config, home string) (string, bool, error) {
	var path string
	explicit := true
	switch {
	case fl.hasConfig:
		path = fl.config
	case el.hasConfig:
		path = el.config
	default:
		explicit = false
		dir := def.DataDir
		if v, ok := el.values["datadir"]; ok {
			dir = v
		}
		if v, ok := fl.values["datadir"]; ok {
			dir = v
		}
		if dir == "" {
			return "", false, nil
		}
		path = filepath.Join(dir, DefaultFileName)
	}
	if path == "" {
		return "", true, nil
	}
	p, reason := expandHome(path, home)
	if reason != "" {
		return "", explicit, &KeyError{Key: configFlag, Reason: reason}
	}
	return p, explicit, nil
}

// annotate fills in, for each refused setting, the layer its value came
// from, so the operator knows where to fix it.
func (l *Loaded) annotate(err error, all []setting, el envLayer) error {
	var list []error
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		list = u.Unwrap()
	} else {
		list = []error{err}
	}
	flags := map[string]string{}
	for _, s := range all {
		flags[s.key] = "flag --" + s.flag
	}
	for _, e := range list {
		var ke *KeyError
		if !errors.As(e, &ke) || ke.Origin != "" {
			continue
		}
		key := ke.Key
		if _, _, isBackup := cutIndex(key); isBackup {
			key = backupKey
		}
		switch l.Sources.Of(key) {
		case SourceFile:
			ke.Origin = "file " + l.File
		case SourceEnv:
			ke.Origin = "env " + el.names[key]
		case SourceFlag:
			ke.Origin = flags[key]
		default:
			ke.Origin = "default"
		}
	}
	return errors.Join(list...)
}

// cutIndex splits "backup[2].name" into "backup", "[2].name".
func cutIndex(key string) (string, string, bool) {
	if len(key) > len(backupKey) && key[:len(backupKey)] == backupKey && key[len(backupKey)] == '[' {
		return backupKey, key[len(backupKey):], true
	}
	return key, "", false
}
