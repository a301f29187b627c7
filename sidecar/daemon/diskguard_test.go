package daemon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
	"github.com/cockroachdb/pebble/vfs/errorfs"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/zonestore"
	"github.com/atlasd/atlasd/plugin/backup"
	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/plugin/drivertest"
)

type fakeFree struct{ v atomic.Uint64 }

func (f *fakeFree) read(string) (uint64, error) { return f.v.Load(), nil }

func testGuard(t *testing.T, minFreeMiB uint64) (*diskGuard, *fakeFree) {
	t.Helper()
	g := newDiskGuard(t.TempDir(), minFreeMiB, zerolog.Nop())
	f := &fakeFree{}
	g.free, g.poll = f.read, 10*time.Millisecond
	return g, f
}

func ballastSize(g *diskGuard) int64 {
	st, err := os.Stat(g.ballastPath)
	if err != nil {
		return -1
	}
	return st.Size()
}

// The guard pauses below the reserve and not above it, counts what it
// held back, keeps its ballast only while there is room for it, and lets
// everything through when the reserve is 0.
func TestDiskGuardStates(t *testing.T) {
	steps := []struct {
		name    string
		reserve uint64 // MiB
		free    uint64
		ok      bool
		ballast int64 // bytes on disk after the step; -1: none
	}{
		{"room for reserve and ballast", 64, 200 << 20, true, 16 << 20},
		{"room for the reserve only", 64, 70 << 20, true, -1},
		{"below the reserve", 64, 10 << 20, false, -1},
		{"nothing free", 64, 0, false, -1},
		{"guard off", 0, 0, true, -1},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			g, f := testGuard(t, st.reserve)
			f.v.Store(st.free)
			err := g.check("block")
			if (err == nil) != st.ok {
				t.Fatalf("check = %v, want ok %v", err, st.ok)
			}
			if err != nil {
				if !errors.Is(err, errDiskLow) || !strings.Contains(err.Error(), "storage.min_free_mib") {
					t.Fatalf("check error %q", err)
				}
				if g.pausedCounts()["block"] != 1 || !g.low.Load() || g.ready() == nil {
					t.Fatalf("paused %v, low %v, ready %v", g.pausedCounts(), g.low.Load(), g.ready())
				}
			} else if g.ready() != nil || len(g.pausedCounts()) != 0 {
				t.Fatalf("ready %v, paused %v with room", g.ready(), g.pausedCounts())
			}
			if got := ballastSize(g); got != st.ballast {
				t.Fatalf("ballast %d bytes, want %d", got, st.ballast)
			}
		})
	}
}

// A paused write waits for room, however long, and goes ahead once there
// is room; the pause counts once; the guard's run loop notices space coming
// back even with no write asking.
func TestDiskGuardWait(t *testing.T) {
	g, f := testGuard(t, 64)
	f.v.Store(1 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go g.run(ctx)
	done := make(chan error, 1)
	go func() { done <- g.wait(ctx, "block") }()
	select {
	case err := <-done:
		t.Fatalf("wait returned %v with the disk full", err)
	case <-time.After(200 * time.Millisecond):
	}
	f.v.Store(1 << 40)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("wait still blocked with space back")
	}
	if n := g.pausedCounts()["block"]; n != 1 {
		t.Fatalf("one pause counted %d times", n)
	}
	short, stop := context.WithCancel(context.Background())
	f.v.Store(0)
	stop()
	if err := g.wait(short, "block"); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait with ctx done: %v", err)
	}
}

