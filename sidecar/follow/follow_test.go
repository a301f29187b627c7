package follow_test

import (
	"math/rand"
	"os"
	"strconv"
	"testing"

	"github.com/atlasd/atlasd/sidecar/internal/bnstx"
)

func TestFollowNamespaceAndNames(t *testing.T) {
	w := newWorld(t)
	w.launchNamespace("atlasdtest")
	w.register("alice")
	w.register("bob")
	zf := zonefile("alice.atlasdtest", 1)
	w.update("alice.atlasdtest", zf)
	w.mine(1)

	st := w.f.Stats()
	if st.OpsAccepted.Load() != 8 {
		t.Fatalf("accepted %d ops, want 8 (3 namespace, 2×2 name, 1 update)", st.OpsAccepted.Load())
	}
	ann, err := w.m.Announcements(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var hashes []string
	for _, a := range ann {
		hashes = append(hashes, a.Name+" "+a.Hash)
	}
	want := "alice.atlasdtest " + hex(bnstx.Hash160(zf))
	if len(hashes) == 0 || hashes[len(hashes)-1] != want {
		t.Fatalf("announcements %v, want last %q", hashes, want)
	}
	w.assertMatchesFresh()
}

// TestRandomReorgs makes reorgs of random depth 1..20 while names are
// registered and updated, and after each compares every consensus hash and
// the chunk sequence with a replay of the final chain from scratch.
func TestRandomReorgs(t *testing.T) {
	rounds := 20
	if s := os.Getenv("ATLASD_REORG_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	seed := int64(20261121)
	if s := os.Getenv("ATLASD_REORG_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d, %d rounds", seed, rounds)
	rng := rand.New(rand.NewSource(seed))
	w := newWorld(t)
	w.launchNamespace("reorgtest0")
	names := []string{}
	for i := 0; i < 3; i++ {
		label := "n" + strconv.Itoa(i)
		w.register(label)
		names = append(names, label+".reorgtest0")
	}
	w.mine(20) // room below the tip for deep reorgs
	accepted0 := w.f.Stats().OpsAccepted.Load()
	for r := 0; r < rounds; r++ {
		// Operations land in the blocks the reorg replaces; those whose
		// payload consensus hash no longer fits where they are mined again
		// are rejected, as v1 would.
		for i, name := range names {
			if rng.Intn(2) == 0 {
				w.update(name, zonefile(name, r*10+i))
			}
		}
		w.mine(1 + rng.Intn(3))
		depth := 1 + rng.Intn(20)
		before := w.f.Stats().Reorgs.Load()
		res, err := w.n.Reorg(depth)
		if err != nil {
			t.Fatal(err)
		}
		w.sync()
		if got := w.f.Stats().Reorgs.Load(); got != before+1 {
			t.Fatalf("round %d: %d reorgs counted, want %d", r, got, before+1)
		}
		if got := w.f.Stats().LastReorgDepth.Load(); got != int64(depth) {
			t.Fatalf("round %d: reorg depth %d, want %d (fork at %d)", r, got, depth, res.ForkHeight)
		}
		w.assertMatchesFresh()
	}
	// Updates on the final chain survive and are announced.
	slots := w.m.Slots()
	for i, name := range names {
		w.update(name, zonefile(name, 1000+i))
	}
	w.mine(1)
	w.assertMatchesFresh()
	if got := w.m.Slots(); got != slots+uint64(len(names)) {
		t.Fatalf("%d announcements after %d final updates, had %d", got, len(names), slots)
	}
	if n := w.f.Stats().OpsAccepted.Load() - accepted0; n < int64(rounds/2) {
		t.Fatalf("only %d operations accepted over %d rounds; the history is too thin to test", n, rounds)
	}
	t.Logf("%d reorgs, max depth %d, %d ops applied (some later undone), %d announcements at the end",
		w.f.Stats().Reorgs.Load(), w.f.Stats().MaxReorgDepth.Load(), w.f.Stats().OpsAccepted.Load()-accepted0, w.m.Slots())
}
