//go:build soak

package follow_test

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"

	"github.com/atlasd/atlasd/internal/soakreport"
	"github.com/atlasd/atlasd/sidecar/internal/bnstx"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
)

// TestSoakReorgs makes ATLASD_SOAK_REORGS reorganisations (default 200) of
// a depth drawn uniformly from 1..ATLASD_SOAK_MAX_DEPTH (default 50) with
// invalidateblock and a longer branch, while names are preordered,
// registered and updated and namespaces launched, in the blocks being
// replaced and in the branches replacing them. After each one the follower
// must count exactly that reorg and hold the state a replay of the final
// chain from scratch holds: every consensus hash, the chunk sequence and
// the digest of every row.
func TestSoakReorgs(t *testing.T) {
	reorgs := envInt(t, "ATLASD_SOAK_REORGS", 200)
	maxDepth := envInt(t, "ATLASD_SOAK_MAX_DEPTH", 50)
	seed := int64(envInt(t, "ATLASD_SOAK_SEED", int(time.Now().UnixNano()%1e9)))
	t.Logf("seed %d (ATLASD_SOAK_SEED), %d reorgs of depth 1..%d", seed, reorgs, maxDepth)
	if maxDepth < 1 || maxDepth > 144 {
		t.Fatalf("ATLASD_SOAK_MAX_DEPTH %d: the world's undo window is 144 blocks", maxDepth)
	}
	start := time.Now()
	s := newReorgSoak(t, rand.New(rand.NewSource(seed)))

	row := soakreport.Row{Area: "reorg", Scenario: fmt.Sprintf("invalidateblock + longer branch, depth 1-%d", maxDepth)}
	defer func() {
		st := s.w.f.Stats()
		row.Duration = time.Since(start)
		row.Notes = fmt.Sprintf("seed %d; max depth %d, mean %.1f; %d blocks mined, %d replaced; "+
			"%d ops applied (incl. later undone), %d on the final chain; %d namespace launches (%d namespaces ready at the end), %d names, %d chunk slots",
			seed, st.MaxReorgDepth.Load(), float64(s.replaced)/float64(max(row.Tried, 1)), s.mined, s.replaced,
			st.OpsAccepted.Load(), s.finalOps, s.launches, s.readyCount(), len(s.owners), s.w.m.Slots())
		soakreport.Record(t, row)
	}()

	for r := 0; r < reorgs; r++ {
		s.playOps(r)
		s.mine(1 + s.rng.Intn(3))
		depth := 1 + s.rng.Intn(maxDepth)
		row.Tried++
		before := s.w.f.Stats().Reorgs.Load()
		s.reorg(r, depth)
		s.w.sync()
		st := s.w.f.Stats()
		if got := st.Reorgs.Load(); got != before+1 {
			t.Fatalf("reorg %d: %d reorgs counted, want %d", r, got-before, 1)
		}
		if got := st.LastReorgDepth.Load(); got != int64(depth) {
			t.Fatalf("reorg %d: depth %d counted, want %d", r, got, depth)
		}
		ops, err := s.w.diffFresh()
		if err != nil {
			row.Lost++
			t.Fatalf("reorg %d (depth %d, seed %d): %v", r, depth, seed, err)
		}
		s.finalOps = ops
		row.Survived++
		if (r+1)%20 == 0 {
			t.Logf("%d reorgs, tip %d, %d ops on chain, %v", r+1, s.tip(), ops, time.Since(start).Round(time.Second))
		}
	}
	// The history must have been rich enough to prove something.
	if s.finalOps < int64(reorgs/2) || s.w.m.Slots() < uint64(reorgs/4) {
		t.Fatalf("only %d ops and %d chunk slots on the final chain after %d reorgs", s.finalOps, s.w.m.Slots(), reorgs)
	}
}

// reorgSoak plays a random BNS history around the reorgs of TestSoakReorgs.
type reorgSoak struct {
	t   *testing.T
	w   *world
	rng *rand.Rand

	namespaces []string                // launched or being launched, in order
	owners     map[string]*regtest.Key // name -> the key that registers it
	names      []string                // keys of owners, in order
	preordered map[string]bool         // preorder sent, register not yet
	pending    *launch                 // namespace being launched

	mined, replaced int
	finalOps        int64
	launches        int
	serial          int
}

