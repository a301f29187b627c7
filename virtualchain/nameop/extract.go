package nameop

import (
	"bytes"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// PrevoutSource gives the output an input spends: its script and value.
// ok is false when the source does not know the outpoint; err reports a
// failure of the source itself.
type PrevoutSource interface {
	Prevout(op wire.OutPoint) (script []byte, value int64, ok bool, err error)
}

// Output is one transaction output, or the funding output of one input,
// with the classification and address the reference attached to it.
type Output struct {
	Value  int64
	Script []byte
	Type   ScriptType
	// Address is what ScriptToAddress gives: base58check for p2pkh and
	// p2sh (the only sender types that survive Extract), virtualchain's
	// bech32 for segwit outputs, "" for everything else.
	Address string
}

// Tx is a BNS candidate together with everything the ops' tx_extract
// functions read from the transaction.
type Tx struct {
	// TxID is the display-order hex of the legacy (witness-free) hash.
	TxID string
	// VtxIndex is the tx's position in its Bitcoin block (coinbase = 0).
	VtxIndex int
	Opcode   byte
	// Payload is the OP_RETURN data after the magic and opcode bytes.
	Payload []byte
	// Senders[i] is the output that funded input i.
	Senders []Output
	Outputs []Output
	// Sender is the hex script of Senders[0] (the reference's "sender").
	Sender string
	// Address is Senders[0]'s address (the reference's "address").
	Address string
	// SenderPubkey is the hex public key found for a p2pkh sender, "" for
	// None (always "" for a p2sh sender).
	SenderPubkey string
	// Fee is inputs minus outputs in satoshis; it takes no part in
	// consensus and is only as good as the values the PrevoutSource gave.
	Fee int64
}

// Candidate reports whether tx carries a BNS payload for net: the last
// nulldata output (virtualchain lets each one overwrite the previous) must
// be OP_RETURN with a single data push that starts with the magic bytes and
// an opcode byte. It returns the opcode and the payload after those three
// bytes (a slice of the output script). It needs no prevouts, so a caller
// can use it to decide which funding outputs to fetch before Extract.
func Candidate(tx *wire.MsgTx, net Network) (opcode byte, payload []byte, ok bool) {
	var data []byte
	var have bool
	for _, out := range tx.TxOut {
		s := out.PkScript
		if len(s) == 0 || s[0] != opReturn {
			continue
		}
		data, have = nullData(s)
	}
	if !have || len(data) < 3 || !bytes.Equal(data[:2], net.Magic[:]) || !IsOpcode(data[2]) {
		return 0, nil, false
	}
	return data[2], data[3:], true
}

// Extract turns tx, found at position vtxindex of its block, into a BNS
// candidate. It returns (nil, nil) when tx is not a candidate (see
// Candidate), (nil, *RejectError) when v1 ignores it before op parsing
// (no inputs, a coinbase input, or an input funded by anything but a
// single-address p2pkh or p2sh output), and a plain error when prev fails
// or lacks an outpoint (wrapping ErrMissingPrevout); the caller should
// retry those, never skip the tx.
//
// v1 also ignores every tx from block 665750 (IMPORT_HEIGHT) on; Extract
// knows no heights, so that cut-off is the caller's.
func Extract(tx *wire.MsgTx, vtxindex int, net Network, prev PrevoutSource) (*Tx, error) {
	opcode, payload, ok := Candidate(tx, net)
	if !ok {
		return nil, nil
	}
	t := &Tx{
		TxID:     tx.TxHash().String(),
		VtxIndex: vtxindex,
		Opcode:   opcode,
		Payload:  bytes.Clone(payload),
	}
	if len(tx.TxIn) == 0 {
		return nil, &RejectError{TxID: t.TxID, Reason: "no inputs"}
	}
	t.Senders = make([]Output, len(tx.TxIn))
	for i, in := range tx.TxIn {
		if in.PreviousOutPoint.Hash == (chainhash.Hash{}) {
			// virtualchain gives a coinbase input an empty funding
			// script, which has no address.
			return nil, &RejectError{TxID: t.TxID, Reason: fmt.Sprintf("input %d is a coinbase input", i)}
		}
		script, value, found, err := prev.Prevout(in.PreviousOutPoint)
		if err != nil {
			return nil, fmt.Errorf("nameop: tx %s input %d: prevout %s: %w", t.TxID, i, in.PreviousOutPoint, err)
		}
		if !found {
			return nil, fmt.Errorf("nameop: tx %s input %d: prevout %s: %w", t.TxID, i, in.PreviousOutPoint, ErrMissingPrevout)
		}
		o := makeOutput(value, script, net)
		if o.Type != ScriptP2PKH && o.Type != ScriptP2SH {
			return nil, &RejectError{TxID: t.TxID, Reason: fmt.Sprintf("input %d is funded by a %s output", i, o.Type)}
		}
		t.Senders[i] = o
		t.Fee += value
	}
	t.Outputs = make([]Output, len(tx.TxOut))
	for i, out := range tx.TxOut {
		t.Outputs[i] = makeOutput(out.Value, out.PkScript, net)
		t.Fee -= out.Value
	}
	s0 := t.Senders[0]
	t.Sender = hexOf(s0.Script)
	t.Address = s0.Address
	if s0.Type == ScriptP2PKH {
		t.SenderPubkey = senderPubkey(tx.TxIn, scriptHash160(s0.Script, s0.Type))
	}
	return t, nil
}

func makeOutput(value int64, script []byte, net Network) Output {
	addr, typ := ScriptToAddress(script, net)
	return Output{Value: value, Script: bytes.Clone(script), Type: typ, Address: addr}
}
