package state

import (
	"math"
	"math/big"
	"strings"

	"github.com/atlasd/atlasd/virtualchain/params"
)

// namePrice is scripts.price_name: the price of the name part n in namespace
// ns at height h, as a Python value (float before integer division, int
// after). isInt says which.
func (m *Machine) namePrice(n string, ns rec, h uint64) (price float64, intPrice int64, isInt bool) {
	ep := m.p.Epoch(h)
	unit := int64(params.NameCostUnit)
	if num(ns, "version") == 3 {
		unit = params.NameCostUnitStacks
	}
	buckets, _ := ns["buckets"].AsIntList()
	var exp int64
	if len(buckets) > 0 {
		if len(n) < len(buckets) {
			if len(n) >= 1 {
				exp = buckets[len(n)-1]
			} else {
				exp = buckets[len(buckets)-1]
			}
		} else {
			exp = buckets[len(buckets)-1]
		}
	}
	discount := int64(1)
	lower := strings.ToLower(n)
	if !strings.ContainsAny(lower, "aeiouy") {
		discount = max(discount, num(ns, "no_vowel_discount"))
	}
	if strings.ContainsAny(lower, "0123456789-_") {
		discount = max(discount, num(ns, "nonalpha_discount"))
	}
	coeff, base := num(ns, "coeff"), num(ns, "base")
	if ep.Features.Has(params.IntDivision) {
		// long(coeff * base**exp * unit) / int(discount), in Python's
		// arbitrary precision, then floor-divided by the epoch divisor.
		p := new(big.Int).Exp(big.NewInt(base), big.NewInt(exp), nil)
		p.Mul(p, big.NewInt(coeff))
		p.Mul(p, big.NewInt(unit))
		p.Div(p, big.NewInt(discount))
		if p.Cmp(big.NewInt(unit)) < 0 {
			p.SetInt64(unit)
		}
		div := ep.PriceDivisor
		if num(ns, "version") == 3 {
			div = ep.PriceDivisorStacks
		}
		p.Div(p, big.NewInt(div))
		if !p.IsInt64() {
			return 0, math.MaxInt64, true
		}
		return 0, p.Int64(), true
	}
	// float(coeff * base**exp) / float(discount) * unit, at least unit,
	// times the epoch multiplier: IEEE doubles, as Python 2 computed it.
	pow := new(big.Int).Exp(big.NewInt(base), big.NewInt(exp), nil)
	pow.Mul(pow, big.NewInt(coeff))
	f, _ := new(big.Float).SetInt(pow).Float64()
	v := (f / float64(discount)) * float64(unit)
	if v < float64(unit) {
		v = float64(unit)
	}
	mult := ep.PriceMultiplier
	if num(ns, "version") == 3 {
		mult = 1.0
	}
	return v * mult, 0, false
}

// feeAtLeast compares an integer fee with a Python price value: fee >= price.
func feeAtLeast(fee int64, price float64, intPrice int64, isInt bool) bool {
	if isInt {
		return fee >= intPrice
	}
	return float64(fee) >= price
}

// priceNameStacks is scripts.price_name_stacks: the STX price of a name in a
// BTC-priced namespace (epoch 4 and later).
func (m *Machine) priceNameStacks(n string, ns rec, h uint64) int64 {
	p, ip, isInt := m.namePrice(n, ns, h)
	btc := ip
	if !isInt {
		btc = int64(p)
	}
	return btc * 650 / 15
}
