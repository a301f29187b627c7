package blockscan

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/wire"
)

// Script pieces for hand-built outputs.
var (
	p2pkh = append(append([]byte{0x76, 0xa9, 0x14}, bytes.Repeat([]byte{0x11}, 20)...), 0x88, 0xac)
	body  = []byte("id+0123456789abcdef0123456789abcdef") // magic, NAME_UPDATE, 32 bytes
)

// ret builds OP_RETURN followed by the given raw bytes.
func ret(rest ...[]byte) []byte {
	return append([]byte{0x6a}, bytes.Join(rest, nil)...)
}

// direct is a direct push (1–75 bytes) of data.
func direct(data []byte) []byte { return append([]byte{byte(len(data))}, data...) }

// pushdata encodes data with OP_PUSHDATA1, 2 or 4.
func pushdata(width int, data []byte) []byte {
	var out []byte
	switch width {
	case 1:
		out = []byte{0x4c, byte(len(data))}
	case 2:
		out = binary.LittleEndian.AppendUint16([]byte{0x4d}, uint16(len(data)))
	default:
		out = binary.LittleEndian.AppendUint32([]byte{0x4e}, uint32(len(data)))
	}
	return append(out, data...)
}

// outputCases are output script lists with the answer v1's rule gives:
// the last OP_RETURN output decides, and it must be OP_RETURN plus exactly
// one push whose data starts with the magic and an opcode byte.
var outputCases = []struct {
	name    string
	scripts [][]byte
	want    bool
}{
	{"direct push", [][]byte{ret(direct(body)), p2pkh}, true},
	{"pushdata1", [][]byte{ret(pushdata(1, body))}, true},
	{"pushdata2", [][]byte{ret(pushdata(2, body))}, true},
	{"pushdata4", [][]byte{ret(pushdata(4, body))}, true},
	{"75-byte direct push", [][]byte{ret(direct(append(slices.Clone(body), make([]byte, 75-len(body))...)))}, true},
	{"80-byte pushdata1", [][]byte{ret(pushdata(1, append(slices.Clone(body), make([]byte, 80-len(body))...)))}, true},
	{"push clipped at script end", [][]byte{ret([]byte{0x30}, body[:8])}, true},
	{"pushdata2 clipped", [][]byte{ret([]byte{0x4d, 0xff, 0x00}, body[:5])}, true},
	{"exactly magic and opcode", [][]byte{ret(direct(body[:3]))}, true},
	{"magic only", [][]byte{ret(direct(body[:2]))}, false},
	{"push then opcode", [][]byte{ret(direct(body), []byte{0x51})}, false},
	{"two pushes", [][]byte{ret(direct(body), direct(body))}, false},
	{"bare OP_RETURN", [][]byte{ret()}, false},
	{"OP_RETURN OP_0", [][]byte{ret([]byte{0x00})}, false},
	{"OP_RETURN OP_1NEGATE then magic", [][]byte{ret([]byte{0x4f}, body)}, false},
	{"pushdata2 length cut", [][]byte{ret([]byte{0x4d, 0x03})}, false},
	{"bad opcode byte", [][]byte{ret(direct([]byte("idZ0123")))}, false},
	{"other magic", [][]byte{ret(direct([]byte("ie+0123")))}, false},
	{"magic in last, other before", [][]byte{ret(direct([]byte("xx+0123"))), ret(direct(body))}, true},
	{"magic before, other last", [][]byte{ret(direct(body)), ret(direct([]byte("xx+0123")))}, false},
	{"magic before, bare OP_RETURN last", [][]byte{ret(direct(body)), ret()}, false},
	{"magic, then payment outputs", [][]byte{ret(direct(body)), p2pkh, {}, p2pkh}, true},
	{"magic outside OP_RETURN", [][]byte{append([]byte{0x51}, direct(body)...), p2pkh}, false},
	{"empty scripts only", [][]byte{{}, {}}, false},
	{"no outputs", nil, false},
}

// withOutputs returns a copy of tx whose outputs carry scripts.
func withOutputs(tx *wire.MsgTx, scripts [][]byte) *wire.MsgTx {
	c := tx.Copy()
	c.TxOut = nil
	for i, s := range scripts {
		c.AddTxOut(wire.NewTxOut(int64(1000*i), s))
	}
	return c
}

// templates returns a legacy and a segwit spend to hang outputs on.
func templates(t *testing.T) map[string]*wire.MsgTx {
	t.Helper()
	out := map[string]*wire.MsgTx{}
	for _, tx := range bnsTxs(t) {
		switch {
		case tx.HasWitness() && out["segwit"] == nil:
			out["segwit"] = tx
		case !tx.HasWitness() && out["legacy"] == nil:
			out["legacy"] = tx
		}
	}
	if len(out) != 2 {
		t.Fatalf("templates: %d of 2 found", len(out))
	}
	return out
}

