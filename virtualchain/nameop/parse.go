package nameop

// Op is a parsed BNS operation.
type Op interface {
	// Opcode is the wire opcode byte.
	Opcode() byte
	// Op is the reference's "op" value, stored and hashed: the opcode as
	// a string, except "::" for a renewal and ">>" or ">~" for a
	// transfer.
	Op() string
}

// Parse runs the parser for t.Opcode under rules r.
func Parse(t *Tx, r Rules) (Op, error) {
	switch t.Opcode {
	case OpNamePreorder:
		return asOp(ParsePreorder(t, r))
	case OpNameRegistration:
		return asOp(ParseRegistration(t, r))
	case OpNameUpdate:
		return asOp(ParseUpdate(t, r))
	case OpNameTransfer:
		return asOp(ParseTransfer(t, r))
	case OpNameRevoke:
		return asOp(ParseRevoke(t, r))
	case OpNameImport:
		return asOp(ParseImport(t, r))
	case OpNamespacePreorder:
		return asOp(ParseNamespacePreorder(t, r))
	case OpNamespaceReveal:
		return asOp(ParseNamespaceReveal(t, r))
	case OpNamespaceReady:
		return asOp(ParseNamespaceReady(t, r))
	case OpAnnounce:
		return asOp(ParseAnnounce(t, r))
	case OpTokenTransfer:
		return asOp(ParseTokenTransfer(t, r))
	}
	return nil, parseErr(t.Opcode, "unknown opcode")
}

// asOp keeps a failed parse from turning into a non-nil Op holding a nil
// pointer.
func asOp[T Op](v T, err error) (Op, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}
