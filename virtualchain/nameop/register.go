package nameop

// Registration is a NAME_REGISTRATION or, when Renewal is set, a
// NAME_RENEWAL: the same opcode, told apart by output count
// (operations/register.py tx_extract).
type Registration struct {
	// Renewal is set when the tx has four or more outputs; op is then
	// "::" instead of ":".
	Renewal      bool
	Name         string // name: the fully-qualified name
	Sender       string // sender: hex script that funded input 0 (the payer)
	Address      string // address
	SenderPubkey string // sender_pubkey ("" = None)
	// Recipient and RecipientAddress are recipient and
	// recipient_address: outputs[1], the new owner.
	Recipient        string
	RecipientAddress string
	// ValueHash is value_hash, hex, "" for None: only the epoch-3 layout
	// carries one.
	ValueHash string
	// OpFee, BurnAddress and TokenFee are op_fee, burn_address and
	// token_fee, set for renewals only: the value and address of
	// outputs[3] and the payload's token count (0 unless the epoch-4
	// layout gave one).
	OpFee       int64
	BurnAddress string
	TokenFee    uint64
}

// Opcode implements Op.
func (*Registration) Opcode() byte { return OpNameRegistration }

// Op implements Op.
func (g *Registration) Op() string {
	if g.Renewal {
		return "::"
	}
	return ":"
}

// ParseRegistration applies NAME_REGISTRATION/NAME_RENEWAL's extraction
// rules. Outputs 0 and 1 must be nulldata, p2pkh or p2sh; four or more
// outputs make a renewal, whose outputs[3] pays the fee. Before epoch 3 the
// whole payload is the name; from then on a payload of 57 bytes or more is
// a NUL-padded 37-byte name and a 20-byte value hash, plus an 8-byte token
// count with NameopsCostTokens. A registration must not carry a non-zero
// token count; a renewal must not omit it when the epoch has them.
func ParseRegistration(t *Tx, r Rules) (*Registration, error) {
	const op = OpNameRegistration
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
	g := &Registration{
		Renewal:          len(t.Outputs) >= 4,
		Sender:           t.Sender,
		Address:          t.Address,
		SenderPubkey:     t.SenderPubkey,
		Recipient:        rcpt,
		RecipientAddress: rcptAddr,
	}
	if g.Renewal {
		if g.BurnAddress, g.OpFee, err = burnOutput(op, t.Outputs, 3); err != nil {
			return nil, err
		}
	}
	name, valueHash, tokens, err := parseRegistrationPayload(t.Payload, r)
	if err != nil {
		return nil, err
	}
	g.Name, g.ValueHash = name, valueHash
	switch {
	case !g.Renewal && tokens != nil && *tokens != 0:
		return nil, parseErr(op, "registration burns %d tokens", *tokens)
	case g.Renewal && tokens == nil:
		return nil, parseErr(op, "renewal without a token count")
	case g.Renewal:
		g.TokenFee = *tokens
	}
	return g, nil
}

// parseRegistrationPayload is register.py parse. tokens is nil for the
// reference's None: the 57-byte layout in an epoch with token counts.
func parseRegistrationPayload(p []byte, r Rules) (name, valueHash string, tokens *uint64, err error) {
	const op = OpNameRegistration
	const nameValue = maxNameLen + lenValueHash
	var zero uint64
	tokens = &zero
	if (r.RegisterUpdate || r.RenewTransferUpdate) && len(p) >= nameValue {
		valueHash = hexOf(p[maxNameLen:nameValue])
		name = trimTrailingNUL(p[:maxNameLen])
		switch {
		case r.NameopsCostTokens && len(p) == nameValue+lenTokens:
			n := u64be(p[nameValue:])
			tokens = &n
		case r.NameopsCostTokens && len(p) == nameValue:
			tokens = nil
		case len(p) != nameValue:
			return "", "", nil, parseErr(op, "payload is %d bytes, want %d", len(p), nameValue)
		}
	} else {
		// The whole payload is the name, NULs and all.
		name = string(p)
	}
	if !IsNameValid(name) {
		return "", "", nil, parseErr(op, "invalid name %q", name)
	}
	return name, valueHash, tokens, nil
}

// trimTrailingNUL is Python's s.rstrip('\x00').
func trimTrailingNUL(b []byte) string {
	j := len(b)
	for j > 0 && b[j-1] == 0 {
		j--
	}
	return string(b[:j])
}
