package nameop

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/wire"
)

// fuzzSource answers every outpoint so that fuzzed txs reach the parsers:
// the script a scriptSig implies when it implies one, else a type picked by
// the output index (including ones Extract must refuse).
type fuzzSource struct{ tx *wire.MsgTx }

func (f fuzzSource) Prevout(op wire.OutPoint) ([]byte, int64, bool, error) {
	for _, in := range f.tx.TxIn {
		if in.PreviousOutPoint == op {
			if s := inferFundingScript(in.SignatureScript); s != nil {
				return s, int64(op.Index), true, nil
			}
		}
	}
	switch op.Index % 5 {
	case 0:
		return p2pkhScript(op.Hash[:20]), 1, true, nil
	case 1:
		return p2shScript(op.Hash[12:]), 2, true, nil
	case 2:
		return append([]byte{0, 0x14}, op.Hash[:20]...), 3, true, nil
	case 3:
		return nil, 0, false, nil
	}
	return nil, 0, false, errors.New("fuzz: source down")
}

var fuzzRules = []Rules{{}, epoch3, epoch4, {TokenTransfer: true}, {NameopsCostTokens: true}}

// FuzzExtract feeds raw transactions through Extract and Parse under every
// epoch's rules. Seeds are the real transactions of the shared data.
func FuzzExtract(f *testing.F) {
	for _, v := range loadOpVectors(f) {
		f.Add(mustHex(f, v.RawTx))
	}
	for _, e := range loadBNSTxs(f) {
		f.Add(mustHex(f, e.Hex))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		tx := new(wire.MsgTx)
		if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
			return
		}
		for _, net := range []Network{regtest, mainnet} {
			opcode, payload, cand := Candidate(tx, net)
			x, err := Extract(tx, 7, net, fuzzSource{tx})
			var rej *RejectError
			switch {
			case !cand:
				if x != nil || err != nil {
					t.Fatalf("non-candidate gave %v, %v", x, err)
				}
				continue
			case err != nil:
				if x != nil {
					t.Fatalf("Extract returned both %v and %v", x, err)
				}
				if !errors.As(err, &rej) && !errors.Is(err, ErrMissingPrevout) && err.Error() == "" {
					t.Fatalf("unexpected error %v", err)
				}
				continue
			case x == nil:
				t.Fatal("candidate gave nil, nil")
			}
			if x.Opcode != opcode || !bytes.Equal(x.Payload, payload) || x.TxID != tx.TxHash().String() {
				t.Fatalf("Extract disagrees with Candidate: %q %x %s", x.Opcode, x.Payload, x.TxID)
			}
			if len(x.Senders) != len(tx.TxIn) || len(x.Outputs) != len(tx.TxOut) || len(x.Senders) == 0 {
				t.Fatalf("%d senders, %d outputs", len(x.Senders), len(x.Outputs))
			}
			for _, s := range x.Senders {
				if s.Type != ScriptP2PKH && s.Type != ScriptP2SH || s.Address == "" {
					t.Fatalf("sender of type %v kept", s.Type)
				}
			}
			if x.SenderPubkey != "" && x.Senders[0].Type != ScriptP2PKH {
				t.Fatal("pubkey for a non-p2pkh sender")
			}
			for _, r := range fuzzRules {
				checkParse(t, x, r)
			}
		}
	})
}

// checkParse runs Parse and checks what every op must satisfy.
func checkParse(t *testing.T, x *Tx, r Rules) Op {
	t.Helper()
	op, err := Parse(x, r)
	if err != nil {
		var pe *ParseError
		if op != nil || !errors.As(err, &pe) || pe.Op != x.Opcode {
			t.Fatalf("Parse = %v, %v", op, err)
		}
		return nil
	}
	if op == nil || op.Opcode() != x.Opcode || op.Op()[0] != x.Opcode {
		t.Fatalf("Parse = %#v for opcode %q", op, x.Opcode)
	}
	p := hex.EncodeToString(x.Payload)
	switch o := op.(type) {
	case *Preorder:
		if p[:72] != o.PreorderHash+o.ConsensusHash || (o.TokenFee != nil) != (len(x.Payload) == 63) || len(x.Outputs) != 3 {
			t.Fatalf("preorder %+v from %s", o, p)
		}
	case *Registration:
		if !IsNameValid(o.Name) || o.Renewal != (len(x.Outputs) >= 4) || o.RecipientAddress == "" {
			t.Fatalf("registration %+v", o)
		}
	case *Update:
		if p != o.NameConsensusHash+o.ValueHash {
			t.Fatalf("update %+v from %s", o, p)
		}
	case *Transfer:
		if p[2:] != o.NameHash128+o.ConsensusHash || o.KeepData != (x.Payload[0] == '>') {
			t.Fatalf("transfer %+v from %s", o, p)
		}
	case *Revoke:
		if o.Name != string(x.Payload) || !IsNameValid(o.Name) {
			t.Fatalf("revoke %+v", o)
		}
	case *Import:
		if o.Name != string(x.Payload) || !IsNameValid(o.Name) || len(o.ValueHash) != 40 {
			t.Fatalf("import %+v", o)
		}
	case *NamespacePreorder:
		if p[:72] != o.PreorderHash+o.ConsensusHash || (o.TokenFee != nil) != r.StacksBuyNamespaces {
			t.Fatalf("namespace preorder %+v from %s", o, p)
		}
	case *NamespaceReveal:
		h, err := HashName(o.NamespaceID, x.Sender, o.RecipientAddress)
		if err != nil || h != o.PreorderHash || !IsNamespaceValid(o.NamespaceID) || len(x.Outputs) != 3 {
			t.Fatalf("reveal %+v (%v)", o, err)
		}
	case *NamespaceReady:
		if "."+o.NamespaceID != string(x.Payload) || !IsNamespaceValid(o.NamespaceID) {
			t.Fatalf("ready %+v", o)
		}
	case *Announce:
		if o.MessageHash != p {
			t.Fatalf("announce %+v", o)
		}
	case *TokenTransfer:
		if !r.TokenTransfer || len(x.Payload) < 43 || p[:32] != o.ConsensusHash {
			t.Fatalf("token transfer %+v", o)
		}
	default:
		t.Fatalf("unexpected %T", op)
	}
	return op
}

