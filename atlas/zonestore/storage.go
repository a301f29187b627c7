package zonestore

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"
)

// Pebble 1.1 cannot go on after a commit fails to reach the disk (see
// internal/pebblefault), but what is on disk stays consistent. So a failed
// commit leaves the handle's guard spent, and the next Put closes the
// handle and opens the directory again, which replays the log up to the
// last complete batch. Reads keep using the old handle until then.

// ErrStorage reports a Put whose batch did not reach the disk; nothing of
// it was stored. The store reopens its database at the next Put.
var ErrStorage = errors.New("zonestore: the database could not write to disk")

// errReopening is returned while the directory could be opened neither
// for writing nor for reading after a failed write.
var errReopening = errors.New("zonestore: the database is being reopened after a failed write")

// commit commits b with fsync through the guard. The caller holds mu.
func (d *DB) commit(b *pebble.Batch) error {
	if err := d.guard.Commit(b, pebble.Sync); err != nil {
		return fmt.Errorf("%w: %w", ErrStorage, err)
	}
	return nil
}

// healed reopens the database if a commit failed since it was opened.
// When the directory cannot be opened for writing yet (the disk is still
// full: opening replays the log into a new table), it is opened read-only,
// which needs no room, so reads go on; the next Put tries again.
func (d *DB) healed() error {
	d.mu.RLock()
	failed := d.guard.Err()
	d.mu.RUnlock()
	if failed == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if failed = d.guard.Err(); failed == nil {
		return nil // another Put reopened it
	}
	if d.db != nil {
		// The log's close reports the failure again; the directory is
		// what counts, and it opens below.
		_ = d.guard.Close(d.db, false)
		d.db = nil
	}
	db, guard, err := openPebble(d.dir, d.opts, false)
	if err != nil {
		if ro, roGuard, roErr := openPebble(d.dir, d.opts, true); roErr == nil {
			// Spent at once, so the next Put tries a writable open.
			d.db, d.guard = ro, roGuard
			d.guard.Spend(failed)
		}
		return fmt.Errorf("%w: reopening after %v: %w", ErrStorage, failed, err)
	}
	d.db, d.guard = db, guard
	d.opts.Logger.Warn().Err(failed).Str("dir", d.dir).Msg("zonefile store reopened after a failed write")
	return nil
}
