package state

import (
	"testing"

	"github.com/btcsuite/btcd/wire"
)

// Wallets shared by the name-operation tests: alice pays, bob owns, carol
// and erin are strangers, dave runs the namespace.
var (
	alice, bob, carol = newWallet("alice"), newWallet("bob"), newWallet("carol")
	dave, erin        = newWallet("dave"), newWallet("erin")
	msig              = newMultisigWallet("msig")
)

// ownedName readies "test" and registers foo.test to bob, then sets its
// value hash with an update.
func ownedName(c *chain) {
	c.readyNamespace("test", cheapRules, dave, dave)
	c.register("foo.test", alice, bob, cheapPrice)
	c.mustMine(c.tx(bob, '+', updatePayload("foo.test", c.ch(), valueHash("zf1"))))
}

func ownerIs(w *wallet) func(t *testing.T, c *chain, res *Result) {
	return func(t *testing.T, c *chain, res *Result) {
		t.Helper()
		if row := c.nameRow("foo.test"); str(row, "sender") != w.scriptHex() || str(row, "address") != w.addr {
			t.Fatalf("owner %q, want %s", str(row, "address"), w.label)
		}
	}
}

// unchanged checks that bob still holds foo.test as ownedName left it.
func unchanged(t *testing.T, c *chain, res *Result) {
	t.Helper()
	row := c.nameRow("foo.test")
	if str(row, "sender") != bob.scriptHex() || str(row, "value_hash") != valueHash("zf1") ||
		truthy(row, "revoked") || num(row, "last_renewed") == int64(res.Height) {
		t.Fatalf("name changed: %v", row)
	}
}

// renew sends a NAME_RENEWAL of foo.test from w, kept by owner, with a fee
// output (the fourth output, which makes the ':' a renewal).
func renew(c *chain, from, owner *wallet, fee *wire.TxOut, payload []byte) *wire.MsgTx {
	return c.tx(from, ':', payload, to(owner, 1000), to(from, 1000), fee)
}

