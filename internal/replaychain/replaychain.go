// Package replaychain adapts the replay state (virtualchain/state) to the
// Atlas peer's view of the chain (atlas/node.Chain). The daemon wires it,
// and atlas's tests use it to follow a real replay; atlas itself never
// imports virtualchain.
package replaychain

import (
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// Chain reads whichever machine Machine returns at each call, so a daemon
// that rebuilds its state hands the Atlas peer the new one.
type Chain struct {
	Machine func() *state.Machine
	// Genesis, if set, answers consensus hashes below FirstBlock, as v1's
	// snapshot table held the four genesis-snapshot rows.
	Genesis    map[uint64]string
	FirstBlock uint64
}

var _ node.Chain = Chain{}

// Of is the Chain of one fixed machine, without genesis rows.
func Of(m *state.Machine) Chain { return Chain{Machine: func() *state.Machine { return m }} }

// LastBlock is the machine's tip height.
func (c Chain) LastBlock() int64 { h, _ := c.Machine().Tip(); return h }

// ConsensusHash is the consensus hash of height h.
func (c Chain) ConsensusHash(h int64) (string, bool) {
	if h < 0 {
		return "", false
	}
	if c.Genesis != nil && uint64(h) < c.FirstBlock {
		ch, ok := c.Genesis[uint64(h)]
		return ch, ok
	}
	return c.Machine().ConsensusHash(uint64(h))
}

// BlockOfConsensus is the first height whose consensus hash is ch.
func (c Chain) BlockOfConsensus(ch string) (int64, bool, error) {
	h, ok, err := c.Machine().BlockOfConsensus(ch)
	return int64(h), ok, err
}

// Slots is the number of zonefile announcements so far.
func (c Chain) Slots() int { return int(c.Machine().Slots()) }

// Announcements converts up to n announcements from slot from.
func (c Chain) Announcements(from, n int) ([]inventory.Announcement, error) {
	as, err := c.Machine().Announcements(uint64(from), n)
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Announcement, len(as))
	for i, a := range as {
		h, err := inventory.ParseHash(a.Hash)
		if err != nil {
			return nil, fmt.Errorf("replaychain: slot %d: %w", a.Slot, err)
		}
		txid, err := chainhash.NewHashFromStr(a.TxID)
		if err != nil {
			return nil, fmt.Errorf("replaychain: slot %d: %w", a.Slot, err)
		}
		out[i] = inventory.Announcement{Name: a.Name, Hash: h, TxID: *txid, Height: int32(a.Height)}
	}
	return out, nil
}
