package state

import (
	"encoding/hex"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/atlasd/atlasd/virtualchain/params"
)

// testPrice is table A's price of a 4-character namespace ID such as
// "test": 4 BTC, a tenth of it in epoch 3 (blockstack-v1.md §1.8).
const testPrice = 400000000

func nsPreorder(c *chain, from, revealer *wallet, id string, fee *wire.TxOut) *wire.MsgTx {
	return c.tx(from, '*', nsPreorderPayload(id, from, revealer, c.ch()), to(from, 1000), fee)
}

// reveal sends alice's NAMESPACE_REVEAL of id to revealer with rules r.
func reveal(c *chain, from, revealer *wallet, id string, r nsRules) *wire.MsgTx {
	return c.tx(from, '&', r.payload(id), to(revealer, 1000), to(from, 1000))
}

// TestNamespacePreorder covers NAMESPACE_PREORDER before the token epochs
// (blockstack-v1.md §1.4.8).
func TestNamespacePreorder(t *testing.T) {
	hash := hex.EncodeToString(hashName("test", alice, dave.addr))
	stored := func(want bool) func(t *testing.T, c *chain, res *Result) {
		return func(t *testing.T, c *chain, res *Result) {
			row := c.preorderRow(hash)
			if !want {
				if row != nil && num(row, "block_number") == int64(res.Height) {
					t.Fatalf("rejected preorder stored: %v", row)
				}
				return
			}
			if row == nil || str(row, "op") != "*" || num(row, "op_fee") != testPrice || str(row, "token_units") != "BTC" ||
				num(row, "block_number") != int64(res.Height) || str(row, "sender") != alice.scriptHex() {
				t.Fatalf("preorder row %v", row)
			}
		}
	}
	opSuite{net: net1}.run(t, []opCase{
		{name: "accepted", ok: true, check: stored(true), block: func(c *chain) []*wire.MsgTx {
			return one(nsPreorder(c, alice, dave, "test", burn(testPrice)))
		}},
		{name: "extra output", ok: true, check: stored(true), block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '*', nsPreorderPayload("test", alice, dave, c.ch()), to(alice, 1000), burn(testPrice), to(alice, 1)))
		}},
		{name: "fee not burnt", ok: false, check: stored(false), block: func(c *chain) []*wire.MsgTx {
			return one(nsPreorder(c, alice, dave, "test", to(carol, testPrice)))
		}},
		{name: "no fee output", ok: false, check: stored(false), block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '*', nsPreorderPayload("test", alice, dave, c.ch()), to(alice, 1000)))
		}},
		{name: "token fee before epoch 4", ok: false, check: stored(false), block: func(c *chain) []*wire.MsgTx {
			p := append(nsPreorderPayload("test", alice, dave, c.ch()), u64(1)...)
			return one(c.tx(alice, '*', p, to(alice, 1000), burn(testPrice)))
		}},
		{name: "unknown consensus hash", ok: false, check: stored(false), block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '*', nsPreorderPayload("test", alice, dave, "0123456789abcdef0123456789abcdef"), to(alice, 1000), burn(testPrice)))
		}},
		{name: "hash already preordered", ok: false, check: stored(false),
			setup: func(c *chain) { c.mustMine(nsPreorder(c, alice, dave, "test", burn(testPrice))) },
			block: func(c *chain) []*wire.MsgTx { return one(nsPreorder(c, alice, dave, "test", burn(testPrice))) }},
	})
}