// TestScanGeneratedOutputs puts every output case, in a legacy and a
// segwit spend, between the real transactions of a mainnet block and checks
// both the explicit answer and agreement with the full decode.
func TestScanGeneratedOutputs(t *testing.T) {
	base := new(wire.MsgBlock)
	if err := base.Deserialize(bytes.NewReader(readBlock(t, "mainnet-482683.raw"))); err != nil {
		t.Fatal(err)
	}
	for kind, tmpl := range templates(t) {
		for _, tc := range outputCases {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				tx := withOutputs(tmpl, tc.scripts)
				for _, at := range []int{1, len(base.Transactions) / 2, len(base.Transactions)} {
					blk := base.Copy()
					blk.Transactions = slices.Insert(blk.Transactions, at, tx)
					got := checkAgainstReference(t, serializeBlock(t, blk), mainnet)
					var want []int
					if tc.want {
						want = []int{at}
					}
					if !slices.Equal(vtxs(got), want) {
						t.Fatalf("inserted at %d: candidates %v, want %v", at, vtxs(got), want)
					}
				}
			})
		}
	}
}

// notMagic is the shared data's one negative fixture: its OP_RETURN data
// starts with "di", not "id".
const notMagic = "13bb0fdc939b85b4476f065dcac28abb6ce1f395f03243e1e23dd79904db6c8a"

// TestScanInsertedRealTxs scatters every real BNS transaction from the
// shared data through a real block and checks Scan finds them where they
// landed.
func TestScanInsertedRealTxs(t *testing.T) {
	txs := bnsTxs(t)
	for _, file := range []string{"mainnet-482683.raw", "mainnet-702861.raw"} {
		t.Run(file, func(t *testing.T) {
			blk := new(wire.MsgBlock)
			if err := blk.Deserialize(bytes.NewReader(readBlock(t, file))); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, uint64(len(file))))
			for _, tx := range txs {
				at := 1 + rng.IntN(len(blk.Transactions))
				blk.Transactions = slices.Insert(blk.Transactions, at, tx)
			}
			var want []int
			for i, tx := range blk.Transactions {
				if slices.Contains(txs, tx) && tx.TxHash().String() != notMagic {
					want = append(want, i)
				}
			}
			got := checkAgainstReference(t, serializeBlock(t, blk), mainnet)
			if !slices.Equal(vtxs(got), want) {
				t.Fatalf("candidates %v, want %v", vtxs(got), want)
			}
		})
	}
}

// smallBlock is a compact block with candidates in legacy and segwit
// spends, for mutation and fuzzing.
func smallBlock(t testing.TB) []byte {
	t.Helper()
	var blk wire.MsgBlock
	for _, b := range realBlocks(t) {
		if b.name == "blk-test-0-4.dat#1" {
			if err := blk.Deserialize(bytes.NewReader(b.raw)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(blk.Transactions) == 0 {
		t.Fatal("blk-test-0-4.dat#1 not found")
	}
	blk.Transactions = append(blk.Transactions, bnsTxs(t)[:6]...)
	for _, tx := range bnsTxs(t) {
		if tx.HasWitness() {
			blk.Transactions = append(blk.Transactions, tx)
			break
		}
	}
	return serializeBlock(t, &blk)
}

// TestScanMutated flips, drops, inserts and truncates bytes of a small block
// full of candidates; whatever comes out, Scan must agree with the full
// decode, including on refusing it.
func TestScanMutated(t *testing.T) {
	raw := smallBlock(t)
	rng := rand.New(rand.NewPCG(7, 9))
	mutations := []struct {
		name string
		fn   func([]byte) []byte
	}{
		{"flip", func(b []byte) []byte { b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255)); return b }},
		{"set", func(b []byte) []byte {
			b[rng.IntN(len(b))] = []byte{0, 1, 0x4c, 0x4d, 0x6a, 0xfd, 0xfe, 0xff}[rng.IntN(8)]
			return b
		}},
		{"drop", func(b []byte) []byte { i := rng.IntN(len(b)); return slices.Delete(b, i, i+1) }},
		{"insert", func(b []byte) []byte { return slices.Insert(b, rng.IntN(len(b)), byte(rng.IntN(256))) }},
		{"truncate", func(b []byte) []byte { return b[:rng.IntN(len(b))] }},
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			accepted := 0
			for range 400 {
				b := m.fn(slices.Clone(raw))
				if checkAgainstReference(t, b, mainnet) != nil {
					accepted++
				}
			}
			t.Logf("%d of 400 mutants still decode", accepted)
		})
	}
}
