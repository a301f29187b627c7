package state

import (
	"testing"

	"github.com/atlasd/atlasd/virtualchain/params"
)

// edgeRules price a name at coeff * base^2 * 100 / discount satoshis with
// coeff 1 and base 7: 4900 with vowels and letters only, and, as Python 2
// computed it in floats before epoch 4,
//
//	(float(49) / 5.0) * 100  = 980.0000000000001   (a digit: nonalpha 5)
//	(float(49) / 10.0) * 100 = 490.00000000000006  (no vowel: no-vowel 10)
//	980.0000000000001 * 0.1  = 98.00000000000001   (epoch 3's multiplier)
//
// A name with both takes the larger discount (10), not their product (50).
// From epoch 4 prices are integers: 49*100 // 5 // 10 = 98.
var edgeRules = nsRules{lifetime: 1000, coeff: 1, base: 7, buckets: flatBuckets(2), nonalpha: 5, novowel: 10, version: 1}

// TestNamePriceEdges checks the fee comparison at each price's edge in each
// pricing regime, with the values above worked out in Python 2 semantics
// (blockstack-v1.md §1.8).
func TestNamePriceEdges(t *testing.T) {
	zero := edgeRules
	zero.coeff = 0 // price below the unit is raised to it: 100
	cases := []struct {
		name  string
		epoch int
		rules nsRules
		fqn   string
		fee   int64
		ok    bool
	}{
		{"letters at the price", 1, edgeRules, "abc.test", 4900, true},
		{"letters one below", 1, edgeRules, "abc.test", 4899, false},
		{"digit: 980 is below 980.0000000000001", 1, edgeRules, "a1.test", 980, false},
		{"digit: 981", 1, edgeRules, "a1.test", 981, true},
		{"no vowel: 490 is below 490.00000000000006", 1, edgeRules, "bcd.test", 490, false},
		{"no vowel: 491", 1, edgeRules, "bcd.test", 491, true},
		{"both discounts take the max, not the product", 1, edgeRules, "b1.test", 490, false},
		{"both discounts: 491", 1, edgeRules, "b1.test", 491, true},
		{"floor at one unit", 1, zero, "abc.test", 100, true},
		{"floor at one unit, one below", 1, zero, "abc.test", 99, false},
		{"epoch 3: 98 is below 98.00000000000001", 3, edgeRules, "a1.test", 98, false},
		{"epoch 3: 99", 3, edgeRules, "a1.test", 99, true},
		{"epoch 3: letters 490.0", 3, edgeRules, "abc.test", 490, true},
		{"epoch 3: letters one below", 3, edgeRules, "abc.test", 489, false},
		{"epoch 4: integer price 98", 4, edgeRules, "a1.test", 98, true},
		{"epoch 4: 97", 4, edgeRules, "a1.test", 97, false},
		{"epoch 4: floor 100 // 10", 4, zero, "abc.test", 10, true},
		{"epoch 4: floor, one below", 4, zero, "abc.test", 9, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var genesis []genesisRow
			if tc.epoch >= 4 {
				genesis = tokenGenesis()
			}
			c := newChain(t, epochNet(t, tc.epoch), genesis)
			c.readyNamespace("test", tc.rules, dave, dave, stxPrice)
			c.mustMine(c.tx(alice, '?', preorderPayload(tc.fqn, alice, bob, c.ch()), to(alice, 1000), burn(tc.fee)))
			tx := c.tx(alice, ':', registerPayload(tc.fqn), to(bob, 1000))
			if got := accepted(c.mine(tx), tx); got != tc.ok {
				t.Fatalf("fee %d for %s: accepted = %v, want %v", tc.fee, tc.fqn, got, tc.ok)
			}
		})
	}

	// The fee is compared with the price at the preorder's height: a
	// preorder in the last block of epoch 3 is priced in floats even when
	// the registration falls in epoch 4, and one in epoch 4 in integers.
	for _, tc := range []struct {
		name     string
		preorder uint64
		fee      int64
		ok       bool
	}{
		{"preordered in epoch 3 for 98", 309, 98, false},
		{"preordered in epoch 3 for 99", 309, 99, true},
		{"preordered in epoch 4 for 98", 310, 98, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t, epochNet(t, 3, 310), tokenGenesis())
			c.readyNamespace("test", edgeRules, dave, dave)
			c.skipTo(tc.preorder)
			c.mustMine(c.tx(alice, '?', preorderPayload("a1.test", alice, bob, c.ch()), to(alice, 1000), burn(tc.fee)))
			c.skipTo(311)
			tx := c.tx(alice, ':', registerPayload("a1.test"), to(bob, 1000))
			if got := accepted(c.mine(tx), tx); got != tc.ok {
				t.Fatalf("accepted = %v, want %v", got, tc.ok)
			}
		})
	}
}

// TestNamespacePriceEdges checks namespace prices by ID length: 1 char
// costs the network's namespace_1_char_cost, 2-3 chars 40 BTC, 4-7 chars
// 4 BTC, 8-19 chars 0.4 BTC (blockstack-v1.md §1.8).
func TestNamespacePriceEdges(t *testing.T) {
	oneChar := func(t testing.TB) *params.Params {
		p := epochNet(t, 1)
		for i := range p.Epochs {
			if p.Epochs[i].NamespacePrices != nil {
				p.Epochs[i].NamespacePrices[1] = 4100000000
			}
		}
		return p
	}
	cases := []struct {
		id  string
		fee int64
		ok  bool
	}{
		{"x", 4100000000, true}, {"x", 4099999999, false},
		{"ab", 4000000000, true}, {"ab", 3999999999, false},
		{"abc", 3999999999, false},
		{"abcdefg", 400000000, true}, {"abcdefg", 399999999, false},
		{"abcdefgh", 40000000, true}, {"abcdefgh", 39999999, false},
		{"abcdefghijklmnopqrs", 40000000, true},
	}
	for _, tc := range cases {
		t.Run(tc.id+" for "+itoa(tc.fee), func(t *testing.T) {
			c := newChain(t, oneChar(t), nil)
			c.mustMine(nsPreorder(c, alice, dave, tc.id, burn(tc.fee)))
			tx := reveal(c, alice, dave, tc.id, cheapRules)
			if got := accepted(c.mine(tx), tx); got != tc.ok {
				t.Fatalf("accepted = %v, want %v", got, tc.ok)
			}
		})
	}
}
