package backup

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/internal/pebblefault"
)

// Queue database layout. The database belongs to this package alone.
//
//	'v'                          -> schemaVersion (1 byte)
//	'q' len(name) name hash[20]  -> itemMeta: attempts uint32, notBefore int64 (unix ns), big-endian
//	'b' len(name) name           -> unix ns when the driver was backfilled
//
// Driver names are at most 64 bytes, so the length fits one byte and no
// name's keys can run into another's.
const (
	schemaVersion    = 1
	keyVersion       = 'v'
	prefixItem       = 'q'
	prefixBackfilled = 'b'
	itemMetaLen      = 12
)

// ErrClosed is returned by every call made after Close.
var ErrClosed = errors.New("backup: closed")

// queue is the durable upload queue.
type queue struct {
	// mu guards closed, db and guard: Pebble must not be used after
	// Close, so every access holds it shared, and Close and a reopen hold
	// it exclusively.
	mu     sync.RWMutex
	closed bool
	db     *pebble.DB
	// guard notices the handle's first failed write; the next write then
	// reopens the database (see write).
	guard *pebblefault.Guard
	dir   string
	log   zerolog.Logger
	fs    vfs.FS
	// reopened, if set, is called by a reopen, with mu held.
	reopened func(*pebble.DB)
	// emu serialises enqueues, whose check-then-set must not interleave,
	// so that depth counts stay exact.
	emu sync.Mutex
}

// itemMeta is a queued item's retry state.
type itemMeta struct {
	attempts  uint32
	notBefore int64 // unix ns; 0 means due now
}

// item is one queued hash and its retry state.
type item struct {
	hash Hash
	meta itemMeta
}

func openQueue(dir string, log zerolog.Logger) (*queue, error) { return openQueueOn(nil, dir, log) }

// openQueueOn opens the queue on file system fs (nil: the OS's).
func openQueueOn(fs vfs.FS, dir string, log zerolog.Logger) (*queue, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("backup: queue: %w", err)
	}
	q := &queue{dir: dir, log: log, fs: fs}
	var err error
	if q.db, q.guard, err = q.open(false); err != nil {
		return nil, err
	}
	if err := q.checkVersion(); err != nil {
		q.db.Close()
		return nil, err
	}
	return q, nil
}

