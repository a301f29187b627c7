package state

import (
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/wire"
)

// TestHarnessPreorderHash pins the harness's own preorder hashing to the
// spec's b40 example, so the tests below do not lean on nameop for it.
func TestHarnessPreorderHash(t *testing.T) {
	if got := b40("foo.test").Text(16); got != "253b0250dfd" {
		t.Fatalf("b40(foo.test) = %s, want 253b0250dfd (0253b0250dfd once padded)", got)
	}
}

// TestNamePreorder covers NAME_PREORDER outside the token epochs: the
// payload and output rules of the parser, the hash and consensus-hash
// checks and the sender's name quota (blockstack-v1.md §1.4.1).
func TestNamePreorder(t *testing.T) {
	good := func(c *chain) *wire.MsgTx {
		return c.tx(alice, '?', preorderPayload("foo.test", alice, bob, c.ch()), to(alice, 1000), burn(cheapPrice))
	}
	hash := hex.EncodeToString(hashName("foo.test", alice, bob.addr))
	stored := func(want bool) func(t *testing.T, c *chain, res *Result) {
		return func(t *testing.T, c *chain, res *Result) {
			row := c.preorderRow(hash)
			if !want {
				if row != nil && num(row, "block_number") == int64(res.Height) {
					t.Fatalf("rejected preorder stored: %v", row)
				}
				return
			}
			if row == nil {
				t.Fatal("accepted preorder not stored")
			}
			if str(row, "sender") != alice.scriptHex() || num(row, "block_number") != int64(res.Height) ||
				num(row, "op_fee") != cheapPrice || str(row, "token_units") != "BTC" || str(row, "op") != "?" {
				t.Fatalf("preorder row %v", row)
			}
		}
	}
	// quota registers 24 names to alice and preorders a 25th for her and
	// for bob; the tested block then registers one of them ahead of alice's
	// preorder, which v1 counts from the block's checked ops.
	quota := func(c *chain) {
		c.readyNamespace("test", cheapRules, carol, carol)
		var pre, reg []*wire.MsgTx
		for i := 0; i < 24; i++ {
			n := fmt.Sprintf("n%02d.test", i)
			pre = append(pre, c.tx(alice, '?', preorderPayload(n, alice, alice, c.ch()), to(alice, 1000), burn(cheapPrice)))
			reg = append(reg, c.tx(alice, ':', registerPayload(n), to(alice, 1000)))
		}
		pre = append(pre,
			c.tx(alice, '?', preorderPayload("last.test", alice, alice, c.ch()), to(alice, 1000), burn(cheapPrice)),
			c.tx(alice, '?', preorderPayload("last.test", alice, bob, c.ch()), to(alice, 1000), burn(cheapPrice)))
		c.mustMine(pre...)
		c.mustMine(reg...)
	}
	opSuite{net: net1}.run(t, []opCase{
		{name: "accepted", block: func(c *chain) []*wire.MsgTx { return one(good(c)) }, ok: true, check: stored(true)},
		{name: "payload one byte short", ok: false, check: stored(false), block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '?', preorderPayload("foo.test", alice, bob, c.ch())[:35], to(alice, 1000), burn(cheapPrice)))
		}},
		{name: "token fields before the token epoch", ok: false, check: stored(false), block: func(c *chain) []*wire.MsgTx {
			p := append(append(preorderPayload("foo.test", alice, bob, c.ch()), u64(1)...), units19("STACKS")...)
			return one(c.tx(alice, '?', p, to(alice, 1000), burn(cheapPrice)))
		}},
		{name: "no burn output", ok: false, check: stored(false), block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '?', preorderPayload("foo.test", alice, bob, c.ch()), to(alice, 1000)))
		}},
		{name: "four outputs", ok: false, check: stored(false), block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '?', preorderPayload("foo.test", alice, bob, c.ch()), to(alice, 1000), burn(cheapPrice), to(alice, 1)))
		}},
		{name: "fee to another address is only checked at registration", ok: true, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '?', preorderPayload("foo.test", alice, bob, c.ch()), to(alice, 1000), to(carol, cheapPrice)))
		}},
		{name: "unknown consensus hash", ok: false, check: stored(false), block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '?', preorderPayload("foo.test", alice, bob, "0123456789abcdef0123456789abcdef"), to(alice, 1000), burn(cheapPrice)))
		}},
		{name: "hash already preordered", ok: false, check: stored(false),
			setup: func(c *chain) { c.mustMine(good(c)) },
			block: func(c *chain) []*wire.MsgTx { return one(good(c)) }},
		{name: "sender at 24 names plus one registered earlier in the block", ok: false, setup: quota,
			block: func(c *chain) []*wire.MsgTx {
				return []*wire.MsgTx{c.tx(alice, ':', registerPayload("last.test"), to(alice, 1000)), good(c)}
			}},
		{name: "sender at 24 names while the block's registration goes elsewhere", ok: true, setup: quota,
			block: func(c *chain) []*wire.MsgTx {
				return []*wire.MsgTx{c.tx(alice, ':', registerPayload("last.test"), to(bob, 1000)), good(c)}
			}},
	})
}

