package host

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrChecksum means the plugin binary is not the one the configuration
// vouches for. It is not retried.
var ErrChecksum = errors.New("host: plugin checksum mismatch")

// verifyChecksum hashes the file at path and compares it with want. The
// error names both digests so an operator can tell a stale config from a
// replaced binary at a glance.
func verifyChecksum(name, path string, want []byte) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("host: driver %q: %w", name, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("host: driver %q: hashing %s: %w", name, path, err)
	}
	got := h.Sum(nil)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return fmt.Errorf("%w: driver %q: %s has sha256 %x, configuration expects %x; refusing to start it", ErrChecksum, name, path, got, want)
	}
	return nil
}
