// Package verify compares this node's Blockstack consensus hashes with an
// Atlas peer's, height by height, over the v1 get_consensus_hashes method
// (at most 32 heights per call, v1's limit), and reports the first height
// at which they differ or that they agree over the whole range.
//
// A consensus hash commits to every operation at and below its height, so
// the first differing height is where the two nodes' histories (or their
// consensus rules) split; everything above it differs too. Compare still
// asks for every height of the range, in ascending order, and stops at the
// first difference: the report then names a height the peer itself
// answered for, never one inferred.
//
// The comparison needs both nodes to have processed the range. A peer that
// cannot be reached, refuses the request, or has not processed the range
// yet, and a local chain that has not, each give their own error, so the
// command line can tell the operator which side to wait for. The daemon's
// periodic fork re-check uses the same call for neighbours ahead of us.
package verify
