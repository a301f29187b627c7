package state

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/virtualchain/params"
)

// TestLoadGenesisVesting checks the genesis file's vesting schedule and the
// refusals that name the faulty entry.
func TestLoadGenesisVesting(t *testing.T) {
	const ok0 = `{"address":"1a","type":"STACKS","value":5}`
	cases := []struct {
		name  string
		entry string // entry 1, after a valid entry 0
		err   string // "" means accepted
	}{
		{"v1 row shape", `{"address":"1b","type":"STACKS","value":1,"lock_send":7,"metadata":"m","receive_whitelisted":true,"vesting":{"310":2,"320":3},"vesting_total":5}`, ""},
		{"empty schedule", `{"address":"1b","type":"STACKS","value":1,"vesting":{},"vesting_total":0}`, ""},
		{"schedule without total", `{"address":"1b","type":"STACKS","value":1,"vesting":{"310":2}}`, "without vesting_total"},
		{"total without schedule", `{"address":"1b","type":"STACKS","value":1,"vesting_total":2}`, "without a vesting schedule"},
		{"total disagrees", `{"address":"1b","type":"STACKS","value":1,"vesting":{"310":2,"320":3},"vesting_total":6}`, "sums to 5, vesting_total is 6"},
		{"negative unlock", `{"address":"1b","type":"STACKS","value":1,"vesting":{"310":-2},"vesting_total":-2}`, "negative"},
		{"height not decimal", `{"address":"1b","type":"STACKS","value":1,"vesting":{"31a":2},"vesting_total":2}`, `"31a"`},
		{"negative height", `{"address":"1b","type":"STACKS","value":1,"vesting":{"-3":2},"vesting_total":2}`, `"-3"`},
		{"one height written twice", `{"address":"1b","type":"STACKS","value":1,"vesting":{"310":2,"0310":3},"vesting_total":5}`, "same block"},
		{"fractional unlock", `{"address":"1b","type":"STACKS","value":1,"vesting":{"310":2.5},"vesting_total":2}`, "vesting"},
		{"unlock already in entry 0", `{"address":"1a","type":"STACKS","value":1,"vesting":{"305":1},"vesting_total":1}`, "already unlock at 305 in entry 0"},
		{"lock_send and lock_transfer_block_id disagree", `{"address":"1b","type":"STACKS","value":1,"lock_send":7,"lock_transfer_block_id":8}`, "disagree"},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			first := strings.TrimSuffix(ok0, "}") + `,"vesting":{"305":5},"vesting_total":5}`
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte("["+first+","+tc.entry+"]"), 0o600); err != nil {
				t.Fatal(err)
			}
			accts, err := LoadGenesis(path)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %+v", accts)
			}
			if !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "entry 1") {
				t.Fatalf("error %q does not name entry 1 and %q", err, tc.err)
			}
		})
	}

	t.Run("lock_send is the lock height", func(t *testing.T) {
		path := filepath.Join(dir, "lock.json")
		os.WriteFile(path, []byte(`[{"address":"1b","type":"STACKS","value":1,"lock_send":7,"metadata":"m"}]`), 0o600)
		accts, err := LoadGenesis(path)
		if err != nil || accts[0].LockTransferBlockID != 7 {
			t.Fatalf("%+v, %v", accts, err)
		}
	})
}

// TestVestingPrefix keeps the vesting table's key prefix apart from the
// others.
func TestVestingPrefix(t *testing.T) {
	for _, p := range allPrefixes {
		if p == pfxVesting {
			t.Fatalf("prefix %q is used twice", p)
		}
	}
}

// vestingGenesis gives alice nothing up front and unlocks 500 STACKS at 305
// and 250 at 310; frank's locked account unlocks 40 at 303. The unlocks at
// 300 (the first block) and below never vest: v1 first vested while saving
// the first block, for the block after it.
func vestingGenesis() []genesisRow {
	return []genesisRow{
		{"address": alice.addr, "type": "STACKS", "value": 0,
			"vesting": map[string]int64{"299": 1, "300": 2, "305": 500, "310": 250}, "vesting_total": 753},
		{"address": frank.addr, "type": "STACKS", "value": 1000, "lock_transfer_block_id": lockedUntil,
			"receive_whitelisted": false, "vesting": map[string]int64{"303": 40}, "vesting_total": 40},
	}
}

