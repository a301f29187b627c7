package zonestore

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
	"github.com/cockroachdb/pebble/vfs"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/internal/pebblefault"
)

// schemaVersion is written at creation and checked at every open, so a
// future layout change cannot be misread by an older binary.
const schemaVersion = 1

// Key prefixes (see the package comment).
const (
	prefixZonefile = 'z'
	keyVersion     = 'v'
)

// ErrClosed is returned by every method called after Close.
var ErrClosed = errors.New("zonestore: closed")

// Options tune a DB. The zero value is usable.
type Options struct {
	// Logger receives Pebble's own messages (at debug level) and its errors.
	// The zero Logger discards them.
	Logger zerolog.Logger
	// FS is the file system the store lives on (default: the OS's).
	FS vfs.FS
	// WriteGate, when set, is asked before every Put; an error refuses the
	// Put with nothing written (the daemon pauses writes while the disk is
	// nearly full).
	WriteGate func() error
}

// DB is a zonefile store. It is safe for concurrent use.
type DB struct {
	dir  string
	opts Options
	// mu guards db, which a Put replaces after a failed write (see
	// storage.go); db is nil while a reopen has not succeeded.
	mu sync.RWMutex
	db *pebble.DB
	// guard notices the handle's first failed write (it is replaced
	// with the handle).
	guard   *pebblefault.Guard
	closed  atomic.Bool
	corrupt atomic.Uint64
}

// Open opens the store in dir, creating it if needed.
func Open(dir string, opts Options) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("zonestore: %w", err)
	}
	db, guard, err := openPebble(dir, opts, false)
	if err != nil {
		return nil, err
	}
	d := &DB{dir: dir, opts: opts, db: db, guard: guard}
	if err := d.checkVersion(); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// openPebble opens the directory, read-only if asked (see healed), with a
// fresh guard.
func openPebble(dir string, opts Options, readOnly bool) (*pebble.DB, *pebblefault.Guard, error) {
	guard := pebblefault.New(opts.Logger)
	cache := pebble.NewCache(16 << 20)
	// Pebble takes its own reference; ours is dropped once Open is done.
	defer cache.Unref()
	db, err := pebble.Open(dir, &pebble.Options{
		// Pinned, not FormatNewest: a Pebble upgrade must not silently
		// ratchet an operator's on-disk format past what the previous
		// atlasd release can open.
		FormatMajorVersion: pebble.FormatVirtualSSTables,
		// 16 MB holds the hot part of the set (all of BNS v1 is ~275 KB of
		// zonefiles); get_zonefiles reads are then served from memory.
		Cache: cache,
		// Writes are rare and tiny (at most five 40 KiB zonefiles per
		// put_zonefiles call); the 4 MB default memtable is more than
		// enough, and a small one keeps the WAL replay at start-up short.
		MemTableSize: 4 << 20,
		// Most point lookups miss: peers ask for hashes we do not hold and
		// Sync probes every newly announced hash. Bloom filters let a miss
		// skip the sstable's data blocks.
		Levels:        []pebble.LevelOptions{{FilterPolicy: bloom.FilterPolicy(10)}},
		Logger:        guard.Logger(pebbleLogger{opts.Logger}),
		FS:            guard.FS(opts.FS),
		EventListener: guard.Listener(),
		ReadOnly:      readOnly,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("zonestore: open %s: %w", dir, err)
	}
	return db, guard, nil
}

// checkVersion stamps a new store with schemaVersion and refuses a store
// written with another.
func (d *DB) checkVersion() error {
	v, closer, err := d.db.Get([]byte{keyVersion})
	if errors.Is(err, pebble.ErrNotFound) {
		b := d.db.NewBatch()
		defer b.Close()
		_ = b.Set([]byte{keyVersion}, []byte{schemaVersion}, nil)
		if err := d.commit(b); err != nil {
			return fmt.Errorf("zonestore: write schema version: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("zonestore: read schema version: %w", err)
	}
	defer closer.Close()
	if len(v) != 1 || v[0] != schemaVersion {
		return fmt.Errorf("zonestore: schema version %x, this build reads %d", v, schemaVersion)
	}
	return nil
}

// Close closes the store. Calls after the first return ErrClosed.
func (d *DB) Close() error {
	if d.closed.Swap(true) {
		return ErrClosed
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.db == nil {
		return nil
	}
	if err := d.guard.Close(d.db, false); err != nil {
		return fmt.Errorf("zonestore: close: %w", err)
	}
	return nil
}

// Corruptions returns how many reads found a value that did not match its
// key since Open. Each bad read counts, so a corrupt zonefile asked for
// twice counts twice.
func (d *DB) Corruptions() uint64 { return d.corrupt.Load() }

// pebbleLogger routes Pebble's messages to zerolog.
type pebbleLogger struct{ l zerolog.Logger }

func (l pebbleLogger) Infof(f string, a ...any) { l.l.Debug().Msgf(f, a...) }

// Fatalf is called by Pebble only on unrecoverable storage errors, and
// Pebble's contract is that it does not return (its default exits the
// process); continuing would run on a database in an unknown state. (A
// failed commit never gets here: the guard's Logger hands it back to Put.)
func (l pebbleLogger) Fatalf(f string, a ...any) {
	l.l.Error().Msgf(f, a...)
	os.Exit(70)
}
