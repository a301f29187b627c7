// Package blockscan finds BNS candidate transactions in a raw serialized
// block (the bytes of getblock with verbosity 0) without building a
// wire.MsgTx for every transaction.
//
// A v1 replay reads every block from 373601 on, and almost none of their
// transactions matter: only those whose last OP_RETURN output pushes data
// beginning with the network's magic bytes (blockstack-v1.md §1.2). Decoding
// a whole wire.MsgBlock allocates every input, output and script of every
// transaction; Scan instead walks the serialization with index arithmetic,
// looks at the last OP_RETURN script of each transaction, and hands only the
// transactions that might qualify to wire.MsgTx.Deserialize. The decoded
// transaction is then confirmed with nameop.Candidate, so the cheap test
// only needs to be a superset of the real rule, never a copy of it.
//
// Scan accepts exactly the byte strings that wire.MsgBlock.Deserialize
// accepts, with two additions that a real block never trips: it refuses
// blocks larger than wire.MaxBlockPayload (no valid block is, and wire's
// per-transaction script buffer of 4 MiB would otherwise overflow), and it
// refuses bytes left over after the last transaction. Like wire it requires
// canonical compact sizes, refuses a segwit flag other than 0x01 and a
// segwit transaction whose witnesses are all empty, and checks every count
// against the bytes that remain before looping over it, so a huge count in
// a short buffer fails at once. Every failure is an *Error naming the
// transaction and byte offset; no input makes Scan panic.
//
//	blk, err := blockscan.Scan(raw, net)
//	// blk.Hash, blk.Header.PrevBlock, blk.TxCount
//	for _, c := range blk.Candidates {
//		// c.VtxIndex is the position in the block (coinbase = 0);
//		// c.Tx is fully decoded and ready for nameop.Extract.
//	}
package blockscan
