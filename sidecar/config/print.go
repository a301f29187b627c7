package config

import (
	"bufio"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Print writes cfg as a TOML file with its secrets masked. With src, each
// value carries a comment naming the layer that set it. The output parses
// back (with Load or as a --config file) to Masked(cfg).
func Print(w io.Writer, cfg Config, src Sources) error {
	all, err := settings()
	if err != nil {
		return err
	}
	cfg = Masked(cfg)
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# atlasd effective configuration. Secrets are shown as \""+Mask+"\".")
	for _, sec := range append([]string{""}, sections(all)...) {
		if sec != "" {
			fmt.Fprintf(bw, "\n[%s]\n", sectionHeader(sec))
		}
		for i := range all {
			if s := &all[i]; s.section == sec {
				fmt.Fprintf(bw, "%s = %s%s\n", tomlKey(s.name), formatTOML(s, &cfg), sourceComment(s, src))
			}
		}
	}
	printBackups(bw, cfg.Backup, src)
	return bw.Flush()
}

// Print writes the loaded configuration, naming the file it came from.
func (l *Loaded) Print(w io.Writer) error {
	file := "none"
	if l.File != "" {
		file = l.File
	}
	if _, err := fmt.Fprintf(w, "# config file: %s\n", file); err != nil {
		return err
	}
	return Print(w, l.Config, l.Sources)
}

func sourceComment(s *setting, src Sources) string {
	if src == nil {
		return ""
	}
	switch src.Of(s.key) {
	case SourceEnv:
		return "  # env " + s.env
	case SourceFlag:
		return "  # flag --" + s.flag
	default:
		return "  # " + src.Of(s.key).String()
	}
}

// printBackups writes the [[backup]] tables, each followed by its
// settings sub-table, which TOML attaches to the latest [[backup]].
func printBackups(w io.Writer, list []Backup, src Sources) {
	comment := ""
	if src != nil {
		comment = "  # " + src.Of(backupKey).String()
	}
	if len(list) == 0 {
		fmt.Fprintf(w, "\n# no [[%s]] entries\n", backupKey)
		return
	}
	for _, b := range list {
		fmt.Fprintf(w, "\n[[%s]]%s\n", backupKey, comment)
		v := reflect.ValueOf(b)
		t := v.Type()
		var maps []int
		for i := range t.NumField() {
			name, ok := t.Field(i).Tag.Lookup("toml")
			if !ok {
				continue
			}
			if v.Field(i).Kind() == reflect.Map {
				maps = append(maps, i)
				continue
			}
			fmt.Fprintf(w, "%s = %s\n", tomlKey(name), quoteTOML(v.Field(i).String()))
		}
		for _, i := range maps {
			m, _ := v.Field(i).Interface().(map[string]string)
			if len(m) == 0 {
				continue
			}
			fmt.Fprintf(w, "[%s.%s]\n", backupKey, tomlKey(t.Field(i).Tag.Get("toml")))
			for _, k := range sortedKeys(anyMap(m)) {
				fmt.Fprintf(w, "%s = %s\n", tomlKey(k), quoteTOML(m[k]))
			}
		}
	}
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// formatTOML spells s's value in cfg as a TOML value.
func formatTOML(s *setting, cfg *Config) string {
	f := s.field(cfg)
	switch s.kind {
	case kindString:
		return quoteTOML(f.String())
	case kindBool:
		return strconv.FormatBool(f.Bool())
	case kindInt:
		return strconv.FormatInt(f.Int(), 10)
	case kindUint:
		return strconv.FormatUint(f.Uint(), 10)
	case kindDuration:
		return quoteTOML(time.Duration(f.Int()).String())
	case kindList:
		items := f.Interface().([]string)
		quoted := make([]string, len(items))
		for i, item := range items {
			quoted[i] = quoteTOML(item)
		}
		return "[" + strings.Join(quoted, ", ") + "]"
	}
	return `""`
}

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func tomlKey(k string) string {
	if bareKey.MatchString(k) {
		return k
	}
	return quoteTOML(k)
}

func sectionHeader(sec string) string {
	parts := strings.Split(sec, ".")
	for i, p := range parts {
		parts[i] = tomlKey(p)
	}
	return strings.Join(parts, ".")
}

// quoteTOML writes s as a TOML basic string. Go's strconv.Quote is not
// suitable: TOML has no \x or \a escapes.
func quoteTOML(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Usage writes every setting's flag, environment variable, default and
// help, for --help.
func Usage(w io.Writer) error {
	all, err := settings()
	if err != nil {
		return err
	}
	def := Default()
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "  --%s FILE  (%s)\n\tconfig file; default <datadir>/%s if it exists, empty for none\n", configFlag, configEnv, DefaultFileName)
	for i := range all {
		s := &all[i]
		d := ""
		if v := formatText(s, &def); v != "" && !s.secret {
			d = ", default " + strconv.Quote(v)
		}
		fmt.Fprintf(bw, "  --%s  (%s%s)\n\t%s\n", s.flag, s.env, d, s.help)
	}
	fmt.Fprintf(bw, "\n[[%s]] tables are read from the file only.\n", backupKey)
	return bw.Flush()
}
