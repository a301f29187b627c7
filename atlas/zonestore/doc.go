// Package zonestore keeps the Atlas peer's zonefiles in Pebble: the raw
// bytes of each zonefile under its hash, RIPEMD160(SHA256(bytes)).
//
// The store is content-addressed and knows nothing about the chain: whether
// a zonefile was announced, and so may be stored at all, is the caller's
// question (atlas/node asks its inventory). What the store guarantees is that
// a value is never handed out under the wrong key. Put computes the key from
// the bytes, so it cannot be given a wrong one, and refuses anything over
// v1's 40,960-byte limit. Every read hashes the value again: a value that no
// longer matches its key (a bug, a bad disk, a hand-edited database) is
// reported as ErrCorrupt, counted, and never returned, so callers treat the
// zonefile as absent and fetch it again; a later Put of the right bytes
// overwrites it.
//
// A Put of several zonefiles commits them in one batch with fsync before it
// returns, so a zonefile that was acknowledged to a peer survives a crash and
// a crash never leaves half of a batch. Zonefiles are few and small (the whole
// of BNS v1 is about 275 KB), and are not touched by chain reorganisations:
// a zonefile whose announcement is rolled back stays stored, as it did on a
// v1 node's disk.
//
// A Put that cannot reach the disk (it is full, say) fails with ErrStorage
// and stores nothing; Pebble cannot carry on after that, so the next Put
// reopens the database, read-only while there is still no room, so reads
// go on. A WriteGate lets the daemon refuse Puts before the disk is full.
//
// Key layout, one byte of prefix so the store can later share a database:
//
//	'z' + hash (20 bytes) -> zonefile bytes
//	'v'                   -> schema version (one byte)
package zonestore
