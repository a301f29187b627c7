package nameop

// Wire opcodes: the byte after the magic (config.py). NAME_RENEWAL shares
// the NAME_REGISTRATION byte and is told apart by its output count.
const (
	OpNamePreorder      byte = '?'
	OpNameRegistration  byte = ':'
	OpNameUpdate        byte = '+'
	OpNameTransfer      byte = '>'
	OpNameRevoke        byte = '~'
	OpNameImport        byte = ';'
	OpNamespacePreorder byte = '*'
	OpNamespaceReveal   byte = '&'
	OpNamespaceReady    byte = '!'
	OpAnnounce          byte = '#'
	OpTokenTransfer     byte = '$'
)

// Transfer disposition bytes (the first payload byte of NAME_TRANSFER).
const (
	TransferKeepData   byte = '>'
	TransferRemoveData byte = '~'
)

// IsOpcode reports whether b is one of the eleven opcode bytes virtualchain
// hands to Blockstack (every other byte makes the tx a non-candidate).
func IsOpcode(b byte) bool {
	switch b {
	case OpNamePreorder, OpNameRegistration, OpNameUpdate, OpNameTransfer,
		OpNameRevoke, OpNameImport, OpNamespacePreorder, OpNamespaceReveal,
		OpNamespaceReady, OpAnnounce, OpTokenTransfer:
		return true
	}
	return false
}

// OpName gives the reference's name for an opcode byte (config.py
// OPCODE_NAMES); ':' is NAME_REGISTRATION since the byte alone cannot say
// renewal.
func OpName(b byte) string {
	switch b {
	case OpNamePreorder:
		return "NAME_PREORDER"
	case OpNameRegistration:
		return "NAME_REGISTRATION"
	case OpNameUpdate:
		return "NAME_UPDATE"
	case OpNameTransfer:
		return "NAME_TRANSFER"
	case OpNameRevoke:
		return "NAME_REVOKE"
	case OpNameImport:
		return "NAME_IMPORT"
	case OpNamespacePreorder:
		return "NAMESPACE_PREORDER"
	case OpNamespaceReveal:
		return "NAMESPACE_REVEAL"
	case OpNamespaceReady:
		return "NAMESPACE_READY"
	case OpAnnounce:
		return "ANNOUNCE"
	case OpTokenTransfer:
		return "TOKEN_TRANSFER"
	}
	return "UNKNOWN"
}