// TestNameRenewal covers NAME_RENEWAL (blockstack-v1.md §1.4.3).
func TestNameRenewal(t *testing.T) {
	name := registerPayload("foo.test")
	renewed := func(owner *wallet) func(t *testing.T, c *chain, res *Result) {
		return func(t *testing.T, c *chain, res *Result) {
			ownerIs(owner)(t, c, res)
			row := c.nameRow("foo.test")
			if num(row, "last_renewed") != int64(res.Height) || str(row, "op") != "::" {
				t.Fatalf("row %v", row)
			}
		}
	}
	opSuite{net: net1, base: ownedName}.run(t, []opCase{
		{name: "accepted", ok: true, check: renewed(bob), block: func(c *chain) []*wire.MsgTx {
			return one(renew(c, bob, bob, burn(cheapPrice), name))
		}},
		{name: "fee one satoshi short", ok: false, check: unchanged, block: func(c *chain) []*wire.MsgTx {
			return one(renew(c, bob, bob, burn(cheapPrice-1), name))
		}},
		{name: "fee not burnt", ok: false, check: unchanged, block: func(c *chain) []*wire.MsgTx {
			return one(renew(c, bob, bob, to(carol, cheapPrice), name))
		}},
		{name: "sent by a stranger", ok: false, check: unchanged, block: func(c *chain) []*wire.MsgTx {
			return one(renew(c, carol, carol, burn(cheapPrice), name))
		}},
		{name: "new owner before epoch 3", ok: false, check: unchanged, block: func(c *chain) []*wire.MsgTx {
			return one(renew(c, bob, carol, burn(cheapPrice), name))
		}},
		{name: "three outputs make it a registration", ok: false, check: unchanged, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(bob, ':', name, to(bob, 1000), burn(cheapPrice)))
		}},
		{name: "value hash before epoch 3 is part of the name", ok: false, check: unchanged, block: func(c *chain) []*wire.MsgTx {
			return one(renew(c, bob, bob, burn(cheapPrice), registerPayload("foo.test", valueHash("zf2"))))
		}},
		{name: "name not registered", ok: false, block: func(c *chain) []*wire.MsgTx {
			return one(renew(c, bob, bob, burn(cheapPrice), registerPayload("bar.test")))
		}},
		{name: "name revoked", ok: false,
			setup: func(c *chain) { c.mustMine(c.tx(bob, '~', []byte("foo.test"))) },
			block: func(c *chain) []*wire.MsgTx { return one(renew(c, bob, bob, burn(cheapPrice), name)) }},
	})
	opSuite{net: net3, base: ownedName}.run(t, []opCase{
		{name: "epoch 3: renewal to a new owner transfers", ok: true, check: renewed(carol),
			block: func(c *chain) []*wire.MsgTx { return one(renew(c, bob, carol, burn(cheapPrice/10), name)) }},
		{name: "epoch 3: renewal by a stranger to himself", ok: false, check: unchanged,
			block: func(c *chain) []*wire.MsgTx { return one(renew(c, carol, carol, burn(cheapPrice/10), name)) }},
		{name: "epoch 3: value hash replaces the old one", ok: true,
			block: func(c *chain) []*wire.MsgTx {
				return one(renew(c, bob, bob, burn(cheapPrice/10), registerPayload("foo.test", valueHash("zf2"))))
			},
			check: func(t *testing.T, c *chain, res *Result) {
				if got := str(c.nameRow("foo.test"), "value_hash"); got != valueHash("zf2") {
					t.Fatalf("value hash %q", got)
				}
			}},
		{name: "epoch 3: without a value hash the old one stays", ok: true,
			block: func(c *chain) []*wire.MsgTx { return one(renew(c, bob, bob, burn(cheapPrice/10), name)) },
			check: func(t *testing.T, c *chain, res *Result) {
				if got := str(c.nameRow("foo.test"), "value_hash"); got != valueHash("zf1") {
					t.Fatalf("value hash %q", got)
				}
			}},
	})
}

// TestNameUpdate covers NAME_UPDATE (blockstack-v1.md §1.4.4).
func TestNameUpdate(t *testing.T) {
	updated := func(t *testing.T, c *chain, res *Result) {
		row := c.nameRow("foo.test")
		if str(row, "value_hash") != valueHash("zf2") || str(row, "consensus_hash") != c.chAt(uint64(res.Height)-1) || str(row, "op") != "+" {
			t.Fatalf("row %v", row)
		}
		if len(res.Announcements) != 1 || res.Announcements[0].Hash != valueHash("zf2") || res.Announcements[0].Name != "foo.test" {
			t.Fatalf("announcements %v", res.Announcements)
		}
	}
	kept := func(t *testing.T, c *chain, res *Result) {
		if got := str(c.nameRow("foo.test"), "value_hash"); got != valueHash("zf1") {
			t.Fatalf("value hash changed to %q", got)
		}
	}
	opSuite{net: net1, base: ownedName}.run(t, []opCase{
		{name: "accepted", ok: true, check: updated, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(bob, '+', updatePayload("foo.test", c.ch(), valueHash("zf2"))))
		}},
		{name: "sent by a stranger", ok: false, check: kept, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(carol, '+', updatePayload("foo.test", c.ch(), valueHash("zf2"))))
		}},
		{name: "payload one byte short", ok: false, check: kept, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(bob, '+', updatePayload("foo.test", c.ch(), valueHash("zf2"))[:35]))
		}},
		{name: "hash of a name the sender does not own", ok: false, check: kept,
			setup: func(c *chain) { c.register("bar.test", alice, carol, cheapPrice) },
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(bob, '+', updatePayload("bar.test", c.ch(), valueHash("zf2"))))
			}},
		{name: "unknown consensus hash", ok: false, check: kept, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(bob, '+', updatePayload("foo.test", "0123456789abcdef0123456789abcdef", valueHash("zf2"))))
		}},
		{name: "name revoked", ok: false,
			setup: func(c *chain) { c.mustMine(c.tx(bob, '~', []byte("foo.test"))) },
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(bob, '+', updatePayload("foo.test", c.ch(), valueHash("zf2"))))
			}},
		{name: "after a transfer the new owner updates", ok: true,
			setup: func(c *chain) {
				c.mustMine(c.tx(bob, '>', transferPayload(true, "foo.test", c.ch()), to(carol, 1000)))
			},
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(carol, '+', updatePayload("foo.test", c.ch(), valueHash("zf2"))))
			}},
		{name: "after a transfer the old owner cannot", ok: false,
			setup: func(c *chain) {
				c.mustMine(c.tx(bob, '>', transferPayload(true, "foo.test", c.ch()), to(carol, 1000)))
			},
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(bob, '+', updatePayload("foo.test", c.ch(), valueHash("zf2"))))
			}},
	})
}

