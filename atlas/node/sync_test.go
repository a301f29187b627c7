package node_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/internal/replaychain"
)

// TestSyncFollowsChain walks one chain through growth and rollbacks, syncing
// after each step. Zonefiles 0 and 1 are in the store from the start (kept
// from earlier announcements), so announcing them must mark them present at
// once and report them as re-announced.
func TestSyncFollowsChain(t *testing.T) {
	f := newFixture(t)
	s, _ := newStore(t)
	if _, err := s.Put(f.Zonefiles[0].Data, f.Zonefiles[1].Data); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	c := openCore(t, f.Chain, s, rec)
	checkInSync(t, c, f, s)
	if c.Len() != 22 || c.PresentCount() != 0 {
		t.Fatalf("scenario gave %d slots, %d present; want 22, 0", c.Len(), c.PresentCount())
	}

	type step struct {
		name         string
		rollback     int     // blocks to roll back first
		blocks       [][]int // then blocks to apply, each a list of zonefile indexes
		added, gone  int
		reannounced  []int // zonefiles reported present again, in order
		presentSlots int   // slots with a present bit afterwards
	}
	steps := []step{
		{name: "nothing new", presentSlots: 0},
		{name: "block re-announcing a held zonefile", blocks: [][]int{{0, 3}}, added: 2, reannounced: []int{0}, presentSlots: 1},
		{name: "empty block", blocks: [][]int{{}}, presentSlots: 1},
		{name: "second slot of a held hash", blocks: [][]int{{3, 0, 4}}, added: 3, presentSlots: 2},
		{name: "two blocks in one sync", blocks: [][]int{{5}, {6, 1}}, added: 3, reannounced: []int{1}, presentSlots: 3},
		{name: "rollback of one block", rollback: 1, gone: 2, presentSlots: 2},
		{name: "rollback to the same slot count on another branch", rollback: 1, blocks: [][]int{{7}}, added: 1, gone: 1, presentSlots: 2},
		{name: "rollback over an empty block", rollback: 3, gone: 4, presentSlots: 1},
		{name: "rollback into the scenario", rollback: 3, gone: 12, presentSlots: 0},
		{name: "regrow with held zonefiles", blocks: [][]int{{1, 8}, {0}}, added: 3, reannounced: []int{1, 0}, presentSlots: 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.rollback > 0 {
				if err := f.M.Rollback(uint64(f.Tip() - int64(st.rollback))); err != nil {
					t.Fatal(err)
				}
			}
			for _, b := range st.blocks {
				f.ApplyUpdates(t, f.Hashes(b...)...)
			}
			res, err := c.Sync(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.Added != st.added || res.Removed != st.gone || res.LastBlock != f.Tip() {
				t.Errorf("Sync = %+v, want added %d removed %d at %d", res, st.added, st.gone, f.Tip())
			}
			var got []inventory.Hash
			for _, e := range rec.take() {
				if !e.Reannounced || int64(e.Height) > f.Tip() {
					t.Errorf("event %+v", e)
				}
				got = append(got, e.Hash)
			}
			if want := f.Hashes(st.reannounced...); !slices.Equal(got, want) {
				t.Errorf("re-announced %v, want %v", got, want)
			}
			if c.PresentCount() != st.presentSlots {
				t.Errorf("%d present slots, want %d", c.PresentCount(), st.presentSlots)
			}
			checkInSync(t, c, f, s)
			checkRebuildMatches(t, c, f, s)
		})
	}
}

// racingChain rolls the machine back and onto another branch the first
// time Sync reads the slot at index at: a reorg landing in the middle of a
// read.
type racingChain struct {
	replaychain.Chain
	at    int
	reorg func()
}

func (r *racingChain) Announcements(from, n int) ([]inventory.Announcement, error) {
	if from == r.at && r.reorg != nil {
		reorg := r.reorg
		r.reorg = nil
		reorg()
	}
	return r.Chain.Announcements(from, n)
}

