package devnet

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/rs/zerolog"
)

// env lets the regtest harness run outside of a test: directories under the
// devnet's data dir, cleanups run at shutdown, harness logs at debug level.
type env struct {
	dir string
	log zerolog.Logger

	mu       sync.Mutex
	n        int
	cleanups []func()
	failed   bool
}

func (e *env) Helper() {}

func (e *env) TempDir() string {
	e.mu.Lock()
	e.n++
	d := filepath.Join(e.dir, fmt.Sprintf("btcd-%d", e.n))
	e.mu.Unlock()
	if err := os.MkdirAll(d, 0o700); err != nil {
		e.Fatal(err)
	}
	return d
}

func (e *env) Cleanup(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cleanups = append(e.cleanups, f)
}

func (e *env) Logf(format string, args ...any) { e.log.Debug().Msgf(format, args...) }

// Fatal is reached only through harness paths that cannot fail once btcd
// is up; it stops the devnet loudly rather than carrying on broken.
func (e *env) Fatal(args ...any) {
	e.mu.Lock()
	e.failed = true
	e.mu.Unlock()
	panic("devnet: " + fmt.Sprint(args...))
}

func (e *env) Failed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.failed
}

// close runs the cleanups, newest first, as testing does.
func (e *env) close() {
	e.mu.Lock()
	cs := e.cleanups
	e.cleanups = nil
	e.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}
