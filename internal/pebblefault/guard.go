package pebblefault

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
	"github.com/rs/zerolog"
)

// ErrWrite wraps every failure a Guard reports: the database did not
// write to disk, and its handle takes no more writes.
var ErrWrite = errors.New("pebblefault: the database could not write to disk")

// Guard watches one database handle. The zero value is not usable; call
// New.
type Guard struct {
	err    atomic.Pointer[error]
	once   sync.Once
	failed chan struct{}
	bg     background
}

// New returns a guard for one handle; open a fresh one with every reopen.
// Background failures are logged to log (see Listener).
func New(log zerolog.Logger) *Guard {
	return &Guard{failed: make(chan struct{}), bg: background{log: log, pause: time.Second, seen: make(chan struct{}, 1)}}
}

// Err returns the first failure, wrapping ErrWrite, or nil.
func (g *Guard) Err() error {
	if p := g.err.Load(); p != nil {
		return *p
	}
	return nil
}

// Failed is closed at the first failure.
func (g *Guard) Failed() <-chan struct{} { return g.failed }

func (g *Guard) note(what string, err error) {
	if err == nil {
		return
	}
	g.once.Do(func() {
		e := fmt.Errorf("%w: %s: %w", ErrWrite, what, err)
		g.err.Store(&e)
		close(g.failed)
	})
}

// commitFatal is the format Pebble 1.1 passes to Logger.Fatalf when a
// batch commit fails (db.go, applyInternal). It is called on the committing
// goroutine after the commit pipeline released its locks.
const commitFatal = "pebble: fatal commit error: %v"

// fatalCommit carries a failed commit from Fatalf to Commit's recover.
type fatalCommit struct{ err error }

// Commit commits b. Pebble reports a failed commit through Logger.Fatalf;
// with the guard's Logger that comes back here as the error, wrapping
// ErrWrite, and the guard is spent. Every commit on the handle must go
// through Commit, or a failed one panics.
func (g *Guard) Commit(b *pebble.Batch, o *pebble.WriteOptions) (err error) {
	defer func() {
		if r := recover(); r != nil {
			fc, ok := r.(fatalCommit)
			if !ok {
				panic(r)
			}
			err = fc.err
		}
		if err != nil {
			g.note("commit", err)
			err = g.Err()
		}
	}()
	return b.Commit(o)
}

// Logger wraps l for pebble.Options.Logger: a failed commit's Fatalf goes
// back to Commit; every other Fatalf still ends the process through l, as
// Pebble requires.
func (g *Guard) Logger(l pebble.Logger) pebble.Logger { return logger{l} }

type logger struct{ pebble.Logger }

func (l logger) Fatalf(f string, a ...any) {
	if f == commitFatal {
		panic(fatalCommit{fmt.Errorf(f, a...)})
	}
	l.Logger.Fatalf(f, a...)
}

// DiskFull reports errors that mean the file system has no room.
func DiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// FS wraps inner for pebble.Options.FS, recording the first failed write or
// sync of a log or MANIFEST file. A failed table write is not recorded:
// Pebble retries flushes and compactions itself and the handle stays usable.
func (g *Guard) FS(inner vfs.FS) vfs.FS {
	if inner == nil {
		inner = vfs.Default
	}
	return faultFS{FS: inner, g: g}
}

type faultFS struct {
	vfs.FS
	g *Guard
}

// critical reports the write-ahead logs (NNNNNN.log) and the MANIFEST.
func (f faultFS) critical(name string) bool {
	base := f.FS.PathBase(name)
	return strings.HasSuffix(base, ".log") || strings.HasPrefix(base, "MANIFEST-")
}

func (f faultFS) wrap(name string, file vfs.File, err error) (vfs.File, error) {
	if err != nil || !f.critical(name) {
		return file, err
	}
	return faultFile{File: file, name: f.FS.PathBase(name), g: f.g}, nil
}

func (f faultFS) Create(name string) (vfs.File, error) {
	file, err := f.FS.Create(name)
	return f.wrap(name, file, err)
}

func (f faultFS) ReuseForWrite(oldname, newname string) (vfs.File, error) {
	file, err := f.FS.ReuseForWrite(oldname, newname)
	return f.wrap(newname, file, err)
}

func (f faultFS) OpenReadWrite(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	file, err := f.FS.OpenReadWrite(name, opts...)
	return f.wrap(name, file, err)
}

// Unwrap returns the wrapped file system, as Pebble's own wrappers do.
func (f faultFS) Unwrap() vfs.FS { return f.FS }

type faultFile struct {
	vfs.File
	name string
	g    *Guard
}

func (f faultFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	f.g.note("write "+f.name, err)
	return n, err
}

func (f faultFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.File.WriteAt(p, off)
	f.g.note("write "+f.name, err)
	return n, err
}

func (f faultFile) Sync() error {
	err := f.File.Sync()
	f.g.note("sync "+f.name, err)
	return err
}

func (f faultFile) SyncData() error {
	err := f.File.SyncData()
	f.g.note("sync "+f.name, err)
	return err
}

func (f faultFile) SyncTo(length int64) (bool, error) {
	full, err := f.File.SyncTo(length)
	f.g.note("sync "+f.name, err)
	return full, err
}

// Spend marks the guard's handle as taking no writes, with err as the
// reason, as if a write had failed: for a handle opened read-only in place
// of one whose write failed.
func (g *Guard) Spend(err error) {
	if errors.Is(err, ErrWrite) {
		g.once.Do(func() {
			g.err.Store(&err)
			close(g.failed)
		})
		return
	}
	g.note("earlier failure", err)
}
