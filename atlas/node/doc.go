// Package node is the local half of an Atlas peer: the zonefile inventory
// kept in step with the chain, and the zonefiles held for it.
//
// Core joins three things. The Chain (a consumer-side interface, satisfied in
// the daemon by the name-state replay) says which zonefile hashes were
// announced, in which order, and what the consensus hash of each processed
// block is. The zonestore holds zonefile bytes by hash. An inventory.Table
// numbers the announcements into v1's slots and tracks which hashes are
// held. Presence is never stored on its own: at Open the table is rebuilt
// from the chain's announcements and the store's contents, so the two can
// not disagree after a crash.
//
// Sync follows the chain. New announcements are appended; a rollback is
// detected by consensus hash, not by counting: Core remembers the consensus
// hash of the chain tip it last synced to and of every height that has
// slots, and when the chain's hash at the remembered tip differs (or the
// chain is now lower, or its newest announcement differs from ours) it walks
// back to the newest height whose hash still agrees and drops every slot
// above it. A consensus hash commits to the whole history below it, so slots
// at or below a height whose hash agrees are exactly the chain's. Sync also
// re-checks the tip's hash after reading, so a rollback that happens while it
// reads is undone rather than half-applied.
//
// Put stores zonefiles only if their hash has a slot (v1 refused zonefiles
// not announced on chain), marks every slot of each hash present, and
// reports each zonefile that became present through Options.Notify; a hash
// announced again while its zonefile is already held is reported too, as v1
// told its storage listeners. Reads go to the store, which re-verifies every
// value; a copy found corrupt is counted there and its hash marked absent
// here, so the crawler fetches it again.
//
// Core is safe for concurrent readers (the RPC server) with writers (Sync,
// Put) serialised among themselves.
package node
