package regtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// BtcdEnv names an environment variable that, when set, overrides where the
// btcd binary is looked for; CI images that install btcd elsewhere use it.
const BtcdEnv = "ATLASD_BTCD"

// ModuleRoot returns the directory holding the module's go.mod, found by
// walking up from the working directory, which `go test` sets to the package
// under test.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("regtest: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("regtest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// BtcdPath returns the btcd binary the harness runs: $ATLASD_BTCD if set,
// else bin/btcd under the module root, which `make btcd` installs pinned.
func BtcdPath() (string, error) {
	if p := os.Getenv(BtcdEnv); p != "" {
		return checkExecutable(p)
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	return checkExecutable(filepath.Join(root, "bin", "btcd"))
}

func checkExecutable(p string) (string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("regtest: btcd not found at %s (run `make btcd` in the module root): %w", p, err)
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return "", fmt.Errorf("regtest: %s is not an executable btcd (run `make btcd` in the module root)", p)
	}
	return p, nil
}
