package nameop

// TokenTransfer is a TOKEN_TRANSFER (operations/tokentransfer.py
// tx_extract). Its tx_extract does not look for a sender public key.
type TokenTransfer struct {
	Sender  string // sender: hex script that funded input 0
	Address string // address
	// Recipient and RecipientAddress are recipient and
	// recipient_address: outputs[1].
	Recipient        string
	RecipientAddress string
	ConsensusHash    string // consensus_hash
	// TokenUnits is token_units: the 19-byte token type with NULs stripped
	// from both ends ("STACKS"); it may hold any bytes.
	TokenUnits string
	// TokenFee is token_fee: the amount sent, u64 big-endian.
	TokenFee uint64
	// ScratchArea is scratch_area: hex of whatever follows the amount.
	ScratchArea string
}

// Opcode implements Op.
func (*TokenTransfer) Opcode() byte { return OpTokenTransfer }

// Op implements Op.
func (*TokenTransfer) Op() string { return string(OpTokenTransfer) }

// ParseTokenTransfer applies TOKEN_TRANSFER's extraction rules: only in
// blocks with the TokenTransfer feature; outputs 0 and 1 nulldata, p2pkh or
// p2sh, a recipient at outputs[1], and a payload of at least 43 bytes.
func ParseTokenTransfer(t *Tx, r Rules) (*TokenTransfer, error) {
	const op = OpTokenTransfer
	if err := checkOpcode(t, op); err != nil {
		return nil, err
	}
	if err := checkOutputTypes(op, t.Outputs, 2); err != nil {
		return nil, err
	}
	rcpt, rcptAddr, err := recipient(op, t.Outputs)
	if err != nil {
		return nil, err
	}
	if !r.TokenTransfer {
		return nil, parseErr(op, "token transfers are not enabled in this epoch")
	}
	p := t.Payload
	const fixed = lenConsensusHash + lenTokenUnits + lenTokens
	if len(p) < fixed {
		return nil, parseErr(op, "payload is %d bytes, want at least %d", len(p), fixed)
	}
	return &TokenTransfer{
		Sender:           t.Sender,
		Address:          t.Address,
		Recipient:        rcpt,
		RecipientAddress: rcptAddr,
		ConsensusHash:    hexOf(p[:lenConsensusHash]),
		TokenUnits:       stripNUL(p[lenConsensusHash : lenConsensusHash+lenTokenUnits]),
		TokenFee:         u64be(p[lenConsensusHash+lenTokenUnits : fixed]),
		ScratchArea:      hexOf(p[fixed:]),
	}, nil
}
