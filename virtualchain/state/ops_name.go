package state

import (
	"github.com/atlasd/atlasd/consensus"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
)

// The checks below follow blockstack-core's operations/*.py check functions
// one lookup at a time; the order of the tests matters only for which reason
// is logged, but the lookups' block arguments matter for acceptance.

func boolVal(v bool) consensus.Value  { return consensus.Bool(v) }
func strVal(s string) consensus.Value { return consensus.Str(s) }
func intVal(i int64) consensus.Value  { return consensus.Int(i) }

// numNamesOwned is register.get_num_names_owned.
func (b *block) numNamesOwned(checked []rec, sender string) (int, error) {
	n := 0
	for _, op := range checked {
		if opNameOf(str(op, "op")) == "NAME_REGISTRATION" && str(op, "sender") == sender {
			n++
		}
	}
	names, err := b.namesBySender(sender, b.last)
	return n + len(names), err
}

func (b *block) checkPreorder(o *opCtx, checked []rec) (bool, error) {
	op := o.data
	hash := str(op, "preorder_hash")
	// is_new_preorder
	pre, err := b.getNamePreorder(hash, b.last)
	if err != nil || pre != nil {
		return false, err
	}
	if !b.isConsensusHashValid(str(op, "consensus_hash")) {
		return false, nil
	}
	n, err := b.numNamesOwned(checked, str(op, "sender"))
	if err != nil || n >= params.MaxNamesPerSender {
		return false, err
	}
	if _, ok := op["op_fee"]; !ok {
		return false, nil
	}
	if b.feats.Has(params.NameopsCostTokens) && !isNone(op, "token_units") && !isNone(op, "token_fee") {
		addr, units := str(op, "address"), str(op, "token_units")
		acct, err := b.getAccount(addr, units)
		if err != nil || acct == nil {
			return false, err
		}
		fee := num(op, "token_fee")
		if accountBalance(acct) < fee {
			return false, nil
		}
		if str(op, "burn_address") != b.burnAddress() {
			return false, nil
		}
		if units != "STACKS" {
			return false, nil
		}
		o.pay = payment(addr, units, fee)
		op["token_fee"] = strVal(itoa(fee))
	} else {
		o.pay = payInfo{}
		op["token_fee"] = strVal("0")
		op["token_units"] = strVal("BTC")
	}
	return !b.coll.check("preorder_hash", hash, checked, affectPreorders), nil
}

