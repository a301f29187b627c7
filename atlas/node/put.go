package node

import (
	"context"
	"fmt"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/zonestore"
)

// PutStatus is the outcome of offering one zonefile to Put.
type PutStatus uint8

// Put outcomes. Stored and Held are what v1 answered "saved: 1".
const (
	// Stored: the zonefile was written and its hash marked present.
	Stored PutStatus = iota + 1
	// Held: a verified copy was already stored; nothing was written.
	Held
	// Unannounced: no slot announces the hash; v1 refused such zonefiles.
	Unannounced
	// TooLarge: over zonestore.MaxSize bytes.
	TooLarge
)

var putStatusNames = [...]string{Stored: "stored", Held: "held", Unannounced: "unannounced", TooLarge: "too large"}

// String names the status.
func (s PutStatus) String() string {
	if int(s) < len(putStatusNames) && putStatusNames[s] != "" {
		return putStatusNames[s]
	}
	return fmt.Sprintf("PutStatus(%d)", uint8(s))
}

// Saved reports whether the zonefile is now held: v1's saved flag.
func (s PutStatus) Saved() bool { return s == Stored || s == Held }

// Put offers zonefiles for storage, as put_zonefiles and the crawler do. A
// zonefile is stored only if its hash has a slot; all that need writing are
// written in one synced batch, and then every slot of each hash is marked
// present. The statuses follow the order of zonefiles. An error means the
// batch was not written (statuses are then nil).
func (c *Core) Put(ctx context.Context, zonefiles [][]byte) ([]PutStatus, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	status := make([]PutStatus, len(zonefiles))
	first := make(map[inventory.Hash]PutStatus, len(zonefiles))
	var write [][]byte
	var written []inventory.Hash
	for i, z := range zonefiles {
		if len(z) > zonestore.MaxSize {
			status[i] = TooLarge
			continue
		}
		h := inventory.HashOf(z)
		if st, dup := first[h]; dup {
			// The first copy in this call decides; if it is being stored,
			// the repeat finds it held, as v1's sequential loop did.
			if st == Stored {
				st = Held
			}
			status[i] = st
			continue
		}
		c.mu.RLock()
		present, known := c.table.Present(h)
		c.mu.RUnlock()
		if !known {
			status[i], first[h] = Unannounced, Unannounced
			continue
		}
		if present {
			// Trust the store, not the flag: a copy that no longer
			// verifies is rewritten.
			ok, err := c.store.Has(h)
			if err != nil {
				return nil, fmt.Errorf("node: put: %w", err)
			}
			if ok {
				status[i], first[h] = Held, Held
				continue
			}
		}
		status[i] = Stored
		first[h] = Stored
		write = append(write, z)
		written = append(written, h)
	}
	if len(write) == 0 {
		return status, nil
	}
	if _, err := c.store.Put(write...); err != nil {
		return nil, fmt.Errorf("node: put: %w", err)
	}
	var events []Event
	c.mu.Lock()
	for _, h := range written {
		// wmu keeps Sync out, so every hash checked above still has slots.
		if was, _ := c.table.SetPresent(h, true); !was {
			events = append(events, Event{Hash: h, Height: c.lowestHeight(h)})
		}
	}
	c.stored.Add(1)
	c.mu.Unlock()
	if c.opts.Notify != nil {
		for _, e := range events {
			c.opts.Notify(e)
		}
	}
	return status, nil
}

// lowestHeight returns the height of the first slot of h. The caller holds
// mu.
func (c *Core) lowestHeight(h inventory.Hash) int32 {
	if slots := c.table.ByHash(h); len(slots) > 0 {
		return slots[0].Height
	}
	return -1
}
