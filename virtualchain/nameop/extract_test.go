package nameop

import (
	"bytes"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// firstVector returns the first op vector with the given opcode, decoded,
// with the funding outputs the scenarios or its scriptSigs give.
func firstVector(t *testing.T, opcode byte) (*wire.MsgTx, mapSource, opVector) {
	t.Helper()
	for _, v := range loadOpVectors(t) {
		if v.Opcode != string(opcode) {
			continue
		}
		tx := decodeTxHex(t, v.RawTx)
		src := mapSource{}
		for _, in := range tx.TxIn {
			s, _, ok, _ := scriptSigSource{tx}.Prevout(in.PreviousOutPoint)
			if !ok {
				t.Fatal("cannot infer prevout")
			}
			src[in.PreviousOutPoint] = prevout{script: s, value: 1_000_000}
		}
		return tx, src, v
	}
	t.Fatalf("no vector with opcode %q", opcode)
	return nil, nil, opVector{}
}

func opReturnScript(data []byte) []byte {
	return append([]byte{opReturn, byte(len(data))}, data...)
}

type errSource struct{ err error }

func (e errSource) Prevout(wire.OutPoint) ([]byte, int64, bool, error) { return nil, 0, false, e.err }

// panicSource fails the test if Extract asks it anything.
type panicSource struct{ t *testing.T }

func (p panicSource) Prevout(op wire.OutPoint) ([]byte, int64, bool, error) {
	p.t.Errorf("unexpected prevout lookup %v", op)
	return nil, 0, false, nil
}

func TestExtractCandidates(t *testing.T) {
	base, _, _ := firstVector(t, OpNamePreorder)
	payload := append([]byte("id?"), bytes.Repeat([]byte{7}, 36)...)
	tests := []struct {
		name    string
		outs    [][]byte // output scripts replacing the template's
		opcode  byte     // 0: not a candidate
		payload []byte
	}{
		{"only output is op_return", [][]byte{opReturnScript(payload)}, '?', payload[3:]},
		{"op_return not first", [][]byte{p2pkhScript(make([]byte, 20)), opReturnScript(payload)}, '?', payload[3:]},
		{"no op_return", [][]byte{p2pkhScript(make([]byte, 20))}, 0, nil},
		{"wrong magic", [][]byte{opReturnScript(append([]byte("di?"), payload[3:]...))}, 0, nil},
		{"unknown opcode", [][]byte{opReturnScript(append([]byte("idx"), payload[3:]...))}, 0, nil},
		{"magic and opcode only", [][]byte{opReturnScript([]byte("id?"))}, '?', []byte{}},
		{"magic only", [][]byte{opReturnScript([]byte("id"))}, 0, nil},
		{"last op_return wins", [][]byte{opReturnScript([]byte("id+xx")), opReturnScript(payload)}, '?', payload[3:]},
		{"a bad last op_return hides a good one", [][]byte{opReturnScript(payload), {opReturn, 0}}, 0, nil},
		{"a non-BNS last op_return hides a good one", [][]byte{opReturnScript(payload), opReturnScript([]byte("hello"))}, 0, nil},
		{"truncated push still counts", [][]byte{append([]byte{opReturn, 75}, payload...)}, '?', payload[3:]},
		{"two pushes are not a payload", [][]byte{append(opReturnScript(payload), 1, 1)}, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx := base.Copy()
			tx.TxOut = nil
			for _, s := range tc.outs {
				tx.AddTxOut(wire.NewTxOut(0, s))
			}
			op, p, ok := Candidate(tx, regtest)
			if ok != (tc.opcode != 0) || op != tc.opcode || !bytes.Equal(p, tc.payload) {
				t.Fatalf("Candidate = %q, %x, %v; want %q, %x", op, p, ok, tc.opcode, tc.payload)
			}
			if tc.opcode == 0 {
				x, err := Extract(tx, 1, regtest, panicSource{t})
				if x != nil || err != nil {
					t.Fatalf("Extract = %v, %v; want nil, nil", x, err)
				}
			}
		})
	}
}

