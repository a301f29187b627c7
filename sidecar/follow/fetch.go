package follow

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/atlasd/atlasd/sidecar/bitcoind"
	"github.com/atlasd/atlasd/sidecar/blockscan"
	"github.com/atlasd/atlasd/virtualchain/nameop"
)

// Node is what the follower needs from the Bitcoin node.
type Node interface {
	ChainInfo(ctx context.Context) (*bitcoind.ChainInfo, error)
	BlockHash(ctx context.Context, height int64) (chainhash.Hash, error)
	RawBlock(ctx context.Context, hash chainhash.Hash) ([]byte, error)
	TxOutputs(ctx context.Context, txid chainhash.Hash) ([]*wire.TxOut, error)
	BlockPrevouts(ctx context.Context, hash chainhash.Hash, want map[chainhash.Hash]bool) (map[wire.OutPoint]bitcoind.Prevout, error)
}

// fetched is one block ready to apply.
type fetched struct {
	height  int64
	hash    chainhash.Hash
	prev    chainhash.Hash
	txs     []*nameop.Tx
	ignored int // candidates extraction refused (e.g. coinbase-funded)
	size    int
	err     error
}

// fetchBlock reads the block at height from the node and extracts its BNS
// transactions with their funding outputs.
func (f *Follower) fetchBlock(ctx context.Context, height int64) fetched {
	r := fetched{height: height}
	r.hash, r.err = f.node.BlockHash(ctx, height)
	if r.err != nil {
		return r
	}
	raw, err := f.node.RawBlock(ctx, r.hash)
	if err != nil {
		r.err = err
		return r
	}
	r.size = len(raw)
	// Only transactions that may carry a BNS payload are decoded.
	blk, err := blockscan.Scan(raw, f.cfg.Network)
	if err != nil {
		r.err = fmt.Errorf("follow: block %d (%s): decode: %w", height, r.hash, err)
		return r
	}
	if blk.Hash != r.hash {
		r.err = fmt.Errorf("follow: block %d: node sent %s for %s", height, blk.Hash, r.hash)
		return r
	}
	r.prev = blk.Header.PrevBlock
	cands := blk.Candidates
	if len(cands) == 0 {
		return r
	}
	src := &prevoutSource{ctx: ctx, node: f.node, mode: f.cfg.Prevouts, block: r.hash, cands: cands}
	for _, c := range cands {
		t, err := nameop.Extract(c.Tx, c.VtxIndex, f.cfg.Network, src)
		var rej *nameop.RejectError
		switch {
		case errors.As(err, &rej):
			r.ignored++
			f.log.Debug().Int64("height", height).Str("txid", rej.TxID).Str("reason", rej.Reason).Msg("BNS candidate ignored")
		case err != nil:
			r.err = fmt.Errorf("follow: block %d: %w", height, err)
			return r
		case t != nil:
			r.txs = append(r.txs, t)
		}
	}
	return r
}

// prevoutSource answers nameop.Extract from the node, once per block in
// verbosity-3 mode and once per funding transaction otherwise.
type prevoutSource struct {
	ctx   context.Context
	node  Node
	mode  bitcoind.PrevoutMode
	block chainhash.Hash
	cands []blockscan.Candidate

	v3  map[wire.OutPoint]bitcoind.Prevout
	txs map[chainhash.Hash][]*wire.TxOut
}

func (p *prevoutSource) Prevout(op wire.OutPoint) ([]byte, int64, bool, error) {
	if p.mode == bitcoind.PrevoutsBlockV3 {
		if p.v3 == nil {
			want := make(map[chainhash.Hash]bool, len(p.cands))
			for _, c := range p.cands {
				want[c.Tx.TxHash()] = true
			}
			m, err := p.node.BlockPrevouts(p.ctx, p.block, want)
			if err != nil {
				return nil, 0, false, err
			}
			p.v3 = m
		}
		po, ok := p.v3[op]
		return po.Script, po.Value, ok, nil
	}
	outs, ok := p.txs[op.Hash]
	if !ok {
		var err error
		outs, err = p.node.TxOutputs(p.ctx, op.Hash)
		if err != nil {
			return nil, 0, false, err
		}
		if p.txs == nil {
			p.txs = make(map[chainhash.Hash][]*wire.TxOut)
		}
		p.txs[op.Hash] = outs
	}
	if int(op.Index) >= len(outs) {
		return nil, 0, false, nil
	}
	return outs[op.Index].PkScript, outs[op.Index].Value, true, nil
}
