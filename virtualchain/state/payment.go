package state

import (
	"strconv"

	"github.com/atlasd/atlasd/consensus"
	"github.com/atlasd/atlasd/virtualchain/params"
)

// payInfo names the token account an accepted operation debits (or credits);
// an empty address means none.
type payInfo struct {
	address string
	units   string
	amount  int64
}

func payment(addr, units string, amount int64) payInfo {
	return payInfo{address: addr, units: units, amount: amount}
}

type payResult struct {
	ok     bool
	tokens int64
	units  string
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// stacksPayment is register.get_stacks_payment.
func stacksPayment(opType string, o *opCtx, pre rec) (bool, int64) {
	if opType == "NAME_REGISTRATION" {
		if pre == nil || str(pre, "token_units") != "STACKS" {
			return false, 0
		}
		return true, num(pre, "token_fee")
	}
	if isNone(o.data, "token_fee") || num(o.data, "token_fee") == 0 {
		return false, 0
	}
	return true, num(o.data, "token_fee")
}

// checkPayment is register.check_payment for registrations and renewals.
func (b *block) checkPayment(opType string, o *opCtx, pre, ns rec, feeBlock int64, burnAddr string, nameFee int64) (payResult, error) {
	part := namePart(str(o.data, "name"))
	stxOK := func() payResult {
		paid, tokens := stacksPayment(opType, o, pre)
		if !paid {
			return payResult{}
		}
		if tokens < b.m.priceNameStacks(part, ns, uint64(feeBlock)) {
			return payResult{}
		}
		return payResult{ok: true, tokens: tokens, units: "STACKS"}
	}
	btcOK := func() payResult {
		p, ip, isInt := b.m.namePrice(part, ns, uint64(feeBlock))
		if !feeAtLeast(nameFee, p, ip, isInt) {
			return payResult{}
		}
		return payResult{ok: true, tokens: nameFee, units: "BTC"}
	}
	switch num(ns, "version") {
	case 1:
		if burnAddr != b.burnAddress() {
			return payResult{}, nil
		}
		if b.feats.Has(params.NameopsCostTokens) {
			if paid, _ := stacksPayment(opType, o, pre); paid {
				return stxOK(), nil
			}
		}
		return btcOK(), nil
	case 2:
		if !b.feats.Has(params.NamespaceBurnToCreator) {
			return payResult{}, nil
		}
		period := b.m.p.Epoch(uint64(b.height)).ReceiveFeesPeriod
		expected, tokensAllowed := b.burnAddress(), true
		if num(ns, "reveal_block")+period >= b.height {
			expected, tokensAllowed = str(ns, "address"), false
		}
		if burnAddr != expected {
			return payResult{}, nil
		}
		if b.feats.Has(params.NameopsCostTokens) {
			if paid, _ := stacksPayment(opType, o, pre); paid {
				if !tokensAllowed {
					return payResult{}, nil
				}
				return stxOK(), nil
			}
		}
		return btcOK(), nil
	case 3:
		if !b.feats.Has(params.NamespacePayWithStacks) || burnAddr != b.burnAddress() {
			return payResult{}, nil
		}
		paid, tokens := stacksPayment(opType, o, pre)
		if !paid {
			return payResult{}, nil
		}
		_, ip, isInt := b.m.namePrice(part, ns, uint64(feeBlock))
		if !isInt || tokens < ip {
			// Before integer division a v3 price is a float: compare as such.
			p, _, _ := b.m.namePrice(part, ns, uint64(feeBlock))
			if isInt || float64(tokens) < p {
				return payResult{}, nil
			}
		}
		return payResult{ok: true, tokens: tokens, units: "STACKS"}, nil
	}
	return payResult{}, nil
}

// Accounts hold token balances (epoch 4 and later). v1 kept an append-only
// table; only the latest row of an (address, type) pair is ever read, so one
// record per pair is stored here.

func (b *block) getAccount(addr, units string) (rec, error) {
	return b.getRec(pairKey(pfxAccount, addr, units))
}

func accountBalance(a rec) int64 { return num(a, "credit_value") - num(a, "debit_value") }

func (b *block) debit(p payInfo) error {
	if p.address == "" || p.units == "" {
		return nil
	}
	a, err := b.getAccount(p.address, p.units)
	if err != nil {
		return err
	}
	if a == nil || accountBalance(a) < p.amount {
		return &InvariantError{Height: b.height, Msg: "token debit from " + p.address + " exceeds its balance"}
	}
	a["debit_value"] = consensus.Int(num(a, "debit_value") + p.amount)
	return b.putRec(pairKey(pfxAccount, p.address, p.units), a)
}

func (b *block) credit(p payInfo) error {
	if p.address == "" || p.units == "" {
		return nil
	}
	a, err := b.getAccount(p.address, p.units)
	if err != nil {
		return err
	}
	if a == nil {
		a = rec{
			"credit_value": consensus.Int(0), "debit_value": consensus.Int(0),
			"lock_transfer_block_id": consensus.Int(0), "receive_whitelisted": consensus.Bool(true),
		}
	}
	a["credit_value"] = consensus.Int(num(a, "credit_value") + p.amount)
	return b.putRec(pairKey(pfxAccount, p.address, p.units), a)
}
