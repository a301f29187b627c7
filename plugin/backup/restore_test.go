package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/plugin/driver"
)

// fillDir stores zfs in a directory driver rooted at root, through the
// driver itself.
func fillDir(t *testing.T, root string, zfs []Zonefile) {
	t.Helper()
	ctx := context.Background()
	d, err := dirdriver.Open(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range zfs {
		if err := d.Put(ctx, driver.PutRequest{Key: z.Hash.String(), Data: z.Data}); err != nil {
			t.Fatal(err)
		}
	}
}

// notifyingSink stores like the node and then reports the stored hashes to
// the manager, as the node's notification hook does.
type notifyingSink struct {
	*memStore
	m *Manager
}

func (s notifyingSink) Store(ctx context.Context, zfs []Zonefile) error {
	if err := s.memStore.Store(ctx, zfs); err != nil {
		return err
	}
	return s.m.Enqueue(ctx, hashes(zfs)...)
}

// TestRestoreLyingDriver: a directory driver with files whose bytes are not
// the zonefile named (swapped files, and the tampered entry of the shared
// set under the hash it claims) must never get them stored; the next
// driver's good copies are used instead.
func TestRestoreLyingDriver(t *testing.T) {
	zfs := zonefiles(t, "subdomain_zonefiles.txt")
	liarSpec, liarRoot := dirSpec(t, "liar")
	goodSpec, goodRoot := dirSpec(t, "good")
	fillDir(t, liarRoot, zfs)
	fillDir(t, goodRoot, zfs)
	// Swap two files: each now holds another zonefile's bytes.
	a, b := dirFile(liarRoot, zfs[3].Hash), dirFile(liarRoot, zfs[7].Hash)
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if err := os.WriteFile(a, db, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, da, 0o600); err != nil {
		t.Fatal(err)
	}
	// The tampered export entry, stored under the hash it claims.
	var tampered rawPair
	for _, p := range rawExport(t, "name_zonefiles-tampered.txt") {
		if strings.HasPrefix(p.key, "c5f5b419") {
			tampered = p
		}
	}
	th, err := ParseHash(tampered.key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dirFile(liarRoot, th)), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dirFile(liarRoot, th), tampered.data, 0o600); err != nil {
		t.Fatal(err)
	}
	wanted := append(hashes(zfs), th)

	t.Run("liar alone", func(t *testing.T) {
		m, err := New(context.Background(), fastConfig(t.TempDir(), newMemStore(), &syncBuffer{}, liarSpec))
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		sink := newMemStore()
		res, err := m.Restore(context.Background(), wanted, sink)
		if err != nil {
			t.Fatal(err)
		}
		sink.checkWhole(t, without(zfs, zfs[3].Hash, zfs[7].Hash))
		if res.Wanted != len(wanted) || res.Restored != len(zfs)-2 || res.Unavailable != 3 || res.NotFound != 0 {
			t.Errorf("result = %+v", res)
		}
		if d := res.Drivers[0]; d.Corrupt != 3 || d.Restored != len(zfs)-2 {
			t.Errorf("liar counts = %+v", d)
		}
		if len(res.Corrupt) != 3 {
			t.Fatalf("corrupt = %+v", res.Corrupt)
		}
		for _, c := range res.Corrupt {
			if c.Driver != "liar" || c.Got == c.Hash || (c.Hash != zfs[3].Hash && c.Hash != zfs[7].Hash && c.Hash != th) {
				t.Errorf("corruption report %+v", c)
			}
		}
		if s := m.Status()[0]; s.Corrupt != 3 || !strings.Contains(s.LastError, "not stored") {
			t.Errorf("status = %+v", s)
		}
	})

	t.Run("liar then good", func(t *testing.T) {
		m, err := New(context.Background(), fastConfig(t.TempDir(), newMemStore(), &syncBuffer{}, liarSpec, goodSpec))
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		sink := notifyingSink{memStore: newMemStore(), m: m}
		res, err := m.Restore(context.Background(), wanted, sink)
		if err != nil {
			t.Fatal(err)
		}
		sink.checkWhole(t, zfs)
		liar, good := res.Drivers[0], res.Drivers[1]
		if res.Restored != len(zfs) || res.Unavailable != 1 || liar.Corrupt != 3 || liar.Restored != len(zfs)-2 ||
			good.Restored != 2 || good.NotFound != 1 {
			t.Errorf("result = %+v", res)
		}
		// The node's notifications queue each zonefile only for the
		// driver it did not come from.
		st := m.Status()
		if st[0].Queued != 2 || st[1].Queued != int64(len(zfs)-2) {
			t.Errorf("queued after restore: liar %d, good %d; want 2, %d", st[0].Queued, st[1].Queued, len(zfs)-2)
		}
	})
}

