package replay

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

type decoded struct {
	height uint64
	txs    []*nameop.Tx
}

func loadStream(t *testing.T, name string) (*params.Params, []decoded) {
	dir := sharedDir(t)
	p, err := params.Load(filepath.Join(dir, name+".params.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, name+".blocks.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
	var out []decoded
	for _, line := range splitLines(raw) {
		b, txs, err := Decode(line, net)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, decoded{b.Height, txs})
	}
	return p, out
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	start := 0
	for i, c := range b {
		if c == '\n' {
			if i > start {
				out = append(out, b[start:i])
			}
			start = i + 1
		}
	}
	if start < len(b) {
		out = append(out, b[start:])
	}
	return out
}

// TestRollbackRestoresState rolls a busy scenario back to every height and
// replays forward again: each rollback must leave exactly the state (digest,
// hashes, chunk slots) the chain had at that height, and the replay forward
// must reproduce the same hashes.
func TestRollbackRestoresState(t *testing.T) {
	for _, name := range []string{
		"name_preorder_register_collisions",
		"name_import_renew_transfer_update",
		"namespace_preorder_reveal_import_expire_preorder_reveal_import",
	} {
		t.Run(name, func(t *testing.T) {
			p, blocks := loadStream(t, name)
			m, err := state.Open(t.TempDir(), p, state.Options{Logger: zerolog.Nop(), UndoWindow: 1000})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			digests := map[uint64]string{}
			hashes := map[uint64]string{}
			slots := map[uint64]uint64{}
			for _, b := range blocks {
				r, err := m.ApplyBlock(b.height, "", b.txs)
				if err != nil {
					t.Fatal(err)
				}
				hashes[b.height] = r.ConsensusHash
				if digests[b.height], err = m.Digest(); err != nil {
					t.Fatal(err)
				}
				slots[b.height] = m.Slots()
			}
			last := blocks[len(blocks)-1].height
			for _, target := range []uint64{last - 1, last - 3, blocks[len(blocks)/2].height, blocks[0].height} {
				if err := m.Rollback(target); err != nil {
					t.Fatal(err)
				}
				if tip, _ := m.Tip(); tip != int64(target) {
					t.Fatalf("tip %d after rollback to %d", tip, target)
				}
				d, _ := m.Digest()
				if d != digests[target] {
					t.Fatalf("state after rollback to %d differs from the state first seen there", target)
				}
				if m.Slots() != slots[target] {
					t.Fatalf("slots %d after rollback to %d, want %d", m.Slots(), target, slots[target])
				}
				for _, b := range blocks {
					if b.height <= target {
						continue
					}
					r, err := m.ApplyBlock(b.height, "", b.txs)
					if err != nil {
						t.Fatal(err)
					}
					if r.ConsensusHash != hashes[b.height] {
						t.Fatalf("replay after rollback: height %d hash %s, want %s", b.height, r.ConsensusHash, hashes[b.height])
					}
				}
			}
		})
	}
}

// TestRollbackBeyondWindow refuses to undo more than the undo window.
func TestRollbackBeyondWindow(t *testing.T) {
	p, blocks := loadStream(t, "name_preorder_register_transfer")
	m, err := state.Open(t.TempDir(), p, state.Options{Logger: zerolog.Nop(), UndoWindow: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, b := range blocks {
		if _, err := m.ApplyBlock(b.height, "", b.txs); err != nil {
			t.Fatal(err)
		}
	}
	last := blocks[len(blocks)-1].height
	if err := m.Rollback(last - 4); err == nil {
		t.Fatal("rollback past the undo window succeeded")
	}
	if err := m.Rollback(last - 3); err != nil {
		t.Fatalf("rollback inside the window: %v", err)
	}
}

// TestReopenResumes closes the database mid-stream and reopens it: the tip,
// hashes and later blocks continue exactly.
func TestReopenResumes(t *testing.T) {
	p, blocks := loadStream(t, "name_import_renew_transfer_update")
	dir := t.TempDir()
	ref, err := state.Open(t.TempDir(), p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	want := map[uint64]string{}
	for _, b := range blocks {
		r, err := ref.ApplyBlock(b.height, "", b.txs)
		if err != nil {
			t.Fatal(err)
		}
		want[b.height] = r.ConsensusHash
	}
	half := len(blocks) / 2
	m, err := state.Open(dir, p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks[:half] {
		if _, err := m.ApplyBlock(b.height, "", b.txs); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m, err = state.Open(dir, p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if tip, _ := m.Tip(); tip != int64(blocks[half-1].height) {
		t.Fatalf("tip after reopen %d, want %d", tip, blocks[half-1].height)
	}
	for _, b := range blocks[half:] {
		r, err := m.ApplyBlock(b.height, "", b.txs)
		if err != nil {
			t.Fatal(err)
		}
		if r.ConsensusHash != want[b.height] {
			t.Fatalf("height %d: %s after reopen, want %s", b.height, r.ConsensusHash, want[b.height])
		}
	}
	d1, _ := m.Digest()
	d2, _ := ref.Digest()
	if d1 != d2 {
		t.Fatal("state digest after reopen differs from an uninterrupted replay")
	}
	// A database built under other rules is refused.
	m.Close()
	other := *p
	other.NamePreorderExpire++
	if _, err := state.Open(dir, &other, state.Options{Logger: zerolog.Nop()}); err == nil {
		t.Fatal("opened a data dir with different params")
	}
}
