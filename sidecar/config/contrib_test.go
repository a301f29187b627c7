package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// contrib/atlasd.toml documents every setting commented out. Uncommented,
// it must load, and it must name every key the settings table has, so the
// example cannot fall behind the code.
func TestContribExampleCoversEverySetting(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "contrib", "atlasd.toml"))
	if err != nil {
		t.Fatal(err)
	}
	setting := regexp.MustCompile(`^#(\[\[?[a-z_.]+\]\]?|[a-z_0-9]+ = .*)$`)
	var lines []string
	for _, l := range strings.Split(string(raw), "\n") {
		if m := setting.FindStringSubmatch(l); m != nil {
			lines = append(lines, m[1])
		} else if strings.HasPrefix(l, "[") {
			lines = append(lines, l) // the sections themselves are not commented
		}
	}
	text := strings.ReplaceAll(strings.Join(lines, "\n"), "<64 hex digits>", strings.Repeat("ab", 32))
	// Credentials are left empty in the example; fill the ones validation
	// requires so the rest of the file is what gets checked.
	text = strings.Replace(text, `rpc_user = ""`, `rpc_user = "atlasd"`, 1)
	text = strings.Replace(text, `rpc_password = ""`, `rpc_password = "example-password"`, 1)
	file := filepath.Join(t.TempDir(), "atlasd.toml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Load(LoadOptions{Args: []string{"--config", file}, Env: []string{"HOME=" + t.TempDir()}})
	if err != nil {
		t.Fatalf("the uncommented example does not load: %v\n%s", err, text)
	}
	all, err := settings()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if l.Sources[s.key] != SourceFile {
			t.Errorf("contrib/atlasd.toml does not document %s", s.key)
		}
	}
	if len(l.Config.Backup) != 3 {
		t.Errorf("%d backup examples, want 3 (dir, s3, dropbox)", len(l.Config.Backup))
	}
}
