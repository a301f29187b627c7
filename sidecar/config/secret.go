package config

import (
	"reflect"
	"strings"
)

// Mask replaces a non-empty secret in Print's output. An empty secret is
// printed as "" because "not set" is useful to see and gives nothing away.
const Mask = "********"

// secretWords mark a backup setting, or a line of a broken file, as
// holding a secret. Over-matching only hides a value; under-matching
// would print a credential.
var secretWords = [...]string{"secret", "password", "passwd", "token", "key"}

func secretName(name string) bool {
	name = strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

func mask(v string) string {
	if v == "" {
		return ""
	}
	return Mask
}

// Masked returns a copy of cfg with every secret replaced by Mask: the
// config as Print shows it. It walks the struct's tags itself rather than
// the settings table, so it cannot fail open.
func Masked(cfg Config) Config {
	maskStruct(reflect.ValueOf(&cfg).Elem())
	return cfg
}

// maskStruct masks, in place, the secret fields of the struct v, which
// must be addressable and must not share slices or maps with the caller's
// copy (they are cloned here before being changed).
func maskStruct(v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		switch {
		case f.Tag.Get("secret") == "true" && fv.Kind() == reflect.String:
			fv.SetString(mask(fv.String()))
		case f.Tag.Get("secret") == "values" && fv.Kind() == reflect.Map && fv.Type().Key().Kind() == reflect.String && fv.Type().Elem().Kind() == reflect.String:
			if fv.IsNil() {
				continue
			}
			m := reflect.MakeMapWithSize(fv.Type(), fv.Len())
			for it := fv.MapRange(); it.Next(); {
				val := it.Value().String()
				if secretName(it.Key().String()) {
					val = mask(val)
				}
				m.SetMapIndex(it.Key(), reflect.ValueOf(val).Convert(fv.Type().Elem()))
			}
			fv.Set(m)
		case fv.Kind() == reflect.Struct:
			maskStruct(fv)
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct:
			if fv.IsNil() {
				continue
			}
			c := reflect.MakeSlice(fv.Type(), fv.Len(), fv.Len())
			reflect.Copy(c, fv)
			for j := range c.Len() {
				maskStruct(c.Index(j))
			}
			fv.Set(c)
		}
	}
}
