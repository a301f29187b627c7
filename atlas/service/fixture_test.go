package service_test

// A chain for the tests to follow: a reference scenario replayed into a
// real state.Machine, optionally with one of its blocks altered (a forked
// history), and extended with NAME_UPDATE blocks whose value hashes are
// those of real mainnet zonefiles. atlas may import virtualchain only from
// tests, and Go cannot share test files between packages, so the adapter
// below is a copy of the one in atlas/node's tests.

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/peers/peertest"
	"github.com/atlasd/atlasd/internal/shareddata"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/replay"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// scenario is the base history: blocks 256–268, 22 slots of foo.test.
const scenario = "name_preorder_register_collisions"

// machineChain adapts the replay to node.Chain, as the daemon does.
type machineChain struct{ m *state.Machine }

var _ node.Chain = machineChain{}

func (c machineChain) LastBlock() int64 { h, _ := c.m.Tip(); return h }

func (c machineChain) ConsensusHash(h int64) (string, bool) {
	if h < 0 {
		return "", false
	}
	return c.m.ConsensusHash(uint64(h))
}

func (c machineChain) BlockOfConsensus(ch string) (int64, bool, error) {
	h, ok, err := c.m.BlockOfConsensus(ch)
	return int64(h), ok, err
}

func (c machineChain) Slots() int { return int(c.m.Slots()) }

func (c machineChain) Announcements(from, n int) ([]inventory.Announcement, error) {
	anns, err := c.m.Announcements(uint64(from), n)
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Announcement, len(anns))
	for i, a := range anns {
		h, err := inventory.ParseHash(a.Hash)
		if err != nil {
			return nil, err
		}
		txid, err := chainhash.NewHashFromStr(a.TxID)
		if err != nil {
			return nil, err
		}
		out[i] = inventory.Announcement{Name: a.Name, Hash: h, TxID: *txid, Height: int32(a.Height)}
	}
	return out, nil
}

// fixture is a replayed scenario and what is needed to extend it.
type fixture struct {
	m        *state.Machine
	chain    machineChain
	first    int64
	net      nameop.Network
	name     string      // the name the scenario keeps updating
	template *wire.MsgTx // an accepted NAME_UPDATE of it, to copy
	prevouts map[string]string
	nonce    uint32
}

// newFixture replays the scenario into a fresh machine. If dropAt is not
// zero, the last transaction of the block at that height is left out: a
// history that forks there.
func newFixture(t testing.TB, dropAt uint64) *fixture {
	t.Helper()
	dir := shareddata.Path(t, "data", "consensus", "scenarios")
	p, err := params.Load(filepath.Join(dir, scenario+".params.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, scenario+".blocks.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []replay.Block
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var b replay.Block
		if err := json.Unmarshal(sc.Bytes(), &b); err != nil {
			t.Fatal(err)
		}
		if b.Height == dropAt {
			if len(b.Txs) == 0 {
				t.Fatalf("block %d has no transaction to drop", dropAt)
			}
			b.Txs = b.Txs[:len(b.Txs)-1]
		}
		blocks = append(blocks, b)
	}
	var stream bytes.Buffer
	enc := json.NewEncoder(&stream)
	for _, b := range blocks {
		if err := enc.Encode(b); err != nil {
			t.Fatal(err)
		}
	}
	m, err := state.Open(t.TempDir(), p, state.Options{Logger: zerolog.Nop(), UndoWindow: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	if err := replay.Run(m, &stream, func(*state.Result) error { return nil }); err != nil {
		t.Fatal(err)
	}
	f := &fixture{m: m, chain: machineChain{m}, first: int64(p.FirstBlock), prevouts: map[string]string{},
		net: nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}}
	anns, err := m.Announcements(0, int(m.Slots()))
	if err != nil || len(anns) == 0 {
		t.Fatalf("scenario announced nothing: %v", err)
	}
	last := anns[len(anns)-1]
	f.name = last.Name
	for _, b := range blocks {
		for k, v := range b.Prevouts {
			f.prevouts[k] = v
		}
		for _, tx := range b.Txs {
			rawTx, err := hex.DecodeString(tx.RawTx)
			if err != nil {
				t.Fatal(err)
			}
			var mt wire.MsgTx
			if err := mt.Deserialize(bytes.NewReader(rawTx)); err != nil {
				t.Fatal(err)
			}
			if mt.TxHash().String() == last.TxID {
				f.template = &mt
			}
		}
	}
	if f.template == nil {
		t.Fatalf("announcing tx %s not in the stream", last.TxID)
	}
	return f
}

// tip returns the machine's last height.
func (f *fixture) tip() int64 { h, _ := f.m.Tip(); return h }

// applyUpdates applies the next block with one NAME_UPDATE of the
// scenario's name per hash, in order; every one must be accepted. Two
// fixtures given the same calls apply the same blocks.
func (f *fixture) applyUpdates(t testing.TB, hashes ...inventory.Hash) {
	t.Helper()
	tip := f.tip()
	ch, ok := f.m.ConsensusHash(uint64(tip))
	if !ok {
		t.Fatalf("no consensus hash at tip %d", tip)
	}
	nameCH, _ := hex.DecodeString(nameop.NameConsensusHash(f.name, ch))
	var txs []*nameop.Tx
	for i, h := range hashes {
		payload := append(append([]byte{f.net.Magic[0], f.net.Magic[1], nameop.OpNameUpdate}, nameCH...), h[:]...)
		script, err := txscript.NullDataScript(payload)
		if err != nil {
			t.Fatal(err)
		}
		tx := f.template.Copy()
		for j, out := range tx.TxOut {
			if len(out.PkScript) > 0 && out.PkScript[0] == txscript.OP_RETURN {
				tx.TxOut[j].PkScript = script
			}
		}
		// Two updates to one hash must still be two transactions.
		f.nonce++
		tx.LockTime = f.nonce
		c, err := nameop.Extract(tx, i+1, f.net, prevouts(f.prevouts))
		if err != nil || c == nil {
			t.Fatalf("extract: %v", err)
		}
		txs = append(txs, c)
	}
	r, err := f.m.ApplyBlock(uint64(tip+1), "", txs)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Announcements) != len(hashes) || r.Rejected != 0 {
		t.Fatalf("block %d: %d of %d updates announced, %d rejected", tip+1, len(r.Announcements), len(hashes), r.Rejected)
	}
}

// applyEmpty applies n blocks without transactions.
func (f *fixture) applyEmpty(t testing.TB, n int) {
	t.Helper()
	for range n {
		if _, err := f.m.ApplyBlock(uint64(f.tip()+1), "", nil); err != nil {
			t.Fatal(err)
		}
	}
}

// prevouts answers funding-script lookups from the stream's maps.
type prevouts map[string]string

func (p prevouts) Prevout(op wire.OutPoint) ([]byte, int64, bool, error) {
	s, ok := p[op.Hash.String()+":"+strconv.FormatUint(uint64(op.Index), 10)]
	if !ok {
		return nil, 0, false, nil
	}
	b, err := hex.DecodeString(s)
	return b, 0, err == nil, err
}

// realZonefiles returns the verified zonefiles of the final v1 export
// (block 665750), in file order.
func realZonefiles(t testing.TB) []peertest.Zonefile {
	t.Helper()
	var out []peertest.Zonefile
	for _, z := range peertest.Zonefiles(t, "name_zonefiles-665750.txt") {
		if z.Valid {
			out = append(out, z)
		}
	}
	if len(out) < 1000 {
		t.Fatalf("only %d verified zonefiles in the export", len(out))
	}
	return out
}