// TestNameRegistration covers NAME_REGISTRATION: the preorder binding of
// payer, recipient and name, namespace readiness, payment at the preorder's
// height, stolen names and the epoch-gated value hash and multisig
// recipients (blockstack-v1.md §1.4.2, §1.8).
func TestNameRegistration(t *testing.T) {
	preorder := func(c *chain, fqn string, payer, owner *wallet, fee int64) {
		c.mustMine(c.tx(payer, '?', preorderPayload(fqn, payer, owner, c.ch()), to(payer, 1000), burn(fee)))
	}
	ready := func(c *chain) { c.readyNamespace("test", cheapRules, dave, dave) }
	base := func(c *chain) {
		ready(c)
		preorder(c, "foo.test", alice, bob, cheapPrice)
	}
	reg := func(c *chain) *wire.MsgTx { return c.tx(alice, ':', registerPayload("foo.test"), to(bob, 1000)) }
	owned := func(owner *wallet) func(t *testing.T, c *chain, res *Result) {
		return func(t *testing.T, c *chain, res *Result) {
			row := c.nameRow("foo.test")
			if row == nil {
				t.Fatal("name not stored")
			}
			h := int64(res.Height)
			if str(row, "sender") != owner.scriptHex() || str(row, "address") != owner.addr ||
				num(row, "first_registered") != h || num(row, "last_renewed") != h ||
				num(row, "block_number") != h-1 || num(row, "preorder_block_number") != h-1 ||
				truthy(row, "revoked") || str(row, "op") != ":" || num(row, "op_fee") != cheapPrice {
				t.Fatalf("name row %v", row)
			}
			if c.preorderRow(hex.EncodeToString(hashName("foo.test", alice, owner.addr))) != nil {
				t.Fatal("preorder not consumed")
			}
		}
	}
	absent := func(t *testing.T, c *chain, res *Result) {
		if row := c.nameRow("foo.test"); row != nil && num(row, "first_registered") == int64(res.Height) {
			t.Fatalf("rejected registration stored: %v", row)
		}
	}
	opSuite{net: net1, base: base}.run(t, []opCase{
		{name: "accepted", ok: true, check: owned(bob), block: func(c *chain) []*wire.MsgTx { return one(reg(c)) }},
		{name: "with change output", ok: true, check: owned(bob), block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, ':', registerPayload("foo.test"), to(bob, 1000), to(alice, 5000)))
		}},
		{name: "sent by someone other than the preorderer", ok: false, check: absent, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(carol, ':', registerPayload("foo.test"), to(bob, 1000)))
		}},
		{name: "recipient other than the preordered one", ok: false, check: absent, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, ':', registerPayload("foo.test"), to(carol, 1000)))
		}},
		{name: "other name than preordered", ok: false, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, ':', registerPayload("fop.test"), to(bob, 1000)))
		}},
		{name: "no recipient output", ok: false, check: absent, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, ':', registerPayload("foo.test")))
		}},
		{name: "value hash before epoch 3 is part of the name", ok: false, check: absent, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, ':', registerPayload("foo.test", valueHash("zf")), to(bob, 1000)))
		}},
		{name: "fee one satoshi short", ok: false, check: absent,
			setup: func(c *chain) { preorder(c, "bar.test", alice, bob, cheapPrice-1) },
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(alice, ':', registerPayload("bar.test"), to(bob, 1000)))
			}},
		{name: "fee not burnt", ok: false,
			setup: func(c *chain) {
				c.mustMine(c.tx(alice, '?', preorderPayload("bar.test", alice, bob, c.ch()), to(alice, 1000), to(carol, cheapPrice)))
			},
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(alice, ':', registerPayload("bar.test"), to(bob, 1000)))
			}},
		{name: "stolen name: registered by another in an earlier block", ok: false,
			setup: func(c *chain) {
				preorder(c, "foo.test", carol, carol, cheapPrice)
				c.mustMine(c.tx(carol, ':', registerPayload("foo.test"), to(carol, 1000)))
			},
			block: func(c *chain) []*wire.MsgTx { return one(reg(c)) },
			check: func(t *testing.T, c *chain, res *Result) {
				if str(c.nameRow("foo.test"), "sender") != carol.scriptHex() {
					t.Fatal("name changed hands")
				}
			}},
		{name: "multisig recipient before epoch 2", ok: false,
			setup: func(c *chain) { preorder(c, "bar.test", alice, msig, cheapPrice) },
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(alice, ':', registerPayload("bar.test"), to(msig, 1000)))
			}},
	})

	// The recipient may own at most 25 names.
	extra := func(n int) func(c *chain) {
		return func(c *chain) {
			c.ownMany(carol, n)
			preorder(c, "extra.test", alice, carol, cheapPrice)
		}
	}
	opSuite{net: net1, base: ready}.run(t, []opCase{
		{name: "recipient owning 24 names", ok: true, setup: extra(24), block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, ':', registerPayload("extra.test"), to(carol, 1000)))
		}},
		{name: "recipient owning 25 names", ok: false, setup: extra(25), block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, ':', registerPayload("extra.test"), to(carol, 1000)))
		}},
	})

	// The namespace must be ready, and have been ready when the name was
	// preordered.
	opSuite{net: net1}.run(t, []opCase{
		{name: "namespace only revealed", ok: false,
			setup: func(c *chain) {
				c.revealNamespace("test", cheapRules, dave, dave)
				preorder(c, "foo.test", alice, bob, cheapPrice)
			},
			block: func(c *chain) []*wire.MsgTx { return one(reg(c)) }},
		{name: "preordered before the namespace was ready", ok: false,
			setup: func(c *chain) {
				c.revealNamespace("test", cheapRules, dave, dave)
				preorder(c, "foo.test", alice, bob, cheapPrice)
				c.mustMine(c.tx(dave, '!', []byte(".test")))
			},
			block: func(c *chain) []*wire.MsgTx { return one(reg(c)) }},
		{name: "preordered in the block that readied the namespace", ok: true,
			setup: func(c *chain) {
				c.revealNamespace("test", cheapRules, dave, dave)
				c.mustMine(c.tx(dave, '!', []byte(".test")),
					c.tx(alice, '?', preorderPayload("foo.test", alice, bob, c.ch()), to(alice, 1000), burn(cheapPrice)))
			},
			block: func(c *chain) []*wire.MsgTx { return one(reg(c)) }},
		{name: "unknown namespace", ok: false,
			setup: func(c *chain) {
				ready(c)
				preorder(c, "foo.nope", alice, bob, cheapPrice)
			},
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(alice, ':', registerPayload("foo.nope"), to(bob, 1000)))
			}},
	})

	// Epoch gates: multisig recipients from epoch 2, value hashes from 3.
	opSuite{net: net2, base: base}.run(t, []opCase{
		{name: "multisig recipient in epoch 2", ok: true, check: owned(msig),
			setup: func(c *chain) { preorder(c, "foo.test", alice, msig, cheapPrice) },
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(alice, ':', registerPayload("foo.test"), to(msig, 1000)))
			}},
	})
	opSuite{net: net3, base: base}.run(t, []opCase{
		{name: "value hash in epoch 3", ok: true,
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(alice, ':', registerPayload("foo.test", valueHash("zf")), to(bob, 1000)))
			},
			check: func(t *testing.T, c *chain, res *Result) {
				if got := str(c.nameRow("foo.test"), "value_hash"); got != valueHash("zf") {
					t.Fatalf("value hash %q", got)
				}
				if len(res.Announcements) != 1 || res.Announcements[0].Hash != valueHash("zf") {
					t.Fatalf("announcements %v", res.Announcements)
				}
			}},
	})
}

