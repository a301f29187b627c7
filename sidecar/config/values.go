package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// setText stores raw, as written in the environment or on the command
// line, into s's field of cfg. The returned reason names what was wrong
// without repeating a secret.
func (s *setting) setText(cfg *Config, raw string) (reason string) {
	f := s.field(cfg)
	switch s.kind {
	case kindString:
		f.SetString(raw)
	case kindBool:
		v, err := strconv.ParseBool(raw)
		if err != nil {
			return "want true or false, got " + show(raw, s.secret)
		}
		f.SetBool(v)
	case kindInt:
		v, err := strconv.ParseInt(raw, 10, strconv.IntSize)
		if err != nil {
			return "want an integer, got " + show(raw, s.secret)
		}
		f.SetInt(v)
	case kindUint:
		v, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			return "want a non-negative integer, got " + show(raw, s.secret)
		}
		f.SetUint(v)
	case kindDuration:
		v, err := time.ParseDuration(raw)
		if err != nil {
			return `want a duration such as "30s" or "1m30s", got ` + show(raw, s.secret)
		}
		f.SetInt(int64(v))
	case kindList:
		f.Set(reflect.ValueOf(splitList(raw)))
	}
	return ""
}

// splitList reads a comma-separated list; blanks around items are
// dropped, and so are empty items, so "" is the empty list.
func splitList(raw string) []string {
	var out []string
	for item := range strings.SplitSeq(raw, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// setTOML stores v, a value as BurntSushi/toml decodes it into `any`,
// into s's field of cfg.
func (s *setting) setTOML(cfg *Config, v any) (reason string) {
	f := s.field(cfg)
	switch s.kind {
	case kindString:
		str, ok := v.(string)
		if !ok {
			return "want a string, got " + tomlType(v)
		}
		f.SetString(str)
	case kindBool:
		b, ok := v.(bool)
		if !ok {
			return "want true or false, got " + tomlType(v)
		}
		f.SetBool(b)
	case kindInt:
		n, ok := v.(int64)
		if !ok {
			return "want an integer, got " + tomlType(v)
		}
		if f.OverflowInt(n) {
			return fmt.Sprintf("%d is out of range", n)
		}
		f.SetInt(n)
	case kindUint:
		n, ok := v.(int64)
		if !ok {
			return "want an integer, got " + tomlType(v)
		}
		if n < 0 {
			return fmt.Sprintf("want a non-negative integer, got %d", n)
		}
		f.SetUint(uint64(n))
	case kindDuration:
		str, ok := v.(string)
		if !ok {
			// An integer would be nanoseconds to Go and seconds to most
			// people, so neither reading is taken.
			return `want a duration string such as "30s", got ` + tomlType(v)
		}
		d, err := time.ParseDuration(str)
		if err != nil {
			return `want a duration such as "30s" or "1m30s", got ` + show(str, s.secret)
		}
		f.SetInt(int64(d))
	case kindList:
		list, reason := stringList(v)
		if reason != "" {
			return reason
		}
		f.Set(reflect.ValueOf(list))
	}
	return ""
}

// stringList reads a TOML array of strings; the empty array is nil, so
// that every layer spells "no items" the same way.
func stringList(v any) ([]string, string) {
	arr, ok := v.([]any)
	if !ok {
		return nil, "want an array of strings, got " + tomlType(v)
	}
	var out []string
	for i, item := range arr {
		str, ok := item.(string)
		if !ok {
			return nil, fmt.Sprintf("item %d: want a string, got %s", i, tomlType(item))
		}
		out = append(out, str)
	}
	return out, ""
}

// tomlType names the TOML type of a decoded value, for messages.
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a datetime"
	case []any:
		return "an array"
	case []map[string]any:
		return "an array of tables"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("a %T", v)
}

// formatText spells s's value in cfg as the environment or a flag would.
func formatText(s *setting, cfg *Config) string {
	f := s.field(cfg)
	switch s.kind {
	case kindString:
		return f.String()
	case kindBool:
		return strconv.FormatBool(f.Bool())
	case kindInt:
		return strconv.FormatInt(f.Int(), 10)
	case kindUint:
		return strconv.FormatUint(f.Uint(), 10)
	case kindDuration:
		return time.Duration(f.Int()).String()
	case kindList:
		return strings.Join(f.Interface().([]string), ",")
	}
	return ""
}
