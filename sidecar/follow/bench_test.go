package follow_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
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
	// btcd goes on indexing and collecting garbage after the last block
	// is accepted; that work must not be billed to whichever run comes
	// first.
	waitIdle(b, n)
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}

	rates := map[int]float64{}
	cpu := map[int]float64{} // CPU ms per block, node and atlasd together
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
				node0, self0 := cpuTimes(b, n)
				t0 := time.Now()
				if err := f.Sync(context.Background()); err != nil {
					b.Fatal(err)
				}
				wall := time.Since(t0)
				node1, self1 := cpuTimes(b, n)
				el := wall.Seconds()
				fetched := float64(f.Stats().BytesFetched.Load())
				rates[fetchers] = blocks / el
				b.ReportMetric(blocks/el, "blocks/s")
				b.ReportMetric(fetched/el/1e6, "MB/s")
				b.Logf("%s: %.0f blocks (%.1f MB) in %.2f s: %.1f blocks/s, %.1f MB/s",
					name, blocks, fetched/1e6, el, blocks/el, fetched/el/1e6)
				// Where the time goes: CPU per block in the node and in
				// atlasd, and how many cores were busy on average.
				perBlock := func(d time.Duration) float64 { return d.Seconds() * 1e3 / blocks }
				nodeCPU, selfCPU := node1-node0, self1-self0
				cpu[fetchers] = perBlock(nodeCPU + selfCPU)
				b.Logf("%s: per block %.1f ms wall, CPU %.1f ms in btcd + %.1f ms in atlasd; %.2f cores busy of %d",
					name, perBlock(wall), perBlock(nodeCPU), perBlock(selfCPU),
					(nodeCPU+selfCPU).Seconds()/el, runtime.NumCPU())
				if fetchers > 1 && rates[1] > 0 {
					logSpeedup(b, rates[1], rates[fetchers], min(cpu[1], cpu[fetchers]))
				}
				m.Close()
				c.Close()
			}
		})
	}
}

// logSpeedup reports the pipeline's gain and the most any pipeline could
// gain here. A pipeline hides waiting, not work: with the node on the same
// cores, a block can never take less than its CPU (node and atlasd, the
// lower of the two runs' figures) spread over every core.
func logSpeedup(b *testing.B, seqRate, pipeRate, cpuPerBlock float64) {
	b.Logf("pipeline speed-up over one fetch at a time: %.2fx", pipeRate/seqRate)
	if cpuPerBlock > 0 {
		ceiling := (1e3 / seqRate) / (cpuPerBlock / float64(runtime.NumCPU()))
		b.Logf("ceiling on this machine: %.1f ms wall per block one at a time / (%.1f ms CPU per block over %d cores) = %.2fx",
			1e3/seqRate, cpuPerBlock, runtime.NumCPU(), ceiling)
	}
}

// waitIdle returns once the node has used less than 20 ms of CPU in half a
// second, or after a minute.
func waitIdle(b *testing.B, n *regtest.Node) {
	b.Helper()
	prev, _ := cpuTimes(b, n)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond)
		cur, _ := cpuTimes(b, n)
		if cur-prev < 20*time.Millisecond {
			return
		}
		prev = cur
	}
	b.Logf("node still busy after a minute; figures include its background work")
}

// cpuTimes reads the CPU time used so far by the node and by this process.
func cpuTimes(b *testing.B, n *regtest.Node) (node, self time.Duration) {
	b.Helper()
	node, err := n.CPUTime()
	if err != nil {
		b.Fatal(err)
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return node, self
}