// TestPreorderLifetime covers how long a name preorder can be registered:
// before epoch 4 only the namespace lifetime bounds it (the SQL filter lets
// every preorder through, blockstack-v1.md §1.9); from epoch 4 the
// 144-block NAME_PREORDER_EXPIRE applies as well.
func TestPreorderLifetime(t *testing.T) {
	short := cheapRules
	short.lifetime = 200 // epoch 1 multiplier 1: 200 blocks
	cases := []struct {
		name  string
		epoch int
		delay uint64 // blocks from the preorder to the registration
		ok    bool
	}{
		{"epoch 1, 145 blocks later", 1, 145, true},
		{"epoch 1, 200 blocks later", 1, 200, true},
		{"epoch 1, 201 blocks later: preorder + lifetime <= lastblock", 1, 201, false},
		{"epoch 4, 144 blocks later", 4, 144, true},
		{"epoch 4, 145 blocks later", 4, 145, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var genesis []genesisRow
			if tc.epoch >= 4 {
				genesis = []genesisRow{{"address": dave.addr, "type": "STACKS", "value": int64(1e12)}}
			}
			c := newChain(t, epochNet(t, tc.epoch), genesis)
			c.readyNamespace("test", short, dave, dave, 6400000000)
			c.mustMine(c.tx(alice, '?', preorderPayload("foo.test", alice, bob, c.ch()), to(alice, 1000), burn(cheapPrice)))
			c.skipTo(c.tip() + tc.delay)
			tx := c.tx(alice, ':', registerPayload("foo.test"), to(bob, 1000))
			if got := accepted(c.mine(tx), tx); got != tc.ok {
				t.Fatalf("accepted = %v, want %v", got, tc.ok)
			}
		})
	}
}
