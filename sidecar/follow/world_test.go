package follow_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/sidecar/bitcoind"
	"github.com/atlasd/atlasd/sidecar/follow"
	"github.com/atlasd/atlasd/sidecar/internal/bnstx"
	"github.com/atlasd/atlasd/sidecar/internal/freshreplay"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// world is a btcd regtest node with a BNS namespace, an atlasd replay state
// and a follower on it.
type world struct {
	t    *testing.T
	n    *regtest.Node
	p    *params.Params
	net  nameop.Network
	c    *bitcoind.Client
	b    *bnstx.Builder
	mode bitcoind.PrevoutMode

	m *state.Machine
	f *follow.Follower

	ns     string
	owners map[string]*regtest.Key
}

func newWorld(t *testing.T) *world {
	t.Helper()
	n := regtest.Start(t)
	p := params.Regtest()
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
	c, err := bitcoind.New(bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass(), Conns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	w := &world{t: t, n: n, p: p, net: net, c: c, b: bnstx.New(n, net), owners: map[string]*regtest.Key{}}
	if _, err := n.Generate(uint32(p.FirstBlock - 1)); err != nil {
		t.Fatal(err)
	}
	if w.mode, err = c.DetectPrevouts(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.m, w.f = w.open(t.TempDir())
	return w
}

// open starts a replay state in dir with a follower on the node.
func (w *world) open(dir string) (*state.Machine, *follow.Follower) {
	w.t.Helper()
	m, err := state.Open(dir, w.p, state.Options{UndoWindow: 144, Logger: zerolog.Nop()})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { m.Close() })
	f := follow.New(w.c, m, follow.Config{
		Network: w.net, FirstBlock: w.p.FirstBlock, UndoWindow: 144, Prevouts: w.mode,
		Fetchers: 4, Logger: zerolog.Nop(),
	})
	return m, f
}

func (w *world) sync() {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := w.f.Sync(ctx); err != nil {
		w.t.Fatalf("sync: %v", err)
	}
	h, _ := w.m.Tip()
	_, nh, err := w.n.BestBlock()
	if err != nil {
		w.t.Fatal(err)
	}
	if h != int64(nh) {
		w.t.Fatalf("after sync at %d, node at %d", h, nh)
	}
}

func (w *world) mine(k int) {
	w.t.Helper()
	if _, err := w.n.Generate(uint32(k)); err != nil {
		w.t.Fatal(err)
	}
	w.sync()
}

// ch is the consensus hash of our tip, as a client would ask a node.
func (w *world) ch() string {
	h, _ := w.m.Tip()
	c, ok := w.m.ConsensusHash(uint64(h))
	if !ok {
		w.t.Fatalf("no consensus hash at %d", h)
	}
	return c
}

func (w *world) send(tb *regtest.TxBuilder, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := tb.Send(); err != nil {
		w.t.Fatal(err)
	}
}

// Mine and CH let bnstx's multi-block sequences drive the world.
func (w *world) Mine(k int) error { w.mine(k); return nil }
func (w *world) CH() string       { return w.ch() }

// launchNamespace preorders, reveals and readies w.ns, a block each.
func (w *world) launchNamespace(ns string) {
	w.t.Helper()
	w.ns = ns
	err := w.b.Launch(w, bnstx.Launch{NS: ns, Fee: btcutil.SatoshiPerBitcoin, Rules: bnstx.CheapRules(5000),
		CreatorFunds: 5 * btcutil.SatoshiPerBitcoin, RevealerFunds: 5 * btcutil.SatoshiPerBitcoin})
	if err != nil {
		w.t.Fatal(err)
	}
}

// register preorders and registers name.ns for a new key, leaving both
// transactions in blocks.
func (w *world) register(label string) *regtest.Key {
	w.t.Helper()
	name := label + "." + w.ns
	keys, err := w.b.Register(w, btcutil.SatoshiPerBitcoin, name)
	if err != nil {
		w.t.Fatal(err)
	}
	w.owners[name] = keys[0]
	return keys[0]
}

func (w *world) update(name string, zonefile []byte) {
	w.t.Helper()
	w.send(w.b.NameUpdate(w.owners[name], name, w.ch(), zonefile))
}

// zonefile is a small valid-looking zonefile for name.
func zonefile(name string, serial int) []byte {
	return []byte(fmt.Sprintf("$ORIGIN %s\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.org/%s/%d\"\n", name, name, serial))
}

// assertMatchesFresh replays the node's chain from scratch in a new state
// and requires the same consensus hash at every height, the same chunk
// sequence and the same state digest.
func (w *world) assertMatchesFresh() {
	w.t.Helper()
	if _, err := w.diffFresh(); err != nil {
		w.t.Fatal(err)
	}
}

// diffFresh replays the node's chain from scratch and returns how it
// differs from w.m, if at all, with the fresh replay's accepted-op count.
func (w *world) diffFresh() (accepted int64, err error) {
	return freshreplay.Diff(w.n, w.p, w.m, w.t.TempDir())
}
