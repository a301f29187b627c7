package state

// readCache keeps committed values (and absences) of recently used keys
// across blocks, so the rows a replay keeps coming back to are not looked up
// in Pebble's memtables and levels each time.
//
// It must only ever hold what the database holds: values enter it from a
// Pebble read or from a block's committed writes (set after the batch
// commits), and a rollback, which rewrites keys behind the overlay's back,
// empties it.
//
// Memory is bounded by two generations: lookups try the current map, then
// the previous one (promoting a hit); when the current map is full it
// becomes the previous one and the oldest generation is dropped. That is
// close to LRU at the cost of two map lookups on a miss.
type readCache struct {
	cur, prev map[string]baseRead
	limit     int
}

// cachedPrefixes are the keys a replay reads again in later blocks: rows,
// the small index entries that point at them, accounts and the tip record.
// History entries, consensus hashes, chunk slots and undo records are
// written once and then read rarely or by scans, so caching them would only
// push the rows out.
var cachedPrefixes = [256]bool{
	pfxName: true, pfxNamespace: true, pfxPreorder: true, pfxHash128: true,
	pfxNamePreorder: true, pfxNSPreorder: true, pfxKeychain: true, pfxAccount: true, pfxMeta: true,
}

func newReadCache(limit int) *readCache {
	return &readCache{cur: make(map[string]baseRead), prev: make(map[string]baseRead), limit: limit}
}

func (c *readCache) get(key []byte) (baseRead, bool) {
	if r, ok := c.cur[string(key)]; ok {
		return r, true
	}
	r, ok := c.prev[string(key)]
	if ok {
		c.set(string(key), r)
	}
	return r, ok
}

// set records the committed value of key. val is kept, not copied: callers
// pass slices nobody modifies afterwards.
func (c *readCache) set(key string, r baseRead) {
	if key == "" || !cachedPrefixes[key[0]] {
		return
	}
	if _, ok := c.cur[key]; !ok && len(c.cur) >= c.limit {
		c.prev = c.cur
		c.cur = make(map[string]baseRead, c.limit)
	}
	c.cur[key] = r
}

func (c *readCache) reset() {
	c.cur = make(map[string]baseRead)
	c.prev = make(map[string]baseRead)
}
