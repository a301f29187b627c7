package zonestore

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"
)

// Pebble 1.1 cannot go on after a commit fails to reach the disk (a full
// disk, an I/O error): the write-ahead log keeps the error and the next log
// rotation panics. What is on disk stays consistent, so a failed commit
// marks the handle faulted, and the next Put closes it and opens the
// directory again, which replays the log up to the last complete batch.
// Reads keep using the old handle until then.

// ErrStorage reports a Put whose batch did not reach the disk; nothing of
// it was stored. The store reopens its database at the next Put.
var ErrStorage = errors.New("zonestore: the database could not write to disk")

// errReopening is returned while the directory could be opened neither
// for writing nor for reading after a failed write.
var errReopening = errors.New("zonestore: the database is being reopened after a failed write")

// pebbleCommitFatal is the format Pebble 1.1 passes to Logger.Fatalf when
// a batch commit fails (db.go, applyInternal), on the committing goroutine
// and after the commit pipeline released its locks.
const pebbleCommitFatal = "pebble: fatal commit error: %v"

// fatalCommit carries a failed commit from Fatalf back to commit.
type fatalCommit struct{ err error }

// commit commits b with fsync. Every commit of the store goes through it,
// so the Fatalf of a failed one always unwinds to the recover here.
func (d *DB) commit(b *pebble.Batch) (err error) {
	defer func() {
		if r := recover(); r != nil {
			fc, ok := r.(fatalCommit)
			if !ok {
				panic(r)
			}
			err = fc.err
		}
		if err != nil {
			d.fault.CompareAndSwap(nil, &err)
			err = fmt.Errorf("%w: %w", ErrStorage, err)
		}
	}()
	return b.Commit(pebble.Sync)
}

// healed reopens the database if a commit failed since it was opened.
// When the directory cannot be opened for writing yet (the disk is still
// full: opening replays the log into a new table), it is opened read-only,
// which needs no room, so reads go on; the next Put tries again.
func (d *DB) healed() error {
	if d.fault.Load() == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	failed := d.fault.Load()
	if failed == nil {
		return nil // another Put reopened it
	}
	if d.db != nil {
		// The log's close reports the failure again; the directory is
		// what counts, and it opens below.
		_ = d.db.Close()
		d.db = nil
	}
	db, err := openPebble(d.dir, d.opts, false)
	if err != nil {
		if ro, roErr := openPebble(d.dir, d.opts, true); roErr == nil {
			d.db = ro
		}
		return fmt.Errorf("%w: reopening after %v: %w", ErrStorage, *failed, err)
	}
	d.db = db
	d.fault.Store(nil)
	d.opts.Logger.Warn().Err(*failed).Str("dir", d.dir).Msg("zonefile store reopened after a failed write")
	return nil
}
