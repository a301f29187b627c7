package nameop

// Preorder is a NAME_PREORDER (operations/preorder.py tx_extract). Python
// keys are given per field.
type Preorder struct {
	Sender       string // sender: hex script that funded input 0
	Address      string // address
	SenderPubkey string // sender_pubkey ("" = None)
	PreorderHash string // preorder_hash: hex, see HashName
	// ConsensusHash is consensus_hash, hex.
	ConsensusHash string
	// TokenFee is token_fee, nil for None: set only when the payload has
	// the epoch-4 token fields, and then TokenUnits is token_units (NULs
	// stripped from both ends; may hold any bytes).
	TokenFee   *uint64
	TokenUnits string
	// OpFee is op_fee, the value of outputs[2]; BurnAddress is
	// burn_address, its address. Not compared with the burn address here.
	OpFee       int64
	BurnAddress string
}

// Opcode implements Op.
func (*Preorder) Opcode() byte { return OpNamePreorder }

// Op implements Op.
func (*Preorder) Op() string { return string(OpNamePreorder) }

// ParsePreorder applies NAME_PREORDER's extraction rules. The first three
// outputs must be nulldata, p2pkh or p2sh, there must be exactly three, and
// the payload must be 36 bytes, or 63 with NameopsCostTokens.
func ParsePreorder(t *Tx, r Rules) (*Preorder, error) {
	const op = OpNamePreorder
	if err := checkOpcode(t, op); err != nil {
		return nil, err
	}
	if err := checkOutputTypes(op, t.Outputs, 3); err != nil {
		return nil, err
	}
	p := t.Payload
	const base = lenPreorderHash + lenConsensusHash
	const withTokens = base + lenTokens + lenTokenUnits
	switch {
	case len(p) < base:
		return nil, parseErr(op, "payload is %d bytes, want %d", len(p), base)
	case len(p) > base && !r.NameopsCostTokens:
		return nil, parseErr(op, "payload is %d bytes, want %d before token fees", len(p), base)
	case len(p) > base && len(p) != withTokens:
		return nil, parseErr(op, "payload is %d bytes, want %d or %d", len(p), base, withTokens)
	}
	if len(t.Outputs) != 3 {
		return nil, parseErr(op, "%d outputs, want exactly 3", len(t.Outputs))
	}
	burn, fee, err := burnOutput(op, t.Outputs, 2)
	if err != nil {
		return nil, err
	}
	po := &Preorder{
		Sender:        t.Sender,
		Address:       t.Address,
		SenderPubkey:  t.SenderPubkey,
		PreorderHash:  hexOf(p[:lenPreorderHash]),
		ConsensusHash: hexOf(p[lenPreorderHash:base]),
		OpFee:         fee,
		BurnAddress:   burn,
	}
	if len(p) == withTokens {
		tokens := u64be(p[base : base+lenTokens])
		po.TokenFee = &tokens
		po.TokenUnits = stripNUL(p[base+lenTokens:])
	}
	return po, nil
}
