package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// maxFileSize bounds the config file read into memory; a real one is a
// few kilobytes, so anything near this is a wrong path.
const maxFileSize = 1 << 20

// readFile reads the config file at path, refusing oversized ones.
func readFile(path string) ([]byte, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("config: %s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, nil, fmt.Errorf("config: %s is larger than %d bytes", path, maxFileSize)
	}
	return data, info, nil
}

// fileDecoder applies one file's contents over a Config.
type fileDecoder struct {
	origin string // "file /path", for messages
	byKey  map[string]*setting
	isSect map[string]bool
	all    []string // every known key, for suggestions
	src    Sources
	errs   errList
}

func newFileDecoder(all []setting, origin string, src Sources) *fileDecoder {
	d := &fileDecoder{origin: origin, byKey: map[string]*setting{}, isSect: map[string]bool{}, src: src}
	for i := range all {
		d.byKey[all[i].key] = &all[i]
		d.all = append(d.all, all[i].key)
	}
	for _, s := range sections(all) {
		d.isSect[s] = true
		d.all = append(d.all, s)
	}
	d.all = append(d.all, backupKey)
	return d
}

// decodeFile parses data as TOML and applies every key it sets to cfg,
// recording them as coming from the file in src. Keys it does not set
// keep their values.
func decodeFile(cfg *Config, data []byte, origin string, all []setting, src Sources) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: %s: not UTF-8 text", ErrSyntax, origin)
	}
	var tree map[string]any
	if _, err := toml.Decode(string(data), &tree); err != nil {
		return syntaxError(err, data, origin, all)
	}
	d := newFileDecoder(all, origin, src)
	d.table(cfg, "", tree)
	return d.errs.err()
}

func (d *fileDecoder) table(cfg *Config, prefix string, tree map[string]any) {
	for _, k := range sortedKeys(tree) {
		v := tree[k]
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch {
		case d.byKey[key] != nil:
			s := d.byKey[key]
			if reason := s.setTOML(cfg, v); reason != "" {
				d.errs.add(key, d.origin, reason)
				continue
			}
			d.src[key] = SourceFile
		case d.isSect[key]:
			sub, ok := v.(map[string]any)
			if !ok {
				d.errs.add(key, d.origin, "want a table, got "+tomlType(v))
				continue
			}
			d.table(cfg, key, sub)
		case key == backupKey:
			if d.backups(cfg, v) {
				d.src[key] = SourceFile
			}
		default:
			d.errs.add(key, d.origin, unknownReason(key, d.all))
		}
	}
}

// unknownReason refuses a key, suggesting the nearest known one. The
// value is never quoted: an unknown key may be a misspelt password.
func unknownReason(key string, known []string) string {
	if near := nearest(key, known); near != "" {
		return "unknown key (did you mean " + near + "?)"
	}
	return "unknown key"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// syntaxError reports where the file stops being TOML. The parser's own
// message can quote the text it choked on, which may be a password being
// typed, so it is dropped whenever the key being read or the offending
// line looks like it holds a secret.
func syntaxError(err error, data []byte, origin string, all []setting) error {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%w: %s", ErrSyntax, origin)
	}
	where := fmt.Sprintf("%s line %d", origin, pe.Position.Line)
	if pe.LastKey != "" {
		where += " (key " + pe.LastKey + ")"
	}
	msg := pe.Message
	if secretKey(pe.LastKey, all) || secretLine(data, pe.Position.Line) {
		msg = "details hidden because the line may hold a secret"
	}
	return fmt.Errorf("%w: %s: %s", ErrSyntax, where, msg)
}

// secretKey reports whether a dotted key names a secret: a secret
// setting, anything inside a backup's settings table, or a name that
// sounds like one.
func secretKey(key string, all []setting) bool {
	if key == "" {
		return false
	}
	for _, s := range all {
		if s.secret && s.key == key {
			return true
		}
	}
	if strings.HasPrefix(key, backupKey+".") && strings.Contains(key, ".settings") {
		return true
	}
	return secretName(key)
}

// secretLine reports whether line n (1-based) of data mentions a secret
// name anywhere, which catches values the parser reached through a
// multi-line string or an inline table.
func secretLine(data []byte, n int) bool {
	lines := bytes.Split(data, []byte("\n"))
	if n < 1 || n > len(lines) {
		return true // cannot tell, so assume the worst
	}
	return secretName(string(lines[n-1]))
}
