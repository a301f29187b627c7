// Package chainfixture is test support for atlas's packages: a chain to
// follow that is a real one, a reference scenario replayed into a real
// state.Machine and extended with NAME_UPDATE blocks whose value hashes are
// those of real mainnet zonefiles. The scenarios' own value hashes are test
// values (11…1, aa…a) with no zonefile behind them, which stay in an
// inventory as slots nobody can fill. It lives outside atlas so that atlas
// imports virtualchain only from tests.
package chainfixture

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

	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/internal/replaychain"
	"github.com/atlasd/atlasd/internal/shareddata"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/replay"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// Scenario is the base history: blocks 256–268, 22 slots of foo.test, 11
// distinct hashes, up to ten updates in one block.
const Scenario = "name_preorder_register_collisions"

// Zonefile is one real mainnet zonefile.
type Zonefile struct {
	Hash inventory.Hash
	Data []byte
}

// Fixture is a replayed scenario plus what is needed to extend it.
type Fixture struct {
	M     *state.Machine
	Chain replaychain.Chain
	// First is the scenario's first block.
	First int64
	// Name is the name the scenario keeps updating.
	Name string
	// Zonefiles are real zonefiles, none announced by the scenario or in
	// the tampered export.
	Zonefiles []Zonefile

	net      nameop.Network
	template *wire.MsgTx // an accepted NAME_UPDATE of Name, to copy
	prevouts prevouts
	nonce    uint32
}

// Options vary the history.
type Options struct {
	// DropAt, if not zero, leaves the last transaction of the block at
	// that height out: a history that forks there.
	DropAt uint64
}

// New replays the scenario into a fresh machine under t.TempDir.
func New(t testing.TB, o Options) *Fixture {
	t.Helper()
	dir := shareddata.Path(t, "data", "consensus", "scenarios")
	p, err := params.Load(filepath.Join(dir, Scenario+".params.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, Scenario+".blocks.jsonl"))
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
		if o.DropAt != 0 && b.Height == o.DropAt {
			if len(b.Txs) == 0 {
				t.Fatalf("block %d has no transaction to drop", o.DropAt)
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
	m, err := state.Open(t.TempDir(), p, state.Options{Logger: zerolog.Nop(), UndoWindow: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	if err := replay.Run(m, &stream, func(*state.Result) error { return nil }); err != nil {
		t.Fatal(err)
	}
	f := &Fixture{M: m, Chain: replaychain.Of(m), First: int64(p.FirstBlock), prevouts: prevouts{},
		net: nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}}
	anns, err := m.Announcements(0, int(m.Slots()))
	if err != nil || len(anns) == 0 {
		t.Fatalf("scenario announced nothing: %v", err)
	}
	lastUpdate := anns[len(anns)-1]
	f.Name = lastUpdate.Name
	for _, b := range blocks {
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
	for _, z := range ParseExport(t, "name_zonefiles-tampered.txt", false) {
		announced[z.Hash.String()] = true
	}
	for _, z := range ReadZonefiles(t, "name_zonefiles-665750.txt") {
		if !announced[z.Hash.String()] {
			f.Zonefiles = append(f.Zonefiles, z)
		}
	}
	return f
}

// Tip returns the machine's last height.
func (f *Fixture) Tip() int64 { h, _ := f.M.Tip(); return h }

// ApplyUpdates applies the next block, holding one NAME_UPDATE of the
// scenario's name per hash, in order, and fails the test unless every one is
// accepted and announced.
func (f *Fixture) ApplyUpdates(t testing.TB, hashes ...inventory.Hash) {
	t.Helper()
	tip := f.Tip()
	ch, ok := f.M.ConsensusHash(uint64(tip))
	if !ok {
		t.Fatalf("no consensus hash at tip %d", tip)
	}
	nameCH, _ := hex.DecodeString(nameop.NameConsensusHash(f.Name, ch))
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
	r, err := f.M.ApplyBlock(uint64(tip+1), "", txs)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Announcements) != len(hashes) || r.Rejected != 0 {
		t.Fatalf("block %d: %d of %d updates announced, %d rejected", tip+1, len(r.Announcements), len(hashes), r.Rejected)
	}
}

// ApplyEmpty applies n blocks without transactions.
func (f *Fixture) ApplyEmpty(t testing.TB, n int) {
	t.Helper()
	for range n {
		if _, err := f.M.ApplyBlock(uint64(f.Tip()+1), "", nil); err != nil {
			t.Fatal(err)
		}
	}
}

// Hashes returns the hashes of zonefiles i, j, ... of the fixture.
func (f *Fixture) Hashes(idx ...int) []inventory.Hash {
	out := make([]inventory.Hash, len(idx))
	for k, i := range idx {
		out[k] = f.Zonefiles[i].Hash
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

// ReadZonefiles reads a shared zonefile export and keeps the entries that
// verify (the tampered export has one that does not).
func ReadZonefiles(t testing.TB, file string) []Zonefile {
	t.Helper()
	return ParseExport(t, file, true)
}

// ParseExport reads ../shared/data/zonefiles/<file>: a hash line, then the
// text with newlines written as `\n` (see that folder's README).
func ParseExport(t testing.TB, file string, verifiedOnly bool) []Zonefile {
	t.Helper()
	raw, err := os.ReadFile(shareddata.Path(t, "data", "zonefiles", file))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	var out []Zonefile
	for i := 0; i+1 < len(lines); i += 2 {
		h, err := inventory.ParseHash(strings.TrimSpace(lines[i]))
		if err != nil {
			t.Fatal(err)
		}
		data := []byte(strings.ReplaceAll(lines[i+1], `\n`, "\n"))
		if !verifiedOnly || inventory.HashOf(data) == h {
			out = append(out, Zonefile{h, data})
		}
	}
	if len(out) < 10 {
		t.Fatalf("%s: only %d zonefiles", file, len(out))
	}
	return out
}