// TestNameTransfer covers NAME_TRANSFER with and without keeping the value
// hash, and the consensus hash v1 stores for it (blockstack-v1.md §1.4.5).
func TestNameTransfer(t *testing.T) {
	moved := func(keep bool) func(t *testing.T, c *chain, res *Result) {
		return func(t *testing.T, c *chain, res *Result) {
			ownerIs(carol)(t, c, res)
			row := c.nameRow("foo.test")
			wantOp, wantVH := ">~", ""
			if keep {
				wantOp, wantVH = ">>", valueHash("zf1")
			}
			if str(row, "op") != wantOp || str(row, "value_hash") != wantVH || !isNone(row, "sender_pubkey") {
				t.Fatalf("row %v", row)
			}
			// find_transfer_consensus_hash: the last update's hash, not the
			// payload's (which is the tip's, two blocks later).
			if got, upd := str(row, "consensus_hash"), c.chAt(uint64(res.Height)-3); got != upd {
				t.Fatalf("stored consensus hash %s, want the update's %s", got, upd)
			}
		}
	}
	base := func(c *chain) {
		ownedName(c)
		c.mine()
	}
	xfer := func(c *chain, from *wallet, d byte, ch string, rcpt *wallet) *wire.MsgTx {
		p := transferPayload(true, "foo.test", ch)
		p[0] = d
		return c.tx(from, '>', p, to(rcpt, 1000))
	}
	opSuite{net: net1, base: base}.run(t, []opCase{
		{name: "keep data", ok: true, check: moved(true), block: func(c *chain) []*wire.MsgTx {
			return one(xfer(c, bob, '>', c.ch(), carol))
		}},
		{name: "drop data", ok: true, check: moved(false), block: func(c *chain) []*wire.MsgTx {
			return one(xfer(c, bob, '~', c.ch(), carol))
		}},
		{name: "unknown disposition byte", ok: false, check: unchanged, block: func(c *chain) []*wire.MsgTx {
			return one(xfer(c, bob, '!', c.ch(), carol))
		}},
		{name: "no recipient output", ok: false, check: unchanged, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(bob, '>', transferPayload(true, "foo.test", c.ch())))
		}},
		{name: "unknown consensus hash", ok: false, check: unchanged, block: func(c *chain) []*wire.MsgTx {
			return one(xfer(c, bob, '>', "0123456789abcdef0123456789abcdef", carol))
		}},
		{name: "to the owner itself", ok: false, check: unchanged, block: func(c *chain) []*wire.MsgTx {
			return one(xfer(c, bob, '>', c.ch(), bob))
		}},
		{name: "stolen: sent by a stranger", ok: false, check: unchanged, block: func(c *chain) []*wire.MsgTx {
			return one(xfer(c, carol, '>', c.ch(), carol))
		}},
		{name: "name not registered", ok: false, check: unchanged, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(bob, '>', transferPayload(true, "bar.test", c.ch()), to(carol, 1000)))
		}},
		{name: "name revoked", ok: false,
			setup: func(c *chain) { c.mustMine(c.tx(bob, '~', []byte("foo.test"))) },
			block: func(c *chain) []*wire.MsgTx { return one(xfer(c, bob, '>', c.ch(), carol)) }},
		{name: "multisig owner before epoch 2", ok: false,
			setup: func(c *chain) { c.mustMine(xfer(c, bob, '>', c.ch(), msig)) },
			block: func(c *chain) []*wire.MsgTx { return one(xfer(c, msig, '>', c.ch(), carol)) }},
		{name: "recipient owning 24 names", ok: true, setup: func(c *chain) { c.ownMany(carol, 24) },
			block: func(c *chain) []*wire.MsgTx { return one(xfer(c, bob, '>', c.ch(), carol)) }},
		{name: "recipient owning 25 names", ok: false, setup: func(c *chain) { c.ownMany(carol, 25) },
			block: func(c *chain) []*wire.MsgTx { return one(xfer(c, bob, '>', c.ch(), carol)) }},
		{name: "multisig recipient before epoch 2", ok: true,
			block: func(c *chain) []*wire.MsgTx { return one(xfer(c, bob, '>', c.ch(), msig)) }},
	})
	opSuite{net: net2, base: base}.run(t, []opCase{
		{name: "multisig owner in epoch 2", ok: true,
			setup: func(c *chain) { c.mustMine(xfer(c, bob, '>', c.ch(), msig)) },
			block: func(c *chain) []*wire.MsgTx { return one(xfer(c, msig, '>', c.ch(), carol)) }},
	})
}

