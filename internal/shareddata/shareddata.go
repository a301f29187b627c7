// Package shareddata locates the read-only reference material (../shared)
// that sits beside the module root, for tests in any package.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Path joins elem onto ../shared relative to the directory holding go.mod,
// so tests do not depend on where the work tree lives.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
	return filepath.Join(append([]string{dir, "..", "shared"}, elem...)...)
}