// fuzzScripts are the output scripts the payload fuzzers pick from.
var fuzzScripts = [][]byte{
	sRet, sPKH, sSH, sBurn, sWPKH, sP2PK, sNonstd,
	append([]byte{0, 0x20}, make([]byte, 32)...), nil, {opReturn, 0},
}

// fuzzKind maps a real output back to a fuzzScripts index, for seeds.
func fuzzKind(o *wire.TxOut) byte {
	switch ClassifyScript(o.PkScript) {
	case ScriptNullData:
		return 0
	case ScriptP2PKH:
		return 1
	case ScriptP2SH:
		return 2
	case ScriptP2WPKH:
		return 4
	}
	return 6
}

func rulesFromByte(b byte) Rules {
	return Rules{
		NameopsCostTokens:   b&1 != 0,
		RegisterUpdate:      b&2 != 0,
		RenewTransferUpdate: b&4 != 0,
		StacksBuyNamespaces: b&8 != 0,
		TokenTransfer:       b&16 != 0,
	}
}

// fuzzPayloads is the shared body of the per-op payload fuzzers: a payload,
// a rules bitmap and one byte per output, run through the op's parser.
// Seeds are the real payloads and output layouts of that op.
func fuzzPayloads(f *testing.F, opcode byte) {
	seeds := 0
	add := func(tx *wire.MsgTx) {
		op, payload, ok := Candidate(tx, regtest)
		if !ok || op != opcode {
			return
		}
		kinds := make([]byte, len(tx.TxOut))
		for i, o := range tx.TxOut {
			kinds[i] = fuzzKind(o)
		}
		for _, rb := range []byte{0, 6, 31} {
			f.Add(bytes.Clone(payload), rb, kinds)
		}
		seeds++
	}
	for _, v := range loadOpVectors(f) {
		add(decodeTxHex(f, v.RawTx))
	}
	for _, e := range loadBNSTxs(f) {
		add(decodeTxHex(f, e.Hex))
	}
	f.Add([]byte{}, byte(0), []byte{0, 1, 3})
	f.Add(bytes.Repeat([]byte{0}, 80), byte(31), []byte{0, 1, 2, 3})
	f.Fuzz(func(t *testing.T, payload []byte, rb byte, kinds []byte) {
		if len(kinds) > 8 {
			kinds = kinds[:8]
		}
		outs := make([][]byte, len(kinds))
		for i, k := range kinds {
			outs[i] = fuzzScripts[int(k)%len(fuzzScripts)]
		}
		x := mkTx(opcode, payload, outs...)
		checkParse(t, x, rulesFromByte(rb))
	})
}

func FuzzParsePreorder(f *testing.F)          { fuzzPayloads(f, OpNamePreorder) }
func FuzzParseRegistration(f *testing.F)      { fuzzPayloads(f, OpNameRegistration) }
func FuzzParseUpdate(f *testing.F)            { fuzzPayloads(f, OpNameUpdate) }
func FuzzParseTransfer(f *testing.F)          { fuzzPayloads(f, OpNameTransfer) }
func FuzzParseRevoke(f *testing.F)            { fuzzPayloads(f, OpNameRevoke) }
func FuzzParseImport(f *testing.F)            { fuzzPayloads(f, OpNameImport) }
func FuzzParseNamespacePreorder(f *testing.F) { fuzzPayloads(f, OpNamespacePreorder) }
func FuzzParseNamespaceReveal(f *testing.F)   { fuzzPayloads(f, OpNamespaceReveal) }
func FuzzParseNamespaceReady(f *testing.F)    { fuzzPayloads(f, OpNamespaceReady) }
func FuzzParseAnnounce(f *testing.F)          { fuzzPayloads(f, OpAnnounce) }
func FuzzParseTokenTransfer(f *testing.F)     { fuzzPayloads(f, OpTokenTransfer) }

// FuzzB40ToBin checks B40ToBin against the name validators: any valid name
// without a trailing newline converts, and conversion never panics.
func FuzzB40ToBin(f *testing.F) {
	for _, s := range []string{"foo.test", "muneeb.id", "", "0", "foo\n.test", "Ab+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := B40ToBin(s)
		if err == nil && len(b) == 0 {
			t.Fatal("empty conversion")
		}
		if IsNameValid(s) && !bytes.ContainsRune([]byte(s), '\n') && err != nil {
			t.Fatalf("valid name %q: %v", s, err)
		}
	})
}
