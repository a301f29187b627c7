package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
)

// TestPullAfterNewBlock checks the event-driven pull: B never pushes to A
// (it blacklists A), so A can get a newly announced zonefile only by
// re-reading B's inventory. After SyncChain reports the new announcement,
// A must do so at once and then at a doubling pause from one second, so
// it holds the zonefile within seconds whether B had it before A synced or
// got it a moment later. With v1's schedule (or only the two-minute
// refresh) it would wait minutes.
func TestPullAfterNewBlock(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delay time.Duration // from A's sync to B's put; negative: before
		limit time.Duration
	}{
		{"neighbour had it first", -1, 2 * time.Second},
		{"neighbour gets it later", 1500 * time.Millisecond, 6 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkNoLeaks(t)
			chain, _, _ := smallChain(t, 20)
			ps := startPeers(t, spec{chain: chain, seeds: []int{1}}, spec{chain: chain, blacklist: []int{0}})
			a, b := ps[0], ps[1]
			waitFor(t, 10*time.Second, "A to read B's inventory", func() bool { return a.inventoriesRead(1) })

			z := realZonefiles(t)[100].Data
			h := inventory.HashOf(z)
			chain.addBlock(h)
			ctx := context.Background()
			putB := func() {
				if _, err := b.svc.SyncChain(ctx); err != nil {
					t.Error(err)
				}
				if _, err := b.svc.Put(ctx, [][]byte{z}); err != nil {
					t.Error(err)
				}
			}
			if tc.delay < 0 {
				putB()
			}
			start := time.Now()
			if _, err := a.svc.SyncChain(ctx); err != nil {
				t.Fatal(err)
			}
			if tc.delay > 0 {
				time.Sleep(tc.delay)
				putB()
			}
			waitFor(t, tc.limit, "A to pull the zonefile", func() bool {
				ok, _ := a.svc.Core().Present(h)
				return ok
			})
			t.Logf("A held it %v after its sync", time.Since(start).Round(time.Millisecond))
			if st := a.svc.Status(); st.Fetched != 1 {
				t.Errorf("A fetched %d zonefiles, want 1", st.Fetched)
			}
			if st := b.svc.Status(); st.Pushed != 0 {
				t.Errorf("B pushed %d zonefiles to A, which it blacklists", st.Pushed)
			}
		})
	}
}
