package regtest

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// UTXO is an unspent output paying one of the harness keys.
type UTXO struct {
	OutPoint wire.OutPoint
	Value    btcutil.Amount
	Key      *Key
	// Height is the block that created the output, or 0 while it is only
	// in the mempool (the genesis output is never tracked).
	Height   int32
	Coinbase bool
}

// wallet is the harness's view of its keys' outputs. It is rebuilt from the
// node rather than updated incrementally, so it stays right however the
// chain moved (Generate, invalidateblock by hand, restarts) at the price of
// a rescan of cached blocks, which is cheap at regtest sizes.
type wallet struct {
	blocks    map[chainhash.Hash]*wire.MsgBlock // every block seen, by hash
	tip       chainhash.Hash                    // tip the confirmed set was built for
	height    int32
	confirmed map[wire.OutPoint]UTXO
	sent      []*wire.MsgTx // every tx the harness broadcast, in order
	utxos     map[wire.OutPoint]UTXO
}

func newWallet() wallet {
	return wallet{blocks: make(map[chainhash.Hash]*wire.MsgBlock)}
}

// ownerOf returns the harness key paying to script, if any.
func (n *Node) ownerOf(script []byte) *Key {
	for _, k := range n.keys {
		if bytes.Equal(k.pkScript, script) {
			return k
		}
	}
	return nil
}

// syncLocked brings the wallet up to the node's current best chain and
// mempool. Callers hold n.mu.
func (n *Node) syncLocked() error {
	best, height, err := n.client.GetBestBlock()
	if err != nil {
		return fmt.Errorf("regtest: best block: %w", err)
	}
	w := &n.wallet
	if *best != w.tip || w.confirmed == nil {
		chain, err := n.chainTo(*best)
		if err != nil {
			return err
		}
		w.confirmed = make(map[wire.OutPoint]UTXO)
		for h, hash := range chain {
			if h == 0 {
				continue // the genesis coinbase is unspendable
			}
			n.applyTxs(w.confirmed, w.blocks[hash].Transactions, int32(h))
		}
		w.tip, w.height = *best, height
	}
	pool, err := n.client.GetRawMempool()
	if err != nil {
		return fmt.Errorf("regtest: mempool: %w", err)
	}
	inPool := make(map[chainhash.Hash]bool, len(pool))
	for _, h := range pool {
		inPool[*h] = true
	}
	w.utxos = make(map[wire.OutPoint]UTXO, len(w.confirmed))
	for op, u := range w.confirmed {
		w.utxos[op] = u
	}
	// Sent txs are in dependency order, so parents are applied before the
	// children that spend them.
	for _, tx := range w.sent {
		if inPool[tx.TxHash()] {
			n.applyTxs(w.utxos, []*wire.MsgTx{tx}, 0)
		}
	}
	return nil
}

// applyTxs spends the inputs and adds the harness-owned outputs of txs.
func (n *Node) applyTxs(set map[wire.OutPoint]UTXO, txs []*wire.MsgTx, height int32) {
	for _, tx := range txs {
		coinbase := isCoinbase(tx)
		if !coinbase {
			for _, in := range tx.TxIn {
				delete(set, in.PreviousOutPoint)
			}
		}
		txid := tx.TxHash()
		for i, out := range tx.TxOut {
			if k := n.ownerOf(out.PkScript); k != nil {
				op := wire.OutPoint{Hash: txid, Index: uint32(i)}
				set[op] = UTXO{OutPoint: op, Value: btcutil.Amount(out.Value), Key: k, Height: height, Coinbase: coinbase}
			}
		}
	}
}

func isCoinbase(tx *wire.MsgTx) bool {
	return len(tx.TxIn) == 1 && tx.TxIn[0].PreviousOutPoint.Index == wire.MaxPrevOutIndex &&
		tx.TxIn[0].PreviousOutPoint.Hash == chainhash.Hash{}
}

// chainTo returns the hashes of the chain ending at tip, indexed by height,
// fetching only blocks not seen before.
func (n *Node) chainTo(tip chainhash.Hash) ([]chainhash.Hash, error) {
	var rev []chainhash.Hash
	for h := tip; ; {
		blk, err := n.block(h)
		if err != nil {
			return nil, err
		}
		rev = append(rev, h)
		if blk.Header.PrevBlock == (chainhash.Hash{}) {
			break
		}
		h = blk.Header.PrevBlock
	}
	slices.Reverse(rev)
	return rev, nil
}

// block returns a block from the cache or the node. Blocks are immutable
// under their hash, so the cache never goes stale.
func (n *Node) block(h chainhash.Hash) (*wire.MsgBlock, error) {
	if blk, ok := n.wallet.blocks[h]; ok {
		return blk, nil
	}
	blk, err := n.client.GetBlock(&h)
	if err != nil {
		return nil, fmt.Errorf("regtest: getblock %s: %w", h, err)
	}
	n.wallet.blocks[h] = blk
	return blk, nil
}

// spendable reports whether u may be spent in the next block: coinbase
// outputs need CoinbaseMaturity confirmations counting that block.
func spendable(u UTXO, tipHeight int32) bool {
	if !u.Coinbase {
		return true
	}
	return tipHeight+1-u.Height >= int32(chaincfg.RegressionNetParams.CoinbaseMaturity)
}

// UTXOs returns the outputs key can spend in the next block, confirmed ones
// first, oldest first.
func (n *Node) UTXOs(key *Key) ([]UTXO, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.syncLocked(); err != nil {
		return nil, err
	}
	return n.spendableLocked(key), nil
}

// Balance returns the sum of UTXOs(key).
func (n *Node) Balance(key *Key) (btcutil.Amount, error) {
	us, err := n.UTXOs(key)
	if err != nil {
		return 0, err
	}
	var sum btcutil.Amount
	for _, u := range us {
		sum += u.Value
	}
	return sum, nil
}

func (n *Node) spendableLocked(key *Key) []UTXO {
	var out []UTXO
	for _, u := range n.wallet.utxos {
		if u.Key == key && spendable(u, n.wallet.height) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, compareUTXO)
	return out
}

// compareUTXO orders confirmed before unconfirmed, then by height and
// outpoint, so coin selection is deterministic.
func compareUTXO(a, b UTXO) int {
	ah, bh := a.Height, b.Height
	if ah == 0 {
		ah = 1 << 30
	}
	if bh == 0 {
		bh = 1 << 30
	}
	if c := cmp.Compare(ah, bh); c != 0 {
		return c
	}
	if c := bytes.Compare(a.OutPoint.Hash[:], b.OutPoint.Hash[:]); c != 0 {
		return c
	}
	return cmp.Compare(a.OutPoint.Index, b.OutPoint.Index)
}
