package state

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

// Pebble 1.1 treats a failed write of its write-ahead log or MANIFEST as
// the end of the database handle: the log writer keeps the error, later
// commits without fsync still "succeed" into memory, and the next log
// rotation panics (a synced commit calls Logger.Fatalf). The database on
// disk stays consistent, so the way on is to stop writing at the first such
// failure, close the handle and open the directory again once the cause
// (usually a full disk) is gone. faultFS notices that first failure.

// faultFS records the first failed write or sync of a log or MANIFEST file
// under it; every other call passes through.
type faultFS struct {
	vfs.FS
	fault *faultRecord
}

// faultRecord is the first storage fault of one database handle.
type faultRecord struct {
	err  atomic.Pointer[error]
	once sync.Once
	ch   chan struct{} // closed at the first fault
}

func newFaultRecord() *faultRecord { return &faultRecord{ch: make(chan struct{})} }

func (r *faultRecord) note(name string, err error) {
	if err == nil {
		return
	}
	r.once.Do(func() {
		e := fmt.Errorf("write %s: %w", name, err)
		r.err.Store(&e)
		close(r.ch)
	})
}

// get returns the recorded fault, nil if none.
func (r *faultRecord) get() error {
	if p := r.err.Load(); p != nil {
		return *p
	}
	return nil
}

// critical reports files whose failed write ends the handle: the WAL
// (NNNNNN.log) and the MANIFEST. A failed table write is retried by Pebble
// itself and leaves the handle usable.
func critical(fs vfs.FS, name string) bool {
	base := fs.PathBase(name)
	return strings.HasSuffix(base, ".log") || strings.HasPrefix(base, "MANIFEST-")
}

func (f faultFS) wrap(name string, file vfs.File, err error) (vfs.File, error) {
	if err != nil || !critical(f.FS, name) {
		return file, err
	}
	return faultFile{File: file, name: name, fault: f.fault}, nil
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

// faultFile records failed writes and syncs of one critical file.
type faultFile struct {
	vfs.File
	name  string
	fault *faultRecord
}

func (f faultFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	f.fault.note(f.name, err)
	return n, err
}

func (f faultFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.File.WriteAt(p, off)
	f.fault.note(f.name, err)
	return n, err
}

func (f faultFile) Sync() error {
	err := f.File.Sync()
	f.fault.note(f.name, err)
	return err
}

func (f faultFile) SyncData() error {
	err := f.File.SyncData()
	f.fault.note(f.name, err)
	return err
}

func (f faultFile) SyncTo(length int64) (bool, error) {
	full, err := f.File.SyncTo(length)
	f.fault.note(f.name, err)
	return full, err
}

// diskFull reports errors meaning the file system has no room.
func diskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// backgroundErrors is Pebble's BackgroundError hook. A flush or compaction
// that fails for lack of space is retried by Pebble at once, thousands of
// times a second, until space comes back; the hook runs on that goroutine,
// so pausing in it bounds the retries. The first error and then one a
// minute are logged at warn level (Pebble's default logs them at debug).
type backgroundErrors struct {
	log   zerolog.Logger
	pause time.Duration
	mu    sync.Mutex
	last  time.Time
	count int
	// seen is signalled after every failure, for Close.
	seen chan struct{}
}

func (b *backgroundErrors) report(err error) {
	b.mu.Lock()
	b.count++
	if b.last.IsZero() || time.Since(b.last) >= time.Minute {
		b.log.Warn().Err(err).Int("failures", b.count).Msg("replay state: background write failed; Pebble retries it")
		b.last = time.Now()
	}
	b.mu.Unlock()
	select {
	case b.seen <- struct{}{}:
	default:
	}
	if diskFull(err) {
		time.Sleep(b.pause)
	}
}

// ErrStorage reports that the database failed to write to disk; the handle
// takes no more writes. Close the machine and open it again once the cause
// is fixed: the directory opens at the last block whose batch reached the
// log.
var ErrStorage = errors.New("state: the database could not write to disk")

// ErrReadOnly is returned by writes to a machine opened read-only.
var ErrReadOnly = errors.New("state: opened read-only")

// Fault returns the storage fault that stopped writes, nil while the
// machine is healthy.
func (m *Machine) Fault() error {
	if m.fault == nil {
		return nil
	}
	return m.fault.get()
}

// writable reports why the machine takes no writes, if it does not. The
// caller holds mu.
func (m *Machine) writable() error {
	switch {
	case m.closed:
		return ErrClosed
	case m.opts.ReadOnly:
		return ErrReadOnly
	}
	if err := m.Fault(); err != nil {
		return fmt.Errorf("%w: %w", ErrStorage, err)
	}
	return nil
}

// flushBeforeClose flushes the memtable so the next Open need not replay
// the log, giving up at the first background failure: with no room on the
// disk a flush never completes, and the log already holds every committed
// batch.
func (m *Machine) flushBeforeClose() {
	if m.opts.ReadOnly || m.Fault() != nil {
		return
	}
	// The flush closes the log, and Pebble panics if the log's last
	// buffered bytes cannot be written then; a synced write first finds
	// out safely (see commit).
	probe := m.db.NewBatch()
	defer probe.Close()
	if err := probe.LogData(nil, nil); err != nil {
		return
	}
	if err := m.commit(probe, pebble.Sync); err != nil {
		m.log.Warn().Err(err).Msg("replay state: closing without a flush; the next start replays the log")
		return
	}
	select { // a failure from before Close says nothing about this flush
	case <-m.bg.seen:
	default:
	}
	done, err := m.db.AsyncFlush()
	if err != nil {
		return
	}
	select {
	case <-done:
	case <-m.fault.ch:
	case <-m.bg.seen:
		m.log.Warn().Msg("replay state: closing without a flush; the next start replays the log")
	}
}

// pebbleCommitFatal is the format Pebble 1.1 passes to Logger.Fatalf when
// a batch commit fails (db.go, applyInternal). By then the commit pipeline
// has released its locks, so the handle can still be closed cleanly.
const pebbleCommitFatal = "pebble: fatal commit error: %v"

// fatalCommit carries a failed commit from Fatalf back to Machine.commit.
type fatalCommit struct{ err error }

// commit commits b. A failure, which Pebble reports through Fatalf and a
// process exit, becomes ErrStorage and the handle's fault instead, so the
// daemon can close and reopen the database rather than die.
func (m *Machine) commit(b *pebble.Batch, wo *pebble.WriteOptions) (err error) {
	m.committing.Store(true)
	defer func() {
		m.committing.Store(false)
		if r := recover(); r != nil {
			fc, ok := r.(fatalCommit)
			if !ok {
				panic(r)
			}
			err = fc.err
		}
		if err != nil {
			m.fault.note("commit", err)
			err = fmt.Errorf("%w: %w", ErrStorage, err)
		}
	}()
	return b.Commit(wo)
}

var _ pebble.Logger = pebbleLogger{}