// TestVesting checks v1's vesting: the unlocks of height N+1 are credited
// while block N is applied, so they pay for operations from N+1 on.
func TestVesting(t *testing.T) {
	t.Run("credited for the next block", func(t *testing.T) {
		c := newChain(t, net4(t), vestingGenesis())
		want := map[uint64]int64{300: 0, 303: 0, 304: 500, 305: 500, 308: 500, 309: 750, 312: 750}
		for h := uint64(firstBlock); h <= 312; h++ {
			c.mine()
			if w, ok := want[h]; ok {
				if got, _ := c.balance(alice.addr, "STACKS"); got != w {
					t.Fatalf("after block %d: balance %d, want %d", h, got, w)
				}
			}
		}
		a, err := c.view().getAccount(frank.addr, "STACKS")
		if err != nil {
			t.Fatal(err)
		}
		// Vesting adds to the credit and keeps the lock and whitelist.
		if num(a, "credit_value") != 1040 || num(a, "debit_value") != 0 ||
			num(a, "lock_transfer_block_id") != lockedUntil || truthy(a, "receive_whitelisted") {
			t.Fatalf("frank's account %v", a)
		}
	})

	t.Run("spendable only from the unlock height", func(t *testing.T) {
		for _, at := range []uint64{304, 305} {
			c := newChain(t, net4(t), vestingGenesis())
			c.skipTo(at)
			tx := send(c, alice, carol, "STACKS", 500)
			if got, want := accepted(c.mine(tx), tx), at >= 305; got != want {
				t.Fatalf("transfer at %d: accepted = %v, want %v", at, got, want)
			}
		}
	})

	t.Run("adds to a balance that was spent from", func(t *testing.T) {
		c := newChain(t, net4(t), vestingGenesis())
		c.skipTo(306)
		c.mustMine(send(c, alice, carol, "STACKS", 300))
		c.skipTo(310)
		a, err := c.view().getAccount(alice.addr, "STACKS")
		if err != nil {
			t.Fatal(err)
		}
		if num(a, "credit_value") != 750 || num(a, "debit_value") != 300 {
			t.Fatalf("alice's account %v", a)
		}
	})

	t.Run("rolled back with its block", func(t *testing.T) {
		c := newChain(t, net4(t), vestingGenesis())
		c.skipTo(306)
		if err := c.m.Rollback(303); err != nil {
			t.Fatal(err)
		}
		if got, _ := c.balance(alice.addr, "STACKS"); got != 0 {
			t.Fatalf("after rolling back block 304: balance %d, want 0", got)
		}
		c.skipTo(306)
		if got, _ := c.balance(alice.addr, "STACKS"); got != 500 {
			t.Fatalf("after replaying 304 and 305: balance %d, want 500", got)
		}
		fresh := newChain(t, net4(t), vestingGenesis())
		fresh.skipTo(306)
		a, err := c.m.Digest()
		if err != nil {
			t.Fatal(err)
		}
		b, err := fresh.m.Digest()
		if err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Fatal("state after rollback and replay differs from a fresh replay")
		}
	})

	t.Run("survives a reopen", func(t *testing.T) {
		c := newChain(t, net4(t), vestingGenesis())
		c.skipTo(305)
		c.reopen()
		if got, _ := c.balance(alice.addr, "STACKS"); got != 500 {
			t.Fatalf("after reopen: balance %d, want 500", got)
		}
		c.skipTo(310)
		if got, _ := c.balance(alice.addr, "STACKS"); got != 750 {
			t.Fatalf("after reopen and block 309: balance %d, want 750", got)
		}
	})

	// An operator who replays up to the token epoch without the genesis
	// file, stops at ErrNeedTokenGenesis and restarts with it must end up
	// where a replay with the file from the start is: balances seeded and
	// every unlock up to the current block credited before its operations.
	t.Run("genesis file first given at the token epoch", func(t *testing.T) {
		net := func() *params.Params { return epochNet(t, 3, 310) }
		late := newChain(t, net(), nil)
		late.skipTo(310)
		if _, err := late.m.ApplyBlock(310, "", nil); !errors.Is(err, ErrNeedTokenGenesis) {
			t.Fatalf("block 310 without the genesis file: %v", err)
		}
		late.opts.TokenGenesis = writeGenesis(t, vestingGenesis())
		late.reopen()
		tx := send(late, alice, carol, "STACKS", 750)
		if res := late.mine(tx); !accepted(res, tx) {
			t.Fatal("the first token block cannot spend the genesis balance and its unlocks")
		}
		early := newChain(t, net(), vestingGenesis())
		early.skipTo(310)
		early.mustMine(send(early, alice, carol, "STACKS", 750))
		for _, c := range []*chain{late, early} {
			c.skipTo(315)
		}
		a, err := late.m.Digest()
		if err != nil {
			t.Fatal(err)
		}
		b, err := early.m.Digest()
		if err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Fatal("state seeded at the token epoch differs from state seeded at the first block")
		}
	})

	t.Run("pays for a namespace", func(t *testing.T) {
		g := []genesisRow{{"address": dave.addr, "type": "STACKS", "value": stxPrice - 1,
			"vesting": map[string]int64{"304": 1}, "vesting_total": 1}}
		for _, at := range []uint64{303, 304} {
			c := newChain(t, net4(t), g)
			c.skipTo(at)
			tx := c.tx(dave, '*', append(nsPreorderPayload("test", dave, dave, c.ch()), u64(stxPrice)...), to(dave, 1000), burn(5500))
			if got, want := accepted(c.mine(tx), tx), at >= 304; got != want {
				t.Fatalf("namespace preorder at %d: accepted = %v, want %v", at, got, want)
			}
		}
	})
}
