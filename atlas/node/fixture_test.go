package node_test

// The chain these tests follow is a real one: a reference scenario replayed
// into a real state.Machine, extended with NAME_UPDATE blocks whose value
// hashes are those of real mainnet zonefiles. The scenarios' own value hashes
// are test values (11…1, aa…a) with no zonefile behind them, which stay in
// the inventory as slots nobody can fill. (v1rpc's tests carry a copy of
// this file: atlas may import virtualchain only from tests, and Go cannot
// share test files between packages.)

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/zonestore"
	"github.com/atlasd/atlasd/internal/shareddata"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/replay"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// scenario is the base history: 22 slots of foo.test, 11 distinct hashes,
// up to ten updates in one block.
const scenario = "name_preorder_register_collisions"

// machineChain is the adapter from the replay to node.Chain that the daemon
// wires; it only converts types.
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

// zonefile is one real mainnet zonefile.
type zonefile struct {
	hash inventory.Hash
	data []byte
}

// fixture is a replayed scenario plus what is needed to extend it.
type fixture struct {
	m        *state.Machine
	chain    machineChain
	net      nameop.Network
	name     string      // the name the scenario keeps updating
	template *wire.MsgTx // an accepted NAME_UPDATE of it, to copy
	prevouts prevouts
	zf       []zonefile // real zonefiles, none announced by the scenario or in the tampered export
	nonce    uint32
}

// newFixture replays the scenario into a fresh machine under t.TempDir.
func newFixture(t testing.TB) *fixture {
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
	m, err := state.Open(t.TempDir(), p, state.Options{Logger: zerolog.Nop(), UndoWindow: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	if err := replay.Run(m, bytes.NewReader(raw), func(*state.Result) error { return nil }); err != nil {
		t.Fatal(err)
	}
	f := &fixture{m: m, chain: machineChain{m}, prevouts: prevouts{},
		net: nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}}
	anns, err := m.Announcements(0, int(m.Slots()))
	if err != nil || len(anns) == 0 {
		t.Fatalf("scenario announced nothing: %v", err)
	}
	lastUpdate := anns[len(anns)-1]
	f.name = lastUpdate.Name
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var b replay.Block
		if err := json.Unmarshal(sc.Bytes(), &b); err != nil {
			t.Fatal(err)
		}
		for k, v := range b.Prevouts {
			f.prevouts[k] = v
		}
		for _, tx := range b.Txs {
			rawTx, _ := hex.DecodeString(tx.RawTx)
			var mt wire.MsgTx
			if err := mt.Deserialize(bytes.NewReader(rawTx)); err != nil {
				t.Fatal(err)
			}
			if mt.TxHash().String() == lastUpdate.TxID {
				f.template = &mt
			}
		}
	}
	if f.template == nil {
		t.Fatalf("announcing tx %s not in the stream", lastUpdate.TxID)
	}
	announced := map[string]bool{}
	for _, a := range anns {
		announced[a.Hash] = true
	}
	// The tampered export's hashes are kept out too, so that tests using it
	// never meet the same zonefile under two names.
	for _, z := range parseExport(t, "name_zonefiles-tampered.txt", false) {
		announced[z.hash.String()] = true
	}
	for _, z := range readZonefiles(t, "name_zonefiles-665750.txt") {
		if !announced[z.hash.String()] {
			f.zf = append(f.zf, z)
		}
	}
	return f
}

// tip returns the machine's last height.
func (f *fixture) tip() int64 { h, _ := f.m.Tip(); return h }

// applyUpdates applies the next block, holding one NAME_UPDATE of the
// scenario's name per hash, in order, and fails the test unless every one is
// accepted and announced.
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
		// Two updates to the same hash must still be two transactions.
		f.nonce++
		tx.LockTime = f.nonce
		c, err := nameop.Extract(tx, i+1, f.net, f.prevouts)
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

// hashes returns the hashes of zonefiles i, j, ... of the fixture.
func (f *fixture) hashes(idx ...int) []inventory.Hash {
	out := make([]inventory.Hash, len(idx))
	for k, i := range idx {
		out[k] = f.zf[i].hash
	}
	return out
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

// readZonefiles reads a shared zonefile export and keeps the entries that
// verify (the tampered export has one that does not).
func readZonefiles(t testing.TB, file string) []zonefile {
	t.Helper()
	return parseExport(t, file, true)
}

// parseExport reads ../shared/data/zonefiles/<file>: a hash line, then the
// text with newlines written as `\n` (see that folder's README).
func parseExport(t testing.TB, file string, verifiedOnly bool) []zonefile {
	t.Helper()
	raw, err := os.ReadFile(shareddata.Path(t, "data", "zonefiles", file))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	var out []zonefile
	for i := 0; i+1 < len(lines); i += 2 {
		h, err := inventory.ParseHash(strings.TrimSpace(lines[i]))
		if err != nil {
			t.Fatal(err)
		}
		data := []byte(strings.ReplaceAll(lines[i+1], `\n`, "\n"))
		if !verifiedOnly || zonestore.Hash(data) == h {
			out = append(out, zonefile{h, data})
		}
	}
	if len(out) < 10 {
		t.Fatalf("%s: only %d zonefiles", file, len(out))
	}
	return out
}
