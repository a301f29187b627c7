package blockscan

import (
	"bytes"
	"io"
	"testing"

	"github.com/btcsuite/btcd/wire"
)

// sink keeps the compiler from discarding benchmark work.
var sink int

// BenchmarkScan reports throughput (MB/s, via SetBytes) of Scan next to
// two floors, touching every byte and io.Copy to io.Discard, and next to
// the full wire.MsgBlock decode that Scan replaces.
func BenchmarkScan(b *testing.B) {
	for _, file := range []string{"mainnet-574200.raw", "mainnet-702861.raw", "mainnet-426884.raw", "mainnet-300025.raw"} {
		raw := readBlock(b, file)
		b.Run(file+"/scan", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				blk, err := Scan(raw, mainnet)
				if err != nil {
					b.Fatal(err)
				}
				sink += len(blk.Candidates)
			}
		})
		b.Run(file+"/touch", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				var x byte
				for _, c := range raw {
					x ^= c
				}
				sink += int(x)
			}
		})
		b.Run(file+"/copy", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				// Hiding bytes.Reader's WriterTo makes io.Discard read
				// the block through its buffer instead of taking it whole.
				n, err := io.Copy(io.Discard, struct{ io.Reader }{bytes.NewReader(raw)})
				if err != nil {
					b.Fatal(err)
				}
				sink += int(n)
			}
		})
		b.Run(file+"/wire", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				var blk wire.MsgBlock
				if err := blk.Deserialize(bytes.NewReader(raw)); err != nil {
					b.Fatal(err)
				}
				sink += len(blk.Transactions)
			}
		})
	}
}
