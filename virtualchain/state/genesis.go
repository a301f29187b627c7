package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"

	"github.com/atlasd/atlasd/consensus"
)

// GenesisAccount is one entry of the operator-supplied token genesis file:
// the starting balance v1's genesis block gave an address, and the tokens
// that unlock for it later.
type GenesisAccount struct {
	Address string `json:"address"`
	Type    string `json:"type"`
	Value   int64  `json:"value"`
	// LockTransferBlockID forbids TOKEN_TRANSFER from the account before
	// this height.
	LockTransferBlockID int64 `json:"lock_transfer_block_id"`
	// LockSend is the name v1's genesis rows give LockTransferBlockID, so a
	// row copied from v1 loads unchanged. Set at most one of the two, or
	// both to the same height.
	LockSend *int64 `json:"lock_send,omitempty"`
	// ReceiveWhitelisted: may the account receive transfers (default true).
	ReceiveWhitelisted *bool `json:"receive_whitelisted"`
	// Metadata is carried by v1's rows; v1 only hashed it into a txid that
	// takes no part in any check, so it is read and ignored.
	Metadata *string `json:"metadata,omitempty"`
	// Vesting maps a block height (decimal, as v1's JSON wrote it) to the
	// tokens that unlock for the account at that height. v1 credited them
	// while saving the block before, so they are spendable from that height.
	Vesting map[string]int64 `json:"vesting,omitempty"`
	// VestingTotal must equal the sum of Vesting; v1 refused a genesis block
	// whose rows disagreed.
	VestingTotal *int64 `json:"vesting_total,omitempty"`
}

// vestingEntry is one row of v1's account_vesting table.
type vestingEntry struct {
	height  uint64
	address string
	units   string
	amount  int64
}

// LoadGenesis reads a token genesis file: a JSON array of GenesisAccount.
// It refuses, naming the entry, any file v1 could not have loaded: missing
// fields, negative amounts, a vesting schedule whose sum is not its total,
// or two unlocks of one account at one height.
func LoadGenesis(path string) ([]GenesisAccount, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("state: token genesis: %w", err)
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("state: token genesis %s: %w", path, err)
	}
	accts := make([]GenesisAccount, len(entries))
	seen := map[unlockID]int{}
	for i, e := range entries {
		a := &accts[i]
		// One decoder per entry, so a type error names its entry.
		dec := json.NewDecoder(bytes.NewReader(e))
		dec.DisallowUnknownFields()
		if err := dec.Decode(a); err != nil {
			return nil, fmt.Errorf("state: token genesis %s: entry %d: %w", path, i, err)
		}
		if err := a.validate(); err != nil {
			return nil, fmt.Errorf("state: token genesis %s: entry %d (%q): %w", path, i, a.Address, err)
		}
		if a.LockSend != nil {
			a.LockTransferBlockID = *a.LockSend
		}
		for _, v := range a.vesting() {
			k := unlockID{v.height, v.address, v.units}
			if j, dup := seen[k]; dup {
				return nil, fmt.Errorf("state: token genesis %s: entry %d (%q): %s tokens already unlock at %d in entry %d", path, i, a.Address, v.units, v.height, j)
			}
			seen[k] = i
		}
	}
	return accts, nil
}

// unlockID names one row of v1's account_vesting table (its primary key).
type unlockID struct {
	height         uint64
	address, units string
}