// A database write that finds the disk full frees the ballast and is tried
// again, so Pebble never sees the failure; the guard then pauses writes and
// counts the error, and puts the ballast back once there is room.
func TestBallastAbsorbsDiskFull(t *testing.T) {
	g, f := testGuard(t, 64)
	f.v.Store(1 << 40)
	if !g.refresh() || ballastSize(g) != 16<<20 {
		t.Fatalf("no ballast with room: %d", ballastSize(g))
	}
	// The disk is full exactly as long as the ballast takes its room.
	g.base = errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op, path string) error {
		switch op {
		case errorfs.OpFileWrite, errorfs.OpFileWriteAt:
			if _, err := os.Stat(g.ballastPath); err == nil {
				return syscall.ENOSPC
			}
		}
		return nil
	}))
	db, err := pebble.Open(filepath.Join(g.dir, "db"), &pebble.Options{FS: g.fs()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Set([]byte("k"), []byte("v"), pebble.Sync); err != nil {
		t.Fatalf("synced write with the ballast to free: %v", err)
	}
	if ballastSize(g) != -1 || !g.low.Load() || g.fullErrs.Load() != 1 {
		t.Fatalf("after the full disk: ballast %d, low %v, errors %d", ballastSize(g), g.low.Load(), g.fullErrs.Load())
	}
	if !g.refresh() || g.low.Load() || ballastSize(g) != 16<<20 {
		t.Fatalf("with room again: low %v, ballast %d", g.low.Load(), ballastSize(g))
	}
}

// An enqueue refused for lack of room waits in memory behind a marker
// file, and is queued once there is room; a start that finds the marker
// (the waiting hashes died with the process) queues every held zonefile
// again. Either way every zonefile reaches the driver.
func TestBackupFeed(t *testing.T) {
	blobs := drivertest.Zonefiles(t, "name_zonefiles-653759.txt")[:20]
	dir := t.TempDir()
	g, f := testGuard(t, 64)
	f.v.Store(1 << 40)
	d := &Daemon{dir: dir, log: zerolog.Nop(), guard: g}
	store, err := zonestore.Open(filepath.Join(dir, "zonefiles"), zonestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	root := t.TempDir()
	held := func(t *testing.T) {
		t.Helper()
		for _, b := range blobs {
			if _, err := os.Stat(dirdriver.BlobPath(root, b.Key)); err != nil {
				t.Fatalf("zonefile %s not backed up: %v", b.Key, err)
			}
		}
	}
	run := func(t *testing.T, stored func(*backupFeed), during func(*backupFeed)) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		mgr, err := backup.New(ctx, backup.Config{
			Dir: filepath.Join(dir, "backup"), Source: storeSource{store},
			Drivers: []backup.Spec{{Name: "dir", Path: backup.BuiltinDir, Settings: map[string]string{dirdriver.SettingRoot: root}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		feed := newBackupFeed(d, mgr, store)
		done := make(chan struct{})
		go func() { mgr.Run(ctx); close(done) }()
		fed := make(chan struct{})
		go func() { feed.run(ctx); close(fed) }()
		stored(feed)
		during(feed)
		cancel()
		<-done
		<-fed
		mgr.Close()
	}
	marker := filepath.Join(dir, requeueMarker)
	waitEmpty := func(t *testing.T, feed *backupFeed) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			feed.mu.Lock()
			n, rq := len(feed.pending), feed.requeue
			feed.mu.Unlock()
			if _, err := os.Stat(marker); n == 0 && !rq && os.IsNotExist(err) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d hashes still waiting, requeue %v", n, rq)
			}
		}
	}
	storeAll := func(feed *backupFeed) {
		for _, b := range blobs {
			hs, err := store.Put(b.Data)
			if err != nil {
				t.Fatal(err)
			}
			feed.stored(context.Background(), hs[0])
		}
	}
	t.Run("enqueued once there is room", func(t *testing.T) {
		f.v.Store(1 << 20)
		run(t, storeAll, func(feed *backupFeed) {
			if _, err := os.Stat(marker); err != nil {
				t.Fatalf("no marker while hashes wait: %v", err)
			}
			feed.mu.Lock()
			n := len(feed.pending)
			feed.mu.Unlock()
			if n != len(blobs) {
				t.Fatalf("%d hashes waiting, want %d", n, len(blobs))
			}
			f.v.Store(1 << 40)
			waitEmpty(t, feed)
			waitHeld(t, root, blobs)
		})
		held(t)
	})
	t.Run("marker left by a crash", func(t *testing.T) {
		if err := os.RemoveAll(root); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(marker, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, func(*backupFeed) {}, func(feed *backupFeed) {
			waitEmpty(t, feed)
			waitHeld(t, root, blobs)
		})
		held(t)
	})
}

// waitHeld waits until the directory driver holds every blob.
func waitHeld(t *testing.T, root string, blobs []drivertest.Blob) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		n := 0
		for _, b := range blobs {
			if _, err := os.Stat(dirdriver.BlobPath(root, b.Key)); err == nil {
				n++
			}
		}
		if n == len(blobs) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d zonefiles backed up", n, len(blobs))
		}
	}
}

// storeSource reads uploads from a zonefile store.
type storeSource struct{ s *zonestore.DB }

func (s storeSource) Zonefile(_ context.Context, h backup.Hash) ([]byte, error) {
	data, err := s.s.Get(inventory.Hash(h))
	if errors.Is(err, zonestore.ErrNotFound) {
		return nil, backup.ErrNotHeld
	}
	return data, err
}
