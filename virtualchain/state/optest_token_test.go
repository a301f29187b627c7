package state

import (
	"encoding/hex"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/atlasd/atlasd/virtualchain/params"
)

// Token-epoch wallets: frank's account is locked until block 305, grace's
// refuses transfers in.
var frank, grace = newWallet("frank"), newWallet("grace")

const lockedUntil = firstBlock + 5

// stxPrice is the STX price of the 4-character namespace "test" in epochs
// 4-6; cheapStx is price_name_stacks of a cheapRules name there:
// int(2*10^2*100 // 10) * 650 // 15 (blockstack-v1.md §1.8).
const (
	stxPrice = 6400000000
	cheapStx = 2000 * 650 / 15
)

func tokenGenesis() []genesisRow {
	return []genesisRow{
		{"address": alice.addr, "type": "STACKS", "value": 1000},
		{"address": alice.addr, "type": "OTHER", "value": 1000},
		{"address": bob.addr, "type": "STACKS", "value": cheapStx},
		{"address": dave.addr, "type": "STACKS", "value": 10 * stxPrice},
		{"address": frank.addr, "type": "STACKS", "value": 1000, "lock_transfer_block_id": lockedUntil},
		{"address": grace.addr, "type": "STACKS", "value": 0, "receive_whitelisted": false},
	}
}

func send(c *chain, from, rcpt *wallet, units string, amount uint64) *wire.MsgTx {
	return c.tx(from, '$', tokenTransferPayload(c.ch(), units, amount), to(rcpt, 5500))
}

func balances(want map[*wallet]int64) func(t *testing.T, c *chain, res *Result) {
	return func(t *testing.T, c *chain, res *Result) {
		t.Helper()
		for w, v := range want {
			if got, _ := c.balance(w.addr, "STACKS"); got != v {
				t.Errorf("%s has %d STACKS, want %d", w.label, got, v)
			}
		}
	}
}

