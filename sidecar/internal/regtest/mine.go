package regtest

import (
	"fmt"
	"slices"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

// blockVersion signals BIP9 with no bits set, which satisfies every
// version-number soft fork rule regtest enforces.
const blockVersion = 0x20000000

// coinbaseTag marks blocks made by MineBlock rather than btcd's miner.
const coinbaseTag = "/atlasd-regtest/"

// MineBlock mines one block on the tip holding exactly txs, in order, after
// a coinbase paying the subsidy to MinerKey, and submits it. Unlike
// Generate it ignores the mempool, so tests can build a branch that leaves
// out or double-spends a transaction the old branch had. txs must not carry
// witness data (the block has no witness commitment).
func (n *Node) MineBlock(txs ...*wire.MsgTx) (chainhash.Hash, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	parent, height, err := n.client.GetBestBlock()
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("regtest: best block: %w", err)
	}
	prev, err := n.block(*parent)
	if err != nil {
		return chainhash.Hash{}, err
	}
	mtp, err := n.medianTimePast(*parent)
	if err != nil {
		return chainhash.Hash{}, err
	}
	n.mined++
	cb, err := n.coinbase(height+1, n.mined)
	if err != nil {
		return chainhash.Hash{}, err
	}
	all := append([]*wire.MsgTx{cb}, txs...)
	utxs := make([]*btcutil.Tx, len(all))
	for i, tx := range all {
		utxs[i] = btcutil.NewTx(tx)
	}
	ts := time.Now().Truncate(time.Second)
	if !ts.After(mtp) {
		ts = mtp.Add(time.Second)
	}
	blk := &wire.MsgBlock{
		Header: wire.BlockHeader{
			Version:    blockVersion,
			PrevBlock:  *parent,
			MerkleRoot: blockchain.CalcMerkleRoot(utxs, false),
			Timestamp:  ts,
			Bits:       prev.Header.Bits, // regtest never retargets
		},
		Transactions: all,
	}
	if err := solve(&blk.Header); err != nil {
		return chainhash.Hash{}, err
	}
	if err := n.client.SubmitBlock(btcutil.NewBlock(blk), nil); err != nil {
		return chainhash.Hash{}, fmt.Errorf("regtest: submitblock at %d: %w", height+1, err)
	}
	hash := blk.BlockHash()
	tip, _, err := n.client.GetBestBlock()
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("regtest: best block: %w", err)
	}
	if *tip != hash {
		return chainhash.Hash{}, fmt.Errorf("regtest: submitted block %s did not become the tip (%s)", hash, tip)
	}
	return hash, nil
}

// coinbase pays the block subsidy to the miner key. The counter in the
// script keeps two blocks mined on the same parent from being identical.
func (n *Node) coinbase(height int32, counter uint64) (*wire.MsgTx, error) {
	script, err := txscript.NewScriptBuilder().AddInt64(int64(height)).
		AddInt64(int64(counter)).AddData([]byte(coinbaseTag)).Script()
	if err != nil {
		return nil, fmt.Errorf("regtest: coinbase script: %w", err)
	}
	tx := wire.NewMsgTx(1)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), script, nil))
	tx.AddTxOut(wire.NewTxOut(blockchain.CalcBlockSubsidy(height, &chaincfg.RegressionNetParams), n.keys[0].pkScript))
	return tx, nil
}

// medianTimePast is the median timestamp of the 11 blocks ending at tip; a
// new block must be later than it.
func (n *Node) medianTimePast(tip chainhash.Hash) (time.Time, error) {
	var times []time.Time
	for h := tip; len(times) < 11; {
		blk, err := n.block(h)
		if err != nil {
			return time.Time{}, err
		}
		times = append(times, blk.Header.Timestamp)
		if blk.Header.PrevBlock == (chainhash.Hash{}) {
			break
		}
		h = blk.Header.PrevBlock
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	return times[len(times)/2], nil
}

// solve searches nonces for the header. At regtest's limit about every
// second hash qualifies.
func solve(h *wire.BlockHeader) error {
	target := blockchain.CompactToBig(h.Bits)
	for nonce := uint32(0); nonce < 1<<20; nonce++ {
		h.Nonce = nonce
		hash := h.BlockHash()
		if blockchain.HashToBig(&hash).Cmp(target) <= 0 {
			return nil
		}
	}
	return fmt.Errorf("regtest: no nonce found for bits %08x", h.Bits)
}
