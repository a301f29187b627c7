package node_test

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/zonestore"
)

// recorder collects the events a Core reports.
type recorder struct {
	mu     sync.Mutex
	events []node.Event
}

func (r *recorder) notify(e node.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// take returns the events so far and forgets them.
func (r *recorder) take() []node.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func openStore(t *testing.T, dir string) *zonestore.DB {
	t.Helper()
	s, err := zonestore.Open(dir, zonestore.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openCore(t *testing.T, chain node.Chain, s *zonestore.DB, rec *recorder) *node.Core {
	t.Helper()
	opts := node.Options{Logger: zerolog.Nop()}
	if rec != nil {
		opts.Notify = rec.notify
	}
	c, err := node.Open(context.Background(), chain, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newStore opens an empty store in a fresh directory and returns it with
// its directory.
func newStore(t *testing.T) (*zonestore.DB, string) {
	dir := filepath.Join(t.TempDir(), "zonefiles")
	return openStore(t, dir), dir
}

// allSlots returns every slot of c.
func allSlots(c *node.Core) []inventory.Slot {
	return c.ByBlock(0, math.MaxInt32, 0, math.MaxInt32)
}

// checkInSync fails unless c's slots are exactly the chain's announcements
// and its inventory vector has a bit set exactly where the store holds the
// zonefile, as computed here from first principles (MSB-first, spec §3.4).
func checkInSync(t *testing.T, c *node.Core, f *fixture, s *zonestore.DB) {
	t.Helper()
	anns, err := f.Chain.Announcements(0, f.Chain.Slots())
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != len(anns) {
		t.Fatalf("core has %d slots, chain %d", c.Len(), len(anns))
	}
	want := make([]byte, (len(anns)+7)/8)
	for i, a := range anns {
		held, err := s.Has(a.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if held {
			want[i/8] |= 0x80 >> (i % 8)
		}
	}
	for i, sl := range allSlots(c) {
		if sl.Index != i+1 || sl.Announcement != anns[i] {
			t.Fatalf("slot %d is %+v, chain has %+v", i+1, sl, anns[i])
		}
	}
	if got := c.Inventory(0, 524288); !bytes.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("inventory %x, want %x", got, want)
	}
	if got := c.SyncedBlock(); got != f.Tip() {
		t.Fatalf("synced to %d, chain at %d", got, f.Tip())
	}
}

// checkRebuildMatches opens a second Core over the same chain and store and
// fails unless a rebuild from scratch gives the same vector as c.
func checkRebuildMatches(t *testing.T, c *node.Core, f *fixture, s *zonestore.DB) {
	t.Helper()
	fresh := openCore(t, f.Chain, s, nil)
	if a, b := c.Vector().Bytes(), fresh.Vector().Bytes(); !bytes.Equal(a, b) || c.Len() != fresh.Len() {
		t.Fatalf("incremental %d slots %x, rebuilt %d slots %x", c.Len(), a, fresh.Len(), b)
	}
}