func (b *block) checkRegister(o *opCtx, checked []rec) (bool, error) {
	op := o.data
	name := str(op, "name")
	sender := str(op, "sender")
	if isNone(op, "recipient_address") || isNone(op, "recipient") {
		return false, nil
	}
	registerAddr := str(op, "recipient_address")
	recipient := str(op, "recipient")
	if !nameop.IsNameValid(name) {
		return false, nil
	}
	if revoked, err := b.isNameRevoked(name); err != nil || revoked {
		return false, err
	}
	nsID := namespaceOf(name)
	ns, err := b.getNamespaceReady(nsID)
	if err != nil || ns == nil {
		return false, err
	}
	n, err := b.numNamesOwned(checked, recipient)
	if err != nil || n >= params.MaxNamesPerSender {
		return false, err
	}
	if b.isP2SHAddress(registerAddr) && !b.feats.Has(params.Multisig) {
		return false, nil
	}
	pre, err := b.getNamePreorderFor(name, sender, registerAddr)
	if err != nil {
		return false, err
	}
	old, err := b.nameRow(name)
	if err != nil {
		return false, err
	}
	if pre == nil {
		return false, nil
	}
	if b.feats.Has(params.FixPreorderExpire) && num(pre, "block_number")+b.m.p.NamePreorderExpire < b.height {
		return false, nil
	}
	if reg, err := b.isNameRegistered(name); err != nil || reg {
		return false, err
	}
	if _, ok := ns["ready_block"]; !ok || num(pre, "block_number") < num(ns, "ready_block") {
		return false, nil
	}
	if str(pre, "sender") != sender {
		return false, nil
	}
	if _, ok := pre["op_fee"]; !ok {
		return false, nil
	}
	nameFee := num(pre, "op_fee")
	feeBlock := num(pre, "block_number")
	nameBlock := num(pre, "block_number")
	if old != nil {
		nameBlock = num(old, "block_number")
	}
	o.preorder = pre
	pay, err := b.checkPayment("NAME_REGISTRATION", o, pre, ns, feeBlock, str(pre, "burn_address"), nameFee)
	if err != nil || !pay.ok {
		return false, err
	}
	tokenFee := pay.tokens
	if pay.units == "BTC" {
		tokenFee = 0
	} else if !b.feats.Has(params.NameopsCostTokens) {
		return false, nil
	}
	op["opcode"] = strVal("NAME_REGISTRATION")
	op["op_fee"] = pre["op_fee"]
	op["token_fee"] = strVal(itoa(tokenFee))
	op["preorder_hash"] = pre["preorder_hash"]
	op["importer"] = consensus.None()
	op["importer_address"] = consensus.None()
	op["consensus_hash"] = consensus.None()
	op["revoked"] = boolVal(false)
	op["namespace_block_number"] = ns["block_number"]
	op["last_renewed"] = intVal(b.height)
	op["preorder_block_number"] = pre["block_number"]
	op["block_number"] = intVal(nameBlock)
	op["last_creation_op"] = strVal("?")
	op["sender"] = op["recipient"]
	op["address"] = op["recipient_address"]
	delete(op, "recipient")
	delete(op, "recipient_address")
	if !isNone(op, "value_hash") && !b.feats.Has(params.OpRegisterUpdate) {
		return false, nil
	}
	if _, ok := op["value_hash"]; !ok {
		op["value_hash"] = consensus.None()
	}
	return !b.coll.check("name", name, checked, affectNames), nil
}

// getNamePreorderFor is BlockstackDB.get_name_preorder(name, sender, addr).
func (b *block) getNamePreorderFor(name, sender, addr string) (rec, error) {
	row, err := b.getName(name, b.last)
	if err != nil || row != nil {
		return nil, err
	}
	ns, err := b.getNamespaceReady(namespaceOf(name))
	if err != nil || ns == nil {
		return nil, err
	}
	hash, err := nameop.HashName(name, sender, addr)
	if err != nil {
		return nil, nil
	}
	pre, err := b.getNamePreorder(hash, b.last)
	if err != nil || pre == nil {
		return nil, err
	}
	mult := b.m.p.Epoch(uint64(b.last)).LifetimeMultiplier
	if num(pre, "block_number")+num(ns, "lifetime")*mult <= b.last {
		return nil, nil
	}
	return pre, nil
}