// open opens the directory, read-only if asked (see write), with a fresh
// guard.
func (q *queue) open(readOnly bool) (*pebble.DB, *pebblefault.Guard, error) {
	guard := pebblefault.New(q.log)
	db, err := pebble.Open(q.dir, &pebble.Options{
		// Pinned, not FormatNewest: a Pebble upgrade must not ratchet the
		// on-disk format past what the previous release can open.
		FormatMajorVersion: pebble.FormatVirtualSSTables,
		// The queue is a few megabytes at worst (32 bytes per item); the
		// default memtable would only lengthen WAL replay at start.
		MemTableSize:  4 << 20,
		Logger:        guard.Logger(pebbleLogger{q.log}),
		FS:            guard.FS(q.fs),
		EventListener: guard.Listener(),
		ReadOnly:      readOnly,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("backup: queue: open %s: %w", q.dir, err)
	}
	return db, guard, nil
}

func (q *queue) checkVersion() error {
	v, closer, err := q.db.Get([]byte{keyVersion})
	if errors.Is(err, pebble.ErrNotFound) {
		b := q.db.NewBatch()
		defer b.Close()
		_ = b.Set([]byte{keyVersion}, []byte{schemaVersion}, nil)
		if err := q.guard.Commit(b, pebble.Sync); err != nil {
			return fmt.Errorf("backup: queue: write schema version: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("backup: queue: read schema version: %w", err)
	}
	defer closer.Close()
	if len(v) != 1 || v[0] != schemaVersion {
		return fmt.Errorf("backup: queue: schema version %x, this build reads %d", v, schemaVersion)
	}
	return nil
}

// use runs fn on the open database, or returns ErrClosed.
func (q *queue) use(fn func(db *pebble.DB) error) error {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return ErrClosed
	}
	if q.db == nil {
		return errReopening
	}
	return fn(q.db)
}

// ErrStorage reports a queue write that did not reach the disk (it is
// full, say); nothing of it was written, and the next write reopens the
// database.
var ErrStorage = errors.New("backup: queue: the database could not write to disk")

var errReopening = errors.New("backup: queue: the database is being reopened after a failed write")

// write runs fn, which writes, on the open database; fn commits through
// commit. Pebble cannot go on after a failed write (see
// internal/pebblefault), so a handle whose write failed is closed first and
// the directory opened again, which replays its log up to the last
// complete batch; while that is impossible (the disk is still full) it is
// opened read-only, so the uploads can still read what is queued.
func (q *queue) write(fn func(db *pebble.DB, commit func(*pebble.Batch, *pebble.WriteOptions) error) error) error {
	if err := q.heal(); err != nil {
		return err
	}
	return q.use(func(db *pebble.DB) error {
		return fn(db, func(b *pebble.Batch, o *pebble.WriteOptions) error {
			// A handle spent since heal looked takes no more: an
			// unsynced batch would "succeed" into memory only.
			err := q.guard.Err()
			if err == nil {
				err = q.guard.Commit(b, o)
			}
			if err != nil {
				return fmt.Errorf("%w: %w", ErrStorage, err)
			}
			return nil
		})
	})
}

func (q *queue) heal() error {
	q.mu.RLock()
	failed := q.guard.Err()
	q.mu.RUnlock()
	if failed == nil {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	if failed = q.guard.Err(); failed == nil {
		return nil // another write reopened it
	}
	if q.db != nil {
		_ = q.guard.Close(q.db, false) // reports the failure again
		q.db = nil
	}
	db, guard, err := q.open(false)
	if err != nil {
		if ro, roGuard, roErr := q.open(true); roErr == nil {
			q.db, q.guard = ro, roGuard
			q.guard.Spend(failed) // so the next write tries again
		}
		return fmt.Errorf("%w: reopening after %v: %w", ErrStorage, failed, err)
	}
	q.db, q.guard = db, guard
	q.log.Warn().Err(failed).Str("dir", q.dir).Msg("backup queue reopened after a failed write")
	// Unsynced batches accepted before the failure (settled uploads) may
	// not have reached the log; the depth counts are read again from what
	// did, while no write runs.
	if q.reopened != nil {
		q.reopened(q.db)
	}
	return nil
}

func (q *queue) close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	q.closed = true
	if q.db == nil {
		return nil
	}
	if err := q.guard.Close(q.db, false); err != nil {
		return fmt.Errorf("backup: queue: close: %w", err)
	}
	return nil
}

// appendNamePrefix appends a key prefix p followed by the length-prefixed
// driver name.
func appendNamePrefix(dst []byte, p byte, name string) []byte {
	dst = append(dst, p, byte(len(name)))
	return append(dst, name...)
}

func appendItemKey(dst []byte, name string, h Hash) []byte {
	dst = appendNamePrefix(dst, prefixItem, name)
	return append(dst, h[:]...)
}

// upperBound returns the first key after every key starting with prefix.
// Prefixes here end in a name byte or a length byte, never 0xff.
func upperBound(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func (m itemMeta) encode() []byte {
	var b [itemMetaLen]byte
	binary.BigEndian.PutUint32(b[0:4], m.attempts)
	binary.BigEndian.PutUint64(b[4:12], uint64(m.notBefore))
	return b[:]
}

// decodeItemMeta reads a value; a malformed one reads as a fresh item, which
// is retried at once rather than lost.
func decodeItemMeta(v []byte) itemMeta {
	if len(v) != itemMetaLen {
		return itemMeta{}
	}
	return itemMeta{
		attempts:  binary.BigEndian.Uint32(v[0:4]),
		notBefore: int64(binary.BigEndian.Uint64(v[4:12])),
	}
}

// counts returns the number of queued items per driver name, including
// names no longer configured. It reads keys only, one at a time.
func (q *queue) counts() (map[string]int64, error) {
	var out map[string]int64
	err := q.use(func(db *pebble.DB) error {
		var err error
		out, err = countIn(db)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("backup: queue: count: %w", err)
	}
	return out, nil
}

func countIn(db *pebble.DB) (map[string]int64, error) {
	out := make(map[string]int64)
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixItem}, UpperBound: []byte{prefixItem + 1}})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		if len(k) < 2 || len(k) != 2+int(k[1])+len(Hash{}) {
			continue // not ours to interpret; left alone
		}
		out[string(k[2:2+int(k[1])])]++
	}
	return out, it.Error()
}

// enqueue adds every (name, hash) pair not yet queued, skipping pairs skip
// reports, in one batch committed with sync when sync is set. It returns how
// many items each name gained.
func (q *queue) enqueue(names []string, hashes []Hash, skip func(string, Hash) bool, sync bool) (map[string]int64, error) {
	q.emu.Lock()
	defer q.emu.Unlock()
	added := make(map[string]int64, len(names))
	err := q.write(func(db *pebble.DB, commit func(*pebble.Batch, *pebble.WriteOptions) error) error {
		b := db.NewBatch()
		defer b.Close()
		var key []byte
		fresh := itemMeta{}.encode()
		// The database does not see the batch, so a hash repeated in
		// hashes is caught here, or it would be counted twice.
		inBatch := make(map[string]bool)
		for _, name := range names {
			for _, h := range hashes {
				if skip != nil && skip(name, h) {
					continue
				}
				key = appendItemKey(key[:0], name, h)
				if inBatch[string(key)] {
					continue
				}
				_, closer, err := db.Get(key)
				if err == nil {
					closer.Close()
					continue
				}
				if !errors.Is(err, pebble.ErrNotFound) {
					return err
				}
				if err := b.Set(key, fresh, nil); err != nil {
					return err
				}
				inBatch[string(key)] = true
				added[name]++
			}
		}
		if b.Empty() {
			return nil
		}
		opt := pebble.NoSync
		if sync {
			opt = pebble.Sync
		}
		return commit(b, opt)
	})
	if err != nil {
		return nil, fmt.Errorf("backup: queue: enqueue: %w", err)
	}
	return added, nil
}