// TestNameRevoke covers NAME_REVOKE (blockstack-v1.md §1.4.6).
func TestNameRevoke(t *testing.T) {
	revoke := func(c *chain, from *wallet, fqn string) []*wire.MsgTx { return one(c.tx(from, '~', []byte(fqn))) }
	notRevoked := func(t *testing.T, c *chain, res *Result) {
		if row := c.nameRow("foo.test"); truthy(row, "revoked") || str(row, "value_hash") == "" {
			t.Fatalf("row %v", row)
		}
	}
	opSuite{net: net1, base: ownedName}.run(t, []opCase{
		{name: "accepted", ok: true, block: func(c *chain) []*wire.MsgTx { return revoke(c, bob, "foo.test") },
			check: func(t *testing.T, c *chain, res *Result) {
				row := c.nameRow("foo.test")
				if !truthy(row, "revoked") || !isNone(row, "value_hash") || str(row, "op") != "~" {
					t.Fatalf("row %v", row)
				}
			}},
		{name: "sent by a stranger", ok: false, check: notRevoked, block: func(c *chain) []*wire.MsgTx { return revoke(c, carol, "foo.test") }},
		{name: "upper-case name", ok: false, check: notRevoked, block: func(c *chain) []*wire.MsgTx { return revoke(c, bob, "Foo.test") }},
		{name: "name not registered", ok: false, check: notRevoked, block: func(c *chain) []*wire.MsgTx { return revoke(c, bob, "bar.test") }},
		{name: "already revoked", ok: false,
			setup: func(c *chain) { c.mustMine(revoke(c, bob, "foo.test")...) },
			block: func(c *chain) []*wire.MsgTx { return revoke(c, bob, "foo.test") }},
		{name: "a revoked name cannot be registered again", ok: false,
			setup: func(c *chain) {
				c.mustMine(revoke(c, bob, "foo.test")...)
				c.mustMine(c.tx(carol, '?', preorderPayload("foo.test", carol, carol, c.ch()), to(carol, 1000), burn(cheapPrice)))
			},
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(carol, ':', registerPayload("foo.test"), to(carol, 1000)))
			}},
	})
}
