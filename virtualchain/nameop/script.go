package nameop

// ScriptType is what virtualchain's btc_script_classify says about an
// output script.
type ScriptType uint8

// The script classes, in virtualchain's vocabulary. Anything the classifier
// returns None for is ScriptNonstandard.
const (
	ScriptNonstandard ScriptType = iota
	ScriptP2PKH
	ScriptP2SH
	ScriptP2WPKH
	ScriptP2WSH
	ScriptNullData
	ScriptMultisig
	ScriptP2PK
)

// String gives the classifier's own name for the type.
func (t ScriptType) String() string {
	switch t {
	case ScriptP2PKH:
		return "p2pkh"
	case ScriptP2SH:
		return "p2sh"
	case ScriptP2WPKH:
		return "p2wpkh"
	case ScriptP2WSH:
		return "p2wsh"
	case ScriptNullData:
		return "nulldata"
	case ScriptMultisig:
		return "multisig"
	case ScriptP2PK:
		return "p2pk"
	}
	return "nonstandard"
}

// Opcodes the classifier and the extractor compare against.
const (
	opReturn        = 0x6a
	opCheckSig      = 0xac
	opCheckMultisig = 0xae
	opPushData1     = 0x4c
	opPushData4     = 0x4e
)

// token is one script element as virtualchain's btc_script_deserialize sees
// it. That tokenizer never fails: a push that runs past the end of the script
// yields whatever bytes are left, which a strict parser such as txscript's
// would refuse. Scripts in blocks are not validated until spent, so the
// lenient reading is what decides on chain and must be kept.
type token struct {
	// code is the opcode byte that starts the element.
	code byte
	// push is true for data pushes (codes 0x01–0x4e). OP_0 is not a push
	// here: the reference turns it into None, not into an empty string.
	push bool
	data []byte
}

// nextToken decodes the element starting at pos (pos < len(s)) and returns
// the position after it, which may lie beyond len(s).
func nextToken(s []byte, pos int) (token, int) {
	code := s[pos]
	switch {
	case code == 0:
		return token{code: 0}, pos + 1
	case code < opPushData1:
		end := pos + 1 + int(code)
		return token{code: code, push: true, data: clip(s, pos+1, end)}, end
	case code <= opPushData4:
		width := 1 << (code - opPushData1)
		// The length is little-endian, read from whatever of its bytes
		// exist: the reference slices them backwards and clamps at the end.
		last := min(pos+width, len(s)-1)
		size := 0
		for i := last; i > pos; i-- {
			size = size<<8 | int(s[i])
		}
		start := pos + 1 + width
		return token{code: code, push: true, data: clip(s, start, start+size)}, start + size
	default:
		return token{code: code}, pos + 1
	}
}

// clip is Python's s[lo:hi] for 0 <= lo <= hi: out-of-range bounds shrink
// to the end instead of failing.
func clip(s []byte, lo, hi int) []byte {
	if lo > len(s) {
		lo = len(s)
	}
	if hi > len(s) {
		hi = len(s)
	}
	return s[lo:hi]
}

// tokenize splits a whole script the reference's way, stopping early once
// more than limit tokens are seen (limit < 0 means none). The count it
// returns is exact up to limit+1.
func tokenize(s []byte, limit int) []token {
	var out []token
	for pos := 0; pos < len(s); {
		var t token
		t, pos = nextToken(s, pos)
		out = append(out, t)
		if limit >= 0 && len(out) > limit {
			break
		}
	}
	return out
}

// isOp reports whether t is the bare opcode op. The reference compares
// tokens with integers; only bare opcodes above OP_16 compare equal to
// their own byte value, which is all this package needs.
func (t token) isOp(op byte) bool { return !t.push && t.code == op }

// ClassifyScript applies virtualchain's btc_script_classify: fixed byte
// patterns for p2pkh, p2sh, p2wpkh and p2wsh first, then a look at the
// lenient tokenization for nulldata, multisig and p2pk.
func ClassifyScript(s []byte) ScriptType {
	switch {
	case len(s) == 25 && s[0] == 0x76 && s[1] == 0xa9 && s[2] == 0x14 && s[23] == 0x88 && s[24] == 0xac:
		return ScriptP2PKH
	case len(s) == 23 && s[0] == 0xa9 && s[1] == 0x14 && s[22] == 0x87:
		return ScriptP2SH
	case len(s) == 22 && s[0] == 0x00 && s[1] == 0x14:
		return ScriptP2WPKH
	case len(s) == 34 && s[0] == 0x00 && s[1] == 0x20:
		return ScriptP2WSH
	case len(s) == 0:
		return ScriptNonstandard
	case s[0] == opReturn:
		// The first token is a bare OP_RETURN exactly when the first byte is.
		return ScriptNullData
	}
	toks := tokenize(s, -1)
	last := toks[len(toks)-1]
	switch {
	case last.isOp(opCheckMultisig):
		return ScriptMultisig
	case len(toks) == 2 && last.isOp(opCheckSig):
		return ScriptP2PK
	}
	return ScriptNonstandard
}

// nullData returns the data of a nulldata script the way the block
// downloader took it: the script must be exactly OP_RETURN and one data
// push; OP_RETURN alone, OP_RETURN OP_0 or OP_RETURN OP_2 carry nothing.
func nullData(s []byte) ([]byte, bool) {
	// Walk the tokens without collecting them: this runs on every
	// OP_RETURN output of every block.
	_, pos := nextToken(s, 0)
	if pos >= len(s) {
		return nil, false
	}
	second, pos := nextToken(s, pos)
	if pos < len(s) || !second.push {
		return nil, false
	}
	return second.data, true
}