// due returns up to limit items of name that are due at now, in key order,
// starting after the key of *after (from the start when after is nil). It
// also returns the earliest notBefore of the waiting items it passed over (0
// if none), so that a caller that found nothing due knows how long to sleep.
func (q *queue) due(name string, after *Hash, limit int, now int64) ([]item, int64, error) {
	var items []item
	var earliest int64
	err := q.use(func(db *pebble.DB) error {
		prefix := appendNamePrefix(nil, prefixItem, name)
		lower := prefix
		if after != nil {
			// The smallest key strictly after the cursor's.
			lower = append(appendItemKey(nil, name, *after), 0)
		}
		it, err := db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upperBound(prefix)})
		if err != nil {
			return err
		}
		defer it.Close()
		for it.First(); it.Valid() && len(items) < limit; it.Next() {
			k := it.Key()
			if len(k) != len(prefix)+len(Hash{}) {
				continue
			}
			v, err := it.ValueAndErr()
			if err != nil {
				return err
			}
			var it2 item
			copy(it2.hash[:], k[len(prefix):])
			it2.meta = decodeItemMeta(v)
			if it2.meta.notBefore > now {
				if earliest == 0 || it2.meta.notBefore < earliest {
					earliest = it2.meta.notBefore
				}
				continue
			}
			items = append(items, it2)
		}
		return it.Error()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("backup: queue: scan %q: %w", name, err)
	}
	return items, earliest, nil
}

// settle records a round's outcome in one batch: done items are deleted,
// retry items get their new retry state. No sync: a lost delete re-uploads an
// item (Put is idempotent) and lost retry state retries it early.
func (q *queue) settle(name string, done []Hash, retry []item) error {
	err := q.write(func(db *pebble.DB, commit func(*pebble.Batch, *pebble.WriteOptions) error) error {
		b := db.NewBatch()
		defer b.Close()
		var key []byte
		for _, h := range done {
			key = appendItemKey(key[:0], name, h)
			if err := b.Delete(key, nil); err != nil {
				return err
			}
		}
		for _, it := range retry {
			key = appendItemKey(key[:0], name, it.hash)
			if err := b.Set(key, it.meta.encode(), nil); err != nil {
				return err
			}
		}
		if b.Empty() {
			return nil
		}
		return commit(b, pebble.NoSync)
	})
	if err != nil {
		return fmt.Errorf("backup: queue: settle %q: %w", name, err)
	}
	return nil
}

// backfilled reports whether name has been backfilled.
func (q *queue) backfilled(name string) (bool, error) {
	var ok bool
	err := q.use(func(db *pebble.DB) error {
		_, closer, err := db.Get(appendNamePrefix(nil, prefixBackfilled, name))
		if errors.Is(err, pebble.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		ok = true
		return closer.Close()
	})
	if err != nil {
		return false, fmt.Errorf("backup: queue: read backfill mark of %q: %w", name, err)
	}
	return ok, nil
}

// markBackfilled records names as backfilled, synced, which also makes every
// earlier unsynced enqueue durable.
func (q *queue) markBackfilled(names []string, now int64) error {
	err := q.write(func(db *pebble.DB, commit func(*pebble.Batch, *pebble.WriteOptions) error) error {
		b := db.NewBatch()
		defer b.Close()
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], uint64(now))
		for _, name := range names {
			if err := b.Set(appendNamePrefix(nil, prefixBackfilled, name), v[:], nil); err != nil {
				return err
			}
		}
		return commit(b, pebble.Sync)
	})
	if err != nil {
		return fmt.Errorf("backup: queue: mark backfilled: %w", err)
	}
	return nil
}

// pebbleLogger routes Pebble's messages to zerolog.
type pebbleLogger struct{ l zerolog.Logger }

func (l pebbleLogger) Infof(f string, a ...any) { l.l.Debug().Msgf(f, a...) }

// Fatalf is called by Pebble only on unrecoverable storage errors, and its
// contract is that it does not return (its default exits the process);
// carrying on would run on a database in an unknown state. (A failed commit
// never gets here: the guard's Logger hands it back to write.)
func (l pebbleLogger) Fatalf(f string, a ...any) {
	l.l.Error().Msgf(f, a...)
	os.Exit(70)
}
