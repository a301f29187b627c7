package node

import (
	"math"

	"github.com/atlasd/atlasd/atlas/inventory"
)

// The read side: each call takes the table lock shared, so the RPC server
// can read while Sync and Put write.

// Len returns the number of inventory slots.
func (c *Core) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.table.Len()
}

// ReportedCount returns v1's zonefile_count for getinfo (one more than the
// slots, 0 when there are none; see inventory.Table.ReportedCount).
func (c *Core) ReportedCount() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.table.ReportedCount()
}

// PresentCount returns how many slots hold a present zonefile.
func (c *Core) PresentCount() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.table.PresentCount()
}

// Inventory returns the bytes get_zonefile_inventory(offset, length) serves.
func (c *Core) Inventory(offset, length int) []byte {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.table.Inventory(offset, length)
}

// Vector returns a copy of the whole inventory vector.
func (c *Core) Vector() *inventory.Vector {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.table.Vector()
}

// Present reports whether zonefile h is held, and whether any slot
// announces it.
func (c *Core) Present(h inventory.Hash) (present, known bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.table.Present(h)
}

// ByHash returns every slot announcing h, oldest first.
func (c *Core) ByHash(h inventory.Hash) []inventory.Slot {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.table.ByHash(h)
}

// ByName returns every slot of name, oldest first.
func (c *Core) ByName(name string) []inventory.Slot {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.table.ByName(name)
}

// ByBlock returns the slots announced in blocks from..to (inclusive) in slot
// order, skipping offset and returning at most count.
func (c *Core) ByBlock(from, to int64, offset, count int) []inventory.Slot {
	if to < 0 || from > math.MaxInt32 {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.table.ByBlock(int32(max(from, 0)), int32(min(to, math.MaxInt32)), offset, count)
}

// MissingHashes returns up to limit hashes whose zonefile is not held, each
// once, in the order of their first slot: the crawler's work list.
func (c *Core) MissingHashes(limit int) []inventory.Hash {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []inventory.Hash
	for h := range c.table.MissingHashes() {
		if len(out) >= limit {
			break
		}
		out = append(out, h)
	}
	return out
}