// TestTokenTransfer covers TOKEN_TRANSFER (blockstack-v1.md §1.4.12).
func TestTokenTransfer(t *testing.T) {
	untouched := balances(map[*wallet]int64{alice: 1000})
	opSuite{net: net4, genesis: tokenGenesis()}.run(t, []opCase{
		{name: "accepted", ok: true, check: balances(map[*wallet]int64{alice: 600, carol: 400}),
			block: func(c *chain) []*wire.MsgTx { return one(send(c, alice, carol, "STACKS", 400)) }},
		{name: "whole balance", ok: true, check: balances(map[*wallet]int64{alice: 0, carol: 1000}),
			block: func(c *chain) []*wire.MsgTx { return one(send(c, alice, carol, "STACKS", 1000)) }},
		{name: "one more than the balance", ok: false, check: untouched,
			block: func(c *chain) []*wire.MsgTx { return one(send(c, alice, carol, "STACKS", 1001)) }},
		{name: "zero", ok: false, check: untouched,
			block: func(c *chain) []*wire.MsgTx { return one(send(c, alice, carol, "STACKS", 0)) }},
		{name: "to itself", ok: false, check: untouched,
			block: func(c *chain) []*wire.MsgTx { return one(send(c, alice, alice, "STACKS", 400)) }},
		{name: "2^64-1", ok: false, check: untouched,
			block: func(c *chain) []*wire.MsgTx { return one(send(c, alice, carol, "STACKS", 1<<64-1)) }},
		{name: "sender has no account", ok: false,
			block: func(c *chain) []*wire.MsgTx { return one(send(c, carol, alice, "STACKS", 1)) }},
		{name: "token type the sender holds none of", ok: false, check: untouched,
			block: func(c *chain) []*wire.MsgTx { return one(send(c, alice, carol, "BTC", 400)) }},
		{name: "other token type", ok: true,
			block: func(c *chain) []*wire.MsgTx { return one(send(c, alice, carol, "OTHER", 400)) },
			check: func(t *testing.T, c *chain, res *Result) {
				untouched(t, c, res)
				if got, _ := c.balance(carol.addr, "OTHER"); got != 400 {
					t.Fatalf("carol has %d OTHER", got)
				}
			}},
		{name: "unknown consensus hash", ok: false, check: untouched, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '$', tokenTransferPayload("0123456789abcdef0123456789abcdef", "STACKS", 400), to(carol, 5500)))
		}},
		{name: "all-zero consensus hash before epoch 5", ok: false, check: untouched, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '$', tokenTransferPayload("00000000000000000000000000000000", "STACKS", 400), to(carol, 5500)))
		}},
		{name: "payload one byte short", ok: false, check: untouched, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '$', tokenTransferPayload(c.ch(), "STACKS", 400)[:42], to(carol, 5500)))
		}},
		{name: "no recipient output", ok: false, check: untouched, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '$', tokenTransferPayload(c.ch(), "STACKS", 400)))
		}},
		{name: "recipient not whitelisted", ok: false, check: untouched,
			block: func(c *chain) []*wire.MsgTx { return one(send(c, alice, grace, "STACKS", 400)) }},
		{name: "sender locked", ok: false,
			setup: func(c *chain) { c.skipTo(lockedUntil - 1) },
			block: func(c *chain) []*wire.MsgTx { return one(send(c, frank, carol, "STACKS", 400)) }},
		{name: "sender unlocked at its lock height", ok: true,
			setup: func(c *chain) { c.skipTo(lockedUntil) },
			block: func(c *chain) []*wire.MsgTx { return one(send(c, frank, carol, "STACKS", 400)) }},
		{name: "received tokens are spendable in the next block", ok: true,
			setup: func(c *chain) { c.mustMine(send(c, alice, carol, "STACKS", 400)) },
			block: func(c *chain) []*wire.MsgTx { return one(send(c, carol, erin, "STACKS", 400)) },
			check: balances(map[*wallet]int64{alice: 600, carol: 0, erin: 400})},
		{name: "two transfers in one block share the balance", ok: false,
			block: func(c *chain) []*wire.MsgTx {
				return []*wire.MsgTx{send(c, alice, carol, "STACKS", 600), send(c, alice, erin, "STACKS", 600)}
			},
			check: balances(map[*wallet]int64{alice: 400, carol: 600, erin: 0})},
	})
	opSuite{net: net5, genesis: tokenGenesis()}.run(t, []opCase{
		{name: "epoch 5: all-zero consensus hash", ok: true, check: balances(map[*wallet]int64{alice: 600}),
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(alice, '$', tokenTransferPayload("00000000000000000000000000000000", "STACKS", 400), to(carol, 5500)))
			}},
		{name: "epoch 5: unknown consensus hash", ok: false, check: untouched, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(alice, '$', tokenTransferPayload("0123456789abcdef0123456789abcdef", "STACKS", 400), to(carol, 5500)))
		}},
	})
	opSuite{net: func(t testing.TB) *params.Params { return epochNet(t, 3, 305) }, genesis: tokenGenesis()}.run(t, []opCase{
		{name: "last block of epoch 3", ok: false, check: untouched,
			setup: func(c *chain) { c.skipTo(304) },
			block: func(c *chain) []*wire.MsgTx { return one(send(c, alice, carol, "STACKS", 400)) }},
		{name: "first block of epoch 4", ok: true,
			setup: func(c *chain) { c.skipTo(305) },
			block: func(c *chain) []*wire.MsgTx { return one(send(c, alice, carol, "STACKS", 400)) }},
	})
}

// stxPreorder is a NAME_PREORDER that pays tokens of units.
func stxPreorder(c *chain, fqn string, payer, owner *wallet, tokens uint64, units string, fee *wire.TxOut) *wire.MsgTx {
	p := append(append(preorderPayload(fqn, payer, owner, c.ch()), u64(tokens)...), units19(units)...)
	return c.tx(payer, '?', p, to(payer, 1000), fee)
}

