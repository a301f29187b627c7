// Package freshreplay is test support: it replays a regtest node's whole
// chain into a new, temporary state and says whether a state that followed
// the same node (through reorgs, restarts, kills, outages) ended up the
// same: the tip, the consensus hash at every height, the chunk sequence and
// the digest of every stored row. The tests of the follower, the daemon and
// the soaks all hold their states to this one check.
package freshreplay
