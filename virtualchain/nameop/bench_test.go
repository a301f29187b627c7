package nameop

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/wire"
)

// blockSource gives the funding outputs of a block's candidates, rebuilt
// once from their scriptSigs so that the benchmark times Extract only.
func blockSource(tb testing.TB, blk *wire.MsgBlock) mapSource {
	src := mapSource{}
	for _, tx := range blk.Transactions {
		if _, _, ok := Candidate(tx, mainnet); !ok {
			continue
		}
		for _, in := range tx.TxIn {
			s, _, ok, _ := scriptSigSource{tx}.Prevout(in.PreviousOutPoint)
			if !ok {
				tb.Fatal("cannot infer a prevout")
			}
			src[in.PreviousOutPoint] = prevout{script: s}
		}
	}
	return src
}

// BenchmarkExtractBlock runs Extract over every tx of mainnet block 574200
// (3,315 txs, two of them BNS); MB/s is over the serialized block.
func BenchmarkExtractBlock(b *testing.B) {
	blk, size := readBlock(b, "mainnet-574200.raw")
	src := blockSource(b, blk)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n := 0
		for i, tx := range blk.Transactions {
			x, err := Extract(tx, i, mainnet, src)
			if err != nil {
				b.Fatal(err)
			}
			if x != nil {
				n++
			}
		}
		if n != 2 {
			b.Fatalf("%d candidates", n)
		}
	}
}

// BenchmarkDecodeExtractBlock adds decoding the block from its bytes, which
// is what a node pays per block fetched from bitcoind.
func BenchmarkDecodeExtractBlock(b *testing.B) {
	raw := readShared(b, filepath.Join("blocks", "mainnet-574200.raw"))
	blk, _ := readBlock(b, "mainnet-574200.raw")
	src := blockSource(b, blk)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		var blk wire.MsgBlock
		if err := blk.Deserialize(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
		for i, tx := range blk.Transactions {
			if _, err := Extract(tx, i, mainnet, src); err != nil {
				b.Fatal(err)
			}
		}
	}
}
