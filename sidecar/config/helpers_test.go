package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeConfig writes a config file into a fresh directory, readable only
// by its owner as an operator's would be.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "atlasd.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// tomlFor writes key = literal under the key's section.
func tomlFor(key, literal string) string {
	if i := strings.LastIndex(key, "."); i >= 0 {
		return "[" + key[:i] + "]\n" + key[i+1:] + " = " + literal + "\n"
	}
	return key + " = " + literal + "\n"
}

// keyErrors lists the refused settings in a Load or Validate error.
func keyErrors(err error) []*KeyError {
	var out []*KeyError
	var walk func(error)
	walk = func(e error) {
		if u, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range u.Unwrap() {
				walk(x)
			}
			return
		}
		var ke *KeyError
		if errors.As(e, &ke) {
			out = append(out, ke)
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// findKey returns the refusal of key, or nil.
func findKey(err error, key string) *KeyError {
	for _, ke := range keyErrors(err) {
		if ke.Key == key {
			return ke
		}
	}
	return nil
}

// withHome adds HOME=home to env unless it sets HOME already.
func withHome(home string, env []string) []string {
	for _, kv := range env {
		if strings.HasPrefix(kv, "HOME=") {
			return env
		}
	}
	return append([]string{"HOME=" + home}, env...)
}