func TestExtractSenders(t *testing.T) {
	base, src, v := firstVector(t, OpNamePreorder)
	in0 := base.TxIn[0].PreviousOutPoint
	otherOP := wire.OutPoint{Hash: chainhash.Hash{9}, Index: 3}
	pubkey := v.Fields["sender_pubkey"]
	if pubkey == "" {
		t.Fatal("template vector has no pubkey")
	}
	p2sh := p2shScript(bytes.Repeat([]byte{5}, 20))

	tests := []struct {
		name   string
		edit   func(tx *wire.MsgTx, src mapSource)
		reject bool   // want a *RejectError
		fail   error  // want a plain error wrapping this
		pubkey string // want SenderPubkey (when accepted)
	}{
		{"as is", func(*wire.MsgTx, mapSource) {}, false, nil, pubkey},
		{"no inputs", func(tx *wire.MsgTx, _ mapSource) { tx.TxIn = nil }, true, nil, ""},
		{"coinbase input", func(tx *wire.MsgTx, _ mapSource) {
			tx.TxIn[0].PreviousOutPoint = wire.OutPoint{Index: 0xffffffff}
		}, true, nil, ""},
		{"p2wpkh sender", func(_ *wire.MsgTx, src mapSource) {
			src[in0] = prevout{script: append([]byte{0, 0x14}, make([]byte, 20)...)}
		}, true, nil, ""},
		{"second input p2pk", func(tx *wire.MsgTx, src mapSource) {
			tx.AddTxIn(wire.NewTxIn(&otherOP, nil, nil))
			src[otherOP] = prevout{script: append(append([]byte{33}, mustHex(t, "03d6fd1ba0effaf1e8d94ea7b7a3d0ef26fea00a14ce5ffcc1495fe588a2c6d0f3")...), opCheckSig)}
		}, true, nil, ""},
		{"second input p2sh", func(tx *wire.MsgTx, src mapSource) {
			tx.AddTxIn(wire.NewTxIn(&otherOP, nil, nil))
			src[otherOP] = prevout{script: p2sh}
		}, false, nil, pubkey},
		{"p2sh sender has no pubkey", func(tx *wire.MsgTx, src mapSource) {
			src[in0] = prevout{script: p2sh}
		}, false, nil, ""},
		{"pubkey found in a later input", func(tx *wire.MsgTx, src mapSource) {
			sig := tx.TxIn[0].SignatureScript
			tx.TxIn[0].SignatureScript = append([]byte{0x51}, sig...) // three elements now
			tx.AddTxIn(wire.NewTxIn(&otherOP, sig, nil))
			src[otherOP] = prevout{script: p2sh}
		}, false, nil, pubkey},
		{"pubkey of another address is not taken", func(tx *wire.MsgTx, src mapSource) {
			src[in0] = prevout{script: p2pkhScript(bytes.Repeat([]byte{1}, 20))}
		}, false, nil, ""},
		{"missing prevout", func(tx *wire.MsgTx, src mapSource) { delete(src, in0) }, false, ErrMissingPrevout, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx := base.Copy()
			s := mapSource{}
			for k, v := range src {
				s[k] = v
			}
			tc.edit(tx, s)
			x, err := Extract(tx, 5, regtest, s)
			var rej *RejectError
			switch {
			case tc.reject:
				if !errors.As(err, &rej) || x != nil {
					t.Fatalf("Extract = %v, %v; want a RejectError", x, err)
				}
			case tc.fail != nil:
				if !errors.Is(err, tc.fail) || errors.As(err, &rej) || x != nil {
					t.Fatalf("Extract = %v, %v; want %v", x, err, tc.fail)
				}
			default:
				if err != nil || x == nil {
					t.Fatalf("Extract = %v, %v", x, err)
				}
				if x.SenderPubkey != tc.pubkey {
					t.Fatalf("SenderPubkey = %q, want %q", x.SenderPubkey, tc.pubkey)
				}
				if x.Sender != hexOf(s[in0].script) || len(x.Senders) != len(tx.TxIn) {
					t.Fatalf("Sender = %s, %d senders", x.Sender, len(x.Senders))
				}
			}
		})
	}

	t.Run("source failure", func(t *testing.T) {
		boom := errors.New("rpc down")
		x, err := Extract(base, 1, regtest, errSource{boom})
		var rej *RejectError
		if x != nil || !errors.Is(err, boom) || errors.As(err, &rej) {
			t.Fatalf("Extract = %v, %v", x, err)
		}
	})
	t.Run("fee", func(t *testing.T) {
		x, err := Extract(base, 1, regtest, src)
		if err != nil {
			t.Fatal(err)
		}
		var out int64
		for _, o := range base.TxOut {
			out += o.Value
		}
		if x.Fee != 1_000_000-out {
			t.Fatalf("Fee = %d, want %d", x.Fee, 1_000_000-out)
		}
	})
}