// TestSyncUndoesReadDisturbedByRollback: the chain reorganises after Sync
// counted its slots and before it read them. What Sync appended from the
// mixed read must be undone and the new branch read again, leaving exactly
// the chain's slots, with no event for the slot that was undone.
func TestSyncUndoesReadDisturbedByRollback(t *testing.T) {
	f := newFixture(t)
	s, _ := newStore(t)
	if _, err := s.Put(f.Zonefiles[0].Data, f.Zonefiles[2].Data); err != nil {
		t.Fatal(err)
	}
	rc := &racingChain{Chain: f.Chain}
	rec := &recorder{}
	c := openCore(t, rc, s, rec)
	base := f.Tip()
	f.ApplyUpdates(t, f.Hashes(0)...)
	rc.at = c.Len()
	rc.reorg = func() {
		if err := f.M.Rollback(uint64(base)); err != nil {
			t.Error(err)
		}
		f.ApplyUpdates(t, f.Hashes(1, 2)...)
	}
	res, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rc.reorg != nil {
		t.Fatal("the reorg never ran")
	}
	if res.Added != 2 || res.LastBlock != f.Tip() {
		t.Errorf("Sync = %+v, want 2 added at %d", res, f.Tip())
	}
	checkInSync(t, c, f, s)
	events := rec.take()
	if len(events) != 1 || events[0].Hash != f.Zonefiles[2].Hash {
		t.Errorf("events %+v, want only zonefile 2 re-announced", events)
	}
	if present, known := c.Present(f.Zonefiles[0].Hash); present || known {
		t.Errorf("zonefile 0 of the abandoned branch: present %v known %v", present, known)
	}
}

// TestSyncCancelled: a cancelled context stops Sync before it changes
// anything, and a later Sync completes the work.
func TestSyncCancelled(t *testing.T) {
	f := newFixture(t)
	s, _ := newStore(t)
	c := openCore(t, f.Chain, s, nil)
	f.ApplyUpdates(t, f.Hashes(0, 1)...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Sync(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync = %v, want context.Canceled", err)
	}
	if c.Len() != 22 {
		t.Fatalf("cancelled Sync left %d slots", c.Len())
	}
	if _, err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkInSync(t, c, f, s)
}

func TestOpenNeedsChainAndStore(t *testing.T) {
	s, _ := newStore(t)
	if _, err := node.Open(context.Background(), nil, s, node.Options{}); err == nil {
		t.Error("Open accepted a nil chain")
	}
}

// badChain wraps the real chain and corrupts chosen answers, for the paths
// that distrust a chain breaking its own contract.
type badChain struct {
	replaychain.Chain
	slot     int                     // this slot's announcement is replaced
	fake     *inventory.Announcement // by this, when set
	noHashAt int64                   // no consensus hash at this height, when set
	badHash  bool                    // consensus hashes are not hex
}

func (b *badChain) Announcements(from, n int) ([]inventory.Announcement, error) {
	anns, err := b.Chain.Announcements(from, n)
	for i := range anns {
		if b.fake != nil && from+i == b.slot {
			anns[i] = *b.fake
		}
	}
	return anns, err
}

func (b *badChain) ConsensusHash(h int64) (string, bool) {
	switch {
	case b.badHash:
		return "not hex, but 32 characters long!", true
	case b.noHashAt != 0 && h == b.noHashAt:
		return "", false
	}
	return b.Chain.ConsensusHash(h)
}

func TestSyncDistrustsInconsistentChain(t *testing.T) {
	f := newFixture(t)
	s, _ := newStore(t)
	b := &badChain{Chain: f.Chain}
	c := openCore(t, b, s, nil)
	n := c.Len()

	t.Run("newest announcement changes under an unchanged hash", func(t *testing.T) {
		fake := c.ByBlock(0, 1<<30, n-1, 1)[0]
		fake.Name = "other.test"
		b.slot, b.fake = n-1, &fake.Announcement
		res, err := c.Sync(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// Nothing of such a chain can be trusted: everything is read again.
		if res.Removed != n || res.Added != n {
			t.Errorf("Sync = %+v, want all %d slots dropped and read again", res, n)
		}
		if last := allSlots(c)[n-1]; last.Name != "other.test" {
			t.Errorf("newest slot %+v, want the chain's", last)
		}
		b.fake = nil
		if _, err := c.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkInSync(t, c, f, s)
	})
	t.Run("slots at a height without a consensus hash", func(t *testing.T) {
		f.ApplyUpdates(t, f.Hashes(0)...)
		b.noHashAt = f.Tip()
		if _, err := c.Sync(context.Background()); err == nil {
			t.Error("Sync accepted slots at a height the chain has no hash for")
		}
		if c.Len() != n {
			t.Errorf("failed Sync left %d slots, want %d", c.Len(), n)
		}
		b.noHashAt = 0
	})
	t.Run("consensus hash not hex", func(t *testing.T) {
		b.badHash = true
		if _, err := c.Sync(context.Background()); err == nil {
			t.Error("Sync accepted a consensus hash that is not hex")
		}
		b.badHash = false
		if _, err := c.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkInSync(t, c, f, s)
	})
}
