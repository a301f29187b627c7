package devnet

import (
	"context"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/btcutil"

	"github.com/atlasd/atlasd/sidecar/daemon"
	"github.com/atlasd/atlasd/sidecar/internal/bnstx"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
	"github.com/atlasd/atlasd/virtualchain/nameop"
)

// player broadcasts BNS operations on the node and mines them, waiting
// each time for the daemon to apply the block (so the next operation can
// quote a fresh consensus hash, as a client asking its node would).
type player struct {
	n  *regtest.Node
	b  *bnstx.Builder
	d  *daemon.Daemon
	ns string

	owners    map[string]*regtest.Key // name -> current owner
	zonefiles map[string][]byte       // zonefile hash (hex) -> bytes
	pending   [][]byte                // zonefiles whose update is not mined yet
	serial    int
	peers     []*daemon.Daemon // extra peers (devnet --peers), for the summary
}

// mine mines k blocks and waits until the daemon has applied them.
func (p *player) mine(ctx context.Context, k int) error {
	if _, err := p.n.Generate(uint32(k)); err != nil {
		return err
	}
	_, want, err := p.n.BestBlock()
	if err != nil {
		return err
	}
	p.d.Wake()
	for {
		if h, _ := p.d.Machine().Tip(); h >= int64(want) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return p.putPending(ctx)
}

// putPending puts the zonefiles of mined updates into the Atlas peer, as a
// client does once its update is confirmed. The peer learns of the
// announcement a moment after the block is applied, so a refusal is
// retried for a while.
func (p *player) putPending(ctx context.Context) error {
	if len(p.pending) == 0 || p.d.AtlasAddr() == "" {
		p.pending = nil
		return nil
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		saved, err := p.d.PutZonefiles(ctx, p.pending)
		if err != nil {
			return fmt.Errorf("put zonefiles: %w", err)
		}
		var left [][]byte
		for i, ok := range saved {
			if !ok {
				left = append(left, p.pending[i])
			}
		}
		p.pending = left
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the Atlas peer refused %d zonefiles announced on chain", len(left))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ch is the consensus hash of the daemon's tip.
func (p *player) ch() string {
	m := p.d.Machine()
	h, _ := m.Tip()
	c, _ := m.ConsensusHash(uint64(h))
	return c
}

func send(tb *regtest.TxBuilder, err error) error {
	if err != nil {
		return err
	}
	_, err = tb.Send()
	return err
}

// miner drives bnstx's multi-block sequences through the player: each
// block waits for the daemon, which quotes the consensus hashes.
type miner struct {
	ctx context.Context
	p   *player
}

func (m miner) Mine(k int) error { return m.p.mine(m.ctx, k) }
func (m miner) CH() string       { return m.p.ch() }

// launch preorders, reveals and readies the namespace, a block each.
func (p *player) launch(ctx context.Context) error {
	// Six-character namespaces cost 4 BTC on this network's price table.
	return p.b.Launch(miner{ctx, p}, bnstx.Launch{NS: p.ns, Fee: 5 * btcutil.SatoshiPerBitcoin, Rules: bnstx.CheapRules(52595),
		CreatorFunds: 10 * btcutil.SatoshiPerBitcoin, RevealerFunds: btcutil.SatoshiPerBitcoin})
}

// register preorders names in one block and registers them in the next.
func (p *player) register(ctx context.Context, labels ...string) error {
	names := make([]string, len(labels))
	for i, l := range labels {
		names[i] = l + "." + p.ns
	}
	keys, err := p.b.Register(miner{ctx, p}, btcutil.SatoshiPerBitcoin/10, names...)
	if err != nil {
		return err
	}
	for i, name := range names {
		p.owners[name] = keys[i]
	}
	return nil
}

// update gives name a new zonefile (its hash on chain, its bytes kept for
// the Atlas put).
func (p *player) update(name string) error {
	p.serial++
	zf := []byte(fmt.Sprintf("$ORIGIN %s\n$TTL 3600\n@ IN TXT \"atlasd devnet zonefile %d\"\n_http._tcp IN URI 10 1 \"https://example.org/%s\"\n",
		name, p.serial, name))
	p.zonefiles[fmt.Sprintf("%x", bnstx.Hash160(zf))] = zf
	p.pending = append(p.pending, zf)
	return send(p.b.NameUpdate(p.owners[name], name, p.ch(), zf))
}

// script plays the opening history: every kind of name operation once.
func (p *player) script(ctx context.Context) error {
	if err := p.launch(ctx); err != nil {
		return err
	}
	if err := p.register(ctx, "alice", "bob", "carol"); err != nil {
		return err
	}
	for _, l := range []string{"alice", "bob", "carol"} {
		if err := p.update(l + "." + p.ns); err != nil {
			return fmt.Errorf("update %s: %w", l, err)
		}
	}
	if err := p.mine(ctx, 1); err != nil {
		return err
	}
	dave := p.n.NewKey()
	if _, err := p.n.Fund(dave, btcutil.SatoshiPerBitcoin/10); err != nil {
		return err
	}
	bob := "bob." + p.ns
	if err := send(p.b.NameTransfer(p.owners[bob], bob, dave, true, p.ch())); err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	alice := "alice." + p.ns
	if err := send(p.b.NameRenew(p.owners[alice], alice, 100000), nil); err != nil {
		return fmt.Errorf("renew: %w", err)
	}
	carol := "carol." + p.ns
	if err := send(p.b.NameRevoke(p.owners[carol], carol), nil); err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	if err := p.mine(ctx, 1); err != nil {
		return err
	}
	p.owners[bob] = dave
	delete(p.owners, carol)
	return nil
}

// Player plays the devnet's scripted history on any node and daemon, for
// tests that need a live BNS history with zonefiles.
type Player struct{ p *player }

// NewPlayer returns a player on node n (already past the network's first
// block minus one) feeding daemon d, in namespace ns.
func NewPlayer(n *regtest.Node, net nameop.Network, d *daemon.Daemon, ns string) *Player {
	return &Player{&player{n: n, b: bnstx.New(n, net), d: d, ns: ns,
		owners: map[string]*regtest.Key{}, zonefiles: map[string][]byte{}}}
}

// Script plays the opening history (every kind of name operation) and puts
// its zonefiles into the daemon's Atlas peer.
func (p *Player) Script(ctx context.Context) error { return p.p.script(ctx) }

// Zonefiles returns the played zonefiles by hash (hex).
func (p *Player) Zonefiles() map[string][]byte { return p.p.zonefiles }