const soakNamespace = "soakreorg0"

func newReorgSoak(t *testing.T, rng *rand.Rand) *reorgSoak {
	w := newWorld(t)
	s := &reorgSoak{t: t, w: w, rng: rng, owners: map[string]*regtest.Key{}, preordered: map[string]bool{}}
	// The first namespace and names are put below the deepest reorg, so
	// the history always has names to update.
	w.launchNamespace(soakNamespace)
	s.namespaces = append(s.namespaces, soakNamespace)
	for i := 0; i < 4; i++ {
		label := "s" + strconv.Itoa(i)
		s.owners[label+"."+soakNamespace] = w.register(label)
		s.names = append(s.names, label+"."+soakNamespace)
	}
	s.mine(145) // out of reach of any reorg the undo window allows
	return s
}

func (s *reorgSoak) tip() int64 { h, _ := s.w.m.Tip(); return h }

func (s *reorgSoak) mine(k int) {
	s.t.Helper()
	s.w.mine(k)
	s.mined += k
}

// send broadcasts a BNS transaction; the harness wallet follows reorgs, so
// any failure is the test's own.
func (s *reorgSoak) send(tb *regtest.TxBuilder, err error) {
	s.t.Helper()
	if err == nil {
		_, err = tb.Send()
	}
	if err != nil {
		s.t.Fatalf("send: %v", err)
	}
}

// ready reports whether ns is launched on the followed chain.
func (s *reorgSoak) ready(ns string) bool {
	rec, ok, err := s.w.m.Namespace(ns)
	if err != nil {
		s.t.Fatal(err)
	}
	rb, _ := rec["ready_block"].(int64)
	return ok && rb > 0
}

func (s *reorgSoak) readyCount() int {
	n := 0
	for _, ns := range s.namespaces {
		if s.ready(ns) {
			n++
		}
	}
	return n
}

func (s *reorgSoak) registered(name string) bool {
	_, ok, err := s.w.m.Name(name)
	if err != nil {
		s.t.Fatal(err)
	}
	return ok
}

// playOps sends this round's operations on the current chain. They quote
// the consensus hash of a block up to 20 below the tip: a reorg that
// replaces that block makes them invalid where they are mined again, a
// shallower one leaves them valid one or more blocks higher.
func (s *reorgSoak) playOps(round int) {
	s.t.Helper()
	h := s.tip() - int64(s.rng.Intn(20))
	ch, ok := s.w.m.ConsensusHash(uint64(h))
	if !ok {
		s.t.Fatalf("no consensus hash at %d", h)
	}
	s.play(round, ch)
}

// play sends operations quoting ch.
func (s *reorgSoak) play(round int, ch string) {
	s.t.Helper()
	// A pending namespace launch advances one step per call.
	if s.pending != nil {
		s.stepLaunch(ch)
	} else if round%25 == 5 {
		s.startLaunch(fmt.Sprintf("soakns%04d", round))
		s.stepLaunch(ch)
	}
	// Preordered names are registered; names a reorg took away (their
	// preorder quoted a consensus hash of a replaced block) start again.
	for _, name := range s.names {
		switch {
		case s.preordered[name]:
			s.send(s.w.b.NameRegister(s.owners[name], name, s.owners[name]), nil)
			delete(s.preordered, name)
		case !s.registered(name) && s.rng.Intn(3) == 0:
			s.preorder(name, ch)
		}
	}
	if len(s.names) < 40 && s.rng.Intn(3) == 0 {
		ns := s.namespaces[s.rng.Intn(len(s.namespaces))]
		if s.ready(ns) {
			name := fmt.Sprintf("n%d.%s", round, ns)
			s.owners[name] = s.w.n.NewKey()
			s.names = append(s.names, name)
			if _, err := s.w.n.Fund(s.owners[name], btcutil.SatoshiPerBitcoin); err != nil {
				s.t.Fatal(err)
			}
			s.preorder(name, ch)
		}
	}
	for _, name := range s.names {
		if !s.preordered[name] && s.registered(name) && s.rng.Intn(3) == 0 {
			s.serial++
			s.send(s.w.b.NameUpdate(s.owners[name], name, ch, zonefile(name, s.serial)))
		}
	}
}

