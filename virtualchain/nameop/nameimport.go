package nameop

// Import is a NAME_IMPORT (operations/nameimport.py tx_extract).
type Import struct {
	Sender  string // sender: hex script that funded input 0 (the importer)
	Address string // address
	// SenderPubkey is sender_pubkey, "" when the key is absent; the
	// import check needs it, so only p2pkh importers can succeed.
	SenderPubkey string
	Name         string // name: the payload, raw
	// Recipient and RecipientAddress are recipient and
	// recipient_address: outputs[1], the new owner.
	Recipient        string
	RecipientAddress string
	// ValueHash is value_hash: the 20-byte hash outputs[2] pays to.
	ValueHash string
}

// Opcode implements Op.
func (*Import) Opcode() byte { return OpNameImport }

// Op implements Op.
func (*Import) Op() string { return string(OpNameImport) }

// ParseImport applies NAME_IMPORT's extraction rules: outputs 0 to 2
// nulldata, p2pkh or p2sh, a recipient at outputs[1], a p2pkh or p2sh
// outputs[2] whose hash is the value hash, and a payload that is a valid
// name.
func ParseImport(t *Tx, _ Rules) (*Import, error) {
	const op = OpNameImport
	if err := checkOpcode(t, op); err != nil {
		return nil, err
	}
	if err := checkOutputTypes(op, t.Outputs, 3); err != nil {
		return nil, err
	}
	rcpt, rcptAddr, err := recipient(op, t.Outputs)
	if err != nil {
		return nil, err
	}
	if len(t.Outputs) < 3 {
		return nil, parseErr(op, "%d outputs, need a value-hash output", len(t.Outputs))
	}
	// The reference decodes outputs[2]'s base58 address back to its hash;
	// reading the hash out of the script gives the same bytes.
	vh := scriptHash160(t.Outputs[2].Script, t.Outputs[2].Type)
	if vh == nil {
		return nil, parseErr(op, "value-hash output is %s", t.Outputs[2].Type)
	}
	name := string(t.Payload)
	if !IsNameValid(name) {
		return nil, parseErr(op, "invalid name %q", name)
	}
	return &Import{
		Sender:           t.Sender,
		Address:          t.Address,
		SenderPubkey:     t.SenderPubkey,
		Name:             name,
		Recipient:        rcpt,
		RecipientAddress: rcptAddr,
		ValueHash:        hexOf(vh),
	}, nil
}
