package state

import (
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/atlasd/atlasd/virtualchain/params"
)

// TestSameBlockCollisions covers blockstack-v1.md §2.2: state-creating
// operations that compete for one name or namespace in a block are all
// rejected; a preorder hash is used once per block, first come first
// served; imports never collide.
func TestSameBlockCollisions(t *testing.T) {
	ready := func(c *chain) { c.readyNamespace("test", cheapRules, dave, dave) }
	twoPreorders := func(c *chain) {
		c.mustMine(
			c.tx(alice, '?', preorderPayload("foo.test", alice, bob, c.ch()), to(alice, 1000), burn(cheapPrice)),
			c.tx(carol, '?', preorderPayload("foo.test", carol, carol, c.ch()), to(carol, 1000), burn(cheapPrice)))
	}
	regAlice := func(c *chain) *wire.MsgTx { return c.tx(alice, ':', registerPayload("foo.test"), to(bob, 1000)) }
	regCarol := func(c *chain) *wire.MsgTx { return c.tx(carol, ':', registerPayload("foo.test"), to(carol, 1000)) }
	noName := func(t *testing.T, c *chain, res *Result) {
		if len(res.Accepted) != 0 || c.nameRow("foo.test") != nil {
			t.Fatalf("accepted %v", res.Accepted)
		}
	}
	opSuite{net: net1, base: ready}.run(t, []opCase{
		{name: "one registration", ok: true, setup: twoPreorders,
			block: func(c *chain) []*wire.MsgTx { return one(regAlice(c)) }},
		{name: "two valid registrations of one name reject both", ok: false, setup: twoPreorders, check: noName,
			block: func(c *chain) []*wire.MsgTx { return []*wire.MsgTx{regAlice(c), regCarol(c)} }},
		{name: "a registration without a preorder does not collide", ok: true,
			setup: func(c *chain) {
				c.mustMine(c.tx(alice, '?', preorderPayload("foo.test", alice, bob, c.ch()), to(alice, 1000), burn(cheapPrice)))
			},
			block: func(c *chain) []*wire.MsgTx { return []*wire.MsgTx{regCarol(c), regAlice(c)} }},
		{name: "registrations of different names", ok: true,
			setup: func(c *chain) {
				c.mustMine(
					c.tx(alice, '?', preorderPayload("foo.test", alice, bob, c.ch()), to(alice, 1000), burn(cheapPrice)),
					c.tx(carol, '?', preorderPayload("bar.test", carol, carol, c.ch()), to(carol, 1000), burn(cheapPrice)))
			},
			block: func(c *chain) []*wire.MsgTx {
				return []*wire.MsgTx{c.tx(carol, ':', registerPayload("bar.test"), to(carol, 1000)), regAlice(c)}
			}},
		{name: "same preorder hash twice: the second loses", ok: false,
			block: func(c *chain) []*wire.MsgTx {
				p := preorderPayload("bar.test", alice, bob, c.ch())
				return []*wire.MsgTx{
					c.tx(alice, '?', p, to(alice, 1000), burn(cheapPrice)),
					c.tx(alice, '?', p, to(alice, 2000), burn(cheapPrice)),
				}
			},
			check: func(t *testing.T, c *chain, res *Result) {
				if len(res.Accepted) != 1 {
					t.Fatalf("accepted %v, want the first preorder", res.Accepted)
				}
			}},
		{name: "name and namespace preorders share the hash key", ok: false,
			block: func(c *chain) []*wire.MsgTx {
				p := preorderPayload("bar.test", alice, bob, c.ch())
				return []*wire.MsgTx{
					c.tx(alice, '?', p, to(alice, 1000), burn(cheapPrice)),
					c.tx(alice, '*', p, to(alice, 1000), burn(testPrice)),
				}
			}},
	})

	// Two reveals of one namespace in a block.
	preorders := func(c *chain) {
		c.mustMine(nsPreorder(c, alice, dave, "test", burn(testPrice)), nsPreorder(c, carol, erin, "test", burn(testPrice)))
	}
	opSuite{net: net1, base: preorders}.run(t, []opCase{
		{name: "one reveal", ok: true, block: func(c *chain) []*wire.MsgTx { return one(reveal(c, carol, erin, "test", cheapRules)) }},
		{name: "two reveals of one namespace reject both", ok: false,
			block: func(c *chain) []*wire.MsgTx {
				return []*wire.MsgTx{reveal(c, alice, dave, "test", cheapRules), reveal(c, carol, erin, "test", cheapRules)}
			},
			check: func(t *testing.T, c *chain, res *Result) {
				if len(res.Accepted) != 0 || c.namespaceRow("test") != nil {
					t.Fatalf("accepted %v", res.Accepted)
				}
			}},
	})

	// Imports use a no-op collision check: both land, the later one wins.
	opSuite{net: net1, base: func(c *chain) { c.revealNamespace("test", cheapRules, alice, dave) }}.run(t, []opCase{
		{name: "two imports of one name", ok: true,
			block: func(c *chain) []*wire.MsgTx {
				return []*wire.MsgTx{importTx(c, dave, "foo.test", bob, valueHash("a")), importTx(c, dave, "foo.test", carol, valueHash("b"))}
			},
			check: func(t *testing.T, c *chain, res *Result) {
				if len(res.Accepted) != 2 || str(c.nameRow("foo.test"), "sender") != carol.scriptHex() {
					t.Fatalf("accepted %v, row %v", res.Accepted, c.nameRow("foo.test"))
				}
			}},
	})
}

