package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/service"
	"github.com/atlasd/atlasd/atlas/verify"
)

// firstDifference is the oracle: the lowest height at which the two
// machines' consensus hashes differ, read from the machines themselves,
// or 0 if none up to the lower tip.
func firstDifference(a, b *fixture) int64 {
	for h := a.First; h <= min(a.Tip(), b.Tip()); h++ {
		x, _ := a.Chain.ConsensusHash(h)
		y, _ := b.Chain.ConsensusHash(h)
		if x != y {
			return h
		}
	}
	return 0
}

// TestForkedPeerRefusedAndLocated runs our peer A, a peer C with A's
// history and a peer B whose history forks, all seeded with A. B's and C's
// crawlers name themselves to A in peer exchange; A must admit C and
// refuse B by the fork-set check, and verify.Compare must find the first
// height at which B differs, and no difference with C.
func TestForkedPeerRefusedAndLocated(t *testing.T) {
	real := realZonefiles(t)
	for _, tc := range []struct {
		name string
		// dropAt alters B's replay of the scenario; fork extends the
		// histories after the scenario, with B's last block different.
		dropAt uint64
		fork   func(t *testing.T, a, b, c *fixture)
		want   int64
	}{
		{name: "scenario block altered", dropAt: 265, want: 265, fork: func(t *testing.T, a, b, c *fixture) {
			for _, f := range []*fixture{a, b, c} {
				f.ApplyEmpty(t, 40)
			}
		}},
		{name: "different block after 40 common ones", want: 309, fork: func(t *testing.T, a, b, c *fixture) {
			for _, f := range []*fixture{a, b, c} {
				f.ApplyEmpty(t, 40)
			}
			a.ApplyUpdates(t, real[0].Hash)
			c.ApplyUpdates(t, real[0].Hash)
			b.ApplyUpdates(t, real[1].Hash)
			for _, f := range []*fixture{a, b, c} {
				f.ApplyEmpty(t, 3)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkNoLeaks(t)
			a, b, c := newFixture(t, 0), newFixture(t, tc.dropAt), newFixture(t, 0)
			tc.fork(t, a, b, c)
			if got := firstDifference(a, b); got != tc.want {
				t.Fatalf("fixture: histories first differ at %d, want %d", got, tc.want)
			}
			if got := firstDifference(a, c); got != 0 {
				t.Fatalf("fixture: control differs at %d", got)
			}
			ps := startPeers(t, spec{chain: a.Chain}, spec{chain: b.Chain, seeds: []int{0}}, spec{chain: c.Chain, seeds: []int{0}})
			pa, pb, pc := ps[0], ps[1], ps[2]
			waitFor(t, 30*time.Second, "A to admit C and refuse B", func() bool {
				return pa.hasMember(pc.addr) && pa.svc.Status().Refused[service.RefusedFork] >= 1
			})
			if pa.hasMember(pb.addr) {
				t.Errorf("A admitted B, whose chain forks at %d", tc.want)
			}

			ctx := context.Background()
			rep, err := verify.Compare(ctx, a.Chain.ConsensusHash, pb.client(t), a.First, 0)
			if err != nil {
				t.Fatal(err)
			}
			ours, _ := a.Chain.ConsensusHash(tc.want)
			theirs, _ := b.Chain.ConsensusHash(tc.want)
			if rep.Agree || rep.FirstDiff == nil || *rep.FirstDiff != (verify.Diff{Height: tc.want, Ours: ours, Theirs: theirs}) {
				t.Fatalf("against B: %+v (%v)", rep, rep.FirstDiff)
			}
			if rep.Compared != tc.want-a.First+1 {
				t.Errorf("against B: compared %d heights, want %d", rep.Compared, tc.want-a.First+1)
			}
			t.Log(rep)

			rep, err = verify.Compare(ctx, a.Chain.ConsensusHash, pc.client(t), a.First, 0)
			if err != nil {
				t.Fatal(err)
			}
			n := a.Tip() - a.First + 1
			if !rep.Agree || rep.FirstDiff != nil || rep.Compared != n || rep.To != a.Tip() || rep.Calls != 1+int((n+31)/32) {
				t.Errorf("against C: %+v", rep)
			}
			t.Log(rep)
		})
	}
}

// TestForkRecheckDropsNeighbour admits B and C into A's table while all
// three agree, then moves the chains on with B taking another branch:
// level with A, or a block ahead of it (checked through
// get_consensus_hashes at A's tip). A's periodic re-check must drop B and
// keep C.
func TestForkRecheckDropsNeighbour(t *testing.T) {
	real := realZonefiles(t)
	for _, tc := range []struct {
		name  string
		ahead int // extra empty blocks B and C apply after the fork block
	}{
		{"level", 0},
		{"ahead", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkNoLeaks(t)
			a, b, c := newFixture(t, 0), newFixture(t, 0), newFixture(t, 0)
			fast := func(cfg *service.Config) { cfg.ForkInterval = 100 * time.Millisecond }
			ps := startPeers(t,
				spec{chain: a.Chain, tune: fast},
				spec{chain: b.Chain, seeds: []int{0}},
				spec{chain: c.Chain, seeds: []int{0}})
			pa, pb, pc := ps[0], ps[1], ps[2]
			waitFor(t, 30*time.Second, "A to admit B and C", func() bool {
				return pa.hasMember(pb.addr) && pa.hasMember(pc.addr)
			})

			a.ApplyUpdates(t, real[0].Hash)
			c.ApplyUpdates(t, real[0].Hash)
			b.ApplyUpdates(t, real[1].Hash)
			b.ApplyEmpty(t, tc.ahead)
			c.ApplyEmpty(t, tc.ahead)
			ctx := context.Background()
			for _, p := range ps {
				if _, err := p.svc.SyncChain(ctx); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, 10*time.Second, "A to drop B", func() bool { return !pa.hasMember(pb.addr) })
			if got := pa.svc.Status().DroppedForks; got != 1 {
				t.Errorf("DroppedForks = %d, want 1", got)
			}
			// A few more re-checks must leave C alone.
			time.Sleep(300 * time.Millisecond)
			if !pa.hasMember(pc.addr) {
				t.Error("A dropped C, which follows the same chain")
			}
			if got := pa.svc.CheckForks(ctx); len(got) != 0 {
				t.Errorf("CheckForks dropped %v", got)
			}
			// Only a neighbour ahead of A is asked for A's tip hash.
			asked := pb.svc.RPC().Stats().GetConsensusHashes.Requests.Load()
			if (tc.ahead > 0) != (asked > 0) {
				t.Errorf("B answered get_consensus_hashes %d times with B %d blocks ahead", asked, tc.ahead)
			}
		})
	}
}