func (b *block) checkRenewal(o *opCtx, checked []rec) (bool, error) {
	op := o.data
	name, sender, address := str(op, "name"), str(op, "sender"), str(op, "address")
	if isNone(op, "recipient_address") || isNone(op, "recipient") {
		return false, nil
	}
	recipientAddr, recipient := str(op, "recipient_address"), str(op, "recipient")
	if !nameop.IsNameValid(name) {
		return false, nil
	}
	if sender != recipient && !b.feats.Has(params.OpRenewTransferUpdate) {
		return false, nil
	}
	if recipientAddr != address && !b.feats.Has(params.OpRenewTransferUpdate) {
		return false, nil
	}
	if revoked, err := b.isNameRevoked(name); err != nil || revoked {
		return false, err
	}
	ns, err := b.getNamespaceReady(namespaceOf(name))
	if err != nil || ns == nil {
		return false, err
	}
	n, err := b.numNamesOwned(checked, recipient)
	if err != nil || n >= params.MaxNamesPerSender {
		return false, err
	}
	if reg, err := b.isNameRegistered(name); err != nil || !reg {
		return false, err
	}
	if owner, err := b.isNameOwner(name, recipient); err != nil {
		return false, err
	} else if !owner && !b.feats.Has(params.OpRenewTransferUpdate) {
		return false, nil
	}
	if owner, err := b.isNameOwner(name, sender); err != nil || !owner {
		return false, err
	}
	if isNone(op, "op_fee") {
		return false, nil
	}
	prev, err := b.getName(name, b.last)
	if err != nil || prev == nil {
		return false, err
	}
	valueHash := prev["value_hash"]
	pay, err := b.checkPayment("NAME_RENEWAL", o, nil, ns, b.height, str(op, "burn_address"), num(op, "op_fee"))
	if err != nil || !pay.ok {
		return false, err
	}
	tokenFee := pay.tokens
	if pay.units == "BTC" {
		o.pay = payInfo{}
		tokenFee = 0
	} else {
		if !b.feats.Has(params.NameopsCostTokens) {
			return false, nil
		}
		acct, err := b.getAccount(address, pay.units)
		if err != nil || acct == nil {
			return false, err
		}
		if accountBalance(acct) < tokenFee {
			return false, nil
		}
		o.pay = payment(address, pay.units, tokenFee)
	}
	if b.feats.Has(params.OpRenewTransferUpdate) && !isNone(op, "value_hash") {
		valueHash = op["value_hash"]
	}
	op["token_fee"] = strVal(itoa(tokenFee))
	op["preorder_hash"] = prev["preorder_hash"]
	op["namespace_block_number"] = ns["block_number"]
	op["first_registered"] = prev["first_registered"]
	op["preorder_block_number"] = prev["preorder_block_number"]
	op["block_number"] = prev["block_number"]
	op["value_hash"] = valueHash
	op["last_renewed"] = intVal(b.height)
	op["sender"] = op["recipient"]
	op["address"] = op["recipient_address"]
	op["sender_pubkey"] = prev["sender_pubkey"]
	delete(op, "recipient")
	delete(op, "recipient_address")
	delete(op, "burn_address")
	return true, nil
}

func (b *block) checkUpdate(o *opCtx, checked []rec) (bool, error) {
	op := o.data
	sender := str(op, "sender")
	names, err := b.namesBySender(sender, b.last)
	if err != nil || len(names) > params.MaxNamesPerSender {
		return false, err
	}
	name, ch := b.nameFromNameConsensusHash(str(op, "name_consensus_hash"), names)
	if name == "" {
		return false, nil
	}
	row, err := b.getName(name, b.last)
	if err != nil || row == nil {
		return false, err
	}
	ns, err := b.getNamespaceReady(namespaceOf(name))
	if err != nil || ns == nil {
		return false, err
	}
	if revoked, err := b.isNameRevoked(name); err != nil || revoked {
		return false, err
	}
	if num(ns, "lifetime") != params.NamespaceLifeInfinite {
		if exp, err := b.isNameExpired(name, b.last); err != nil || exp {
			return false, err
		}
		if grace, err := b.isNameInGracePeriod(name, b.height); err != nil || grace {
			return false, err
		}
	}
	if reg, err := b.isNameRegistered(name); err != nil || !reg {
		return false, err
	}
	if owner, err := b.isNameOwner(name, sender); err != nil || !owner {
		return false, err
	}
	op["name"] = strVal(name)
	op["consensus_hash"] = strVal(ch)
	op["sender_pubkey"] = row["sender_pubkey"]
	delete(op, "name_consensus_hash")
	return true, nil
}

