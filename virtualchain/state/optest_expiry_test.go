package state

import (
	"testing"

	"github.com/btcsuite/btcd/wire"
)

// TestExpiryAndGrace walks a name across its expiry, renewal grace period
// and final expiry in epoch 3 (lifetime multiplier 2, grace 10 here), for
// every operation that looks at them.
//
// The namespace is readied at 302 with lifetime 10 and foo.test registered
// at 304, so by blockstack-v1.md §1.9:
//
//	expire_block     = max(302, 304) + 10*2 = 324
//	renewal_deadline = 324 + 10             = 334
//	unexpired at cb  ⇔ 302+30 > cb or 304+30 >= cb ⇔ cb <= 334
//	in grace at h    ⇔ unexpired at h and 324 <= h < 334
//
// Updates and transfers need the name unexpired at h-1 and not in grace at
// h, revokes unexpired at h and not in grace, renewals only unexpired at
// h-1. That leaves v1's off-by-ones kept here: an update or transfer at 334
// and 335 (after the grace period) is accepted, and so is a revoke at 334.
func TestExpiryAndGrace(t *testing.T) {
	short := cheapRules
	short.lifetime = 10
	ops := map[string]func(c *chain) []*wire.MsgTx{
		"update": func(c *chain) []*wire.MsgTx {
			return one(c.tx(bob, '+', updatePayload("foo.test", c.ch(), valueHash("zf2"))))
		},
		"transfer": func(c *chain) []*wire.MsgTx {
			return one(c.tx(bob, '>', transferPayload(true, "foo.test", c.ch()), to(carol, 1000)))
		},
		"revoke": func(c *chain) []*wire.MsgTx { return one(c.tx(bob, '~', []byte("foo.test"))) },
		"renew": func(c *chain) []*wire.MsgTx {
			return one(renew(c, bob, bob, burn(cheapPrice/10), registerPayload("foo.test")))
		},
		// Another user's preorder goes in the block before.
		"register again": func(c *chain) []*wire.MsgTx {
			return one(c.tx(carol, ':', registerPayload("foo.test"), to(carol, 1000)))
		},
	}
	cases := []struct {
		op string
		at uint64
		ok bool
	}{
		{"update", 323, true}, {"update", 324, false}, {"update", 333, false},
		{"update", 334, true}, {"update", 335, true}, {"update", 336, false},
		{"transfer", 323, true}, {"transfer", 324, false}, {"transfer", 335, true}, {"transfer", 336, false},
		{"revoke", 323, true}, {"revoke", 324, false}, {"revoke", 334, true}, {"revoke", 335, false},
		{"renew", 324, true}, {"renew", 333, true}, {"renew", 335, true}, {"renew", 336, false},
		{"register again", 335, false}, {"register again", 336, true},
	}
	for _, tc := range cases {
		t.Run(tc.op+" at "+itoa(int64(tc.at)), func(t *testing.T) {
			c := newChain(t, net3(t), nil)
			c.readyNamespace("test", short, dave, dave)
			c.register("foo.test", alice, bob, cheapPrice)
			if r, ns := c.nameRow("foo.test"), c.namespaceRow("test"); num(r, "last_renewed") != 304 || num(ns, "ready_block") != 302 {
				t.Fatalf("setup: renewed at %d, ready at %d", num(r, "last_renewed"), num(ns, "ready_block"))
			}
			if tc.op == "register again" {
				c.skipTo(tc.at - 1)
				c.mustMine(c.tx(carol, '?', preorderPayload("foo.test", carol, carol, c.ch()), to(carol, 1000), burn(cheapPrice)))
			}
			c.skipTo(tc.at)
			txs := ops[tc.op](c)
			res := c.mine(txs...)
			if got := accepted(res, txs[0]); got != tc.ok {
				t.Fatalf("accepted = %v, want %v", got, tc.ok)
			}
			if tc.op == "register again" && tc.ok {
				// An expired name registered again keeps its first
				// block_number (the first preorder's, 303).
				row := c.nameRow("foo.test")
				if str(row, "sender") != carol.scriptHex() || num(row, "block_number") != 303 ||
					num(row, "first_registered") != int64(tc.at) || num(row, "preorder_block_number") != int64(tc.at)-1 {
					t.Fatalf("re-registered row %v", row)
				}
			}
		})
	}

	t.Run("renewal in the grace period restarts the lifetime", func(t *testing.T) {
		c := newChain(t, net3(t), nil)
		c.readyNamespace("test", short, dave, dave)
		c.register("foo.test", alice, bob, cheapPrice)
		c.skipTo(330)
		c.mustMine(ops["renew"](c)...)
		// Renewed at 330: in grace from 350, so an update at 349 passes.
		c.skipTo(349)
		c.mustMine(ops["update"](c)...)
		c.skipTo(350)
		txs := ops["update"](c)
		if accepted(c.mine(txs...), txs[0]) {
			t.Fatal("update in the new grace period accepted")
		}
	})
}
