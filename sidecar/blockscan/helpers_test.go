package blockscan

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/internal/shareddata"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/btcsuite/btcd/wire"
)

var mainnet = nameop.Network{Magic: [2]byte{'i', 'd'}, P2PKHVersion: 0x00, P2SHVersion: 0x05}

// namedBlock is one serialized block from the shared data.
type namedBlock struct {
	name string
	raw  []byte
}

// realBlocks returns every block in ../shared/data/blocks: the *.raw files
// whole and the blk*.dat files split into their records.
func realBlocks(tb testing.TB) []namedBlock {
	tb.Helper()
	dir := shareddata.Path(tb, "data", "blocks")
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var out []namedBlock
	for _, e := range entries {
		name := e.Name()
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		switch {
		case strings.HasSuffix(name, ".raw"):
			out = append(out, namedBlock{name, raw})
		case strings.HasSuffix(name, ".dat"):
			for i := 0; len(raw) >= 8; i++ {
				n := binary.LittleEndian.Uint32(raw[4:8])
				if uint64(n) > uint64(len(raw)-8) {
					tb.Fatalf("%s: record %d of %d bytes, %d left", name, i, n, len(raw)-8)
				}
				out = append(out, namedBlock{name + "#" + strconv.Itoa(i), raw[8 : 8+n]})
				raw = raw[8+n:]
			}
		}
	}
	if len(out) < 10 {
		tb.Fatalf("only %d blocks found in %s", len(out), dir)
	}
	return out
}

// readBlock returns one named *.raw block.
func readBlock(tb testing.TB, name string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(shareddata.Path(tb, "data", "blocks", name))
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// bnsTxs returns every raw transaction in ../shared/data/txs/bns_txs.json.
func bnsTxs(tb testing.TB) []*wire.MsgTx {
	tb.Helper()
	data, err := os.ReadFile(shareddata.Path(tb, "data", "txs", "bns_txs.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var groups map[string]json.RawMessage
	if err := json.Unmarshal(data, &groups); err != nil {
		tb.Fatal(err)
	}
	var out []*wire.MsgTx
	for _, g := range groups {
		var list []struct {
			Hex string `json:"hex"`
		}
		if json.Unmarshal(g, &list) != nil {
			continue // description and summary objects
		}
		for _, e := range list {
			b, err := hex.DecodeString(e.Hex)
			if err != nil {
				tb.Fatal(err)
			}
			tx := new(wire.MsgTx)
			if err := tx.Deserialize(bytes.NewReader(b)); err != nil {
				tb.Fatal(err)
			}
			out = append(out, tx)
		}
	}
	if len(out) < 20 {
		tb.Fatalf("only %d BNS txs in bns_txs.json", len(out))
	}
	return out
}

// reference is the slow path Scan must agree with: a full wire.MsgBlock
// decode followed by nameop.Candidate on every transaction. ok is false
// when Scan must fail.
func reference(raw []byte, net nameop.Network) (blk *Block, ok bool) {
	if len(raw) > wire.MaxBlockPayload {
		// wire itself would not refuse it, but its 4 MiB script buffer
		// could overflow; Scan refuses first.
		return nil, false
	}
	var mb wire.MsgBlock
	r := bytes.NewReader(raw)
	if err := mb.Deserialize(r); err != nil || r.Len() != 0 {
		return nil, false
	}
	blk = &Block{Header: mb.Header, Hash: mb.BlockHash(), TxCount: len(mb.Transactions)}
	for i, tx := range mb.Transactions {
		if op, payload, ok := nameop.Candidate(tx, net); ok {
			blk.Candidates = append(blk.Candidates, Candidate{VtxIndex: i, Tx: tx, Opcode: op, Payload: payload})
		}
	}
	return blk, true
}

// checkAgainstReference fails the test unless Scan and the reference agree
// on raw: both refuse it, or both accept it with the same header, count and
// candidates. It returns Scan's result.
func checkAgainstReference(t testing.TB, raw []byte, net nameop.Network) *Block {
	t.Helper()
	got, err := Scan(raw, net)
	want, ok := reference(raw, net)
	if !ok {
		if err == nil {
			t.Fatalf("Scan accepted a block wire refuses (%d bytes)", len(raw))
		}
		var se *Error
		if !errors.As(err, &se) {
			t.Fatalf("Scan error %v is not an *Error", err)
		}
		if errors.Is(err, ErrDecode) {
			t.Fatalf("scan and wire disagree inside Scan: %v", err)
		}
		return nil
	}
	if err != nil {
		t.Fatalf("Scan refused a block wire accepts: %v", err)
	}
	if got.Hash != want.Hash || got.Header != want.Header || got.TxCount != want.TxCount {
		t.Fatalf("header: got %v/%v/%d, want %v/%v/%d", got.Hash, got.Header.PrevBlock, got.TxCount,
			want.Hash, want.Header.PrevBlock, want.TxCount)
	}
	if len(got.Candidates) != len(want.Candidates) {
		t.Fatalf("%d candidates %v, want %d %v", len(got.Candidates), vtxs(got), len(want.Candidates), vtxs(want))
	}
	for i, g := range got.Candidates {
		w := want.Candidates[i]
		if g.VtxIndex != w.VtxIndex || g.Opcode != w.Opcode || !bytes.Equal(g.Payload, w.Payload) {
			t.Fatalf("candidate %d: vtx %d op %q payload %x, want vtx %d op %q payload %x",
				i, g.VtxIndex, g.Opcode, g.Payload, w.VtxIndex, w.Opcode, w.Payload)
		}
		if !bytes.Equal(serialize(t, g.Tx), serialize(t, w.Tx)) || g.Tx.TxHash() != w.Tx.TxHash() {
			t.Fatalf("candidate %d (vtx %d): decoded tx differs", i, g.VtxIndex)
		}
	}
	return got
}

func vtxs(b *Block) []int {
	var out []int
	for _, c := range b.Candidates {
		out = append(out, c.VtxIndex)
	}
	return out
}

func serialize(tb testing.TB, tx *wire.MsgTx) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func serializeBlock(tb testing.TB, b *wire.MsgBlock) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := b.Serialize(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
