package config

import (
	"fmt"
	"reflect"
)

// backupKey is the file-only array of [[backup]] tables.
const backupKey = "backup"

// maxBackups bounds the [[backup]] list; each entry starts a plugin
// process.
const maxBackups = 64

// backups decodes the [[backup]] array, replacing any earlier list. It
// reports whether the whole array was accepted.
func (d *fileDecoder) backups(cfg *Config, v any) bool {
	var entries []map[string]any
	switch arr := v.(type) {
	case []map[string]any:
		entries = arr
	case []any: // backup = [{...}, {...}]
		for i, item := range arr {
			m, ok := item.(map[string]any)
			if !ok {
				d.errs.add(fmt.Sprintf("%s[%d]", backupKey, i), d.origin, "want a table, got "+tomlType(item))
				return false
			}
			entries = append(entries, m)
		}
	default:
		d.errs.add(backupKey, d.origin, "want [[backup]] tables, got "+tomlType(v))
		return false
	}
	if len(entries) > maxBackups {
		d.errs.add(backupKey, d.origin, fmt.Sprintf("%d entries, at most %d", len(entries), maxBackups))
		return false
	}
	out := make([]Backup, 0, len(entries))
	before := len(d.errs)
	for i, m := range entries {
		out = append(out, d.backup(fmt.Sprintf("%s[%d]", backupKey, i), m))
	}
	if len(d.errs) > before {
		return false
	}
	if len(out) == 0 {
		out = nil
	}
	cfg.Backup = out
	return true
}

// backup decodes one entry by Backup's toml tags, so a field added there
// is read here without further code.
func (d *fileDecoder) backup(prefix string, m map[string]any) Backup {
	var b Backup
	v := reflect.ValueOf(&b).Elem()
	fields := map[string]int{}
	var names []string
	for i := range v.NumField() {
		if name, ok := v.Type().Field(i).Tag.Lookup("toml"); ok {
			fields[name] = i
			names = append(names, prefix+"."+name)
		}
	}
	for _, k := range sortedKeys(m) {
		key := prefix + "." + k
		i, ok := fields[k]
		if !ok {
			d.errs.add(key, d.origin, unknownReason(key, names))
			continue
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			s, ok := m[k].(string)
			if !ok {
				d.errs.add(key, d.origin, "want a string, got "+tomlType(m[k]))
				continue
			}
			f.SetString(s)
		case reflect.Map:
			settings, ok := d.stringMap(key, m[k])
			if ok {
				f.Set(reflect.ValueOf(settings))
			}
		default:
			d.errs.add(key, d.origin, "this package cannot decode a "+f.Type().String())
		}
	}
	return b
}

// stringMap decodes a table of strings. Values are never quoted in
// errors: any of them may be a credential.
func (d *fileDecoder) stringMap(key string, v any) (map[string]string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		d.errs.add(key, d.origin, "want a table, got "+tomlType(v))
		return nil, false
	}
	if len(m) == 0 {
		return nil, true
	}
	out := make(map[string]string, len(m))
	good := true
	for _, k := range sortedKeys(m) {
		s, ok := m[k].(string)
		if !ok {
			d.errs.add(key+"."+k, d.origin, "want a string, got "+tomlType(m[k]))
			good = false
			continue
		}
		out[k] = s
	}
	return out, good
}
