package state

import (
	"github.com/atlasd/atlasd/consensus"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
)

func (b *block) checkNamespacePreorder(o *opCtx, checked []rec) (bool, error) {
	op := o.data
	hash := str(op, "preorder_hash")
	pre, err := b.getNamespacePreorder(hash, b.last)
	if err != nil || pre != nil {
		return false, err
	}
	if !b.isConsensusHashValid(str(op, "consensus_hash")) {
		return false, nil
	}
	if _, ok := op["op_fee"]; !ok {
		return false, nil
	}
	if str(op, "burn_address") != b.burnAddress() {
		return false, nil
	}
	if b.feats.Has(params.StacksBuyNamespaces) {
		if isNone(op, "token_fee") {
			return false, nil
		}
		fee, addr := num(op, "token_fee"), str(op, "address")
		acct, err := b.getAccount(addr, "STACKS")
		if err != nil || acct == nil {
			return false, err
		}
		if accountBalance(acct) < fee {
			return false, nil
		}
		o.pay = payment(addr, "STACKS", fee)
		op["token_fee"] = strVal(itoa(fee))
		op["token_units"] = strVal("STACKS")
	} else {
		o.pay = payInfo{}
		op["token_fee"] = strVal("0")
		op["token_units"] = strVal("BTC")
	}
	return !b.coll.check("preorder_hash", hash, checked, affectPreorders), nil
}

func (b *block) checkNamespaceReveal(o *opCtx, checked []rec) (bool, error) {
	op := o.data
	id, hash, sender := str(op, "namespace_id"), str(op, "preorder_hash"), str(op, "sender")
	for _, k := range []string{"sender_pubkey", "recipient", "recipient_address"} {
		if _, ok := op[k]; !ok {
			return false, nil
		}
	}
	if !nameop.IsNamespaceValid(id) {
		return false, nil
	}
	if ns, err := b.getNamespaceReveal(id); err != nil || ns != nil {
		return false, err
	}
	if ns, err := b.getNamespaceReady(id); err != nil || ns != nil {
		return false, err
	}
	pre, err := b.getNamespacePreorder(hash, b.last)
	if err != nil || pre == nil {
		return false, err
	}
	if str(pre, "sender") != sender {
		return false, nil
	}
	switch num(op, "version") {
	case 2:
		if !b.feats.Has(params.NamespaceBurnToCreator) {
			return false, nil
		}
	case 3:
		if !b.feats.Has(params.NamespacePayWithStacks) {
			return false, nil
		}
	case 1:
	default:
		return false, nil
	}
	var tokensPaid int64
	ep := b.m.p.Epoch(uint64(b.height))
	switch str(pre, "token_units") {
	case "STACKS":
		if !b.feats.Has(params.StacksBuyNamespaces) {
			return false, &InvariantError{Height: b.height, Msg: "STACKS namespace preorder revealed before tokens exist"}
		}
		tokensPaid = num(pre, "token_fee")
		if ep.NamespacePricesStacks == nil || len(id) >= len(ep.NamespacePricesStacks) || len(id) == 0 {
			return false, nil
		}
		if tokensPaid < ep.NamespacePricesStacks[len(id)] {
			return false, nil
		}
	case "BTC":
		if _, ok := pre["op_fee"]; !ok {
			return false, nil
		}
		// price_namespace returns None for a missing table or a bad length,
		// and Python 2 orders every number above None: the fee passes.
		if ep.NamespacePrices != nil && len(id) < len(ep.NamespacePrices) && len(id) > 0 {
			if float64(num(pre, "op_fee")) < ep.NamespacePrices[len(id)] {
				return false, nil
			}
		}
	default:
		return false, &InvariantError{Height: b.height, Msg: "namespace preorder with unknown token units"}
	}
	old, err := b.getNamespaceAt(id, b.height, true)
	if err != nil {
		return false, err
	}
	blockNumber := num(pre, "block_number")
	if old != nil {
		blockNumber = num(old, "block_number")
	}
	op["block_number"] = intVal(blockNumber)
	op["reveal_block"] = intVal(b.height)
	o.preorder = pre
	op["ready_block"] = intVal(0)
	op["op_fee"] = pre["op_fee"]
	op["token_fee"] = strVal(itoa(tokensPaid))
	return !b.coll.check("namespace_id", id, checked, affectNamespaces), nil
}

func (b *block) checkNamespaceReady(o *opCtx, checked []rec) (bool, error) {
	op := o.data
	id := str(op, "namespace_id")
	rev, err := b.getNamespaceReveal(id)
	if err != nil || rev == nil {
		return false, err
	}
	if str(rev, "recipient") != str(op, "sender") {
		return false, nil
	}
	if ns, err := b.getNamespaceReady(id); err != nil || ns != nil {
		return false, err
	}
	op["sender_pubkey"] = rev["sender_pubkey"]
	op["address"] = rev["address"]
	return true, nil
}

func (b *block) checkAnnounce(o *opCtx, checked []rec) (bool, error) {
	sender := str(o.data, "sender")
	for _, id := range b.m.p.AnnounceIDs {
		row, err := b.getName(id, b.last)
		if err != nil {
			return false, err
		}
		if row != nil && str(row, "sender") == sender {
			o.data["announcer_id"] = strVal(id)
			return true, nil
		}
	}
	return false, nil
}

func (b *block) checkTokenTransfer(o *opCtx, checked []rec) (bool, error) {
	op := o.data
	if !b.feats.Has(params.TokenTransfer) {
		return false, nil
	}
	addr, recipient := str(op, "address"), str(op, "recipient_address")
	units, value := str(op, "token_units"), num(op, "token_fee")
	if value <= 0 || addr == recipient {
		return false, nil
	}
	ch := str(op, "consensus_hash")
	if b.feats.Has(params.TokenTransferConsensusHashOptional) {
		if ch != "00000000000000000000000000000000" && !b.isConsensusHashValid(ch) {
			return false, nil
		}
	} else if !b.isConsensusHashValid(ch) {
		return false, nil
	}
	acct, err := b.getAccount(addr, units)
	if err != nil || acct == nil {
		return false, err
	}
	if b.height < num(acct, "lock_transfer_block_id") || accountBalance(acct) < value {
		return false, nil
	}
	to, err := b.getAccount(recipient, units)
	if err != nil {
		return false, err
	}
	if to != nil && !truthy(to, "receive_whitelisted") {
		return false, nil
	}
	o.pay = payment(addr, units, value)
	o.credit = payment(recipient, units, value)
	op["token_fee"] = strVal(itoa(value))
	return true, nil
}

var _ = consensus.None
