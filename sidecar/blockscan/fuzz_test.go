package blockscan

import (
	"testing"
)

// FuzzScan compares Scan with a full wire.MsgBlock decode plus
// nameop.Candidate on arbitrary bytes: both must refuse, or both must
// accept with the same header, count and candidates.
func FuzzScan(f *testing.F) {
	f.Add(smallBlock(f))
	f.Add(block([]byte{2}, legacyTx(), segwitTx(1, []byte{7})))
	f.Add(block([]byte{1}, segwitTx(1, nil)))
	f.Add(block([]byte{0}))
	for _, b := range realBlocks(f) {
		if len(b.raw) < 4096 {
			f.Add(b.raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkAgainstReference(t, raw, mainnet)
	})
}
