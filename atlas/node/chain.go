package node

import "github.com/atlasd/atlasd/atlas/inventory"

// Chain is what Core reads from the name-state replay. The daemon adapts its
// replay engine to it; atlas never imports the replay itself.
//
// The chain may move (apply or roll back blocks) while Core reads it: Core
// copes with that, but each method must answer from one consistent state.
type Chain interface {
	// LastBlock returns the height of the last processed block; before the
	// first block is processed it is the first block's height minus one.
	LastBlock() int64
	// ConsensusHash returns the consensus hash, as 32 lower-case hex
	// digits, of a processed height, and false for any other height.
	ConsensusHash(height int64) (string, bool)
	// BlockOfConsensus returns the height whose consensus hash is ch
	// (compared exactly, as v1's SQL lookup did), and false if none.
	BlockOfConsensus(ch string) (int64, bool, error)
	// Slots returns how many zonefile announcements the processed blocks
	// made (spec §3.2).
	Slots() int
	// Announcements returns up to n announcements starting at 0-based slot
	// from, in slot order (block height, then position in the block).
	Announcements(from, n int) ([]inventory.Announcement, error)
}