// TestTokenPayments covers the operations that spend STX from epoch 4:
// name preorders, registrations paid by them, renewals, and namespace
// preorders and reveals (blockstack-v1.md §1.4.1, §1.4.8, §1.8).
func TestTokenPayments(t *testing.T) {
	ns := func(c *chain) { c.readyNamespace("test", cheapRules, dave, dave, stxPrice) }
	preHash := hex.EncodeToString(hashName("foo.test", alice, bob.addr))
	opSuite{net: net4, genesis: tokenGenesis(), base: ns}.run(t, []opCase{
		{name: "preorder paying STX", ok: true, block: func(c *chain) []*wire.MsgTx {
			return one(stxPreorder(c, "foo.test", alice, bob, 1000, "STACKS", burn(5500)))
		}, check: func(t *testing.T, c *chain, res *Result) {
			balances(map[*wallet]int64{alice: 0})(t, c, res)
			row := c.preorderRow(preHash)
			if str(row, "token_units") != "STACKS" || num(row, "token_fee") != 1000 {
				t.Fatalf("preorder row %v", row)
			}
		}},
		{name: "preorder paying more STX than the balance", ok: false, check: balances(map[*wallet]int64{alice: 1000}),
			block: func(c *chain) []*wire.MsgTx {
				return one(stxPreorder(c, "foo.test", alice, bob, 1001, "STACKS", burn(5500)))
			}},
		{name: "preorder paying STX without an account", ok: false,
			block: func(c *chain) []*wire.MsgTx {
				return one(stxPreorder(c, "foo.test", carol, bob, 1, "STACKS", burn(5500)))
			}},
		{name: "preorder paying another token", ok: false, check: balances(map[*wallet]int64{alice: 1000}),
			block: func(c *chain) []*wire.MsgTx {
				return one(stxPreorder(c, "foo.test", alice, bob, 1000, "OTHER", burn(5500)))
			},
		},
		{name: "preorder paying STX must burn", ok: false, check: balances(map[*wallet]int64{alice: 1000}),
			block: func(c *chain) []*wire.MsgTx {
				return one(stxPreorder(c, "foo.test", alice, bob, 1000, "STACKS", to(carol, 5500)))
			}},
		// v1 kept a NUL-only token type as '' (not None), so the preorder
		// takes the token branch and finds no account of type ''.
		{name: "preorder with token fields but no token type", ok: false, check: balances(map[*wallet]int64{alice: 1000}),
			block: func(c *chain) []*wire.MsgTx {
				return one(stxPreorder(c, "foo.test", alice, bob, 0, "", burn(cheapPrice)))
			}},
		// Python compares the full 64-bit amount with the balance; it must
		// not wrap to a negative number that every balance covers.
		{name: "preorder paying 2^64-1 STX", ok: false, check: balances(map[*wallet]int64{alice: 1000}),
			block: func(c *chain) []*wire.MsgTx {
				return one(stxPreorder(c, "foo.test", alice, bob, 1<<64-1, "STACKS", burn(5500)))
			}},
		{name: "registration paid with exactly the STX price", ok: true,
			setup: func(c *chain) { c.mustMine(stxPreorder(c, "foo.test", bob, bob, cheapStx, "STACKS", burn(5500))) },
			block: func(c *chain) []*wire.MsgTx { return one(c.tx(bob, ':', registerPayload("foo.test"), to(bob, 1000))) }},
		{name: "registration paid with one STX less", ok: false,
			setup: func(c *chain) { c.mustMine(stxPreorder(c, "foo.test", bob, bob, cheapStx-1, "STACKS", burn(5500))) },
			block: func(c *chain) []*wire.MsgTx { return one(c.tx(bob, ':', registerPayload("foo.test"), to(bob, 1000))) }},
		{name: "registration payload burning tokens", ok: false,
			setup: func(c *chain) { c.mustMine(stxPreorder(c, "foo.test", bob, bob, cheapStx, "STACKS", burn(5500))) },
			block: func(c *chain) []*wire.MsgTx {
				return one(c.tx(bob, ':', append(registerPayload("foo.test", valueHash("zf")), u64(1)...), to(bob, 1000)))
			}},
	})

	// Renewals paying STX debit the owner's account.
	renewSTX := func(c *chain, tokens uint64) *wire.MsgTx {
		p := append(registerPayload("foo.test", valueHash("zf")), u64(tokens)...)
		return renew(c, bob, bob, burn(5500), p)
	}
	owned := func(c *chain) {
		ns(c)
		c.register("foo.test", alice, bob, cheapPrice)
	}
	opSuite{net: net4, genesis: tokenGenesis(), base: owned}.run(t, []opCase{
		{name: "renewal paying the STX price", ok: true, check: balances(map[*wallet]int64{bob: 0}),
			block: func(c *chain) []*wire.MsgTx { return one(renewSTX(c, cheapStx)) }},
		{name: "renewal paying one STX less than the price", ok: false, check: balances(map[*wallet]int64{bob: cheapStx}),
			block: func(c *chain) []*wire.MsgTx { return one(renewSTX(c, cheapStx-1)) }},
		{name: "renewal paying more than the balance", ok: false,
			setup: func(c *chain) { c.mustMine(send(c, bob, carol, "STACKS", 1)) },
			block: func(c *chain) []*wire.MsgTx { return one(renewSTX(c, cheapStx)) }},
		{name: "renewal with a value hash but no token count", ok: false, block: func(c *chain) []*wire.MsgTx {
			return one(renew(c, bob, bob, burn(5500), registerPayload("foo.test", valueHash("zf"))))
		}},
		{name: "renewal paying 2^64-1 STX", ok: false, check: balances(map[*wallet]int64{bob: cheapStx}),
			block: func(c *chain) []*wire.MsgTx { return one(renewSTX(c, 1<<64-1)) }},
		{name: "renewal paying BTC", ok: true, check: balances(map[*wallet]int64{bob: cheapStx}),
			block: func(c *chain) []*wire.MsgTx { return one(renew(c, bob, bob, burn(2000), registerPayload("foo.test"))) }},
	})

	// Namespaces cost STX from epoch 4.
	nsPre := func(c *chain, from *wallet, tokens uint64, fee *wire.TxOut) *wire.MsgTx {
		return c.tx(from, '*', append(nsPreorderPayload("test", from, dave, c.ch()), u64(tokens)...), to(from, 1000), fee)
	}
	opSuite{net: net4, genesis: tokenGenesis()}.run(t, []opCase{
		{name: "namespace preorder paying STX", ok: true, check: balances(map[*wallet]int64{dave: 9 * stxPrice}),
			block: func(c *chain) []*wire.MsgTx { return one(nsPre(c, dave, stxPrice, burn(5500))) }},
		{name: "namespace preorder without a token fee", ok: false, block: func(c *chain) []*wire.MsgTx {
			return one(c.tx(dave, '*', nsPreorderPayload("test", dave, dave, c.ch()), to(dave, 1000), burn(testPrice)))
		}},
		{name: "namespace preorder paying more than the balance", ok: false, check: balances(map[*wallet]int64{alice: 1000}),
			block: func(c *chain) []*wire.MsgTx { return one(nsPre(c, alice, 1001, burn(5500))) }},
		{name: "namespace preorder paying 2^64-1 STX", ok: false, check: balances(map[*wallet]int64{alice: 1000}),
			block: func(c *chain) []*wire.MsgTx { return one(nsPre(c, alice, 1<<64-1, burn(5500))) }},
		{name: "namespace preorder paying STX must burn", ok: false, check: balances(map[*wallet]int64{dave: 10 * stxPrice}),
			block: func(c *chain) []*wire.MsgTx { return one(nsPre(c, dave, stxPrice, to(carol, 5500))) }},
		{name: "reveal after paying the STX price", ok: true,
			setup: func(c *chain) { c.mustMine(nsPre(c, dave, stxPrice, burn(5500))) },
			block: func(c *chain) []*wire.MsgTx { return one(reveal(c, dave, dave, "test", cheapRules)) }},
		{name: "reveal after paying one STX less", ok: false,
			setup: func(c *chain) { c.mustMine(nsPre(c, dave, stxPrice-1, burn(5500))) },
			block: func(c *chain) []*wire.MsgTx { return one(reveal(c, dave, dave, "test", cheapRules)) }},
	})
}

