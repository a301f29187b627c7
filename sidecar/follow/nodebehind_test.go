package follow_test

import (
	"context"
	"testing"
	"time"
)

// A node whose best chain drops below the first BNS block (bitcoind
// -reindex, a restarted regtest node resubmitting its blocks, an
// invalidateblock far down) holds none of our blocks to compare. Found by
// the node-kill soak: the follower took it for a fork below the undo window
// and stopped (or, with auto-rebuild, would have wiped its state). Far
// below our tip it must wait; within the undo window it is an
// invalidation, rolled back like any other.
func TestNodeBelowFirstBlock(t *testing.T) {
	cases := []struct {
		name       string
		extra      int   // blocks mined above the names
		invalidate int64 // the node's height becomes invalidate-1
		wantTip    func(first, ourTip int64) int64
	}{
		// 150 blocks put the first block below the undo window too, as
		// in the soak, where the follower stopped with ErrForkTooDeep.
		{"far below: wait", 150, 100, func(_, ourTip int64) int64 { return ourTip }},
		{"just below, within the undo window: roll back", 0, 250, func(first, _ int64) int64 { return first - 1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.launchNamespace("behindtest")
			w.register("a")
			w.mine(c.extra)
			ourTip, ourHash := w.m.Tip()
			first := int64(w.p.FirstBlock)
			old, err := w.n.Client().GetBlockHash(c.invalidate)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.n.InvalidateBlock(*old); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := w.f.Sync(ctx); err != nil {
				t.Fatalf("node at %d, our tip %d: %v", c.invalidate-1, ourTip, err)
			}
			if h, _ := w.m.Tip(); h != c.wantTip(first, ourTip) {
				t.Fatalf("tip %d after the node went to %d, want %d", h, c.invalidate-1, c.wantTip(first, ourTip))
			}
			// The node comes back (the same chain, or a new branch where we
			// rolled back): the follower ends where a fresh replay does.
			if h, _ := w.m.Tip(); h == ourTip {
				if err := w.n.ReconsiderBlock(*old); err != nil {
					t.Fatal(err)
				}
			} else if _, err := w.n.Generate(uint32(ourTip - c.invalidate + 2)); err != nil {
				t.Fatal(err)
			}
			w.sync()
			if h, hash := w.m.Tip(); h == ourTip && hash != ourHash {
				t.Fatalf("tip %d changed hash", h)
			}
			w.assertMatchesFresh()
		})
	}
}
