package state

import (
	"fmt"
	"strings"

	"github.com/atlasd/atlasd/consensus"
	"github.com/atlasd/atlasd/virtualchain/nameop"
)

// sanitize is namedb.sanitize_op: the dict without v1's bookkeeping keys.
func sanitize(r rec) rec {
	out := make(rec, len(r))
	for k, v := range r {
		if strings.HasPrefix(k, "__") || k == "opcode" {
			continue
		}
		out[k] = v
	}
	return out
}

var nameTransitions = map[string]bool{
	"NAME_IMPORT": true, "NAME_UPDATE": true, "NAME_TRANSFER": true, "NAME_RENEWAL": true, "NAME_REVOKE": true,
}

// quirks is op_canonicalize_quirks: name state transitions (imports
// included) carry op_fee as a float when the name was created by an import,
// as an int otherwise; token_fee is always a string.
func quirks(opName string, newRec, cur rec) rec {
	return applyQuirks(opName, cloneRec(newRec), cur)
}

// applyQuirks is quirks on a record the caller owns, changed in place.
func applyQuirks(opName string, out, cur rec) rec {
	if nameTransitions[opName] {
		fee, ok := out["op_fee"]
		if !ok || fee.IsNone() {
			fee = cur["op_fee"]
		}
		lco, ok := out["last_creation_op"]
		if !ok || lco.IsNone() {
			lco = cur["last_creation_op"]
		}
		var f float64
		if i, ok := fee.AsInt(); ok {
			f = float64(i)
		} else if x, ok := fee.AsFloat(); ok {
			f = x
		}
		if s, _ := lco.AsStr(); s == ";" {
			out["op_fee"] = consensus.Float(f)
		} else {
			out["op_fee"] = consensus.Int(int64(f))
		}
		out["last_creation_op"] = lco
	}
	if v, ok := out["token_fee"]; ok {
		if i, ok := v.AsInt(); ok {
			out["token_fee"] = consensus.Str(itoa(i))
		}
	}
	return out
}

// canonicalize is the op's canonicalizer that the history write applies in
// place: it adds the derived fields the consensus op serializes.
func canonicalize(opName string, r rec) {
	switch opName {
	case "NAME_UPDATE":
		r["name_consensus_hash"] = consensus.Str(nameop.Hash128(str(r, "name") + str(r, "consensus_hash")))
	case "NAME_TRANSFER":
		op := str(r, "op")
		r["keep_data"] = consensus.Bool(len(op) == 2 && op[1] == '>')
	case "NAME_IMPORT":
		if f, ok := pyNum(r, "op_fee"); ok {
			r["op_fee"] = consensus.Float(f)
		}
	}
}

// consensusOp is extract_consensus_op: the op's serialize fields taken from
// the canonical record.
func consensusOp(opName string, canon rec) (rec, error) {
	out := rec{}
	for _, f := range consensus.SerializeFields(opName) {
		v, ok := canon[f]
		if !ok {
			return nil, fmt.Errorf("state: %s is missing consensus field %q", opName, f)
		}
		out[f] = v
	}
	// last_creation_op travels with name ops for the quirk checks.
	if v, ok := canon["last_creation_op"]; ok {
		out["last_creation_op"] = v
	}
	return out, nil
}

func (b *block) commit(o *opCtx) (rec, error) {
	switch o.name {
	case "NAME_PREORDER", "NAMESPACE_PREORDER":
		return b.commitPreorder(o)
	case "NAME_REGISTRATION", "NAMESPACE_REVEAL":
		return b.commitCreate(o)
	case "NAME_IMPORT":
		return b.commitImport(o)
	case "NAME_RENEWAL", "NAME_UPDATE", "NAME_TRANSFER", "NAME_REVOKE", "NAMESPACE_READY":
		return b.commitTransition(o)
	case "TOKEN_TRANSFER":
		return b.commitToken(o)
	}
	return nil, nil // ANNOUNCE: no state, no consensus op
}

func (b *block) commitPreorder(o *opCtx) (rec, error) {
	row := sanitize(o.data)
	if err := b.putRec(strKey(pfxPreorder, str(row, "preorder_hash")), asRow(row, preorderColumns)); err != nil {
		return nil, err
	}
	if err := b.debit(o.pay); err != nil {
		return nil, err
	}
	return consensusOp(o.name, row)
}

