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
//
// Rows are stored in a compact binary form (codec.go), and the database
// carries a format version that Open checks. For speed the machine keeps
// some committed state in memory as well: a bounded cache of recently read
// values, the sender and consensus-hash indexes in full, decoded namespace
// rows and the key prefixes that hold nothing. Each copy changes only when
// the committed keys do (after a block's batch commits, per rolled-back
// block, at Open), and a test replays the reference scenarios with
// rollbacks and reopens checking every copy against the database.
//
// Pebble cannot carry on after its log fails to write (a full disk, say):
// it panics or exits at the next log rotation or synced commit. The
// machine notices the first such failure instead (diskfault.go), refuses
// further writes with ErrStorage, and closes without the flush that would
// hang; opened again once there is room, the directory is at the last block
// whose batch reached the log. ReadOnly opens a directory without writing
// at all, for a start on a full disk.
package state