// TestConsensusHashWindow covers blockstack-v1.md §1.6: a payload's
// consensus hash must be one of the hashes of blocks h-24 .. h-1 (the
// genesis snapshot rows count during the first blocks).
func TestConsensusHashWindow(t *testing.T) {
	// Each op is built with the consensus hash of block back blocks before
	// the one it is mined in.
	type build func(c *chain, ch string) *wire.MsgTx
	ops := []struct {
		name  string
		setup func(c *chain)
		tx    build
	}{
		{"NAME_PREORDER", nil, func(c *chain, ch string) *wire.MsgTx {
			return c.tx(alice, '?', preorderPayload("bar.test", alice, bob, ch), to(alice, 1000), burn(cheapPrice))
		}},
		{"NAMESPACE_PREORDER", nil, func(c *chain, ch string) *wire.MsgTx {
			return c.tx(alice, '*', nsPreorderPayload("tesu", alice, dave, ch), to(alice, 1000), burn(testPrice))
		}},
		{"NAME_UPDATE", ownedName, func(c *chain, ch string) *wire.MsgTx {
			return c.tx(bob, '+', updatePayload("foo.test", ch, valueHash("zf2")))
		}},
		{"NAME_TRANSFER", ownedName, func(c *chain, ch string) *wire.MsgTx {
			return c.tx(bob, '>', transferPayload(true, "foo.test", ch), to(carol, 1000))
		}},
	}
	for _, op := range ops {
		for _, back := range []uint64{1, 24, 25} {
			t.Run(op.name+" back "+itoa(int64(back)), func(t *testing.T) {
				c := newChain(t, net1(t), nil)
				if op.setup != nil {
					op.setup(c)
				}
				c.skipTo(firstBlock + 40)
				tx := op.tx(c, c.chAt(c.next()-back))
				if got, want := accepted(c.mine(tx), tx), back <= 24; got != want {
					t.Fatalf("accepted = %v, want %v", got, want)
				}
			})
		}
	}

	t.Run("TOKEN_TRANSFER", func(t *testing.T) {
		for _, back := range []uint64{24, 25} {
			c := newChain(t, net4(t), tokenGenesis())
			c.skipTo(firstBlock + 30)
			tx := c.tx(alice, '$', tokenTransferPayload(c.chAt(c.next()-back), "STACKS", 1), to(carol, 5500))
			if got, want := accepted(c.mine(tx), tx), back <= 24; got != want {
				t.Fatalf("back %d: accepted = %v, want %v", back, got, want)
			}
		}
	})

	// The snapshot rows of 296..299 are in the window of blocks up to 323.
	t.Run("genesis snapshot", func(t *testing.T) {
		for _, at := range []uint64{300, 323, 324} {
			c := newChain(t, net1(t), nil)
			c.skipTo(at)
			tx := c.tx(alice, '?', preorderPayload("bar.test", alice, bob, genesisCH), to(alice, 1000), burn(cheapPrice))
			if got, want := accepted(c.mine(tx), tx), at <= 323; got != want {
				t.Fatalf("block %d: accepted = %v, want %v", at, got, want)
			}
		}
	})
}

// TestSenderTypes covers which funding outputs may send an operation
// (blockstack-v1.md §1.2 item 7): every input must be funded by a p2pkh or
// p2sh output, in every epoch; anything else makes v1 ignore the whole
// transaction. Which senders may own or move names is epoch-gated
// separately (multisig from epoch 2, see the registration and transfer
// tests).
func TestSenderTypes(t *testing.T) {
	segwit := newSegwitWallet("segwit")
	p2pk := &wallet{label: "p2pk", script: append(push(carol.pub), 0xac), pub: carol.pub}
	pre := func(c *chain, from *wallet) *wire.MsgTx {
		return c.tx(from, '?', preorderPayload("foo.test", from, bob, c.ch()), to(from, 1000), burn(cheapPrice))
	}
	for _, epoch := range []int{1, 4} {
		opSuite{net: func(t testing.TB) *params.Params { return epochNet(t, epoch) }, genesis: tokenGenesis()}.run(t, []opCase{
			{name: "epoch " + itoa(int64(epoch)) + ": p2pkh", ok: true, block: func(c *chain) []*wire.MsgTx { return one(pre(c, alice)) }},
			{name: "epoch " + itoa(int64(epoch)) + ": p2sh", ok: true, block: func(c *chain) []*wire.MsgTx { return one(pre(c, msig)) }},
			{name: "epoch " + itoa(int64(epoch)) + ": p2wpkh", ok: false, block: func(c *chain) []*wire.MsgTx { return one(pre(c, segwit)) },
				check: func(t *testing.T, c *chain, res *Result) {
					if res.Rejected != 0 {
						t.Fatalf("an ignored transaction was counted as a rejected operation")
					}
				}},
			{name: "epoch " + itoa(int64(epoch)) + ": second input p2pk", ok: false, block: func(c *chain) []*wire.MsgTx {
				tx := pre(c, alice)
				c.addInput(tx, p2pk)
				return one(tx)
			}},
			{name: "epoch " + itoa(int64(epoch)) + ": second input p2sh", ok: true, block: func(c *chain) []*wire.MsgTx {
				tx := pre(c, alice)
				c.addInput(tx, msig)
				return one(tx)
			}},
		})
	}
}
