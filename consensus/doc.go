// Package consensus computes Blockstack Core v1 consensus hashes bit for bit.
//
// It covers the hashing layer of virtualchain only: turning an accepted
// operation's record into the canonical string that gets hashed
// (SerializeOp, with field lists from SerializeFields), folding a block's
// serialized operations into an ops hash (OpsHash), choosing the earlier
// consensus hashes a block commits to (PriorHeights) and mixing them into the
// block's consensus hash (ConsensusHash). Deciding which operations are
// accepted, and building their records, is the state machine's job.
//
// Everything here is a pure function of its arguments: no I/O, no clocks, no
// package state. The reference is §2.4–2.9 of the Blockstack v1 spec
// (shared/reference/blockstack-v1.md) and the tests replay the hashes that the
// original Python implementation logged.
//
// Values are printed the way Python 2.7's str() prints them because that is
// what the reference hashed; in particular floats keep 12 significant digits
// (see Py2FloatString), which differs from anything in strconv.
package consensus
