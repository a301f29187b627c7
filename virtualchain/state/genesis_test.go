package state

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/virtualchain/params"
)

func TestTokenEpochNeedsGenesis(t *testing.T) {
	p := params.Mainnet()
	// Shrink mainnet so the token epoch arrives after a few blocks while
	// keeping its rules.
	p.FirstBlock = 547918
	m, err := Open(t.TempDir(), p, Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for h := uint64(547918); h <= 547921; h++ {
		if _, err := m.ApplyBlock(h, "", nil); err != nil {
			t.Fatalf("block %d: %v", h, err)
		}
	}
	if _, err := m.ApplyBlock(547922, "", nil); !errors.Is(err, ErrNeedTokenGenesis) {
		t.Fatalf("block 547922 without genesis: %v, want ErrNeedTokenGenesis", err)
	}
}

func TestGenesisSeedsAccounts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "genesis.json")
	if err := os.WriteFile(path, []byte(`[{"address":"1abc","type":"STACKS","value":500,"lock_transfer_block_id":10},{"address":"1abc","type":"STACKS","value":25}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	p := params.Mainnet()
	m, err := Open(filepath.Join(dir, "db"), p, Options{Logger: zerolog.Nop(), TokenGenesis: path})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.ApplyBlock(p.FirstBlock, "", nil); err != nil {
		t.Fatal(err)
	}
	b := &block{m: m, ov: newOverlay(m.db)}
	a, err := b.getAccount("1abc", "STACKS")
	if err != nil || a == nil {
		t.Fatalf("account missing: %v", err)
	}
	if accountBalance(a) != 525 || num(a, "lock_transfer_block_id") != 0 {
		t.Fatalf("account %v, want balance 525", a)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[{"address":"x","type":"STACKS","value":-1}]`), 0o600)
	if _, err := LoadGenesis(bad); err == nil {
		t.Fatal("negative balance accepted")
	}
}
