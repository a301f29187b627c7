package nameop

// NamespacePreorder is a NAMESPACE_PREORDER
// (operations/namespacepreorder.py tx_extract).
type NamespacePreorder struct {
	Sender       string // sender: hex script that funded input 0
	Address      string // address
	SenderPubkey string // sender_pubkey ("" = None)
	// PreorderHash is preorder_hash: HashName(namespace ID, sender script,
	// reveal address).
	PreorderHash  string
	ConsensusHash string // consensus_hash
	// TokenFee is token_fee, nil for None; present exactly when the
	// block has StacksBuyNamespaces.
	TokenFee *uint64
	// OpFee is op_fee, the value of outputs[2]; BurnAddress is
	// burn_address, its address.
	OpFee       int64
	BurnAddress string
}

// Opcode implements Op.
func (*NamespacePreorder) Opcode() byte { return OpNamespacePreorder }

// Op implements Op.
func (*NamespacePreorder) Op() string { return string(OpNamespacePreorder) }

// ParseNamespacePreorder applies NAMESPACE_PREORDER's extraction rules:
// outputs 0 to 2 nulldata, p2pkh or p2sh, at least three outputs, and a
// payload of exactly 36 bytes, or exactly 44 (with the token fee) when the
// block has StacksBuyNamespaces.
func ParseNamespacePreorder(t *Tx, r Rules) (*NamespacePreorder, error) {
	const op = OpNamespacePreorder
	if err := checkOpcode(t, op); err != nil {
		return nil, err
	}
	if err := checkOutputTypes(op, t.Outputs, 3); err != nil {
		return nil, err
	}
	burn, fee, err := burnOutput(op, t.Outputs, 2)
	if err != nil {
		return nil, err
	}
	p := t.Payload
	const base = lenPreorderHash + lenConsensusHash
	want := base
	if r.StacksBuyNamespaces {
		want = base + lenTokens
	}
	if len(p) != want {
		return nil, parseErr(op, "payload is %d bytes, want %d", len(p), want)
	}
	np := &NamespacePreorder{
		Sender:        t.Sender,
		Address:       t.Address,
		SenderPubkey:  t.SenderPubkey,
		PreorderHash:  hexOf(p[:lenPreorderHash]),
		ConsensusHash: hexOf(p[lenPreorderHash:base]),
		OpFee:         fee,
		BurnAddress:   burn,
	}
	if r.StacksBuyNamespaces {
		tokens := u64be(p[base:])
		np.TokenFee = &tokens
	}
	return np, nil
}
