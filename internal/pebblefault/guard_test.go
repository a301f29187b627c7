package pebblefault

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
	"github.com/cockroachdb/pebble/vfs/errorfs"
	"github.com/rs/zerolog"
)

// disk is the OS file system with a switch: while full, writes of files
// whose names end in one of suffixes (any file when none) fail with ENOSPC.
type disk struct {
	full atomic.Bool
	fs   vfs.FS
}

func newDisk(suffixes ...string) *disk {
	d := &disk{}
	d.fs = errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op, path string) error {
		switch op {
		case errorfs.OpFileWrite, errorfs.OpFileWriteAt, errorfs.OpFilePreallocate:
		default:
			return nil
		}
		if !d.full.Load() {
			return nil
		}
		if len(suffixes) == 0 {
			return syscall.ENOSPC
		}
		for _, s := range suffixes {
			if strings.HasSuffix(path, s) {
				return syscall.ENOSPC
			}
		}
		return nil
	}))
	return d
}

// exitLogger stands for a daemon's logger: its Fatalf ends the process,
// which here fails the test instead.
type exitLogger struct{ t *testing.T }

func (l exitLogger) Infof(string, ...any) {}
func (l exitLogger) Fatalf(f string, a ...any) {
	l.t.Errorf("Fatalf reached the process: "+f, a...)
	os.Exit(3)
}

func open(t *testing.T, dir string, d *disk) (*pebble.DB, *Guard) {
	t.Helper()
	g := New(zerolog.Nop())
	db, err := pebble.Open(dir, &pebble.Options{
		FS: g.FS(d.fs), Logger: g.Logger(exitLogger{t}), EventListener: g.Listener(),
		FormatMajorVersion: pebble.FormatVirtualSSTables,
	})
	if err != nil {
		t.Fatal(err)
	}
	return db, g
}

func set(t *testing.T, db *pebble.DB, g *Guard, i int, o *pebble.WriteOptions) error {
	t.Helper()
	b := db.NewBatch()
	defer b.Close()
	if err := b.Set([]byte(fmt.Sprintf("k%06d", i)), make([]byte, 1000), nil); err != nil {
		t.Fatal(err)
	}
	return g.Commit(b, o)
}

// Writes go on until the disk fills; the guard then reports the failure
// (a synced commit's at once, an unsynced one's when its log block is
// written), the process survives, Close returns, and the reopened directory
// holds every synced key and nothing past the failure.
func TestWritesUntilFull(t *testing.T) {
	for _, synced := range []bool{true, false} {
		t.Run(fmt.Sprintf("synced=%v", synced), func(t *testing.T) {
			d := newDisk()
			dir := t.TempDir()
			db, g := open(t, dir, d)
			o := pebble.NoSync
			if synced {
				o = pebble.Sync
			}
			for i := 0; i < 100; i++ {
				if err := set(t, db, g, i, pebble.Sync); err != nil {
					t.Fatal(err)
				}
			}
			d.full.Store(true)
			failedAt := -1
			for i := 100; i < 1000 && failedAt < 0; i++ {
				if g.Err() != nil {
					failedAt = i
					break
				}
				if err := set(t, db, g, i, o); err != nil {
					if !errors.Is(err, ErrWrite) {
						t.Fatalf("commit on a full disk: %v, want ErrWrite", err)
					}
					failedAt = i
				}
				time.Sleep(time.Millisecond) // let the log writer run
			}
			if failedAt < 0 || (synced && failedAt != 100) {
				t.Fatalf("first failure at key %d (synced %v)", failedAt, synced)
			}
			select {
			case <-g.Failed():
			default:
				t.Fatal("Failed not closed after a failure")
			}
			closed := make(chan struct{})
			go func() { g.Close(db, true); close(closed) }()
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Fatal("Close hangs on a full disk")
			}
			d.full.Store(false)
			db, g = open(t, dir, d)
			defer g.Close(db, true)
			for i := 0; i < 1000; i++ {
				_, c, err := db.Get([]byte(fmt.Sprintf("k%06d", i)))
				if err == nil {
					c.Close()
				}
				if i < 100 && err != nil {
					t.Fatalf("synced key %d lost: %v", i, err)
				}
				if i >= failedAt && err == nil {
					t.Fatalf("key %d, written after the failure, is there", i)
				}
			}
		})
	}
}

// A table that cannot be written leaves the handle usable (Pebble retries
// the flush), paces the retries, and does not hold up Close.
func TestTableWriteFails(t *testing.T) {
	d := newDisk(".sst")
	dir := t.TempDir()
	db, g := open(t, dir, d)
	for i := 0; i < 50; i++ {
		if err := set(t, db, g, i, pebble.NoSync); err != nil {
			t.Fatal(err)
		}
	}
	d.full.Store(true)
	if _, err := db.AsyncFlush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if n := g.BackgroundFailures(); n == 0 || n > 3 {
		t.Fatalf("%d failed flushes in 1.5 s, want 1 to 3", n)
	}
	if err := g.Err(); err != nil {
		t.Fatalf("a failed table write spent the handle: %v", err)
	}
	if err := set(t, db, g, 50, pebble.Sync); err != nil {
		t.Fatalf("log write with tables failing: %v", err)
	}
	closed := make(chan struct{})
	go func() { g.Close(db, true); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waits for a flush that cannot finish")
	}
	d.full.Store(false)
	db, g = open(t, dir, d)
	defer g.Close(db, true)
	for i := 0; i <= 50; i++ {
		_, c, err := db.Get([]byte(fmt.Sprintf("k%06d", i)))
		if err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		c.Close()
	}
}
