package zmqpub

import (
	"encoding/binary"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// Topics bitcoind publishes (doc/zmq.md), one -zmqpub<topic> option each.
const (
	TopicHashBlock = "hashblock"
	TopicHashTx    = "hashtx"
	TopicRawBlock  = "rawblock"
	TopicRawTx     = "rawtx"
	TopicSequence  = "sequence"
)

// Labels of the sequence topic.
const (
	BlockConnect    byte = 'C'
	BlockDisconnect byte = 'D'
	TxAdded         byte = 'A' // to the mempool; carries a mempool sequence
	TxRemoved       byte = 'R' // from the mempool; carries a mempool sequence
)

// displayOrder reverses a hash into RPC/display byte order. bitcoind's
// publisher does the same (data[31 - i] = hash.begin()[i]), so hash bodies
// read as the hex getblockhash prints, not as the bytes inside a block.
func displayOrder(h chainhash.Hash) []byte {
	b := slices.Clone(h[:])
	slices.Reverse(b)
	return b
}

// HashBlock publishes a block hash on "hashblock" in display order.
// bitcoind sends it only for a new tip, not for each block of a reorg.
func (p *Publisher) HashBlock(h chainhash.Hash) uint32 {
	return p.Publish(TopicHashBlock, displayOrder(h))
}

// HashTx publishes a txid on "hashtx" in display order.
func (p *Publisher) HashTx(h chainhash.Hash) uint32 {
	return p.Publish(TopicHashTx, displayOrder(h))
}

// RawBlock publishes a serialized block on "rawblock".
func (p *Publisher) RawBlock(block []byte) uint32 {
	return p.Publish(TopicRawBlock, block)
}

// RawTx publishes a serialized transaction on "rawtx".
func (p *Publisher) RawTx(tx []byte) uint32 {
	return p.Publish(TopicRawTx, tx)
}

// Sequence publishes a 33-byte "sequence" body: the hash in display order
// and the label. bitcoind uses this form for BlockConnect and
// BlockDisconnect; use SequenceMempool for TxAdded and TxRemoved. Any
// label is sent as given, so tests can also feed malformed messages.
func (p *Publisher) Sequence(h chainhash.Hash, label byte) uint32 {
	return p.Publish(TopicSequence, append(displayOrder(h), label))
}

// SequenceMempool publishes a 41-byte "sequence" body: the txid in display
// order, the label and the 8-byte little-endian mempool sequence.
func (p *Publisher) SequenceMempool(txid chainhash.Hash, label byte, mempoolSeq uint64) uint32 {
	body := append(displayOrder(txid), label)
	return p.Publish(TopicSequence, binary.LittleEndian.AppendUint64(body, mempoolSeq))
}
