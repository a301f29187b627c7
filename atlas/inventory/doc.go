// Package inventory models the Atlas zonefile inventory of Blockstack Core v1
// (spec §3.3–3.4): which zonefiles the chain announced, in what order, and
// which of them this node holds.
//
// Vector is the inventory bit vector peers exchange: one bit per slot,
// most significant bit first, served in byte ranges by
// get_zonefile_inventory. Table is a pure in-memory model of v1's Atlas
// "zonefiles" table: one slot per announcing transaction, numbered from 1 in
// chain order (block height, then position in the block), the same hash
// possibly in several slots, and presence kept per hash so that all slots of
// a hash flip together when its zonefile arrives. Table keeps its Vector in
// step and answers the lookups the peer protocol needs (by hash, name, txid
// and block range).
//
// Slot numbering is protocol: a peer's bit i means the zonefile of our slot
// i+1 only if both nodes number slots identically. v1 never rolled back (it
// indexed well behind the tip); Table.TruncateAbove removes the slots of
// disconnected blocks, which are always the newest, so numbering stays
// gap-free and equal to that of a node that never saw the stale blocks.
//
// Nothing here does I/O or locking: the caller persists announcements,
// rebuilds the table at start-up and serialises access.
package inventory
