package nameop

// Rules holds the epoch features (config.py EPOCH_FEATURE_*) that change how
// payloads parse at a block height. The caller fills it per block; the zero
// value is epochs 1 and 2.
type Rules struct {
	// NameopsCostTokens (epoch 4+) allows the token fields of
	// NAME_PREORDER and NAME_RENEWAL.
	NameopsCostTokens bool
	// RegisterUpdate is OP_REGISTER_UPDATE (epoch 3+); with
	// RenewTransferUpdate it enables the name + value hash layout of
	// NAME_REGISTRATION and NAME_RENEWAL.
	RegisterUpdate bool
	// RenewTransferUpdate is OP_RENEW_TRANSFER_UPDATE (epoch 3+).
	RenewTransferUpdate bool
	// StacksBuyNamespaces (epoch 4+) makes NAMESPACE_PREORDER carry a
	// token fee, and requires it.
	StacksBuyNamespaces bool
	// TokenTransfer (epoch 4+) enables TOKEN_TRANSFER at all.
	TokenTransfer bool
}

// Payload field widths (config.py LENGTHS).
const (
	lenPreorderHash  = 20
	lenConsensusHash = 16
	lenNameHash      = 16
	lenValueHash     = 20
	lenTokens        = 8
	lenTokenUnits    = 19 // a namespace_id-sized, NUL-padded field
	lenAnnounce      = 20
)

// checkOutputTypes mirrors scripts.py check_tx_output_types over the first n
// outputs (fewer if the tx has fewer): each must classify as nulldata,
// p2pkh or p2sh. The p2sh-p2wpkh/p2sh-p2wsh entries later epochs add to the
// list never match, because the classifier never returns them.
func checkOutputTypes(op byte, outs []Output, n int) error {
	for i := 0; i < n && i < len(outs); i++ {
		switch outs[i].Type {
		case ScriptNullData, ScriptP2PKH, ScriptP2SH:
		default:
			return parseErr(op, "output %d is %s", i, outs[i].Type)
		}
	}
	return nil
}

// recipient returns outputs[1]'s script and address, which must exist; the
// caller has type-checked it, so its address is base58.
func recipient(op byte, outs []Output) (script, addr string, err error) {
	if len(outs) < 2 {
		return "", "", parseErr(op, "%d outputs, need a recipient output", len(outs))
	}
	if outs[1].Address == "" {
		return "", "", parseErr(op, "recipient output is %s, which has no address", outs[1].Type)
	}
	return hexOf(outs[1].Script), outs[1].Address, nil
}

// burnOutput returns outputs[i]'s address and value, the fee output of
// preorders (i = 2) and renewals (i = 3). Any script with an address will do
// at this stage.
func burnOutput(op byte, outs []Output, i int) (addr string, fee int64, err error) {
	if len(outs) <= i {
		return "", 0, parseErr(op, "%d outputs, need a fee output at %d", len(outs), i)
	}
	if outs[i].Address == "" {
		return "", 0, parseErr(op, "fee output %d is %s, which has no address", i, outs[i].Type)
	}
	return outs[i].Address, outs[i].Value, nil
}

func checkOpcode(t *Tx, op byte) error {
	if t.Opcode != op {
		return parseErr(op, "tx has opcode %q", t.Opcode)
	}
	return nil
}

// stripNUL is Python's s.strip('\x00').
func stripNUL(b []byte) string {
	i, j := 0, len(b)
	for i < j && b[i] == 0 {
		i++
	}
	for j > i && b[j-1] == 0 {
		j--
	}
	return string(b[i:j])
}

func u64be(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}
