package nameop

// Transfer is a NAME_TRANSFER (operations/transfer.py tx_extract).
type Transfer struct {
	Sender       string // sender: hex script that funded input 0 (the owner)
	Address      string // address
	SenderPubkey string // sender_pubkey ("" = None)
	// Recipient and RecipientAddress are recipient and
	// recipient_address: outputs[1], the new owner.
	Recipient        string
	RecipientAddress string
	// NameHash128 is name_hash128: NameHash128 of the name being moved.
	NameHash128 string
	// ConsensusHash is the payload's consensus_hash. The value the
	// reference finally stores and hashes can differ (see
	// find_transfer_consensus_hash); that is the state machine's business.
	ConsensusHash string
	// KeepData is keep_data: disposition '>' keeps the value hash, '~'
	// clears it.
	KeepData bool
}

// Opcode implements Op.
func (*Transfer) Opcode() byte { return OpNameTransfer }

// Op implements Op: ">>" when the value hash is kept, ">~" when cleared.
func (x *Transfer) Op() string {
	if x.KeepData {
		return string([]byte{OpNameTransfer, TransferKeepData})
	}
	return string([]byte{OpNameTransfer, TransferRemoveData})
}

// ParseTransfer applies NAME_TRANSFER's extraction rules: outputs 0 and 1
// nulldata, p2pkh or p2sh, a recipient at outputs[1], and a payload of
// exactly 33 bytes: disposition, name hash, consensus hash.
func ParseTransfer(t *Tx, _ Rules) (*Transfer, error) {
	const op = OpNameTransfer
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
	p := t.Payload
	if len(p) != 1+lenNameHash+lenConsensusHash {
		return nil, parseErr(op, "payload is %d bytes, want %d", len(p), 1+lenNameHash+lenConsensusHash)
	}
	if p[0] != TransferKeepData && p[0] != TransferRemoveData {
		return nil, parseErr(op, "disposition byte %#02x", p[0])
	}
	return &Transfer{
		Sender:           t.Sender,
		Address:          t.Address,
		SenderPubkey:     t.SenderPubkey,
		Recipient:        rcpt,
		RecipientAddress: rcptAddr,
		NameHash128:      hexOf(p[1 : 1+lenNameHash]),
		ConsensusHash:    hexOf(p[1+lenNameHash:]),
		KeepData:         p[0] == TransferKeepData,
	}, nil
}