// TestNamespaceReveal covers NAMESPACE_REVEAL: the preorder binding, the
// namespace price at the reveal's epoch, version gates and duplicates
// (blockstack-v1.md §1.4.9).
func TestNamespaceReveal(t *testing.T) {
	base := func(c *chain) { c.mustMine(nsPreorder(c, alice, dave, "test", burn(testPrice))) }
	revealed := func(t *testing.T, c *chain, res *Result) {
		row := c.namespaceRow("test")
		h := int64(res.Height)
		if row == nil || str(row, "op") != "&" || num(row, "reveal_block") != h || num(row, "ready_block") != 0 ||
			num(row, "block_number") != h-1 || str(row, "recipient") != dave.scriptHex() || str(row, "recipient_address") != dave.addr ||
			num(row, "lifetime") != 1000 || num(row, "coeff") != 2 || num(row, "base") != 10 || num(row, "op_fee") != testPrice {
			t.Fatalf("namespace row %v", row)
		}
	}
	absent := func(t *testing.T, c *chain, res *Result) {
		if row := c.namespaceRow("test"); row != nil && num(row, "reveal_block") == int64(res.Height) {
			t.Fatalf("rejected reveal stored: %v", row)
		}
	}
	v := func(version uint16) nsRules { r := cheapRules; r.version = version; return r }
	opSuite{net: net1, base: base}.run(t, []opCase{
		{name: "accepted", ok: true, check: revealed, block: func(c *chain) []*wire.MsgTx {
			return one(reveal(c, alice, dave, "test", cheapRules))
		}},
		{name: "sent by someone other than the preorderer", ok: false, check: absent, block: func(c *chain) []*wire.MsgTx {
			return one(reveal(c, carol, dave, "test", cheapRules))
		}},
		{name: "reveal address other than the preordered one", ok: false, check: absent, block: func(c *chain) []*wire.MsgTx {
			return one(reveal(c, alice, carol, "test", cheapRules))
		}},
		{name: "other namespace than preordered", ok: false, block: func(c *chain) []*wire.MsgTx {
			return one(reveal(c, alice, dave, "tesu", cheapRules))
		}},
		{name: "four outputs", ok: false, check: absent, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '&', cheapRules.payload("test"), to(dave, 1000), to(alice, 1000), to(alice, 1)))
		}},
		{name: "zero no-vowel discount", ok: false, check: absent, block: func(c *chain) []*wire.MsgTx {
			r := cheapRules
			r.novowel = 0
			return one(reveal(c, alice, dave, "test", r))
		}},
		{name: "unknown version 4", ok: false, check: absent, block: func(c *chain) []*wire.MsgTx {
			return one(reveal(c, alice, dave, "test", v(4)))
		}},
		{name: "pay-to-creator version before epoch 3", ok: false, check: absent, block: func(c *chain) []*wire.MsgTx {
			return one(reveal(c, alice, dave, "test", v(2)))
		}},
		{name: "preorder fee one satoshi short", ok: false, check: absent,
			setup: func(c *chain) { c.mustMine(nsPreorder(c, alice, carol, "test", burn(testPrice-1))) },
			block: func(c *chain) []*wire.MsgTx { return one(reveal(c, alice, carol, "test", cheapRules)) }},
		{name: "preordered 200 blocks ago: namespace preorders do not expire", ok: true,
			setup: func(c *chain) { c.skipTo(c.next() + 200) },
			block: func(c *chain) []*wire.MsgTx { return one(reveal(c, alice, dave, "test", cheapRules)) }},
		{name: "already revealed by another preorder", ok: false,
			setup: func(c *chain) {
				c.mustMine(nsPreorder(c, carol, erin, "test", burn(testPrice)))
				c.mustMine(reveal(c, carol, erin, "test", cheapRules))
			},
			block: func(c *chain) []*wire.MsgTx { return one(reveal(c, alice, dave, "test", cheapRules)) },
			check: func(t *testing.T, c *chain, res *Result) {
				if str(c.namespaceRow("test"), "recipient") != erin.scriptHex() {
					t.Fatal("second reveal replaced the first")
				}
			}},
		{name: "already ready", ok: false,
			setup: func(c *chain) {
				c.mustMine(nsPreorder(c, carol, erin, "test", burn(testPrice)))
				c.mustMine(reveal(c, carol, erin, "test", cheapRules))
				c.mustMine(c.tx(erin, '!', []byte(".test")))
			},
			block: func(c *chain) []*wire.MsgTx { return one(reveal(c, alice, dave, "test", cheapRules)) }},
	})
	opSuite{net: net3, base: base}.run(t, []opCase{
		{name: "epoch 3: pay-to-creator version", ok: true, block: func(c *chain) []*wire.MsgTx {
			return one(reveal(c, alice, dave, "test", v(2)))
		}},
		{name: "epoch 3: pay-with-STX version", ok: false, check: absent, block: func(c *chain) []*wire.MsgTx {
			return one(reveal(c, alice, dave, "test", v(3)))
		}},
		{name: "epoch 3: a tenth of the price", ok: true,
			setup: func(c *chain) { c.mustMine(nsPreorder(c, alice, carol, "test", burn(testPrice/10))) },
			block: func(c *chain) []*wire.MsgTx { return one(reveal(c, alice, carol, "test", cheapRules)) }},
		{name: "epoch 3: a tenth of the price less one", ok: false,
			setup: func(c *chain) { c.mustMine(nsPreorder(c, alice, carol, "test", burn(testPrice/10-1))) },
			block: func(c *chain) []*wire.MsgTx { return one(reveal(c, alice, carol, "test", cheapRules)) }},
	})
	// The price is that of the reveal's epoch, not the preorder's.
	opSuite{net: func(t testing.TB) *params.Params { return epochNet(t, 1, 302, 303) }}.run(t, []opCase{
		{name: "preordered in epoch 1 at a tenth, revealed in epoch 3", ok: true,
			setup: func(c *chain) {
				c.mustMine(nsPreorder(c, alice, dave, "test", burn(testPrice/10)))
				c.skipTo(303)
			},
			block: func(c *chain) []*wire.MsgTx { return one(reveal(c, alice, dave, "test", cheapRules)) }},
	})
}

