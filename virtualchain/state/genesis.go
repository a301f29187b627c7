package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/atlasd/atlasd/consensus"
)

// GenesisAccount is one entry of the operator-supplied token genesis file:
// the starting balance v1's genesis block gave an address.
type GenesisAccount struct {
	Address string `json:"address"`
	Type    string `json:"type"`
	Value   int64  `json:"value"`
	// LockTransferBlockID forbids TOKEN_TRANSFER from the account before
	// this height.
	LockTransferBlockID int64 `json:"lock_transfer_block_id"`
	// ReceiveWhitelisted: may the account receive transfers (default true).
	ReceiveWhitelisted *bool `json:"receive_whitelisted"`
}

// LoadGenesis reads a token genesis file: a JSON array of GenesisAccount.
func LoadGenesis(path string) ([]GenesisAccount, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("state: token genesis: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var accts []GenesisAccount
	if err := dec.Decode(&accts); err != nil {
		return nil, fmt.Errorf("state: token genesis %s: %w", path, err)
	}
	for i, a := range accts {
		if a.Address == "" || a.Type == "" || a.Value < 0 {
			return nil, fmt.Errorf("state: token genesis %s: entry %d needs address, type and a non-negative value", path, i)
		}
	}
	return accts, nil
}

// seedGenesis credits the genesis balances in the first block's overlay, so
// they are part of that block's batch and undo record.
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
	}
	return nil
}
