package node_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/zonestore"
)

// tamperedPair returns the tampered export's edited entry (text that does not
// hash to its hash line) and the true zonefile under that hash from the
// final export.
func tamperedPair(t *testing.T) (edited []byte, real zonefile) {
	t.Helper()
	raw := readZonefilesRaw(t, "name_zonefiles-tampered.txt")
	for _, p := range raw {
		if inventory.HashOf(p.Data) != p.Hash {
			edited, real.Hash = p.Data, p.Hash
		}
	}
	for _, z := range readZonefiles(t, "name_zonefiles-665750.txt") {
		if z.Hash == real.Hash {
			real = z
		}
	}
	if edited == nil || real.Data == nil {
		t.Fatal("tampered fixture changed")
	}
	return edited, real
}

func TestPut(t *testing.T) {
	f := newFixture(t)
	edited, real := tamperedPair(t)
	// Block A announces zonefiles 0, 1, 2 and the tampered entry's hash;
	// block B announces zonefile 1 again. Zonefile 3 is never announced.
	f.ApplyUpdates(t, append(f.Hashes(0, 1, 2), real.Hash)...)
	blockA := int32(f.Tip())
	f.ApplyUpdates(t, f.Hashes(1)...)
	oversize := make([]byte, zonestore.MaxSize+1)
	z := func(i int) []byte { return f.Zonefiles[i].Data }

	tests := []struct {
		name    string
		before  [][]byte // stored through Put first
		put     [][]byte
		want    []node.PutStatus
		events  []inventory.Hash
		present []inventory.Hash
	}{
		{"announced", nil, [][]byte{z(0)}, []node.PutStatus{node.Stored},
			f.Hashes(0), f.Hashes(0)},
		{"announced in two blocks", nil, [][]byte{z(1)}, []node.PutStatus{node.Stored},
			f.Hashes(1), f.Hashes(1)},
		{"five with every outcome", nil, [][]byte{z(0), z(3), oversize, z(2), z(0)},
			[]node.PutStatus{node.Stored, node.Unannounced, node.TooLarge, node.Stored, node.Held},
			f.Hashes(0, 2), f.Hashes(0, 2)},
		{"already held", [][]byte{z(2)}, [][]byte{z(2)}, []node.PutStatus{node.Held},
			nil, f.Hashes(2)},
		{"edited bytes for an announced hash", nil, [][]byte{edited}, []node.PutStatus{node.Unannounced},
			nil, nil},
		{"true bytes for the same hash", nil, [][]byte{real.Data}, []node.PutStatus{node.Stored},
			[]inventory.Hash{real.Hash}, []inventory.Hash{real.Hash}},
		{"unannounced real zonefile", nil, [][]byte{z(3)}, []node.PutStatus{node.Unannounced}, nil, nil},
		{"unannounced twice in a call", nil, [][]byte{z(3), z(3), {}, {}}, []node.PutStatus{node.Unannounced, node.Unannounced, node.Unannounced, node.Unannounced}, nil, nil},
		{"held twice in a call", [][]byte{z(2)}, [][]byte{z(2), z(2)}, []node.PutStatus{node.Held, node.Held}, nil, f.Hashes(2)},
		{"nothing", nil, nil, []node.PutStatus{}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newStore(t)
			rec := &recorder{}
			c := openCore(t, f.Chain, s, rec)
			if tc.before != nil {
				if _, err := c.Put(context.Background(), tc.before); err != nil {
					t.Fatal(err)
				}
				rec.take()
			}
			got, err := c.Put(context.Background(), tc.put)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("statuses %v, want %v", got, tc.want)
			}
			var evs []inventory.Hash
			for _, e := range rec.take() {
				if e.Reannounced || e.Height != blockA {
					t.Errorf("event %+v, want a fresh store at height %d", e, blockA)
				}
				evs = append(evs, e.Hash)
			}
			if !slices.Equal(evs, tc.events) {
				t.Errorf("events %v, want %v", evs, tc.events)
			}
			presentSlots := 0
			for _, h := range tc.present {
				if p, _ := c.Present(h); !p {
					t.Errorf("%s not present", h)
				}
				presentSlots += len(c.ByHash(h))
			}
			if c.PresentCount() != presentSlots {
				t.Errorf("%d present slots, want %d (every slot of each stored hash)", c.PresentCount(), presentSlots)
			}
			for i, st := range got {
				if !st.Saved() {
					continue
				}
				data, err := c.Get(inventory.HashOf(tc.put[i]))
				if err != nil || !bytes.Equal(data, tc.put[i]) {
					t.Errorf("Get after saving #%d: %v", i, err)
				}
			}
			checkInSync(t, c, f, s)
		})
	}
}