// nameFromNameConsensusHash tries every owned name against every distinct
// consensus hash of the last window+1 blocks, in increasing height.
func (b *block) nameFromNameConsensusHash(nch string, names []string) (string, string) {
	var hashes []string
	seen := map[string]bool{}
	for h := b.height - b.m.p.ConsensusWindow; h <= b.height; h++ {
		if c, ok := b.consensusAt(h); ok && !seen[c] {
			seen[c] = true
			hashes = append(hashes, c)
		}
	}
	m := newHash128Matcher(nch)
	for _, n := range names {
		for _, c := range hashes {
			if m.match(n, c) {
				return n, c
			}
		}
	}
	return "", ""
}

func (b *block) checkTransfer(o *opCtx, checked []rec) (bool, error) {
	op := o.data
	name, err := b.nameFromHash128(str(op, "name_hash128"))
	if err != nil || name == "" {
		return false, err
	}
	sender, recipient := str(op, "sender"), str(op, "recipient")
	if !b.isConsensusHashValid(str(op, "consensus_hash")) || sender == recipient {
		return false, nil
	}
	row, ok, err := b.liveOwnedName(name, sender, b.last)
	if err != nil || !ok {
		return false, err
	}
	owned, err := b.namesBySender(recipient, b.last)
	if err != nil {
		return false, err
	}
	for _, n := range owned {
		if n == name {
			return false, nil
		}
	}
	if len(owned) >= params.MaxNamesPerSender {
		return false, nil
	}
	if isMultisigScriptHex(sender) && !b.feats.Has(params.Multisig) {
		return false, nil
	}
	if ok, err := b.blockFromConsensus(str(op, "consensus_hash")); err != nil || !ok {
		return false, err
	}
	ch, err := b.transferConsensusHash(name, str(op, "consensus_hash"))
	if err != nil {
		return false, err
	}
	op["name"] = strVal(name)
	op["sender"] = op["recipient"]
	op["address"] = op["recipient_address"]
	op["sender_pubkey"] = consensus.None()
	if truthy(op, "keep_data") {
		op["value_hash"] = row["value_hash"]
		op["op"] = strVal(">>")
	} else {
		op["value_hash"] = consensus.None()
		op["op"] = strVal(">~")
	}
	delete(op, "recipient")
	delete(op, "recipient_address")
	delete(op, "keep_data")
	delete(op, "name_hash128")
	op["consensus_hash"] = strVal(ch)
	return true, nil
}

// liveOwnedName holds the tests transfers and revokes share: the name is
// current, its namespace ready, it is not revoked, not expired at expiryAt,
// not in its renewal grace period, and sender owns it. They are pure tests,
// so their order does not change the outcome.
func (b *block) liveOwnedName(name, sender string, expiryAt int64) (rec, bool, error) {
	row, err := b.getName(name, b.last)
	if err != nil || row == nil {
		return nil, false, err
	}
	if ns, err := b.getNamespaceReady(namespaceOf(name)); err != nil || ns == nil {
		return nil, false, err
	}
	if revoked, err := b.isNameRevoked(name); err != nil || revoked {
		return nil, false, err
	}
	if exp, err := b.isNameExpired(name, expiryAt); err != nil || exp {
		return nil, false, err
	}
	if grace, err := b.isNameInGracePeriod(name, b.height); err != nil || grace {
		return nil, false, err
	}
	if reg, err := b.isNameRegistered(name); err != nil || !reg {
		return nil, false, err
	}
	if owner, err := b.isNameOwner(name, sender); err != nil || !owner {
		return nil, false, err
	}
	return row, true, nil
}

// transferConsensusHash is find_transfer_consensus_hash: walk the name's
// history newest first; a registration or import means the payload's hash
// is kept, an update means that update's hash is used.
func (b *block) transferConsensusHash(name, payloadCH string) (string, error) {
	hist, err := b.history(name)
	if err != nil {
		return "", err
	}
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		if num(h, "block_number") > b.height {
			continue
		}
		switch str(h, "op") {
		case ":", ";":
			return payloadCH, nil
		case "+":
			return str(h, "consensus_hash"), nil
		}
	}
	return payloadCH, nil
}

