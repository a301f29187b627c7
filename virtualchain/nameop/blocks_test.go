package nameop

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/wire"
)

func readBlock(tb testing.TB, name string) (*wire.MsgBlock, int) {
	tb.Helper()
	raw := readShared(tb, filepath.Join("blocks", name))
	var blk wire.MsgBlock
	if err := blk.Deserialize(bytes.NewReader(raw)); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return &blk, len(raw)
}

// readBlkFile splits a bitcoind blk*.dat file into its blocks.
func readBlkFile(tb testing.TB, name string) []*wire.MsgBlock {
	tb.Helper()
	raw := readShared(tb, filepath.Join("blocks", name))
	var out []*wire.MsgBlock
	for len(raw) >= 8 {
		n := binary.LittleEndian.Uint32(raw[4:8])
		if uint64(n) > uint64(len(raw)-8) {
			tb.Fatalf("%s: record of %d bytes, %d left", name, n, len(raw)-8)
		}
		var blk wire.MsgBlock
		if err := blk.Deserialize(bytes.NewReader(raw[8 : 8+n])); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		out = append(out, &blk)
		raw = raw[8+n:]
	}
	if len(out) == 0 {
		tb.Fatalf("%s: no blocks", name)
	}
	return out
}

// TestBlocksWithOps extracts every tx of the two mainnet blocks that carry
// BNS ops and checks that exactly the known ops come out.
func TestBlocksWithOps(t *testing.T) {
	tests := []struct {
		file    string
		rules   Rules
		wantIdx []int
		opcode  byte
		txids   []string
	}{
		{"mainnet-426884.raw", Rules{}, []int{45, 46}, OpNameUpdate, []string{
			"df8d53042571a878ec161e4377b9ea8c8215ce0ee7f4969ce2bdd497c013aa57",
			"4a790e66c6d7df2915a46ec6ecd48f31d08bea9ff2b8f41238508db18601641c",
		}},
		{"mainnet-574200.raw", epoch4, []int{727, 822}, OpTokenTransfer, []string{
			"dccbed0cb5f07de44bc5b6486614055ea72a4330928121372b14f66734481506",
			"af5965bf393cfc41094ce357be44b8814b121efd3576ba3a1eff41e19e9da159",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			blk, _ := readBlock(t, tc.file)
			var got []*Tx
			for i, tx := range blk.Transactions {
				if _, _, ok := Candidate(tx, mainnet); !ok {
					if x, err := Extract(tx, i, mainnet, panicSource{t}); x != nil || err != nil {
						t.Fatalf("tx %d: Extract = %v, %v for a non-candidate", i, x, err)
					}
					continue
				}
				x, err := Extract(tx, i, mainnet, scriptSigSource{tx})
				if err != nil {
					t.Fatalf("tx %d: %v", i, err)
				}
				got = append(got, x)
			}
			if len(got) != len(tc.wantIdx) {
				t.Fatalf("%d candidates, want %d", len(got), len(tc.wantIdx))
			}
			for j, x := range got {
				if x.VtxIndex != tc.wantIdx[j] || x.TxID != tc.txids[j] || x.Opcode != tc.opcode {
					t.Fatalf("candidate %d: vtx %d txid %s opcode %q", j, x.VtxIndex, x.TxID, x.Opcode)
				}
				if _, err := Parse(x, tc.rules); err != nil {
					t.Fatalf("candidate %d: %v", j, err)
				}
				if x.SenderPubkey == "" {
					t.Errorf("candidate %d: no sender pubkey for a p2pkh spend", j)
				}
			}
			if tc.opcode == OpTokenTransfer {
				// The same txs before epoch 4 parse to nothing.
				var pe *ParseError
				if _, err := Parse(got[0], Rules{}); !errors.As(err, &pe) {
					t.Fatalf("pre-epoch-4 parse: %v", err)
				}
			}
		})
	}
}

// TestBlocksWithoutOps checks that blocks without BNS ops give no candidate
// and never ask for a prevout.
func TestBlocksWithoutOps(t *testing.T) {
	var blocks []*wire.MsgBlock
	for _, f := range []string{"mainnet-300025.raw", "mainnet-413567.raw", "mainnet-482683.raw", "mainnet-702861.raw"} {
		blk, _ := readBlock(t, f)
		blocks = append(blocks, blk)
	}
	for _, f := range []string{"blk-mainnet-1-255.dat", "blk-mainnet-277647.dat", "blk-test-0-4.dat", "blk-test-side-3A.dat", "blk-test-side-4A.dat", "blk-test-side-5A.dat"} {
		blocks = append(blocks, readBlkFile(t, f)...)
	}
	ntx := 0
	for _, blk := range blocks {
		for i, tx := range blk.Transactions {
			ntx++
			for _, net := range []Network{mainnet, regtest} {
				if x, err := Extract(tx, i, net, panicSource{t}); x != nil || err != nil {
					t.Fatalf("block %s tx %d: Extract = %v, %v", blk.BlockHash(), i, x, err)
				}
			}
		}
	}
	t.Logf("%d blocks, %d txs", len(blocks), ntx)
}
