package zonestore

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
)

func openTemp(t *testing.T) (*DB, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "zonefiles")
	d, err := Open(dir, Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d, dir
}

// TestHashMatchesExport checks Hash against every hash line of the real
// mainnet exports: the store's keys are the chain's value hashes.
func TestHashMatchesExport(t *testing.T) {
	for _, file := range []string{"name_zonefiles-665750.txt", "name_zonefiles-653759.txt", "subdomain_zonefiles.txt"} {
		t.Run(file, func(t *testing.T) {
			pairs := readPairs(t, file)
			if len(pairs) < 50 {
				t.Fatalf("only %d zonefiles", len(pairs))
			}
			for _, p := range pairs {
				if got := inventory.HashOf(p.data); got != p.claimed {
					t.Fatalf("Hash = %s, export says %s", got, p.claimed)
				}
			}
		})
	}
}

// TestRoundTripMainnetExport stores the whole final v1 export, five per
// batch as put_zonefiles would, reopens the store and reads every zonefile
// back byte for byte.
func TestRoundTripMainnetExport(t *testing.T) {
	pairs := readPairs(t, "name_zonefiles-665750.txt")
	d, dir := openTemp(t)
	for i := 0; i < len(pairs); i += 5 {
		var batch [][]byte
		for _, p := range pairs[i:min(i+5, len(pairs))] {
			batch = append(batch, p.data)
		}
		hs, err := d.Put(batch...)
		if err != nil {
			t.Fatal(err)
		}
		for j, h := range hs {
			if h != pairs[i+j].claimed {
				t.Fatalf("Put returned %s for %s", h, pairs[i+j].claimed)
			}
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	want := map[inventory.Hash]bool{}
	for _, p := range pairs {
		want[p.claimed] = true
		got, err := d.Get(p.claimed)
		if err != nil {
			t.Fatalf("Get %s: %v", p.claimed, err)
		}
		if !bytes.Equal(got, p.data) {
			t.Fatalf("Get %s returned other bytes", p.claimed)
		}
	}
	seen := 0
	if err := d.Scan(func(h inventory.Hash) error {
		if !want[h] {
			t.Errorf("Scan yielded %s, never stored", h)
		}
		seen++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if seen != len(want) {
		t.Errorf("Scan yielded %d hashes, stored %d", seen, len(want))
	}
	if n := d.Corruptions(); n != 0 {
		t.Errorf("Corruptions = %d on a clean store", n)
	}
}

func TestPutLimits(t *testing.T) {
	real := readPairs(t, "name_zonefiles-665750.txt")[0].data
	tests := []struct {
		name    string
		batch   [][]byte
		wantErr error
	}{
		{"exactly MaxSize", [][]byte{bytes.Repeat([]byte{'a'}, MaxSize)}, nil},
		{"one byte over", [][]byte{bytes.Repeat([]byte{'a'}, MaxSize+1)}, ErrTooLarge},
		{"oversize spoils the batch", [][]byte{real, make([]byte, MaxSize+1)}, ErrTooLarge},
		{"empty zonefile", [][]byte{{}}, nil},
		{"nothing", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := openTemp(t)
			hs, err := d.Put(tc.batch...)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Put error %v, want %v", err, tc.wantErr)
			}
			for _, z := range tc.batch {
				h := inventory.HashOf(z)
				got, err := d.Get(h)
				if tc.wantErr != nil {
					if !errors.Is(err, ErrNotFound) {
						t.Errorf("after a refused batch Get %s = %v, want ErrNotFound", h, err)
					}
					continue
				}
				if err != nil || !bytes.Equal(got, z) {
					t.Errorf("Get %s: %v", h, err)
				}
			}
			if tc.wantErr == nil && len(hs) != len(tc.batch) {
				t.Errorf("%d hashes for %d zonefiles", len(hs), len(tc.batch))
			}
		})
	}
}

// TestCorruptValueDetected writes, below the store's API, the tampered
// export's edited zonefile under the hash the export claims for it (a disk
// copy that no longer verifies, as v1 met them), and a truncated copy of a
// good one. Both must read as corrupt, be counted, be skipped by Scan, and be
// repaired by a Put of the right bytes.
func TestCorruptValueDetected(t *testing.T) {
	var tampered, good pair
	for _, p := range readPairs(t, "name_zonefiles-tampered.txt") {
		if inventory.HashOf(p.data) != p.claimed {
			tampered = p
		} else if good.data == nil {
			good = p
		}
	}
	if tampered.data == nil || good.data == nil {
		t.Fatal("tampered fixture changed: need one bad and one good entry")
	}
	tests := []struct {
		name   string
		key    inventory.Hash
		stored []byte
		repair []byte // the right bytes, when we have them
	}{
		{"edited text under the original hash", tampered.claimed, tampered.data, nil},
		{"truncated copy", good.claimed, good.data[:len(good.data)-1], good.data},
		{"empty value", good.claimed, nil, good.data},
		{"oversize value", good.claimed, make([]byte, MaxSize+1), good.data},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := openTemp(t)
			if err := d.db.Set(zonefileKey(tc.key), tc.stored, pebble.Sync); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Get(tc.key); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Get = %v, want ErrCorrupt", err)
			}
			if ok, err := d.Has(tc.key); ok || err != nil {
				t.Fatalf("Has = %v, %v; want false, nil", ok, err)
			}
			if err := d.Scan(func(h inventory.Hash) error {
				t.Errorf("Scan yielded corrupt %s", h)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if n := d.Corruptions(); n != 3 {
				t.Errorf("Corruptions = %d after Get, Has and Scan, want 3", n)
			}
			if tc.repair == nil {
				return
			}
			if _, err := d.Put(tc.repair); err != nil {
				t.Fatal(err)
			}
			if got, err := d.Get(tc.key); err != nil || !bytes.Equal(got, tc.repair) {
				t.Errorf("after repair Get = %v", err)
			}
		})
	}
}

func TestSchemaVersionChecked(t *testing.T) {
	d, dir := openTemp(t)
	if err := d.db.Set([]byte{keyVersion}, []byte{schemaVersion + 1}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if d2, err := Open(dir, Options{}); err == nil {
		d2.Close()
		t.Fatal("opened a store with another schema version")
	}
}

func TestClosed(t *testing.T) {
	d, _ := openTemp(t)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	var h inventory.Hash
	calls := []struct {
		name string
		err  error
	}{
		{"Close", d.Close()},
		{"Get", func() error { _, err := d.Get(h); return err }()},
		{"Has", func() error { _, err := d.Has(h); return err }()},
		{"Put", func() error { _, err := d.Put([]byte("x")); return err }()},
		{"Scan", d.Scan(func(inventory.Hash) error { return nil })},
	}
	for _, c := range calls {
		if !errors.Is(c.err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", c.name, c.err)
		}
	}
}