func (b *block) checkRevoke(o *opCtx, checked []rec) (bool, error) {
	op := o.data
	name, sender := str(op, "name"), str(op, "sender")
	if !nameop.IsNameValid(name) {
		return false, nil
	}
	if _, ok, err := b.liveOwnedName(name, sender, b.height); err != nil || !ok {
		return false, err
	}
	op["revoked"] = boolVal(true)
	op["value_hash"] = consensus.None()
	return true, nil
}

func (b *block) checkImport(o *opCtx, checked []rec) (bool, error) {
	op := o.data
	name, sender := str(op, "name"), str(op, "sender")
	recipient, recipientAddr := str(op, "recipient"), str(op, "recipient_address")
	if _, ok := op["sender_pubkey"]; !ok {
		return false, nil
	}
	if !nameop.IsNameValid(name) {
		return false, nil
	}
	preorderHash, err := nameop.HashName(name, sender, recipientAddr)
	if err != nil {
		return false, nil
	}
	preBlock, nameBlock, firstReg, lastRenewed := b.height, b.height, b.height, b.height
	nsID := namespaceOf(name)
	ns, err := b.getNamespaceReveal(nsID)
	if err != nil || ns == nil {
		return false, err
	}
	pubkey := str(op, "sender_pubkey")
	senderAddr, err := pubkeyAddress(pubkey, b.net())
	if err != nil {
		return false, nil
	}
	addrs, err := b.keychain(nsID)
	if err != nil {
		return false, err
	}
	if addrs == nil {
		if senderAddr != str(ns, "recipient_address") {
			return false, nil
		}
		addrs, err = importKeychain(pubkey, b.m.p.ImportKeyringSize, b.net())
		if err != nil {
			return false, nil
		}
		if err := b.putKeychain(nsID, addrs); err != nil {
			return false, err
		}
	}
	found := false
	for _, a := range addrs {
		if a == senderAddr {
			found = true
			break
		}
	}
	if !found {
		return false, nil
	}
	prev, err := b.getName(name, b.last)
	if err != nil {
		return false, err
	}
	if prev != nil && (num(prev, "block_number") < b.height || (num(prev, "block_number") == b.height && num(prev, "vtxindex") < num(op, "vtxindex"))) {
		preBlock = num(prev, "preorder_block_number")
		nameBlock = num(prev, "block_number")
		firstReg = num(prev, "first_registered")
		lastRenewed = num(prev, "last_renewed")
		preorderHash = str(prev, "preorder_hash")
	}
	o.preorder = nil
	delete(op, "recipient")
	delete(op, "recipient_address")
	var btcPrice float64
	var stxPrice int64
	part := namePart(name)
	if num(ns, "version") == 3 {
		p, ip, isInt := b.m.namePrice(part, ns, uint64(b.height))
		if isInt {
			stxPrice = ip
		} else {
			stxPrice = int64(p)
		}
	} else {
		p, ip, isInt := b.m.namePrice(part, ns, uint64(b.height))
		if isInt {
			btcPrice = float64(ip)
		} else {
			btcPrice = p
		}
	}
	op["sender"] = strVal(recipient)
	op["address"] = strVal(recipientAddr)
	op["importer"] = strVal(sender)
	op["importer_address"] = strVal(senderAddr)
	op["op_fee"] = consensus.Float(btcPrice)
	op["token_fee"] = strVal(itoa(stxPrice))
	op["namespace_block_number"] = ns["block_number"]
	op["consensus_hash"] = consensus.None()
	op["preorder_hash"] = strVal(preorderHash)
	op["block_number"] = intVal(nameBlock)
	op["first_registered"] = intVal(firstReg)
	op["last_renewed"] = intVal(lastRenewed)
	op["preorder_block_number"] = intVal(preBlock)
	op["opcode"] = strVal("NAME_IMPORT")
	op["last_creation_op"] = strVal(";")
	return true, nil
}
