package blockscan

import (
	"slices"
	"testing"

	"github.com/atlasd/atlasd/virtualchain/nameop"
)

// TestScanRealBlocks runs every shared mainnet and test block through Scan
// and the full wire decode and requires the same header, count and
// candidates.
func TestScanRealBlocks(t *testing.T) {
	for _, b := range realBlocks(t) {
		t.Run(b.name, func(t *testing.T) {
			if checkAgainstReference(t, b.raw, mainnet) == nil {
				t.Fatal("a real block was refused")
			}
		})
	}
}

// TestScanKnownCandidates pins the BNS transactions the shared README lists,
// so the property above cannot pass by both sides finding nothing.
func TestScanKnownCandidates(t *testing.T) {
	tests := []struct {
		file    string
		txCount int
		vtx     []int
		opcode  byte
		txids   []string
	}{
		{"mainnet-426884.raw", 409, []int{45, 46}, nameop.OpNameUpdate, []string{
			"df8d53042571a878ec161e4377b9ea8c8215ce0ee7f4969ce2bdd497c013aa57",
			"4a790e66c6d7df2915a46ec6ecd48f31d08bea9ff2b8f41238508db18601641c",
		}},
		{"mainnet-574200.raw", 3315, []int{727, 822}, nameop.OpTokenTransfer, []string{
			"dccbed0cb5f07de44bc5b6486614055ea72a4330928121372b14f66734481506",
			"af5965bf393cfc41094ce357be44b8814b121efd3576ba3a1eff41e19e9da159",
		}},
		{"mainnet-300025.raw", -1, nil, 0, nil},
		{"mainnet-413567.raw", -1, nil, 0, nil},
		{"mainnet-482683.raw", -1, nil, 0, nil},
		{"mainnet-702861.raw", -1, nil, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			blk, err := Scan(readBlock(t, tc.file), mainnet)
			if err != nil {
				t.Fatal(err)
			}
			if tc.txCount >= 0 && blk.TxCount != tc.txCount {
				t.Errorf("TxCount %d, want %d", blk.TxCount, tc.txCount)
			}
			if got := vtxs(blk); !slices.Equal(got, tc.vtx) {
				t.Fatalf("candidates at %v, want %v", got, tc.vtx)
			}
			for i, c := range blk.Candidates {
				if c.Opcode != tc.opcode || c.Tx.TxHash().String() != tc.txids[i] {
					t.Errorf("candidate %d: opcode %q txid %s", i, c.Opcode, c.Tx.TxHash())
				}
			}
		})
	}
}

// TestScanOtherMagic checks that the magic is a parameter: the same mainnet
// block has no candidates under another network's bytes.
func TestScanOtherMagic(t *testing.T) {
	raw := readBlock(t, "mainnet-426884.raw")
	for _, magic := range [][2]byte{{'i', 'e'}, {'d', 'i'}, {0, 0}} {
		t.Run(string(magic[:]), func(t *testing.T) {
			net := mainnet
			net.Magic = magic
			if blk := checkAgainstReference(t, raw, net); len(blk.Candidates) != 0 {
				t.Fatalf("candidates %v under magic %q", vtxs(blk), magic)
			}
		})
	}
}
