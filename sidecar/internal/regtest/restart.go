package regtest

import (
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/wire"
)

// snapshot records what Restart must put back. It does nothing if btcd is
// not running: the rpcclient would retry a dead node for 20+ seconds.
func (n *Node) snapshot(withPool bool) error {
	if !n.Running() {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.savedPool = nil
	best, _, err := n.client.GetBestBlock()
	if err != nil {
		return fmt.Errorf("regtest: snapshot best block: %w", err)
	}
	chain, err := n.chainTo(*best)
	if err != nil {
		return err
	}
	n.savedChain = chain
	if !withPool {
		return nil
	}
	pool, err := n.client.GetRawMempool()
	if err != nil {
		return fmt.Errorf("regtest: snapshot mempool: %w", err)
	}
	for _, h := range pool {
		tx, err := n.client.GetRawTransaction(h)
		if err != nil {
			return fmt.Errorf("regtest: snapshot mempool tx %s: %w", h, err)
		}
		n.savedPool = append(n.savedPool, tx.MsgTx())
	}
	return nil
}

// replay resubmits the saved chain and mempool to a freshly started btcd.
func (n *Node) replay() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.wallet.confirmed = nil
	for h := 1; h < len(n.savedChain); h++ {
		blk := n.wallet.blocks[n.savedChain[h]]
		if err := n.client.SubmitBlock(btcutil.NewBlock(blk), nil); err != nil {
			return fmt.Errorf("regtest: replay block %d: %w", h, err)
		}
	}
	if len(n.savedChain) > 0 {
		best, _, err := n.client.GetBestBlock()
		if err != nil {
			return fmt.Errorf("regtest: replay: best block: %w", err)
		}
		if want := n.savedChain[len(n.savedChain)-1]; *best != want {
			return fmt.Errorf("regtest: replay ended at %s, want %s", best, want)
		}
	}
	return n.resubmit(n.savedPool)
}

// resubmit sends txs back to the mempool. getrawmempool lists them in no
// particular order, so it retries until a round makes no progress, which
// lets parents go in before their children.
func (n *Node) resubmit(txs []*wire.MsgTx) error {
	for len(txs) > 0 {
		var left []*wire.MsgTx
		var lastErr error
		for _, tx := range txs {
			if _, err := n.client.SendRawTransaction(tx, true); err != nil {
				left = append(left, tx)
				lastErr = err
			}
		}
		if len(left) == len(txs) {
			return fmt.Errorf("regtest: replay: %d mempool txs rejected, e.g. %w", len(left), lastErr)
		}
		txs = left
	}
	return nil
}
