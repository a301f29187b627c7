package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// kind is how a setting's value is spelled and stored.
type kind int

const (
	kindString kind = iota
	kindBool
	kindInt
	kindUint
	kindDuration
	kindList
)

// setting is one scalar or list setting, named for each layer.
type setting struct {
	key     string // file key, dotted by section: "bitcoind.rpc_host"
	section string // "bitcoind", or "" at the top level
	name    string // key within its section: "rpc_host"
	env     string // ATLASD_BITCOIND_RPC_HOST
	flag    string // bitcoind.rpc-host
	help    string
	secret  bool
	checks  []string
	kind    kind
	index   []int // field path from Config, for FieldByIndex
}

// envPrefix starts every variable that configures the daemon.
const envPrefix = "ATLASD_"

// Names of the settings that pick the file rather than living in it.
const (
	configEnv  = envPrefix + "CONFIG"
	configFlag = "config"
)

var durationType = reflect.TypeOf(time.Duration(0))

// settings lists every setting of Config except the file-only ones
// (slices of tables and maps), in declaration order. It fails only if
// Config gains a field type this package cannot spell, which the tests
// catch.
func settings() ([]setting, error) {
	return collect(reflect.TypeOf(Config{}), nil, nil)
}

func collect(t reflect.Type, section []string, index []int) ([]setting, error) {
	var out []setting
	for i := range t.NumField() {
		f := t.Field(i)
		name, ok := f.Tag.Lookup("toml")
		if !ok || !f.IsExported() {
			continue
		}
		idx := append(append([]int(nil), index...), i)
		path := append(append([]string(nil), section...), name)
		ft := f.Type
		if ft.Kind() == reflect.Struct {
			sub, err := collect(ft, path, idx)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
			continue
		}
		if ft.Kind() == reflect.Map || (ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct) {
			continue // file-only: see backup.go
		}
		k, err := kindOf(ft)
		if err != nil {
			return nil, fmt.Errorf("config: field %s: %w", f.Name, err)
		}
		s := setting{
			key:     strings.Join(path, "."),
			section: strings.Join(section, "."),
			name:    name,
			env:     envPrefix + strings.ToUpper(strings.Join(path, "_")),
			flag:    strings.ReplaceAll(strings.Join(path, "."), "_", "-"),
			help:    f.Tag.Get("help"),
			secret:  f.Tag.Get("secret") == "true",
			kind:    k,
			index:   idx,
		}
		if c := f.Tag.Get("check"); c != "" {
			s.checks = strings.Split(c, ",")
		}
		out = append(out, s)
	}
	return out, nil
}

func kindOf(t reflect.Type) (kind, error) {
	switch {
	case t == durationType:
		return kindDuration, nil
	case t.Kind() == reflect.String:
		return kindString, nil
	case t.Kind() == reflect.Bool:
		return kindBool, nil
	case t.Kind() == reflect.Int:
		return kindInt, nil
	case t.Kind() == reflect.Uint64:
		return kindUint, nil
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return kindList, nil
	}
	return 0, fmt.Errorf("unsupported type %s", t)
}

// field is the setting's storage inside cfg.
func (s *setting) field(cfg *Config) reflect.Value {
	return reflect.ValueOf(cfg).Elem().FieldByIndex(s.index)
}

// sections lists the distinct non-empty sections in declaration order.
func sections(all []setting) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range all {
		if s.section != "" && !seen[s.section] {
			seen[s.section] = true
			out = append(out, s.section)
		}
	}
	return out
}
