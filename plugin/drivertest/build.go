package drivertest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sync"
	"testing"
)

// ModuleRoot returns the directory holding go.mod, found by walking up from
// the working directory (a package directory under `go test`).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("drivertest: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("drivertest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// BuildPlugin compiles the main package pkg (an import path) into a fresh
// temporary directory and returns the binary's path and its SHA-256 in hex,
// as an operator would put it in the configuration.
func BuildPlugin(t testing.TB, pkg string) (bin, sha256Hex string) {
	t.Helper()
	return buildInto(t, pkg, t.TempDir())
}

func buildInto(t testing.TB, pkg, dir string) (bin, sha256Hex string) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("drivertest: go tool not found: %v", err)
	}
	bin = filepath.Join(dir, path.Base(pkg))
	cmd := exec.Command(gobin, "build", "-o", bin, pkg)
	cmd.Dir = ModuleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("drivertest: go build %s: %v\n%s", pkg, err, out)
	}
	return bin, FileSHA256(t, bin)
}

// FileSHA256 returns the hex SHA-256 of a file.
func FileSHA256(t testing.TB, file string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("drivertest: %v", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("drivertest: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// shared holds the binaries SharedPlugin built, by package.
var shared struct {
	mu   sync.Mutex
	dir  string
	bins map[string][2]string
}

// SharedPlugin is BuildPlugin once per test binary: every test of the
// package gets the same binary, which outlives any one test's TempDir. Call
// RemoveSharedPlugins from TestMain when the tests are done.
func SharedPlugin(t testing.TB, pkg string) (bin, sha256Hex string) {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if b, ok := shared.bins[pkg]; ok {
		return b[0], b[1]
	}
	if shared.dir == "" {
		dir, err := os.MkdirTemp("", "atlasd-plugins-")
		if err != nil {
			t.Fatalf("drivertest: %v", err)
		}
		shared.dir, shared.bins = dir, map[string][2]string{}
	}
	sub, err := os.MkdirTemp(shared.dir, "")
	if err != nil {
		t.Fatalf("drivertest: %v", err)
	}
	bin, sha256Hex = buildInto(t, pkg, sub)
	shared.bins[pkg] = [2]string{bin, sha256Hex}
	return bin, sha256Hex
}

// RemoveSharedPlugins deletes what SharedPlugin built.
func RemoveSharedPlugins() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
		shared.dir, shared.bins = "", nil
	}
}
