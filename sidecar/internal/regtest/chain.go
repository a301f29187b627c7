package regtest

import (
	"fmt"
	"slices"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// generateTimeout bounds a generate call: btcd's CPU miner loops forever if
// it cannot build a block template, and the RPC would never return.
const generateTimeout = 2 * time.Minute

// BestBlock returns the node's tip hash and height.
func (n *Node) BestBlock() (chainhash.Hash, int32, error) {
	h, height, err := n.client.GetBestBlock()
	if err != nil {
		return chainhash.Hash{}, 0, fmt.Errorf("regtest: best block: %w", err)
	}
	return *h, height, nil
}

// Generate mines count blocks on the tip with btcd's `generate`, which fills
// them from the mempool and pays the coinbase to MinerKey. It returns the
// block hashes in height order.
func (n *Node) Generate(count uint32) ([]chainhash.Hash, error) {
	if count == 0 {
		return nil, nil
	}
	type result struct {
		hashes []*chainhash.Hash
		err    error
	}
	ch := make(chan result, 1)
	go func() {
		hs, err := n.client.Generate(count)
		ch <- result{hs, err}
	}()
	var r result
	select {
	case r = <-ch:
	case <-time.After(generateTimeout):
		return nil, fmt.Errorf("regtest: generate %d: no answer after %v", count, generateTimeout)
	}
	if r.err != nil {
		return nil, fmt.Errorf("regtest: generate %d: %w", count, r.err)
	}
	out := make([]chainhash.Hash, len(r.hashes))
	for i, h := range r.hashes {
		out[i] = *h
	}
	// btcd reports a mined hash even if submitting the block failed, so
	// check that the last one really is the tip.
	tip, _, err := n.BestBlock()
	if err != nil {
		return nil, err
	}
	if len(out) == 0 || out[len(out)-1] != tip {
		return nil, fmt.Errorf("regtest: generate %d: tip is %s, not the last mined block", count, tip)
	}
	return out, nil
}

// Mature mines until the tip is at height 101 or more, the point where the
// first coinbases have the 100 confirmations regtest requires to be spent
// in the next block.
func (n *Node) Mature() error {
	_, height, err := n.BestBlock()
	if err != nil {
		return err
	}
	if height >= 101 {
		return nil
	}
	_, err = n.Generate(uint32(101 - height))
	return err
}

// InvalidateBlock marks a block and its descendants invalid. If the block is
// on the best chain, btcd disconnects back to its parent and returns the
// disconnected transactions to the mempool.
func (n *Node) InvalidateBlock(hash chainhash.Hash) error {
	if err := n.client.InvalidateBlock(&hash); err != nil {
		return fmt.Errorf("regtest: invalidateblock %s: %w", hash, err)
	}
	return nil
}

// ReconsiderBlock clears the invalid mark set by InvalidateBlock; btcd
// switches back only if that branch has more work than the current one.
func (n *Node) ReconsiderBlock(hash chainhash.Hash) error {
	if err := n.client.ReconsiderBlock(&hash); err != nil {
		return fmt.Errorf("regtest: reconsiderblock %s: %w", hash, err)
	}
	return nil
}

// ReorgResult describes a reorganisation made by Reorg.
type ReorgResult struct {
	// ForkHeight is the height of the last block both branches share.
	ForkHeight int32
	// Old holds the disconnected blocks, New the connected ones, both in
	// height order starting at ForkHeight+1.
	Old, New []chainhash.Hash
}

// Reorg replaces the top depth blocks with depth+1 new ones: it invalidates
// the block at tip-depth+1 and mines depth+1 blocks on its parent. The old
// branch stays marked invalid. (Reconsidering it, to leave a valid shorter
// side branch, breaks the next Reorg: when a later invalidateblock removes
// the top of the best chain, btcd v0.24.2 activates such side branches and
// can even settle below the intended fork point.) The transactions of the old branch
// go back to the mempool and are mined again in New[0]. The new blocks
// differ from the old ones because btcd's miner uses a random extra nonce.
func (n *Node) Reorg(depth int) (*ReorgResult, error) {
	_, height, err := n.BestBlock()
	if err != nil {
		return nil, err
	}
	if depth < 1 || int32(depth) > height {
		return nil, fmt.Errorf("regtest: reorg depth %d outside 1..%d", depth, height)
	}
	r := &ReorgResult{ForkHeight: height - int32(depth)}
	for h := r.ForkHeight + 1; h <= height; h++ {
		hash, err := n.client.GetBlockHash(int64(h))
		if err != nil {
			return nil, fmt.Errorf("regtest: getblockhash %d: %w", h, err)
		}
		r.Old = append(r.Old, *hash)
	}
	if err := n.InvalidateBlock(r.Old[0]); err != nil {
		return nil, err
	}
	if _, h, err := n.BestBlock(); err != nil {
		return nil, err
	} else if h != r.ForkHeight {
		return nil, fmt.Errorf("regtest: reorg: tip at %d after invalidateblock, want %d", h, r.ForkHeight)
	}
	if r.New, err = n.Generate(uint32(depth + 1)); err != nil {
		return nil, err
	}
	for _, h := range r.New {
		if slices.Contains(r.Old, h) {
			return nil, fmt.Errorf("regtest: reorg: new branch re-mined old block %s", h)
		}
	}
	tip, _, err := n.BestBlock()
	if err != nil {
		return nil, err
	}
	if tip != r.New[len(r.New)-1] {
		return nil, fmt.Errorf("regtest: reorg: tip %s is not the new branch", tip)
	}
	return r, nil
}
