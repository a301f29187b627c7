package nameop

// Revoke is a NAME_REVOKE (operations/revoke.py tx_extract). Unlike the
// other name ops its tx_extract keeps no sender_pubkey, so neither does
// this struct.
type Revoke struct {
	Sender  string // sender: hex script that funded input 0
	Address string // address
	Name    string // name: the payload, raw
}

// Opcode implements Op.
func (*Revoke) Opcode() byte { return OpNameRevoke }

// Op implements Op.
func (*Revoke) Op() string { return string(OpNameRevoke) }

// ParseRevoke applies NAME_REVOKE's extraction rules: the whole payload is
// the name and must pass IsNameValid. Outputs are not looked at.
func ParseRevoke(t *Tx, _ Rules) (*Revoke, error) {
	const op = OpNameRevoke
	if err := checkOpcode(t, op); err != nil {
		return nil, err
	}
	name := string(t.Payload)
	if !IsNameValid(name) {
		return nil, parseErr(op, "invalid name %q", name)
	}
	return &Revoke{Sender: t.Sender, Address: t.Address, Name: name}, nil
}
