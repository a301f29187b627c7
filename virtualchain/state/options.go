package state

import (
	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
)

// blockCacheSize is Pebble's cache of uncompressed table blocks. The default
// 8 MB held too little of a mainnet-sized state: reads of name rows and
// history went to the file and through snappy on almost every lookup. With
// the machine's own read cache in front, 32 MB replays mainnet's shape as
// fast as 64 or 160 MB did.
const blockCacheSize = 32 << 20

// pebbleOptions are the database options of the replay state; cache is
// owned by the caller.
func pebbleOptions(cache *pebble.Cache, log pebble.Logger) *pebble.Options {
	o := &pebble.Options{
		// Pinned so a future pebble upgrade cannot silently ratchet the
		// on-disk format of an operator's database.
		FormatMajorVersion: pebble.FormatVirtualSSTables,
		// The replay is write-heavy with small values; a memtable above the
		// 4 MB default keeps flushes rare during initial sync. 16 MB replays
		// as fast as 32 MB and keeps tens of MB less resident.
		MemTableSize: 16 << 20,
		Cache:        cache,
		Logger:       log,
		Levels:       make([]pebble.LevelOptions, 7),
	}
	for i := range o.Levels {
		o.Levels[i] = pebble.LevelOptions{
			// Most point reads of a block are for keys that do not exist
			// yet (a new history entry, a fresh preorder, the next
			// consensus hash); bloom filters answer those without reading
			// data blocks.
			FilterPolicy: bloom.FilterPolicy(10),
			FilterType:   pebble.TableFilter,
		}
	}
	return o
}