// TestNamespaceVersions covers how names are paid for in pay-to-creator
// (v2) and pay-with-STX (v3) namespaces (blockstack-v1.md §1.8).
func TestNamespaceVersions(t *testing.T) {
	v2, v3 := cheapRules, cheapRules
	v2.version, v3.version = 2, 3
	reg := func(c *chain, payer *wallet) *wire.MsgTx {
		return c.tx(payer, ':', registerPayload("foo.test"), to(bob, 1000))
	}
	// v2: the fee goes to the namespace's preorderer (alice) while
	// reveal_block + receive_fees_period >= the registration's height, and
	// is burnt after. The namespace is revealed at 301.
	creator := func(c *chain) { c.readyNamespace("test", v2, alice, dave) }
	pre := func(fee *wire.TxOut) func(c *chain) {
		return func(c *chain) {
			c.mustMine(c.tx(carol, '?', preorderPayload("foo.test", carol, bob, c.ch()), to(carol, 1000), fee))
		}
	}
	// registerAt puts the preorder in the block before h.
	registerAt := func(h uint64, fee *wire.TxOut) func(c *chain) {
		return func(c *chain) {
			c.skipTo(h - 1)
			pre(fee)(c)
		}
	}
	price := int64(cheapPrice / 10) // epoch 3
	opSuite{net: net3, base: creator}.run(t, []opCase{
		{name: "v2 fee to the creator within the period", ok: true, setup: pre(to(alice, price)),
			block: func(c *chain) []*wire.MsgTx { return one(reg(c, carol)) }},
		{name: "v2 fee burnt within the period", ok: false, setup: pre(burn(price)),
			block: func(c *chain) []*wire.MsgTx { return one(reg(c, carol)) }},
		{name: "v2 fee to the creator, short", ok: false, setup: pre(to(alice, price-1)),
			block: func(c *chain) []*wire.MsgTx { return one(reg(c, carol)) }},
		{name: "v2 fee to the creator in the period's last block", ok: true, setup: registerAt(301+testReceiveFees, to(alice, price)),
			block: func(c *chain) []*wire.MsgTx { return one(reg(c, carol)) }},
		{name: "v2 fee burnt in the period's last block", ok: false, setup: registerAt(301+testReceiveFees, burn(price)),
			block: func(c *chain) []*wire.MsgTx { return one(reg(c, carol)) }},
		{name: "v2 fee burnt after the period", ok: true, setup: registerAt(302+testReceiveFees, burn(price)),
			block: func(c *chain) []*wire.MsgTx { return one(reg(c, carol)) }},
		{name: "v2 fee to the creator after the period", ok: false, setup: registerAt(302+testReceiveFees, to(alice, price)),
			block: func(c *chain) []*wire.MsgTx { return one(reg(c, carol)) }},
	})

	// v3: names cost STX at NAME_COST_UNIT_STACKS = 1733 per unit:
	// 2 * 10^2 * 1733 // 1 // 1 = 346600 micro-STX.
	const v3Price = 2 * 100 * 1733
	stx := func(c *chain) { c.readyNamespace("test", v3, dave, dave, stxPrice) }
	genesis := append(tokenGenesis(), genesisRow{"address": carol.addr, "type": "STACKS", "value": v3Price})
	opSuite{net: net4, genesis: genesis, base: stx}.run(t, []opCase{
		{name: "v3 paid with the STX price", ok: true,
			setup: func(c *chain) { c.mustMine(stxPreorder(c, "foo.test", carol, bob, v3Price, "STACKS", burn(5500))) },
			block: func(c *chain) []*wire.MsgTx { return one(reg(c, carol)) }},
		{name: "v3 paid with one STX less", ok: false,
			setup: func(c *chain) { c.mustMine(stxPreorder(c, "foo.test", carol, bob, v3Price-1, "STACKS", burn(5500))) },
			block: func(c *chain) []*wire.MsgTx { return one(reg(c, carol)) }},
		{name: "v3 paid in BTC", ok: false,
			setup: func(c *chain) { pre(burn(1e8))(c) },
			block: func(c *chain) []*wire.MsgTx { return one(reg(c, carol)) }},
	})
}