// TestNamespaceReady covers NAMESPACE_READY (blockstack-v1.md §1.4.10).
func TestNamespaceReady(t *testing.T) {
	base := func(c *chain) {
		c.mustMine(nsPreorder(c, alice, dave, "test", burn(testPrice)))
		c.mustMine(reveal(c, alice, dave, "test", cheapRules))
	}
	readyTx := func(c *chain, from *wallet, payload string) []*wire.MsgTx {
		return one(c.tx(from, '!', []byte(payload)))
	}
	notReady := func(t *testing.T, c *chain, res *Result) {
		if row := c.namespaceRow("test"); str(row, "op") == "!" && num(row, "ready_block") == int64(res.Height) {
			t.Fatalf("rejected READY stored: %v", row)
		}
	}
	shortReveal := func(t testing.TB) *params.Params {
		p := epochNet(t, 1)
		p.NamespaceRevealExpire = 10
		return p
	}
	opSuite{net: net1, base: base}.run(t, []opCase{
		{name: "accepted", ok: true, block: func(c *chain) []*wire.MsgTx { return readyTx(c, dave, ".test") },
			check: func(t *testing.T, c *chain, res *Result) {
				row := c.namespaceRow("test")
				// sender is the revealer's, address stays the preorderer's.
				if str(row, "op") != "!" || num(row, "ready_block") != int64(res.Height) ||
					str(row, "sender") != dave.scriptHex() || str(row, "address") != alice.addr ||
					str(row, "sender_pubkey") != hex.EncodeToString(alice.pub) {
					t.Fatalf("namespace row %v", row)
				}
			}},
		{name: "sent by the preorderer, not the revealer", ok: false, check: notReady,
			block: func(c *chain) []*wire.MsgTx { return readyTx(c, alice, ".test") }},
		{name: "payload without the dot", ok: false, check: notReady,
			block: func(c *chain) []*wire.MsgTx { return readyTx(c, dave, "test") }},
		{name: "namespace not revealed", ok: false,
			block: func(c *chain) []*wire.MsgTx { return readyTx(c, dave, ".tesu") }},
		{name: "already ready", ok: false,
			setup: func(c *chain) { c.mustMine(readyTx(c, dave, ".test")...) },
			block: func(c *chain) []*wire.MsgTx { return readyTx(c, dave, ".test") }},
	})
	opSuite{net: shortReveal, base: base}.run(t, []opCase{
		{name: "last block of a 10-block reveal", ok: true,
			setup: func(c *chain) { c.skipTo(c.tip() + 10) },
			block: func(c *chain) []*wire.MsgTx { return readyTx(c, dave, ".test") }},
		{name: "reveal expired", ok: false, check: notReady,
			setup: func(c *chain) { c.skipTo(c.tip() + 11) },
			block: func(c *chain) []*wire.MsgTx { return readyTx(c, dave, ".test") }},
	})
}

// TestAnnounce covers ANNOUNCE: only an announcer name's owner may send
// one, and it never reaches the consensus hash (blockstack-v1.md §1.4.11).
func TestAnnounce(t *testing.T) {
	base := func(c *chain) {
		c.readyNamespace("test", cheapRules, dave, dave)
		c.register("ann.test", alice, bob, cheapPrice)
		c.register("foo.test", alice, carol, cheapPrice)
	}
	msg := []byte("twenty bytes of hash")
	opSuite{net: net1, base: base}.run(t, []opCase{
		{name: "accepted", ok: true, block: func(c *chain) []*wire.MsgTx { return one(c.tx(bob, '#', msg)) },
			check: func(t *testing.T, c *chain, res *Result) {
				if len(res.Accepted) != 1 || res.Accepted[0].Op != "ANNOUNCE" || res.Accepted[0].Serialized != "" {
					t.Fatalf("accepted %v", res.Accepted)
				}
			}},
		{name: "sent by the owner of a name that is not an announcer", ok: false,
			block: func(c *chain) []*wire.MsgTx { return one(c.tx(carol, '#', msg)) }},
		{name: "19-byte message", ok: false,
			block: func(c *chain) []*wire.MsgTx { return one(c.tx(bob, '#', msg[:19])) }},
	})

	t.Run("no consensus trace", func(t *testing.T) {
		with, without := newChain(t, net1(t), nil), newChain(t, net1(t), nil)
		base(with)
		base(without)
		tx := with.tx(bob, '#', msg)
		if res := with.mine(tx); !accepted(res, tx) {
			t.Fatal("announce rejected")
		}
		without.mine()
		if a, b := with.chAt(with.tip()), without.chAt(without.tip()); a != b {
			t.Fatalf("consensus hash %s with an ANNOUNCE, %s without", a, b)
		}
	})
}
