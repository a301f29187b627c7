package follow_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/sidecar/bitcoind"
	"github.com/atlasd/atlasd/sidecar/follow"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// opTrue is a bare anyone-can-spend script: the filler transactions need no
// signatures, so hundreds of full blocks can be built in seconds.
var opTrue = []byte{0x51}

// fullBlocks mines n blocks of about 900 kB each on n: a fan-out
// transaction and 3,000 children of ~290 bytes, the size and transaction
// count of a busy mainnet block.
func fullBlocks(b *testing.B, n *regtest.Node, count int) int64 {
	b.Helper()
	const children = 3000
	txid, err := n.NewTx().PayScript(opTrue, 40*btcutil.SatoshiPerBitcoin).Send()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := n.Generate(1); err != nil {
		b.Fatal(err)
	}
	prev := wire.OutPoint{Hash: txid, Index: 0}
	value := int64(40 * btcutil.SatoshiPerBitcoin)
	pad := make([]byte, 220)
	padScript := append([]byte{0x6a, 0x4c, byte(len(pad))}, pad...)
	var bytes int64
	for k := 0; k < count; k++ {
		fan := wire.NewMsgTx(1)
		fan.AddTxIn(wire.NewTxIn(&prev, nil, nil))
		for i := 0; i < children; i++ {
			fan.AddTxOut(wire.NewTxOut(1000, opTrue))
		}
		value -= children * 1000
		fan.AddTxOut(wire.NewTxOut(value, opTrue))
		fh := fan.TxHash()
		txs := []*wire.MsgTx{fan}
		for i := 0; i < children; i++ {
			c := wire.NewMsgTx(1)
			c.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: fh, Index: uint32(i)}, nil, nil))
			c.AddTxOut(wire.NewTxOut(1000, opTrue))
			pad[0], pad[1] = byte(k), byte(i) // distinct txids
			c.AddTxOut(wire.NewTxOut(0, append([]byte(nil), padScript...)))
			copy(c.TxOut[1].PkScript[3:], pad)
			txs = append(txs, c)
		}
		if _, err := n.MineBlock(txs...); err != nil {
			b.Fatalf("block %d: %v", k, err)
		}
		for _, tx := range txs {
			bytes += int64(tx.SerializeSize())
		}
		prev = wire.OutPoint{Hash: fh, Index: children}
	}
	return bytes
}

// BenchmarkInitialSync syncs a fresh replay from a regtest node holding
// hundreds of full blocks, one block fetch at a time and through the
// pipeline, and reports blocks/s and MB/s of each and their ratio.
func BenchmarkInitialSync(b *testing.B) {
	count := 300
	if s := os.Getenv("ATLASD_BENCH_SYNC_BLOCKS"); s != "" {
		count, _ = strconv.Atoi(s)
	}
	n := regtest.Start(b)
	p := params.Regtest()
	if _, err := n.Generate(uint32(p.FirstBlock)); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	payload := fullBlocks(b, n, count)
	_, tip, err := n.BestBlock()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d full blocks (%.1f MB of transactions) in %v", count, float64(payload)/1e6, time.Since(start).Round(time.Millisecond))
	blocks := float64(int64(tip) - int64(p.FirstBlock) + 1)
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}

	rates := map[int]float64{}
	for _, fetchers := range []int{1, 8} {
		name := "sequential"
		if fetchers > 1 {
			name = "pipeline-" + strconv.Itoa(fetchers)
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				c, err := bitcoind.New(bitcoind.Config{Host: n.RPCHost(), User: n.RPCUser(), Pass: n.RPCPass(), Conns: fetchers})
				if err != nil {
					b.Fatal(err)
				}
				m, err := state.Open(b.TempDir(), p, state.Options{Logger: zerolog.Nop()})
				if err != nil {
					b.Fatal(err)
				}
				f := follow.New(c, m, follow.Config{Network: net, FirstBlock: p.FirstBlock, Prevouts: bitcoind.PrevoutsTxIndex,
					Fetchers: fetchers, Logger: zerolog.Nop()})
				t0 := time.Now()
				if err := f.Sync(context.Background()); err != nil {
					b.Fatal(err)
				}
				el := time.Since(t0).Seconds()
				fetched := float64(f.Stats().BytesFetched.Load())
				rates[fetchers] = blocks / el
				b.ReportMetric(blocks/el, "blocks/s")
				b.ReportMetric(fetched/el/1e6, "MB/s")
				b.Logf("%s: %.0f blocks (%.1f MB) in %.2f s: %.1f blocks/s, %.1f MB/s",
					name, blocks, fetched/1e6, el, blocks/el, fetched/el/1e6)
				m.Close()
				c.Close()
			}
		})
	}
	if rates[1] > 0 {
		b.Logf("pipeline speed-up over one fetch at a time: %.2fx", rates[8]/rates[1])
	}
	_ = chainhash.Hash{}
}
