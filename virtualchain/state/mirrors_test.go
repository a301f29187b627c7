package state

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/cockroachdb/pebble"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/internal/shareddata"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
)

// The machine keeps in-memory copies of committed state: the read cache,
// the sender and consensus hash indexes, the decoded namespace rows and the
// set of empty key prefixes. These tests replay the reference scenarios with
// rollbacks and reopens and check after every step that both still equal
// the database, and that the consensus hashes are the reference's.

type scenBlock struct {
	height uint64
	txs    []*nameop.Tx
	want   string
}

type scenPrevouts map[string]string

func (p scenPrevouts) Prevout(op wire.OutPoint) ([]byte, int64, bool, error) {
	s, ok := p[op.Hash.String()+":"+strconv.FormatUint(uint64(op.Index), 10)]
	if !ok {
		return nil, 0, false, nil
	}
	b, err := hex.DecodeString(s)
	return b, 0, err == nil, err
}

// loadScenario decodes a scenario's block stream the way a feeder would:
// transactions in vtxindex order through nameop.Extract.
func loadScenario(t *testing.T, dir, name string) (*params.Params, []scenBlock) {
	t.Helper()
	p, err := params.Load(filepath.Join(dir, name+".params.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64]string{}
	for _, line := range readLines(t, filepath.Join(dir, name+".expected.jsonl")) {
		var e struct {
			Height        uint64 `json:"height"`
			ConsensusHash string `json:"consensus_hash"`
		}
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatal(err)
		}
		want[e.Height] = e.ConsensusHash
	}
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
	var out []scenBlock
	for _, line := range readLines(t, filepath.Join(dir, name+".blocks.jsonl")) {
		var b struct {
			Height uint64 `json:"height"`
			Txs    []struct {
				VtxIndex int    `json:"vtxindex"`
				RawTx    string `json:"raw_tx"`
			} `json:"txs"`
			Prevouts scenPrevouts `json:"prevouts"`
		}
		if err := json.Unmarshal(line, &b); err != nil {
			t.Fatal(err)
		}
		sort.SliceStable(b.Txs, func(i, j int) bool { return b.Txs[i].VtxIndex < b.Txs[j].VtxIndex })
		sb := scenBlock{height: b.Height, want: want[b.Height]}
		for _, tx := range b.Txs {
			raw, err := hex.DecodeString(tx.RawTx)
			if err != nil {
				t.Fatal(err)
			}
			var msg wire.MsgTx
			if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
				t.Fatal(err)
			}
			c, err := nameop.Extract(&msg, tx.VtxIndex, net, b.Prevouts)
			var rej *nameop.RejectError
			if errors.As(err, &rej) || c == nil {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			sb.txs = append(sb.txs, c)
		}
		out = append(out, sb)
	}
	return p, out
}

func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			out = append(out, append([]byte(nil), sc.Bytes()...))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkMirrors compares the read cache entry by entry, and the sender index
// as a whole, with the database.
func checkMirrors(m *Machine) error {
	for gen, entries := range []map[string]baseRead{m.cache.cur, m.cache.prev} {
		for k, r := range entries {
			if _, shadowed := m.cache.cur[k]; gen == 1 && shadowed {
				continue // lookups never reach it
			}
			v, closer, err := m.db.Get([]byte(k))
			switch {
			case errors.Is(err, pebble.ErrNotFound):
				if r.exists {
					return fmt.Errorf("cache holds %q, database does not", k)
				}
			case err != nil:
				return err
			default:
				same := r.exists && bytes.Equal(v, r.val)
				closer.Close()
				if !same {
					return fmt.Errorf("cache value of %q differs from the database", k)
				}
			}
		}
	}
	var present prefixSet
	if err := present.loadEmpty(m.db); err != nil {
		return err
	}
	for c, empty := range m.empty {
		if empty && !present[c] {
			return fmt.Errorf("prefix %q is marked empty but has keys", byte(c))
		}
	}
	if err := checkNoFutureKeys(m); err != nil {
		return err
	}
	hashes := hashIndex{}
	if err := hashes.load(m.db); err != nil {
		return err
	}
	if len(hashes) != len(m.hashIdx) {
		return fmt.Errorf("hash index has %d hashes, database %d", len(m.hashIdx), len(hashes))
	}
	for ch, h := range hashes {
		if got, ok := m.hashIdx[ch]; !ok || got != h {
			return fmt.Errorf("hash %x: index %d (%v), database %d", ch, got, ok, h)
		}
	}
	for k, r := range m.nsRows {
		b := &block{m: m, ov: newOverlay(m.db)}
		v, ok, err := b.ov.get([]byte(k))
		if err != nil {
			return err
		}
		if ok != (r != nil) {
			return fmt.Errorf("namespace row %q: cached %v, stored %v", k, r != nil, ok)
		}
		if ok {
			got, err := decodeRec(v)
			if err != nil {
				return err
			}
			if !sameRec(got, r) {
				return fmt.Errorf("namespace row %q: cached %v, stored %v", k, r, got)
			}
		}
	}
	fresh := senderIndex{}
	if err := fresh.load(m.db); err != nil {
		return err
	}
	if len(fresh) != len(m.senders) {
		return fmt.Errorf("sender index has %d senders, database %d", len(m.senders), len(fresh))
	}
	for s, names := range fresh {
		if strings.Join(names, "\n") != strings.Join(m.senders[s], "\n") {
			return fmt.Errorf("sender %s: index %q, database %q", s, m.senders[s], names)
		}
	}
	return nil
}

func TestMirrorsFollowTheDatabase(t *testing.T) {
	dir := shareddata.Path(t, "data", "consensus", "scenarios")
	files, _ := filepath.Glob(filepath.Join(dir, "*.blocks.jsonl"))
	if len(files) != 34 {
		t.Fatalf("found %d scenarios, want 34", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".blocks.jsonl")
		t.Run(name, func(t *testing.T) {
			p, blocks := loadScenario(t, dir, name)
			db := t.TempDir()
			m, err := Open(db, p, Options{Logger: zerolog.Nop(), UndoWindow: 10000})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { m.Close() }()
			apply := func(from int) {
				t.Helper()
				for _, b := range blocks[from:] {
					r, err := m.ApplyBlock(b.height, "", b.txs)
					if err != nil {
						t.Fatal(err)
					}
					if r.ConsensusHash != b.want {
						t.Fatalf("height %d: %s, reference %s", b.height, r.ConsensusHash, b.want)
					}
					if err := checkMirrors(m); err != nil {
						t.Fatalf("after block %d: %v", b.height, err)
					}
				}
			}
			apply(0)
			// Roll back half the history, check, and replay it.
			mid := len(blocks) / 2
			if err := m.Rollback(blocks[mid].height - 1); err != nil {
				t.Fatal(err)
			}
			if err := checkMirrors(m); err != nil {
				t.Fatalf("after rollback: %v", err)
			}
			apply(mid)
			// Reopen from disk: the index is rebuilt, the cache starts empty.
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if m, err = Open(db, p, Options{Logger: zerolog.Nop(), UndoWindow: 10000}); err != nil {
				t.Fatal(err)
			}
			if err := checkMirrors(m); err != nil {
				t.Fatalf("after reopen: %v", err)
			}
			if err := m.Rollback(blocks[0].height); err != nil {
				t.Fatal(err)
			}
			if err := checkMirrors(m); err != nil {
				t.Fatalf("after rollback to the first block: %v", err)
			}
			apply(1)
		})
	}
}

// TestNamesOfMergesBlockWrites: the block's own index writes are merged into
// the committed list in name order, deletions win, and the committed list
// is never changed in place.
func TestNamesOfMergesBlockWrites(t *testing.T) {
	cases := []struct {
		name   string
		base   []string
		puts   []string
		dels   []string
		sender string
		want   []string
	}{
		{"committed only", []string{"a.id", "c.id"}, nil, nil, "s1", []string{"a.id", "c.id"}},
		{"new name sorts in", []string{"a.id", "c.id"}, []string{"b.id"}, nil, "s1", []string{"a.id", "b.id", "c.id"}},
		{"deleted name drops out", []string{"a.id", "c.id"}, nil, []string{"a.id"}, "s1", []string{"c.id"}},
		{"put then delete", []string{"a.id"}, []string{"z.id"}, []string{"z.id"}, "s1", []string{"a.id"}},
		{"rewrite of a committed name", []string{"a.id"}, []string{"a.id"}, nil, "s1", []string{"a.id"}},
		{"other sender untouched", []string{"a.id"}, []string{"b.id"}, nil, "s2", nil},
		{"sender that is a prefix of another", nil, nil, nil, "s", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := senderIndex{}
			for _, n := range c.base {
				x.add("s1", n)
			}
			before := append([]string(nil), x["s1"]...)
			ov := &overlay{writes: map[string]write{}, rows: map[string]rec{}}
			record := func(k []byte, w write) {
				if _, ok := ov.writes[string(k)]; !ok {
					ov.order = append(ov.order, string(k))
				}
				ov.writes[string(k)] = w
			}
			for _, n := range c.puts {
				record(pairKey(pfxSender, "s1", n), write{})
			}
			for _, n := range c.dels {
				record(pairKey(pfxSender, "s1", n), write{del: true})
			}
			got := ov.namesOf(x, c.sender)
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if strings.Join(x["s1"], ",") != strings.Join(before, ",") {
				t.Fatalf("committed list changed to %q", x["s1"])
			}
		})
	}
}

// checkNoFutureKeys checks the invariants the overlay relies on to skip
// reads: no committed key is keyed by a height above the tip or a chunk
// slot past the last (putNew), and sender index keys have empty values.
func checkNoFutureKeys(m *Machine) error {
	it, err := m.db.NewIter(nil)
	if err != nil {
		return err
	}
	defer it.Close()
	tip := uint64(m.tip)
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		switch k[0] {
		case pfxConsensus, pfxBlockHash:
			if h := binary.BigEndian.Uint64(k[1:]); h > tip {
				return fmt.Errorf("key %q is above the tip %d", k, tip)
			}
		case pfxSlot:
			if s := binary.BigEndian.Uint64(k[1:]); s >= m.slots {
				return fmt.Errorf("slot %d stored, but only %d announced", s, m.slots)
			}
		case pfxSender:
			if len(it.Value()) != 0 {
				return fmt.Errorf("sender index key %q has a value", k)
			}
		case pfxHistory:
			if h := binary.BigEndian.Uint64(k[len(k)-16:]); h > tip {
				return fmt.Errorf("history key %q is above the tip %d", k, tip)
			}
		}
	}
	return it.Error()
}
