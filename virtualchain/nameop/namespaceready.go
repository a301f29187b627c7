package nameop

// NamespaceReady is a NAMESPACE_READY (operations/namespaceready.py
// tx_extract).
type NamespaceReady struct {
	Sender       string // sender: hex script that funded input 0 (the revealer)
	Address      string // address
	SenderPubkey string // sender_pubkey ("" = None; the key is then absent)
	NamespaceID  string // namespace_id
}

// Opcode implements Op.
func (*NamespaceReady) Opcode() byte { return OpNamespaceReady }

// Op implements Op.
func (*NamespaceReady) Op() string { return string(OpNamespaceReady) }

// ParseNamespaceReady applies NAMESPACE_READY's extraction rules: the
// payload is '.' followed by a namespace ID that passes IsNamespaceValid.
// Outputs are not looked at.
func ParseNamespaceReady(t *Tx, _ Rules) (*NamespaceReady, error) {
	const op = OpNamespaceReady
	if err := checkOpcode(t, op); err != nil {
		return nil, err
	}
	p := t.Payload
	if len(p) == 0 || p[0] != '.' {
		return nil, parseErr(op, "payload does not start with '.'")
	}
	id := string(p[1:])
	if !IsNamespaceValid(id) {
		return nil, parseErr(op, "invalid namespace ID %q", id)
	}
	return &NamespaceReady{Sender: t.Sender, Address: t.Address, SenderPubkey: t.SenderPubkey, NamespaceID: id}, nil
}
