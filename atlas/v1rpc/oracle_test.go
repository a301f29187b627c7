package v1rpc

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The helpers in this package reproduce Python behaviour (json.dumps, repr,
// exception messages, re patterns, urlparse); their tests ask Python itself.

// python3 returns the python3 interpreter; it skips only if none is
// installed.
func python3(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	return py
}

// python27 returns a Python 2.7 interpreter (the v1 node's), looking on PATH
// and in pyenv's versions; it skips if there is none.
func python27(t *testing.T) string {
	t.Helper()
	var candidates []string
	for _, name := range []string{"python2.7", "python2"} {
		if p, err := exec.LookPath(name); err == nil {
			candidates = append(candidates, p)
		}
	}
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		if home, err := os.UserHomeDir(); err == nil {
			root = filepath.Join(home, ".pyenv")
		}
	}
	if m, _ := filepath.Glob(filepath.Join(root, "versions", "2.7*", "bin", "python2.7")); len(m) > 0 {
		candidates = append(candidates, m...)
	}
	for _, p := range candidates {
		// A pyenv shim exists even when 2.7 is not selected; run it to know.
		out, err := exec.Command(p, "-c", "import sys; print(sys.version_info[0])").Output()
		if err == nil && strings.TrimSpace(string(out)) == "2" {
			return p
		}
	}
	t.Skip("no Python 2.7 interpreter")
	return ""
}

// runPython runs script under py with input as JSON on stdin and decodes
// its stdout as JSON into out.
func runPython(t *testing.T, py, script string, input, out any) {
	t.Helper()
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", py, err, stderr.String())
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("python output: %v\n%s", err, stdout)
	}
}
