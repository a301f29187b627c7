package replay

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// histGen builds a mainnet-shaped BNS history on the fly: one namespace
// revealed and readied at the start, then names preordered and registered,
// updated, transferred and renewed, at mainnet heights so every epoch's
// rules are exercised. It reads the machine's consensus hashes to fill the
// payloads, as a wallet would.
type histGen struct {
	m      *state.Machine
	net    nameop.Network
	rng    *rand.Rand
	owners []owner
	names  []ownedName
	// preorders waiting for their registration in the next block
	pending []pendingReg
	seq     uint64
}

type owner struct {
	script []byte
	addr   string
}

type ownedName struct {
	name  string
	owner int
}

type pendingReg struct {
	name       string
	payer, rcp int
}

func (g *histGen) newOwner(i int) owner {
	h := btcutil.Hash160([]byte(fmt.Sprintf("owner-%d", i)))
	s := append(append([]byte{0x76, 0xa9, 0x14}, h...), 0x88, 0xac)
	a, _ := nameop.ScriptToAddress(s, g.net)
	return owner{script: s, addr: a}
}

func (g *histGen) out(script []byte, v int64) nameop.Output {
	a, t := nameop.ScriptToAddress(script, g.net)
	return nameop.Output{Value: v, Script: script, Type: t, Address: a}
}

func opReturn(data []byte) []byte {
	return append([]byte{0x6a, byte(len(data))}, data...)
}

var burnScript = append(append([]byte{0x76, 0xa9, 0x14}, make([]byte, 20)...), 0x88, 0xac)

func (g *histGen) tx(vtx int, opcode byte, payload []byte, from owner, outs ...nameop.Output) *nameop.Tx {
	g.seq++
	var id [32]byte
	binary.BigEndian.PutUint64(id[:], g.seq)
	data := append([]byte{g.net.Magic[0], g.net.Magic[1], opcode}, payload...)
	outputs := append([]nameop.Output{g.out(opReturn(data), 0)}, outs...)
	sender := g.out(from.script, 100000)
	return &nameop.Tx{
		TxID: hex.EncodeToString(id[:]), VtxIndex: vtx, Opcode: opcode, Payload: payload,
		Senders: []nameop.Output{sender}, Outputs: outputs,
		Sender: hex.EncodeToString(from.script), Address: from.addr,
	}
}

func (g *histGen) recentCH(h uint64) []byte {
	ch, ok := g.m.ConsensusHash(h - 1)
	if !ok {
		ch = "17ac43c1d8549c3181b200f1bf97eb7d"
	}
	b, _ := hex.DecodeString(ch)
	return b
}

func zonefileHash(i uint64) []byte {
	return btcutil.Hash160([]byte(fmt.Sprintf("$ORIGIN name%d\n$TTL 3600\n_http._tcp URI 10 1 \"https://gaia.example/%d/profile.json\"\n", i, i)))
}

// block returns the candidates of height h.
func (g *histGen) block(h uint64, opsPerBlock float64) []*nameop.Tx {
	p := g.m.Params()
	feats := p.Features(h)
	first := p.FirstBlock
	var txs []*nameop.Tx
	vtx := 1
	add := func(t *nameop.Tx) { txs = append(txs, t); vtx++ }
	admin := g.owners[0]
	switch h {
	case first:
		hash, _ := nameop.HashName("id", hex.EncodeToString(admin.script), admin.addr)
		hb, _ := hex.DecodeString(hash)
		add(g.tx(vtx, '*', append(hb, g.recentCH(h)...), admin, g.out(admin.script, 1), g.out(burnScript, 40*100000000)))
		return txs
	case first + 1:
		pl := []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0, 1}
		add(g.tx(vtx, '&', append(pl, "id"...), admin, g.out(admin.script, 1), g.out(admin.script, 1)))
		return txs
	case first + 2:
		add(g.tx(vtx, '!', []byte(".id"), admin))
		return txs
	}
	// Registrations for last block's preorders.
	for _, r := range g.pending {
		payer, rcp := g.owners[r.payer], g.owners[r.rcp]
		pl := []byte(r.name)
		if feats.Has(params.OpRegisterUpdate) {
			pl = make([]byte, 37)
			copy(pl, r.name)
			pl = append(pl, zonefileHash(g.seq)...)
		}
		add(g.tx(vtx, ':', pl, payer, g.out(rcp.script, 5500), g.out(payer.script, 1)))
		g.names = append(g.names, ownedName{name: r.name, owner: r.rcp})
	}
	g.pending = g.pending[:0]
	n := int(opsPerBlock)
	if g.rng.Float64() < opsPerBlock-float64(n) {
		n++
	}
	for i := 0; i < n; i++ {
		k := g.rng.Intn(100)
		switch {
		case k < 28 || len(g.names) < 10:
			// Preorder a new name; it is registered in the next block.
			id := len(g.names) + len(g.pending)
			name := fmt.Sprintf("user%d-%s.id", id, strings.Repeat("x", id%7))
			payer, rcp := g.rng.Intn(len(g.owners)), g.rng.Intn(len(g.owners))
			hash, _ := nameop.HashName(name, hex.EncodeToString(g.owners[payer].script), g.owners[rcp].addr)
			hb, _ := hex.DecodeString(hash)
			add(g.tx(vtx, '?', append(hb, g.recentCH(h)...), g.owners[payer], g.out(g.owners[payer].script, 1), g.out(burnScript, 100000)))
			g.pending = append(g.pending, pendingReg{name: name, payer: payer, rcp: rcp})
		case k < 75:
			on := g.names[g.rng.Intn(len(g.names))]
			nch, _ := hex.DecodeString(nameop.Hash128(on.name + hex.EncodeToString(g.recentCH(h))))
			add(g.tx(vtx, '+', append(nch, zonefileHash(g.seq)...), g.owners[on.owner]))
		case k < 88:
			i := g.rng.Intn(len(g.names))
			on := g.names[i]
			to := g.rng.Intn(len(g.owners))
			if to == on.owner {
				continue
			}
			nh, _ := hex.DecodeString(nameop.Hash128(on.name))
			pl := append(append([]byte{'>'}, nh...), g.recentCH(h)...)
			add(g.tx(vtx, '>', pl, g.owners[on.owner], g.out(g.owners[to].script, 5500)))
			g.names[i].owner = to
		default:
			on := g.names[g.rng.Intn(len(g.names))]
			o := g.owners[on.owner]
			add(g.tx(vtx, ':', []byte(on.name), o, g.out(o.script, 5500), g.out(o.script, 1), g.out(burnScript, 100000)))
		}
	}
	return txs
}

func peakRSSKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(l, []byte("VmHWM:")) {
			var kb int64
			fmt.Sscanf(string(bytes.TrimPrefix(l, []byte("VmHWM:"))), "%d", &kb)
			return kb
		}
	}
	return 0
}

// cpuTime is the process's user plus system CPU time: on a shared machine
// it shows how much of the wall-clock time was the replay's own work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fullBlocks is mainnet's v1 span, 373601 to 665750.
const fullBlocks = 292150

// BenchmarkMainnetShapedReplay replays 292,150 generated blocks from
// mainnet's first block (about 250,000 operations) and prints blocks/s,
// ops/s, total seconds and peak RSS. Run with `make bench`;
// ATLASD_BENCH_BLOCKS=N replays only the first N blocks.
//
// The generator runs between blocks (it reads the consensus hashes the
// payloads need); its time is measured apart and left out of the replay
// figures.
func BenchmarkMainnetShapedReplay(b *testing.B) {
	blocks := uint64(fullBlocks)
	if s := os.Getenv("ATLASD_BENCH_BLOCKS"); s != "" {
		if _, err := fmt.Sscanf(s, "%d", &blocks); err != nil || blocks == 0 {
			b.Fatalf("ATLASD_BENCH_BLOCKS=%q: want a positive block count", s)
		}
	}
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		genesis := dir + "/genesis.json"
		if err := os.WriteFile(genesis, []byte(`[]`), 0o600); err != nil {
			b.Fatal(err)
		}
		p := params.Mainnet()
		m, err := state.Open(dir+"/state", p, state.Options{Logger: zerolog.Nop(), TokenGenesis: genesis})
		if err != nil {
			b.Fatal(err)
		}
		g := &histGen{m: m, net: nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}, rng: rand.New(rand.NewSource(1))}
		for j := 0; j < 5000; j++ {
			g.owners = append(g.owners, g.newOwner(j))
		}
		b.ResetTimer()
		start, cpu0 := time.Now(), cpuTime()
		var gen, apply time.Duration
		var ops, accepted int
		for h := p.FirstBlock; h < p.FirstBlock+blocks; h++ {
			t0 := time.Now()
			txs := g.block(h, 0.62)
			t1 := time.Now()
			ops += len(txs)
			r, err := m.ApplyBlock(h, "", txs)
			if err != nil {
				b.Fatal(err)
			}
			apply += time.Since(t1)
			gen += t1.Sub(t0)
			accepted += len(r.Accepted)
		}
		slots := m.Slots()
		t0 := time.Now()
		if err := m.Close(); err != nil {
			b.Fatal(err)
		}
		// Closing flushes the memtable: part of the replay's cost.
		apply += time.Since(t0)
		b.StopTimer()
		total, cpu := time.Since(start), cpuTime()-cpu0
		sec := apply.Seconds()
		b.ReportMetric(float64(blocks)/sec, "blocks/s")
		b.ReportMetric(float64(ops)/sec, "ops/s")
		b.ReportMetric(sec, "replay-s")
		b.ReportMetric(gen.Seconds(), "gen-s")
		b.ReportMetric(float64(peakRSSKiB())/1024, "peak-RSS-MiB")
		fmt.Printf("mainnet-shaped replay: %d blocks, %d ops (%d accepted), %d chunk slots\n", blocks, ops, accepted, slots)
		fmt.Printf("  replay %.1f s: %.0f blocks/s, %.0f ops/s; generator %.1f s (not counted); wall %.1f s, CPU %.1f s; peak RSS %d MiB\n",
			sec, float64(blocks)/sec, float64(ops)/sec, gen.Seconds(), total.Seconds(), cpu.Seconds(), peakRSSKiB()/1024)
	}
}