// TestReopenRebuildsPresence stores zonefiles, closes everything, rolls the
// chain back by a block while the node is down, and reopens: presence must
// come back from the store alone, for the slots the chain still has.
func TestReopenRebuildsPresence(t *testing.T) {
	f := newFixture(t)
	f.ApplyUpdates(t, f.Hashes(0, 1, 2)...)
	f.ApplyUpdates(t, f.Hashes(3, 1)...)
	s, dir := newStore(t)
	c := openCore(t, f.Chain, s, nil)
	if _, err := c.Put(context.Background(), [][]byte{f.Zonefiles[1].Data, f.Zonefiles[3].Data, f.Zonefiles[2].Data}); err != nil {
		t.Fatal(err)
	}
	before := c.Vector().Bytes()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		rollback int
		present  int
	}{
		{"same chain", 0, 4},
		{"chain rolled back while closed", 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.rollback > 0 {
				if err := f.M.Rollback(uint64(f.Tip() - int64(tc.rollback))); err != nil {
					t.Fatal(err)
				}
			}
			s := openStore(t, dir)
			c := openCore(t, f.Chain, s, nil)
			checkInSync(t, c, f, s)
			if c.PresentCount() != tc.present {
				t.Errorf("%d present slots, want %d", c.PresentCount(), tc.present)
			}
			if tc.rollback == 0 && !bytes.Equal(c.Vector().Bytes(), before) {
				t.Errorf("vector %x after reopen, %x before", c.Vector().Bytes(), before)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCorruptValueOnDisk rewrites a stored zonefile below the store (as a bad
// disk would) while the node is down. On reopen the hash must be absent, the
// corruption counted and reads must fail with ErrCorrupt; a Put of the true
// bytes repairs it.
func TestCorruptValueOnDisk(t *testing.T) {
	f := newFixture(t)
	edited, real := tamperedPair(t)
	f.ApplyUpdates(t, real.Hash, f.Zonefiles[0].Hash)
	tests := []struct {
		name  string
		zf    zonefile
		value []byte
	}{
		{"edited text (the tampered export)", real, edited},
		{"truncated", f.Zonefiles[0], f.Zonefiles[0].Data[:len(f.Zonefiles[0].Data)/2]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := newStore(t)
			c := openCore(t, f.Chain, s, nil)
			if _, err := c.Put(context.Background(), [][]byte{tc.zf.Data}); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			overwrite(t, dir, tc.zf.Hash, tc.value)

			s = openStore(t, dir)
			rec := &recorder{}
			c = openCore(t, f.Chain, s, rec)
			if p, known := c.Present(tc.zf.Hash); p || !known {
				t.Fatalf("corrupt zonefile: present %v known %v", p, known)
			}
			if s.Corruptions() == 0 {
				t.Error("corruption not counted at open")
			}
			if _, err := c.Get(tc.zf.Hash); !errors.Is(err, zonestore.ErrCorrupt) {
				t.Fatalf("Get = %v, want ErrCorrupt", err)
			}
			st, err := c.Put(context.Background(), [][]byte{tc.zf.Data})
			if err != nil || st[0] != node.Stored {
				t.Fatalf("repair Put = %v, %v", st, err)
			}
			if evs := rec.take(); len(evs) != 1 || evs[0].Hash != tc.zf.Hash {
				t.Errorf("events %+v after repair", evs)
			}
			if data, err := c.Get(tc.zf.Hash); err != nil || !bytes.Equal(data, tc.zf.Data) {
				t.Errorf("Get after repair: %v", err)
			}
			checkInSync(t, c, f, s)
		})
	}
}

// overwrite sets the stored value of h directly in the store's Pebble
// database, using the key layout zonestore documents ('z' + hash).
func overwrite(t *testing.T, dir string, h inventory.Hash, value []byte) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{FormatMajorVersion: pebble.FormatVirtualSSTables, Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Set(append([]byte{'z'}, h[:]...), value, pebble.Sync); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentReadersAndWriters runs RPC-style readers against a node that
// is syncing blocks, rolling back and storing zonefiles (run with -race).
func TestConcurrentReadersAndWriters(t *testing.T) {
	f := newFixture(t)
	s, _ := newStore(t)
	c := openCore(t, f.Chain, s, nil)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				z := f.Zonefiles[(i+r)%10]
				_ = c.Inventory(0, 524288)
				_ = c.ByName(f.Name)
				_ = c.ByBlock(0, 1<<30, 0, 100)
				if p, _ := c.Present(z.Hash); p {
					// Present, then Get: the store never loses a
					// zonefile once written, so this cannot fail.
					if data, err := c.Get(z.Hash); err != nil || !bytes.Equal(data, z.Data) {
						t.Errorf("Get of present %s: %v", z.Hash, err)
						return
					}
				}
				_ = c.MissingHashes(5)
				_ = c.ReportedCount()
			}
		}()
	}
	for round := range 5 {
		f.ApplyUpdates(t, f.Hashes(round, round+1, round+2)...)
		if _, err := c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Put(ctx, [][]byte{f.Zonefiles[round].Data, f.Zonefiles[round+3].Data}); err != nil {
			t.Fatal(err)
		}
		if round%2 == 1 {
			if err := f.M.Rollback(uint64(f.Tip() - 1)); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	wg.Wait()
	checkInSync(t, c, f, s)
	checkRebuildMatches(t, c, f, s)
}

// readZonefilesRaw reads an export without dropping entries that do not
// verify.
func readZonefilesRaw(t *testing.T, file string) []zonefile {
	t.Helper()
	return parseExport(t, file, false)
}

// quiet discards Pebble's log lines in tests.
type quiet struct{}

func (quiet) Infof(string, ...any)  {}
func (quiet) Fatalf(string, ...any) {}
