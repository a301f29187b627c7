package state

import (
	"errors"
	"math"

	"github.com/atlasd/atlasd/consensus"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
)

// opCtx is one operation of the block being processed: the dict its
// tx_extract produced (mutated by its check) plus what the check learnt that
// v1 carried in the dict's "__" keys.
type opCtx struct {
	name     string // NAME_PREORDER, NAME_RENEWAL, ...
	opByte   byte   // the raw opcode byte, which picks the serialize fields
	txid     string
	vtxindex int64
	data     rec
	preorder rec
	pay      payInfo
	credit   payInfo
}

func (b *block) rules() nameop.Rules {
	f := b.feats
	return nameop.Rules{
		NameopsCostTokens:   f.Has(params.NameopsCostTokens),
		RegisterUpdate:      f.Has(params.OpRegisterUpdate),
		RenewTransferUpdate: f.Has(params.OpRenewTransferUpdate),
		StacksBuyNamespaces: f.Has(params.StacksBuyNamespaces),
		TokenTransfer:       f.Has(params.TokenTransfer),
	}
}

func optStr(s string) consensus.Value {
	if s == "" {
		return consensus.None()
	}
	return consensus.Str(s)
}

// opRecord turns a candidate into the dict v1's tx_extract returned, or nil
// (with the parse error) when v1 would not have made an op of it.
func (b *block) opRecord(t *nameop.Tx) (*opCtx, error) {
	op, err := nameop.Parse(t, b.rules())
	if err != nil {
		return nil, err
	}
	h := intVal(b.height)
	r := rec{"txid": strVal(t.TxID), "vtxindex": intVal(int64(t.VtxIndex))}
	o := &opCtx{opByte: t.Opcode, txid: t.TxID, vtxindex: int64(t.VtxIndex), data: r}
	switch v := op.(type) {
	case *nameop.Preorder:
		o.name = "NAME_PREORDER"
		r["sender"], r["address"], r["block_number"], r["op"] = strVal(v.Sender), strVal(v.Address), h, strVal("?")
		r["preorder_hash"], r["consensus_hash"] = strVal(v.PreorderHash), strVal(v.ConsensusHash)
		r["token_fee"], r["token_units"] = consensus.None(), consensus.None()
		if v.TokenFee != nil {
			// With the token fields present v1 kept the stripped type as a
			// string, '' included, which then matches no account.
			r["token_fee"], r["token_units"] = tokenAmount(*v.TokenFee), strVal(v.TokenUnits)
		}
		r["op_fee"], r["burn_address"] = intVal(v.OpFee), strVal(v.BurnAddress)
		r["sender_pubkey"] = optStr(v.SenderPubkey)
	case *nameop.Registration:
		r["value_hash"] = optStr(v.ValueHash)
		r["sender"], r["address"] = strVal(v.Sender), strVal(v.Address)
		r["recipient"], r["recipient_address"] = strVal(v.Recipient), strVal(v.RecipientAddress)
		r["revoked"], r["last_renewed"], r["name"] = boolVal(false), h, strVal(v.Name)
		if v.Renewal {
			o.name = "NAME_RENEWAL"
			r["op"] = strVal("::")
			r["op_fee"], r["burn_address"] = intVal(v.OpFee), strVal(v.BurnAddress)
			r["token_fee"] = tokenAmount(v.TokenFee)
		} else {
			o.name = "NAME_REGISTRATION"
			r["op"] = strVal(":")
			r["first_registered"] = h
		}
		r["sender_pubkey"] = optStr(v.SenderPubkey)
	case *nameop.Update:
		o.name = "NAME_UPDATE"
		r["sender"], r["address"], r["op"] = strVal(v.Sender), strVal(v.Address), strVal("+")
		r["name_consensus_hash"], r["value_hash"] = strVal(v.NameConsensusHash), strVal(v.ValueHash)
		if v.SenderPubkey != "" {
			r["sender_pubkey"] = strVal(v.SenderPubkey)
		}
	case *nameop.Transfer:
		o.name = "NAME_TRANSFER"
		r["sender"], r["address"], r["op"] = strVal(v.Sender), strVal(v.Address), strVal(">")
		r["recipient"], r["recipient_address"] = strVal(v.Recipient), strVal(v.RecipientAddress)
		r["name_hash128"], r["consensus_hash"], r["keep_data"] = strVal(v.NameHash128), strVal(v.ConsensusHash), boolVal(v.KeepData)
		r["sender_pubkey"] = optStr(v.SenderPubkey)
	case *nameop.Revoke:
		o.name = "NAME_REVOKE"
		r["sender"], r["address"], r["op"], r["name"] = strVal(v.Sender), strVal(v.Address), strVal("~"), strVal(v.Name)
	case *nameop.Import:
		o.name = "NAME_IMPORT"
		r["sender"], r["address"], r["op"] = strVal(v.Sender), strVal(v.Address), strVal(";")
		r["recipient"], r["recipient_address"] = strVal(v.Recipient), strVal(v.RecipientAddress)
		r["value_hash"], r["revoked"] = strVal(v.ValueHash), boolVal(false)
		r["first_registered"], r["last_renewed"], r["name"] = h, h, strVal(v.Name)
		if v.SenderPubkey != "" {
			r["sender_pubkey"] = strVal(v.SenderPubkey)
		}
	case *nameop.NamespacePreorder:
		o.name = "NAMESPACE_PREORDER"
		r["sender"], r["address"], r["block_number"], r["op"] = strVal(v.Sender), strVal(v.Address), h, strVal("*")
		r["preorder_hash"], r["consensus_hash"] = strVal(v.PreorderHash), strVal(v.ConsensusHash)
		r["token_fee"] = consensus.None()
		if v.TokenFee != nil {
			r["token_fee"] = tokenAmount(*v.TokenFee)
		}
		r["op_fee"], r["burn_address"] = intVal(v.OpFee), strVal(v.BurnAddress)
		r["sender_pubkey"] = optStr(v.SenderPubkey)
	case *nameop.NamespaceReveal:
		o.name = "NAMESPACE_REVEAL"
		r["sender"], r["address"], r["op"] = strVal(v.Sender), strVal(v.Address), strVal("&")
		r["recipient"], r["recipient_address"], r["reveal_block"] = strVal(v.Recipient), strVal(v.RecipientAddress), h
		r["lifetime"], r["coeff"], r["base"] = intVal(int64(v.Lifetime)), intVal(int64(v.Coeff)), intVal(int64(v.Base))
		buckets := make([]int64, 16)
		for i, x := range v.Buckets {
			buckets[i] = int64(x)
		}
		r["buckets"], r["version"] = consensus.IntList(buckets), intVal(int64(v.Version))
		r["nonalpha_discount"], r["no_vowel_discount"] = intVal(int64(v.NonalphaDiscount)), intVal(int64(v.NoVowelDiscount))
		r["namespace_id"], r["preorder_hash"] = strVal(v.NamespaceID), strVal(v.PreorderHash)
		r["sender_pubkey"] = optStr(v.SenderPubkey)
	case *nameop.NamespaceReady:
		o.name = "NAMESPACE_READY"
		r["sender"], r["address"], r["ready_block"], r["op"] = strVal(v.Sender), strVal(v.Address), h, strVal("!")
		r["namespace_id"] = strVal(v.NamespaceID)
		if v.SenderPubkey != "" {
			r["sender_pubkey"] = strVal(v.SenderPubkey)
		}
	case *nameop.Announce:
		o.name = "ANNOUNCE"
		r["sender"], r["address"], r["op"] = strVal(v.Sender), strVal(v.Address), strVal("#")
		r["message_hash"] = strVal(v.MessageHash)
	case *nameop.TokenTransfer:
		o.name = "TOKEN_TRANSFER"
		r["consensus_hash"], r["token_units"] = strVal(v.ConsensusHash), strVal(v.TokenUnits)
		r["token_fee"], r["scratch_area"] = tokenAmount(v.TokenFee), strVal(v.ScratchArea)
		r["address"], r["sender"] = strVal(v.Address), strVal(v.Sender)
		r["recipient_address"], r["recipient"] = strVal(v.RecipientAddress), strVal(v.Recipient)
		r["op"], r["block_id"] = strVal("$"), h
	default:
		return nil, errors.New("state: unknown operation type")
	}
	return o, nil
}

// tokenAmount is a payload's unsigned 64-bit token count as an int64. v1
// compared the full Python int with account balances, so an amount above
// MaxInt64 could never be paid; saturating keeps every such comparison
// failing (no balance reaches MaxInt64) where a plain conversion would wrap
// to a negative amount that every balance covers.
func tokenAmount(u uint64) consensus.Value {
	if u > math.MaxInt64 {
		return intVal(math.MaxInt64)
	}
	return intVal(int64(u))
}

func (o *opCtx) clone() *opCtx {
	c := *o
	c.data = cloneRec(o.data)
	return &c
}
