// Package state is the BNS name-state machine: it applies the operations of
// one block at a time, exactly as Blockstack Core v1 did, and rolls blocks
// back through per-block undo records.
//
// The v1 implementation was written around Python dicts and SQL rows, and
// its consensus hashes depend on that: which keys an operation carries, which
// come from the stored row, whether a fee is an int or a float, and which
// lookups see the current block's earlier writes. To stay bit-exact this
// package keeps the same shapes: records are consensus.Record maps with
// Python-typed values, rows are stored with SQLite's column affinities, and
// each check mirrors the reference's lookups (name records, preorders,
// namespaces, the unexpired-name predicate) against the state as of the
// previous block plus what this block already committed.
//
// Every write of a block goes through an overlay; at the end of the block
// the overlay, the undo record (the previous value of every key touched), the
// consensus hash, the chunk announcements and the new tip are committed to
// Pebble in one batch, so a crash always leaves the database at a block
// boundary.
package state