func (s *reorgSoak) preorder(name, ch string) {
	s.send(s.w.b.NamePreorder(s.owners[name], name, s.owners[name], ch, 100000))
	s.preordered[name] = true
}

// launch is a namespace being launched: preorder, reveal and ready, one
// step per call of play so that a reorg may take any of them away. A
// launch that a reorg broke starts over with new keys (a second preorder
// by the same keys would collide with the first).
type launch struct {
	ns                string
	creator, revealer *regtest.Key
	step              int
}

func (s *reorgSoak) startLaunch(ns string) {
	s.namespaces = append(s.namespaces, ns)
	s.pending = &launch{ns: ns}
	s.newLaunchKeys()
}

func (s *reorgSoak) newLaunchKeys() {
	l := s.pending
	l.creator, l.revealer = s.w.n.NewKey(), s.w.n.NewKey()
	l.step = 0
	s.launches++
	for _, k := range []*regtest.Key{l.creator, l.revealer} {
		if _, err := s.w.n.Fund(k, 5*btcutil.SatoshiPerBitcoin); err != nil {
			s.t.Fatal(err)
		}
	}
}

// stepLaunch sends the pending launch's next transaction.
func (s *reorgSoak) stepLaunch(ch string) {
	l := s.pending
	switch l.step {
	case 0:
		s.send(s.w.b.NamespacePreorder(l.creator, l.ns, l.revealer, ch, btcutil.SatoshiPerBitcoin))
	case 1:
		s.send(s.w.b.NamespaceReveal(l.creator, l.ns, l.revealer, bnstx.CheapRules(5000)), nil)
	case 2:
		s.send(s.w.b.NamespaceReady(l.revealer, l.ns), nil)
	default:
		_, revealed, err := s.w.m.Namespace(l.ns)
		switch {
		case err != nil:
			s.t.Fatal(err)
		case s.ready(l.ns):
			s.pending = nil
		case revealed:
			s.send(s.w.b.NamespaceReady(l.revealer, l.ns), nil)
		default:
			s.newLaunchKeys()
			s.stepLaunch(ch)
		}
		return
	}
	l.step++
}

// reorg replaces the top depth blocks with depth+1 new ones: it
// invalidates the block at tip-depth+1, sends new operations quoting the
// fork point's consensus hash, and mines the branch; sometimes its first
// block is empty, so the replaced blocks' transactions (back in the
// mempool) land one block higher than the new ones would.
func (s *reorgSoak) reorg(round, depth int) {
	s.t.Helper()
	n := s.w.n
	_, height, err := n.BestBlock()
	if err != nil {
		s.t.Fatal(err)
	}
	fork := int64(height) - int64(depth)
	old, err := n.Client().GetBlockHash(fork + 1)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := n.InvalidateBlock(*old); err != nil {
		s.t.Fatal(err)
	}
	if _, h, err := n.BestBlock(); err != nil || int64(h) != fork {
		s.t.Fatalf("reorg %d: tip at %d after invalidateblock, want %d (%v)", round, h, fork, err)
	}
	ch, ok := s.w.m.ConsensusHash(uint64(fork))
	if !ok {
		s.t.Fatalf("reorg %d: no consensus hash at fork %d", round, fork)
	}
	left := depth + 1
	if s.rng.Intn(3) == 0 {
		if _, err := n.MineBlock(); err != nil {
			s.t.Fatal(err)
		}
		left--
	}
	s.play(round, ch)
	if _, err := n.Generate(uint32(left)); err != nil {
		s.t.Fatal(err)
	}
	_, h, err := n.BestBlock()
	if err != nil {
		s.t.Fatal(err)
	}
	if int64(h) != fork+int64(depth)+1 {
		s.t.Fatalf("reorg %d: new branch ends at %d, want %d", round, h, fork+int64(depth)+1)
	}
	if got, err := n.Client().GetBlockHash(fork + 1); err != nil || *got == *old {
		s.t.Fatalf("reorg %d: block %d not replaced (%v)", round, fork+1, err)
	}
	s.mined += depth + 1
	s.replaced += depth
}

// envInt reads a count from the environment, or def.
func envInt(t *testing.T, key string, def int) int {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", key, v, err)
	}
	return n
}
