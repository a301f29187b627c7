package nameop

// Announce is an ANNOUNCE (operations/announce.py tx_extract). It never
// enters the consensus hash.
type Announce struct {
	Sender       string // sender: hex script that funded input 0
	Address      string // address
	SenderPubkey string // sender_pubkey ("" = None; the key is then absent)
	MessageHash  string // message_hash: hex, the hash of the announcement
}

// Opcode implements Op.
func (*Announce) Opcode() byte { return OpAnnounce }

// Op implements Op.
func (*Announce) Op() string { return string(OpAnnounce) }

// ParseAnnounce applies ANNOUNCE's extraction rules: a payload of exactly
// 20 bytes. Outputs are not looked at.
func ParseAnnounce(t *Tx, _ Rules) (*Announce, error) {
	const op = OpAnnounce
	if err := checkOpcode(t, op); err != nil {
		return nil, err
	}
	if len(t.Payload) != lenAnnounce {
		return nil, parseErr(op, "payload is %d bytes, want %d", len(t.Payload), lenAnnounce)
	}
	return &Announce{Sender: t.Sender, Address: t.Address, SenderPubkey: t.SenderPubkey, MessageHash: hexOf(t.Payload)}, nil
}