func (b *block) commitCreate(o *opCtx) (rec, error) {
	newRec := sanitize(o.data)
	pre := o.preorder
	if pre == nil {
		return nil, &InvariantError{Height: b.height, Msg: o.name + " accepted without a preorder"}
	}
	var id string
	var prev rec
	var err error
	if o.name == "NAMESPACE_REVEAL" {
		id = str(newRec, "namespace_id")
		prev, err = b.getNamespaceAt(id, b.height, true)
	} else {
		id = str(newRec, "name")
		prev, err = b.nameRow(id)
	}
	if err != nil {
		return nil, err
	}
	preHist := cloneRec(pre)
	if v, ok := preHist["token_fee"]; ok {
		if i, ok := v.AsInt(); ok {
			preHist["token_fee"] = consensus.Str(itoa(i))
		}
	}
	if err := b.saveHistory(id, num(pre, "block_number"), num(pre, "vtxindex"), preHist); err != nil {
		return nil, err
	}
	canon := quirks(o.name, newRec, prev)
	canonicalize(o.name, canon)
	if err := b.saveHistory(id, b.height, o.vtxindex, canon); err != nil {
		return nil, err
	}
	if o.name == "NAMESPACE_REVEAL" {
		row := asRow(newRec, namespaceColumns)
		if prev != nil {
			row = mergeRow(prev, newRec, namespaceColumns)
		}
		if err := b.putNamespaceRow(id, row); err != nil {
			return nil, err
		}
	} else {
		newRec["namespace_id"] = consensus.Str(namespaceOf(id))
		newRec["name_hash128"] = consensus.Str(nameop.Hash128(id))
		row := asRow(newRec, nameColumns)
		if prev != nil {
			row = mergeRow(prev, newRec, nameColumns)
		}
		if err := b.putNameRow(id, row, prev); err != nil {
			return nil, err
		}
	}
	if err := b.ov.del(strKey(pfxPreorder, str(pre, "preorder_hash"))); err != nil {
		return nil, err
	}
	if err := b.debit(o.pay); err != nil {
		return nil, err
	}
	return consensusOp(o.name, canon)
}

func (b *block) commitImport(o *opCtx) (rec, error) {
	newRec := sanitize(o.data)
	name := str(newRec, "name")
	hist, err := b.history(name)
	if err != nil {
		return nil, err
	}
	// namedb_get_last_name_import: the newest history entry before this op.
	var prior rec
	for i := len(hist) - 1; i >= 0 && prior == nil; i-- {
		h := hist[i]
		if hb, hv := num(h, "__height__"), num(h, "__vtx__"); hb < b.height || (hb == b.height && hv < o.vtxindex) {
			prior = h
		}
	}
	canon := quirks(o.name, newRec, prior)
	canonicalize(o.name, canon)
	if err := b.saveHistory(name, b.height, o.vtxindex, canon); err != nil {
		return nil, err
	}
	old, err := b.nameRow(name)
	if err != nil {
		return nil, err
	}
	newRec["namespace_id"] = consensus.Str(namespaceOf(name))
	newRec["name_hash128"] = consensus.Str(nameop.Hash128(name))
	row := asRow(newRec, nameColumns)
	if old != nil {
		row = mergeRow(old, newRec, nameColumns)
	}
	if err := b.putNameRow(name, row, old); err != nil {
		return nil, err
	}
	return consensusOp(o.name, canon)
}

func (b *block) commitTransition(o *opCtx) (rec, error) {
	opData := sanitize(o.data)
	var cur rec
	var err error
	var id string
	ns := o.name == "NAMESPACE_READY"
	if ns {
		id = str(opData, "namespace_id")
		cur, err = b.getNamespaceAt(id, b.height, true)
	} else {
		id = str(opData, "name")
		cur, err = b.nameRow(id)
	}
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, &InvariantError{Height: b.height, Msg: fmt.Sprintf("%s of %q has no current record", o.name, id)}
	}
	opData["block_number"] = cur["block_number"]
	newRec := cloneRec(cur)
	for k, v := range opData {
		newRec[k] = v
	}
	canon := applyQuirks(o.name, newRec, cur)
	canonicalize(o.name, canon)
	if err := b.saveHistory(id, b.height, o.vtxindex, canon); err != nil {
		return nil, err
	}
	if ns {
		if err := b.putNamespaceRow(id, mergeRow(cur, opData, namespaceColumns)); err != nil {
			return nil, err
		}
	} else if err := b.putNameRow(id, mergeRow(cur, opData, nameColumns), cur); err != nil {
		return nil, err
	}
	if err := b.debit(o.pay); err != nil {
		return nil, err
	}
	return consensusOp(o.name, canon)
}

func (b *block) commitToken(o *opCtx) (rec, error) {
	op := sanitize(o.data)
	if err := b.debit(o.pay); err != nil {
		return nil, err
	}
	if err := b.credit(o.credit); err != nil {
		return nil, err
	}
	if err := b.saveHistory(str(op, "address"), b.height, o.vtxindex, op); err != nil {
		return nil, err
	}
	return consensusOp(o.name, op)
}