func (a *GenesisAccount) validate() error {
	if a.Address == "" || a.Type == "" || a.Value < 0 {
		return fmt.Errorf("needs address, type and a non-negative value")
	}
	if a.LockTransferBlockID < 0 || (a.LockSend != nil && *a.LockSend < 0) {
		return fmt.Errorf("negative lock height")
	}
	if a.LockSend != nil && a.LockTransferBlockID != 0 && a.LockTransferBlockID != *a.LockSend {
		return fmt.Errorf("lock_send %d and lock_transfer_block_id %d disagree", *a.LockSend, a.LockTransferBlockID)
	}
	if a.Vesting == nil {
		if a.VestingTotal != nil {
			return fmt.Errorf("vesting_total without a vesting schedule")
		}
		return nil
	}
	if a.VestingTotal == nil {
		return fmt.Errorf("vesting schedule without vesting_total")
	}
	var sum int64
	heights := map[uint64]string{}
	for k, amt := range a.Vesting {
		h, err := parseHeight(k)
		if err != nil {
			return fmt.Errorf("vesting height %q: %w", k, err)
		}
		if prev, dup := heights[h]; dup {
			return fmt.Errorf("vesting heights %q and %q are the same block", prev, k)
		}
		heights[h] = k
		if amt < 0 {
			return fmt.Errorf("vesting at %s is negative (%d)", k, amt)
		}
		if sum > math.MaxInt64-amt {
			return fmt.Errorf("vesting schedule overflows")
		}
		sum += amt
	}
	if sum != *a.VestingTotal {
		return fmt.Errorf("vesting schedule sums to %d, vesting_total is %d", sum, *a.VestingTotal)
	}
	return nil
}

// parseHeight accepts what v1's schema allowed as a vesting key: decimal
// digits only.
func parseHeight(s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("not a decimal height")
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

// vesting lists the account's unlocks in height order; the file has been
// validated, so every key parses.
func (a *GenesisAccount) vesting() []vestingEntry {
	out := make([]vestingEntry, 0, len(a.Vesting))
	for k, amt := range a.Vesting {
		h, _ := parseHeight(k)
		out = append(out, vestingEntry{height: h, address: a.Address, units: a.Type, amount: amt})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].height < out[j].height })
	return out
}

// metaGenesis marks, in the batch that seeded them, that the genesis
// balances are in the database.
const metaGenesis = "genesis"

// tokenGenesis seeds the genesis file in this block unless an earlier block
// did. v1 loaded it when the database was created, before the first block;
// a replay that reached the token epoch without the file (and stopped there
// with ErrNeedTokenGenesis) seeds it in the first block it applies with the
// file, crediting at once the unlocks v1 would have credited by then. No
// operation reads an account before the token epoch, so the late seeding
// leaves every later check as v1 saw it.
func (b *block) tokenGenesis(path string) error {
	if _, done, err := b.ov.get(strKey(pfxMeta, metaGenesis)); err != nil || done {
		return err
	}
	accts, err := LoadGenesis(path)
	if err != nil {
		return err
	}
	if err := b.seedGenesis(accts); err != nil {
		return err
	}
	if first := int64(b.m.p.FirstBlock); b.height > first {
		b.m.log.Warn().Int64("height", b.height).Msg("seeding the token genesis late: the replay so far ran without it")
		for _, a := range accts {
			for _, v := range a.vesting() {
				if int64(v.height) > first && int64(v.height) <= b.height {
					if err := b.credit(payment(v.address, v.units, v.amount)); err != nil {
						return err
					}
				}
			}
		}
	}
	return b.ov.put(strKey(pfxMeta, metaGenesis), []byte{1})
}

// seedGenesis credits the genesis balances and stores the vesting schedule
// in the first block's overlay, so they are part of that block's batch and
// undo record.
func (b *block) seedGenesis(accts []GenesisAccount) error {
	for _, a := range accts {
		wl := true
		if a.ReceiveWhitelisted != nil {
			wl = *a.ReceiveWhitelisted
		}
		cur, err := b.getAccount(a.Address, a.Type)
		if err != nil {
			return err
		}
		credit := a.Value
		if cur != nil {
			credit += num(cur, "credit_value")
		}
		r := rec{
			"credit_value": consensus.Int(credit), "debit_value": consensus.Int(num(cur, "debit_value")),
			"lock_transfer_block_id": consensus.Int(a.LockTransferBlockID), "receive_whitelisted": consensus.Bool(wl),
		}
		if err := b.putRec(pairKey(pfxAccount, a.Address, a.Type), r); err != nil {
			return err
		}
		for _, v := range a.vesting() {
			if err := b.putVesting(v); err != nil {
				return err
			}
		}
	}
	return nil
}
