package backup

import (
	"context"
	"errors"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/vfs"
	"github.com/cockroachdb/pebble/vfs/errorfs"
)

// With the queue's disk full, Enqueue fails with ErrStorage instead of
// ending the process (as Pebble alone would), and nothing queued before
// is lost; the drivers keep uploading what was queued. Once there is room
// the next Enqueue reopens the database and succeeds, and Requeue puts
// back every hash whose Enqueue was refused, so every zonefile reaches
// every driver.
func TestEnqueueOnFullDisk(t *testing.T) {
	zfs := zonefiles(t, "name_zonefiles-653759.txt")[:30]
	var full atomic.Bool
	fs := errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op, _ string) error {
		switch op {
		case errorfs.OpFileWrite, errorfs.OpFileWriteAt, errorfs.OpFilePreallocate:
			if full.Load() {
				return syscall.ENOSPC
			}
		}
		return nil
	}))
	specA, rootA := dirSpec(t, "a")
	specB, rootB := dirSpec(t, "b")
	logs := &syncBuffer{}
	cfg := fastConfig(t.TempDir(), newMemStore(zfs...), logs, specA, specB)
	cfg.FS = fs
	r := start(t, cfg)
	ctx := context.Background()
	if err := r.m.Enqueue(ctx, hashes(zfs[:10])...); err != nil {
		t.Fatal(err)
	}
	drained(t, r.m, 10*time.Second)

	full.Store(true)
	for _, z := range zfs[10:20] {
		if err := r.m.Enqueue(ctx, z.Hash); !errors.Is(err, ErrStorage) {
			t.Fatalf("Enqueue on a full disk: %v, want ErrStorage", err)
		}
	}
	full.Store(false)
	if err := r.m.Enqueue(ctx, hashes(zfs[20:])...); err != nil {
		t.Fatalf("Enqueue once there is room: %v", err)
	}
	added, err := r.m.Requeue(ctx, func(fn func(Hash) error) error {
		for _, z := range zfs {
			if err := fn(z.Hash); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The refused ten for both drivers, plus whatever of the first ten
	// and last ten was already uploaded and so left the queue.
	if added < 20 || added > 60 {
		t.Fatalf("Requeue added %d items, want 20 to 60", added)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("status %+v\nlog:\n%s", r.m.Status(), logs.String())
		}
	})
	drained(t, r.m, 10*time.Second)
	checkDir(t, rootA, zfs)
	checkDir(t, rootB, zfs)
}
