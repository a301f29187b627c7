package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
)

// convergeTarget is the bound for a new zonefile to reach every
// peer (v1's crawler slept 300 s between rounds).
const convergeTarget = 10 * time.Second

// TestZonefilesReachEveryPeer runs eight services over loopback, each
// following its own replay of the same scenario, seeded as a ring (each
// knows the next) or a star (all know the first). A block announcing real
// mainnet zonefiles is applied to every chain; the zonefiles are then put
// into one service, and every service must hold them, byte for byte,
// within convergeTarget, using the default intervals.
func TestZonefilesReachEveryPeer(t *testing.T) {
	const n = 8
	zfs := realZonefiles(t)[:12]
	want := map[inventory.Hash][]byte{}
	var hashes []inventory.Hash
	var datas [][]byte
	for _, z := range zfs {
		want[z.Hash] = z.Data
		hashes = append(hashes, z.Hash)
		datas = append(datas, z.Data)
	}
	for _, tc := range []struct {
		name   string
		seeds  func(i int) []int
		origin int
		// members is how many neighbours peer i must have read before the
		// put: the topology is then in place.
		members func(i int) int
	}{
		{"ring", func(i int) []int { return []int{(i + 1) % n} }, 3, func(int) int { return 1 }},
		{"star", func(i int) []int {
			if i == 0 {
				return nil
			}
			return []int{0}
		}, 5, func(i int) int {
			if i == 0 {
				return n - 1
			}
			return 1
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkNoLeaks(t)
			fxs := make([]*fixture, n)
			specs := make([]spec, n)
			for i := range n {
				fxs[i] = newFixture(t, 0)
				specs[i] = spec{chain: fxs[i].Chain, seeds: tc.seeds(i)}
			}
			ps := startPeers(t, specs...)
			waitFor(t, 30*time.Second, "the topology", func() bool {
				for i, p := range ps {
					if !p.inventoriesRead(tc.members(i)) {
						return false
					}
				}
				return true
			})
			ctx := context.Background()
			for i, p := range ps {
				fxs[i].ApplyUpdates(t, hashes...)
				res, err := p.svc.SyncChain(ctx)
				if err != nil || res.Added != len(hashes) {
					t.Fatalf("peer %d: sync added %d slots, err %v", i, res.Added, err)
				}
			}
			start := time.Now()
			st, err := ps[tc.origin].svc.Put(ctx, datas)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range st {
				if s != node.Stored {
					t.Fatalf("zonefile %d: %v", i, s)
				}
			}
			waitFor(t, convergeTarget, "every peer to hold the zonefiles", func() bool {
				for _, p := range ps {
					if !p.holdsAll(want) {
						return false
					}
				}
				return true
			})
			elapsed := time.Since(start)
			for _, p := range ps {
				p.checkHolds(t, want)
			}
			// The counters are bumped when a push call returns, which may
			// be after its zonefile was already seen stored.
			var pushed, fetched uint64
			waitFor(t, 5*time.Second, "the push and fetch counters", func() bool {
				pushed, fetched = 0, 0
				for _, p := range ps {
					s := p.svc.Status()
					pushed += s.Pushed
					fetched += s.Fetched
				}
				return pushed+fetched >= uint64((n-1)*len(zfs))
			})
			t.Logf("%s: %d zonefiles reached %d peers in %v (%d accepted from pushes, %d fetched)",
				tc.name, len(zfs), n, elapsed.Round(time.Millisecond), pushed, fetched)
		})
	}
}
