package state

import (
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/vfs"
	"github.com/cockroachdb/pebble/vfs/errorfs"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/internal/shareddata"
)

// fullDisk is the OS file system under a switch: while full is set every
// write of file data fails with ENOSPC, as on a file system with no free
// block (creating, renaming and removing files still work, as they need
// none).
type fullDisk struct {
	full atomic.Bool
	fs   vfs.FS
}

// newFullDisk returns a switchable disk; with suffixes given, only writes
// of files whose names end so fail.
func newFullDisk(suffixes ...string) *fullDisk {
	d := &fullDisk{}
	d.fs = errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op, path string) error {
		switch op {
		case errorfs.OpFileWrite, errorfs.OpFileWriteAt, errorfs.OpFilePreallocate:
			if !d.full.Load() {
				return nil
			}
			for _, s := range suffixes {
				if strings.HasSuffix(path, s) {
					return syscall.ENOSPC
				}
			}
			if len(suffixes) == 0 {
				return syscall.ENOSPC
			}
		}
		return nil
	}))
	return d
}

// closeWithin closes m, failing the test if that takes longer than limit
// (a flush waiting for room never returns).
func closeWithin(t *testing.T, m *Machine, limit time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		m.Close() // may report the failed log close; what matters is below
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("Close still running after %v on a full disk", limit)
	}
}

