package nameop

// Update is a NAME_UPDATE (operations/update.py tx_extract).
type Update struct {
	Sender       string // sender: hex script that funded input 0
	Address      string // address
	SenderPubkey string // sender_pubkey ("" = None; the key is then absent)
	// NameConsensusHash is name_consensus_hash: NameConsensusHash(name,
	// ch) for the owner's name and a recent consensus hash, which the
	// state machine has to search for.
	NameConsensusHash string
	ValueHash         string // value_hash: the new zone-file hash
}

// Opcode implements Op.
func (*Update) Opcode() byte { return OpNameUpdate }

// Op implements Op.
func (*Update) Op() string { return string(OpNameUpdate) }

// ParseUpdate applies NAME_UPDATE's extraction rules: a payload of exactly
// 36 bytes, the name consensus hash then the value hash. Outputs are not
// looked at.
func ParseUpdate(t *Tx, _ Rules) (*Update, error) {
	const op = OpNameUpdate
	if err := checkOpcode(t, op); err != nil {
		return nil, err
	}
	p := t.Payload
	if len(p) != lenNameHash+lenValueHash {
		return nil, parseErr(op, "payload is %d bytes, want %d", len(p), lenNameHash+lenValueHash)
	}
	return &Update{
		Sender:            t.Sender,
		Address:           t.Address,
		SenderPubkey:      t.SenderPubkey,
		NameConsensusHash: hexOf(p[:lenNameHash]),
		ValueHash:         hexOf(p[lenNameHash:]),
	}, nil
}
