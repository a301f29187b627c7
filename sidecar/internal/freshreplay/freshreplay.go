package freshreplay

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/sidecar/bitcoind"
	"github.com/atlasd/atlasd/sidecar/follow"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// Node is where the chain is read from (a *regtest.Node).
type Node interface {
	RPCHost() string
	RPCUser() string
	RPCPass() string
}

// Diff replays n's chain on network p into a temporary directory under
// tmp, removed before it returns so a soak can call it hundreds of times,
// and returns how got differs from it (nil when it does not) and how many
// operations the fresh replay accepted.
func Diff(n Node, p *params.Params, got *state.Machine, tmp string) (accepted int64, err error) {
	c, err := bitcoind.New(bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass(), Conns: 4})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	mode, err := c.DetectPrevouts(ctx)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp(tmp, "fresh")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	fresh, err := state.Open(dir, p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		return 0, err
	}
	defer fresh.Close()
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
	f := follow.New(c, fresh, follow.Config{Network: net, FirstBlock: p.FirstBlock, Prevouts: mode, Fetchers: 4, Logger: zerolog.Nop()})
	if err := f.Sync(ctx); err != nil {
		return 0, fmt.Errorf("freshreplay: sync: %w", err)
	}
	return f.Stats().OpsAccepted.Load(), Same(got, fresh, p.FirstBlock)
}

// Same compares got with fresh from the network's first block up: tips,
// every consensus hash, the chunk sequence and the state digests.
func Same(got, fresh *state.Machine, first uint64) error {
	h1, hash1 := got.Tip()
	h2, hash2 := fresh.Tip()
	if h1 != h2 || hash1 != hash2 {
		return fmt.Errorf("tips differ: followed %d %s, fresh %d %s", h1, hash1, h2, hash2)
	}
	for h := first; h <= uint64(h1); h++ {
		a, _ := got.ConsensusHash(h)
		b, _ := fresh.ConsensusHash(h)
		if a != b || a == "" {
			return fmt.Errorf("consensus hash at %d: followed %q, fresh %q", h, a, b)
		}
	}
	a1, err := got.Announcements(0, 1<<20)
	if err != nil {
		return err
	}
	a2, err := fresh.Announcements(0, 1<<20)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(a1, a2) {
		return fmt.Errorf("chunk sequences differ: followed %d slots, fresh %d", len(a1), len(a2))
	}
	d1, err := got.Digest()
	if err != nil {
		return err
	}
	d2, err := fresh.Digest()
	if err != nil {
		return err
	}
	if d1 != d2 {
		return fmt.Errorf("state digests differ at tip %d: followed %s, fresh %s", h1, d1, d2)
	}
	return nil
}