// The disk fills in the middle of every reference scenario. Writes then
// fail with ErrStorage (never a panic or a process exit), Close returns at
// once, and once there is room again the directory opens at a block
// boundary whose hashes are the reference's; replaying the rest from there
// reaches every reference hash. Synced commits meet the full disk in the
// commit itself, unsynced ones when their log buffer is written (at the
// latest when Close syncs it); a rollback's commits are synced.
func TestDiskFullMidScenario(t *testing.T) {
	dir := shareddata.Path(t, "data", "consensus", "scenarios")
	files, _ := filepath.Glob(filepath.Join(dir, "*.blocks.jsonl"))
	if len(files) != 34 {
		t.Fatalf("found %d scenarios, want 34", len(files))
	}
	modes := []struct {
		name     string
		sync     bool
		rollback bool // fill, then roll back instead of applying
	}{
		{"unsynced blocks", false, false},
		{"synced blocks", true, false},
		{"synced rollback", true, true},
	}
	for _, mode := range modes {
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ".blocks.jsonl")
			t.Run(mode.name+"/"+name, func(t *testing.T) {
				p, blocks := loadScenario(t, dir, name)
				disk := newFullDisk()
				db := t.TempDir()
				opts := Options{Logger: zerolog.Nop(), UndoWindow: 10000, Sync: mode.sync, FS: disk.fs}
				m, err := Open(db, p, opts)
				if err != nil {
					t.Fatal(err)
				}
				mid := len(blocks) / 2
				applied := 0
				for _, b := range blocks[:mid] {
					if _, err := m.ApplyBlock(b.height, "", b.txs); err != nil {
						t.Fatal(err)
					}
					applied++
				}
				disk.full.Store(true)
				var failed error
				if mode.rollback {
					failed = m.Rollback(blocks[0].height - 1)
					if failed == nil && mid > 0 {
						t.Fatal("a synced rollback succeeded on a full disk")
					}
				} else {
					for _, b := range blocks[mid:] {
						if _, err := m.ApplyBlock(b.height, "", b.txs); err != nil {
							failed = err
							break
						}
						applied++
					}
				}
				if failed != nil {
					if !errors.Is(failed, ErrStorage) {
						t.Fatalf("write on a full disk: %v, want ErrStorage", failed)
					}
					if m.Fault() == nil {
						t.Fatal("a write failed but Fault is nil")
					}
					// Once failed, the handle refuses writes even with room.
					disk.full.Store(false)
					tip, _ := m.Tip()
					if _, err := m.ApplyBlock(uint64(tip+1), "", nil); !errors.Is(err, ErrStorage) {
						t.Fatalf("write after a fault: %v, want ErrStorage", err)
					}
					disk.full.Store(true)
				} else if mode.sync {
					t.Fatal("a synced block commit succeeded on a full disk")
				}
				closeWithin(t, m, 10*time.Second)

				disk.full.Store(false)
				m, err = Open(db, p, opts)
				if err != nil {
					t.Fatalf("reopen after the disk emptied: %v", err)
				}
				defer func() { m.Close() }()
				if err := checkMirrors(m); err != nil {
					t.Fatal(err)
				}
				tip, _ := m.Tip()
				last := int64(blocks[0].height) + int64(applied) - 1
				if tip > last || (mode.sync && tip != last) {
					t.Fatalf("reopened at %d, last block applied %d (synced: %v)", tip, last, mode.sync)
				}
				next := 0
				for i, b := range blocks {
					if int64(b.height) > tip {
						break
					}
					if got, _ := m.ConsensusHash(b.height); got != b.want {
						t.Fatalf("height %d after reopen: %s, reference %s", b.height, got, b.want)
					}
					next = i + 1
				}
				for _, b := range blocks[next:] {
					r, err := m.ApplyBlock(b.height, "", b.txs)
					if err != nil {
						t.Fatal(err)
					}
					if r.ConsensusHash != b.want {
						t.Fatalf("height %d replayed: %s, reference %s", b.height, r.ConsensusHash, b.want)
					}
				}
				if err := checkMirrors(m); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// A start on a full disk opens read-only: the log is replayed into memory
// without writing, reads see every committed block, writes are refused,
// and a read-only open of a directory with no state fails.
func TestReadOnlyOpen(t *testing.T) {
	dir := shareddata.Path(t, "data", "consensus", "scenarios")
	p, blocks := loadScenario(t, dir, "namespace_preorder_reveal_ready_wait")
	disk := newFullDisk()
	db := t.TempDir()
	m, err := Open(db, p, Options{Logger: zerolog.Nop(), FS: disk.fs, Sync: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if _, err := m.ApplyBlock(b.height, "", b.txs); err != nil {
			t.Fatal(err)
		}
	}
	// Closed as a kill would leave it: in the log, not flushed, so Open
	// must replay the log.
	m.closed = true
	if err := m.db.Close(); err != nil {
		t.Fatal(err)
	}
	disk.full.Store(true)
	ro, err := Open(db, p, Options{Logger: zerolog.Nop(), FS: disk.fs, ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open on a full disk: %v", err)
	}
	last := blocks[len(blocks)-1]
	if tip, _ := ro.Tip(); tip != int64(last.height) {
		t.Fatalf("read-only tip %d, want %d", tip, last.height)
	}
	for _, b := range blocks {
		if got, _ := ro.ConsensusHash(b.height); got != b.want {
			t.Fatalf("height %d read-only: %s, reference %s", b.height, got, b.want)
		}
	}
	if _, err := ro.ApplyBlock(last.height+1, "", nil); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("ApplyBlock read-only: %v, want ErrReadOnly", err)
	}
	if err := ro.Rollback(last.height - 1); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Rollback read-only: %v, want ErrReadOnly", err)
	}
	closeWithin(t, ro, 10*time.Second)
	if _, err := Open(t.TempDir(), p, Options{Logger: zerolog.Nop(), ReadOnly: true}); err == nil {
		t.Fatal("read-only open of an empty directory succeeded")
	}
}

// With room for the log but none for tables (the disk filled while a
// memtable waited to be flushed), Pebble retries the failing flush forever.
// The retries are paced, not thousands a second, Close gives up on the
// flush instead of waiting for it, and nothing committed is lost.
func TestFlushOnFullDisk(t *testing.T) {
	dir := shareddata.Path(t, "data", "consensus", "scenarios")
	p, blocks := loadScenario(t, dir, "namespace_preorder_reveal_ready_wait")
	disk := newFullDisk(".sst")
	db := t.TempDir()
	opts := Options{Logger: zerolog.Nop(), FS: disk.fs}
	m, err := Open(db, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if _, err := m.ApplyBlock(b.height, "", b.txs); err != nil {
			t.Fatal(err)
		}
	}
	disk.full.Store(true)
	if _, err := m.db.AsyncFlush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	failures := m.guard.BackgroundFailures()
	if failures == 0 || failures > 4 {
		t.Fatalf("%d failed flushes in 2 s, want 1 to 4", failures)
	}
	closeWithin(t, m, 10*time.Second)
	disk.full.Store(false)
	m, err = Open(db, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	last := blocks[len(blocks)-1]
	if tip, _ := m.Tip(); tip != int64(last.height) {
		t.Fatalf("tip %d after reopen, want %d", tip, last.height)
	}
	if got, _ := m.ConsensusHash(last.height); got != last.want {
		t.Fatalf("tip hash %s, reference %s", got, last.want)
	}
}