func without(zfs []Zonefile, drop ...Hash) []Zonefile {
	var out []Zonefile
next:
	for _, z := range zfs {
		for _, d := range drop {
			if z.Hash == d {
				continue next
			}
		}
		out = append(out, z)
	}
	return out
}

// TestRestoreAll pages through the drivers' listings: foreign keys are
// skipped, want filters, and a hash restored from the first driver is not
// fetched again from the second.
func TestRestoreAll(t *testing.T) {
	zfs := zonefiles(t, "name_zonefiles-665750.txt")[:120]
	specA, rootA := dirSpec(t, "a")
	specB, rootB := dirSpec(t, "b")
	fillDir(t, rootA, zfs[:80])
	fillDir(t, rootB, zfs[40:])
	// A 32-byte key: a blob, but not a zonefile hash.
	d, err := dirdriver.Open(context.Background(), rootA)
	if err != nil {
		t.Fatal(err)
	}
	foreign := strings.Repeat("ab", 32)
	if err := d.Put(context.Background(), driver.PutRequest{Key: foreign, Data: []byte("not a zonefile")}); err != nil {
		t.Fatal(err)
	}
	unwanted := zfs[10].Hash
	m, err := New(context.Background(), fastConfig(t.TempDir(), newMemStore(), &syncBuffer{}, specA, specB))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	sink := newMemStore()
	res, err := m.RestoreAll(context.Background(), sink, func(h Hash) bool { return h != unwanted })
	if err != nil {
		t.Fatal(err)
	}
	sink.checkWhole(t, without(zfs, unwanted))
	if res.Wanted != len(zfs)-1 || res.Restored != len(zfs)-1 || res.Drivers[0].Restored != 79 || res.Drivers[1].Restored != 40 {
		t.Errorf("result = %+v", res)
	}
	if sink.stores < 2 {
		t.Errorf("%d sink batches for %d zonefiles", sink.stores, res.Restored)
	}
}

// failingSink refuses every batch.
type failingSink struct{}

var errSinkFull = errors.New("disk full")

func (failingSink) Store(context.Context, []Zonefile) error { return errSinkFull }

// TestRestoreErrors: a sink error stops the restore and is returned; a
// cancelled context stops it too.
func TestRestoreErrors(t *testing.T) {
	zfs := zonefiles(t, "subdomain_zonefiles.txt")
	spec, root := dirSpec(t, "a")
	fillDir(t, root, zfs)
	m, err := New(context.Background(), fastConfig(t.TempDir(), newMemStore(), &syncBuffer{}, spec))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tests := []struct {
		name string
		run  func(ctx context.Context) (RestoreResult, error)
		want error
	}{
		{"sink", func(ctx context.Context) (RestoreResult, error) { return m.Restore(ctx, hashes(zfs), failingSink{}) }, errSinkFull},
		{"sink, all", func(ctx context.Context) (RestoreResult, error) { return m.RestoreAll(ctx, failingSink{}, nil) }, errSinkFull},
		{"cancelled", func(context.Context) (RestoreResult, error) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return m.Restore(ctx, hashes(zfs), newMemStore())
		}, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.run(context.Background())
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if res.Restored != 0 {
				t.Errorf("restored %d despite the error", res.Restored)
			}
		})
	}
}
