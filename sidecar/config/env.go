package config

import (
	"strings"
)

// envLayer is what the environment sets.
type envLayer struct {
	values    map[string]string // by file key
	names     map[string]string // file key -> the variable that set it
	config    string
	hasConfig bool
	home      string
}

// readEnv picks the ATLASD_* variables out of env ("NAME=value" entries,
// as os.Environ returns; a later entry wins). Unknown ones are refused or
// only warned about as the package documentation explains.
func readEnv(env []string, all []setting) (envLayer, []string, errList) {
	l := envLayer{values: map[string]string{}, names: map[string]string{}}
	vars := map[string]string{}
	var order []string
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if name == "HOME" {
			l.home = value
		}
		if !strings.HasPrefix(name, envPrefix) {
			continue
		}
		if _, seen := vars[name]; !seen {
			order = append(order, name)
		}
		vars[name] = value
	}
	byEnv := map[string]*setting{}
	known := []string{configEnv}
	for i := range all {
		byEnv[all[i].env] = &all[i]
		known = append(known, all[i].env)
	}
	var namespaces []string
	for _, s := range sections(all) {
		namespaces = append(namespaces, envPrefix+strings.ToUpper(strings.ReplaceAll(s, ".", "_"))+"_")
	}
	var warnings []string
	var errs errList
	for _, name := range order {
		value := vars[name]
		if s := byEnv[name]; s != nil {
			l.values[s.key] = value
			l.names[s.key] = name
			continue
		}
		if name == configEnv {
			l.config, l.hasConfig = value, true
			continue
		}
		switch {
		case strings.HasPrefix(name, envPrefix+strings.ToUpper(backupKey)):
			errs.add(name, "env", "backups can only be configured in the file, as [[backup]] tables")
		case nearest(name, known) != "":
			errs.add(name, "env", "unknown variable (did you mean "+nearest(name, known)+"?)")
		case hasAnyPrefix(name, namespaces):
			errs.add(name, "env", "unknown variable in a settings section")
		default:
			warnings = append(warnings, "config: ignoring "+name+": not an atlasd setting")
		}
	}
	return l, warnings, errs
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
