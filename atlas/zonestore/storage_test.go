package zonestore

import (
	"bytes"
	"errors"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/vfs"
	"github.com/cockroachdb/pebble/vfs/errorfs"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
)

// switchedDisk is the OS file system under a switch: while full is set,
// writes of file data fail with ENOSPC as on a disk with no free block.
type switchedDisk struct {
	full atomic.Bool
	fs   vfs.FS
}

func newSwitchedDisk() *switchedDisk {
	d := &switchedDisk{}
	d.fs = errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op, _ string) error {
		switch op {
		case errorfs.OpFileWrite, errorfs.OpFileWriteAt, errorfs.OpFilePreallocate:
			if d.full.Load() {
				return syscall.ENOSPC
			}
		}
		return nil
	}))
	return d
}

// A Put on a full disk fails with ErrStorage and stores nothing, where
// Pebble alone would exit the process; a Put refused by the write gate
// writes nothing either. Once there is room the next Put reopens the
// database and succeeds, and every zonefile a Put acknowledged is held,
// also after a reopen from disk.
func TestPutOnFullDisk(t *testing.T) {
	pairs := readPairs(t, "name_zonefiles-665750.txt")[:40]
	cases := []struct {
		name string
		// block makes Puts fail; unblock lets them through again.
		block, unblock func(*switchedDisk, *atomic.Bool)
		want           error
	}{
		{"disk full", func(d *switchedDisk, _ *atomic.Bool) { d.full.Store(true) },
			func(d *switchedDisk, _ *atomic.Bool) { d.full.Store(false) }, ErrStorage},
		{"gate closed", func(_ *switchedDisk, g *atomic.Bool) { g.Store(true) },
			func(_ *switchedDisk, g *atomic.Bool) { g.Store(false) }, errGateClosed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			disk := newSwitchedDisk()
			var gate atomic.Bool
			dir := filepath.Join(t.TempDir(), "zonefiles")
			opts := Options{Logger: zerolog.Nop(), FS: disk.fs, WriteGate: func() error {
				if gate.Load() {
					return errGateClosed
				}
				return nil
			}}
			d, err := Open(dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			acked := map[inventory.Hash][]byte{}
			check := func(d *DB) {
				t.Helper()
				for h, want := range acked {
					got, err := d.Get(h)
					if err != nil || !bytes.Equal(got, want) {
						t.Fatalf("acknowledged zonefile %s: %v", h, err)
					}
				}
			}
			refused := map[inventory.Hash][]byte{}
			put := func(batch []pair) error {
				var data [][]byte
				for _, p := range batch {
					data = append(data, p.data)
				}
				hs, err := d.Put(data...)
				for i, p := range batch {
					if err == nil {
						acked[hs[i]] = p.data
					} else if _, ok := acked[p.claimed]; !ok {
						refused[p.claimed] = p.data
					}
				}
				return err
			}
			if err := put(pairs[:10]); err != nil {
				t.Fatal(err)
			}
			c.block(disk, &gate)
			for i := 10; i < 30; i += 5 {
				if err := put(pairs[i : i+5]); !errors.Is(err, c.want) {
					t.Fatalf("Put while blocked: %v, want %v", err, c.want)
				}
			}
			for h := range refused {
				if _, err := d.Get(h); !errors.Is(err, ErrNotFound) {
					t.Fatalf("refused zonefile %s: Get = %v, want ErrNotFound", h, err)
				}
			}
			check(d) // reads go on while writes fail
			c.unblock(disk, &gate)
			if err := put(pairs[10:40]); err != nil {
				t.Fatalf("Put once unblocked: %v", err)
			}
			check(d)
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			d, err = Open(dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			check(d)
			if len(acked) != 40 {
				t.Fatalf("%d zonefiles acknowledged, want 40", len(acked))
			}
		})
	}
}

var errGateClosed = errors.New("test: writes paused")
