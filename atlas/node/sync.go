package node

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"

	"github.com/atlasd/atlasd/atlas/inventory"
)

// announcementBatch is how many announcements one Chain read returns; it
// bounds memory during the initial build of a mainnet-sized inventory.
const announcementBatch = 4096

// SyncResult says what one Sync changed.
type SyncResult struct {
	// LastBlock is the chain height the inventory now reflects.
	LastBlock int64
	// Added and Removed count slots appended and rolled back.
	Added, Removed int
}

// Sync brings the inventory up to the chain's last processed block: it drops
// the slots of rolled-back blocks and appends new announcements, marking
// present those whose zonefile is already stored. Call it after every block
// the chain applies or rolls back, and at least every few minutes anyway:
// LastSync tells peers whether this node is stale.
func (c *Core) Sync(ctx context.Context) (SyncResult, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	res, events, err := c.sync(ctx, c.store.Has)
	if err != nil {
		return res, err
	}
	if c.opts.Notify != nil {
		for _, e := range events {
			c.opts.Notify(e)
		}
	}
	if res.Added+res.Removed > 0 {
		c.opts.Logger.Debug().Int64("block", res.LastBlock).Int("added", res.Added).
			Int("removed", res.Removed).Msg("inventory synced")
	}
	return res, nil
}

// sync runs syncOnce until a read of the chain was not disturbed by a
// rollback. probe says whether the store holds a hash. The caller holds wmu.
func (c *Core) sync(ctx context.Context, probe func(inventory.Hash) (bool, error)) (SyncResult, []Event, error) {
	var total SyncResult
	for range syncAttempts {
		res, events, stable, err := c.syncOnce(ctx, probe)
		total.LastBlock = res.LastBlock
		total.Added += res.Added
		total.Removed += res.Removed
		if err != nil || stable {
			return total, events, err
		}
	}
	return total, nil, ErrUnstable
}

// syncOnce rewinds past any rollback, appends what the chain announced up to
// the height it reported first, and then checks that this height's
// consensus hash did not change meanwhile. If it did, the appends are undone
// and stable is false; the rewinds stand, since they only ever drop slots
// that no longer agree with the chain.
func (c *Core) syncOnce(ctx context.Context, probe func(inventory.Hash) (bool, error)) (res SyncResult, events []Event, stable bool, err error) {
	last := c.chain.LastBlock()
	tip, err := c.markAt(last)
	if err != nil {
		return res, nil, false, err
	}
	if res.Removed, err = c.rewindIfForked(last); err != nil {
		return res, nil, false, err
	}
	// Slots at or below the previous tip have been verified; only what is
	// appended now can be undone.
	undoAbove := c.tip.height
	res.Added, events, err = c.appendUpTo(ctx, last, probe)
	if err == nil {
		var now mark
		if now, err = c.markAt(last); err == nil && now == tip {
			c.mu.Lock()
			c.tip = tip
			c.lastSync = c.opts.Now()
			c.mu.Unlock()
			res.LastBlock = last
			return res, events, true, nil
		}
	}
	c.truncateAbove(undoAbove)
	res.Added = 0
	if err != nil {
		return res, nil, false, err
	}
	return res, nil, false, nil
}

// markAt reads the chain's consensus hash at height.
func (c *Core) markAt(height int64) (mark, error) {
	m := mark{height: height}
	ch, ok := c.chain.ConsensusHash(height)
	if !ok {
		return m, nil
	}
	if len(ch) != 2*len(m.ch) {
		return m, fmt.Errorf("node: chain gave consensus hash %q at %d", ch, height)
	}
	if _, err := hex.Decode(m.ch[:], []byte(ch)); err != nil {
		return m, fmt.Errorf("node: chain gave consensus hash %q at %d: %w", ch, height, err)
	}
	m.ok = true
	return m, nil
}

// agrees reports whether the chain still has m's consensus hash at m's
// height.
func (c *Core) agrees(m mark) (bool, error) {
	now, err := c.markAt(m.height)
	return now == m, err
}

// rewindIfForked drops the slots of blocks the chain no longer has. A fork
// shows as a lower chain, a different consensus hash at the last synced tip,
// fewer slots than ours, or a different newest announcement.
func (c *Core) rewindIfForked(last int64) (int, error) {
	c.mu.RLock()
	tip, n := c.tip, c.table.Len()
	c.mu.RUnlock()
	if tip.height == math.MinInt64 {
		return 0, nil // first sync
	}
	forked := last < tip.height || c.chain.Slots() < n
	if !forked {
		ok, err := c.agrees(tip)
		if err != nil {
			return 0, err
		}
		forked = !ok
	}
	if !forked {
		ok, err := c.newestAgrees()
		if err != nil {
			return 0, err
		}
		forked = !ok
	}
	if !forked {
		return 0, nil
	}
	keep, removed, err := c.rewind()
	if err != nil {
		return removed, err
	}
	// A chain whose hashes agree but whose announcements do not is not
	// following its own rules; start the inventory over rather than trust
	// any of it.
	if ok, err := c.newestAgrees(); err != nil {
		return removed, err
	} else if !ok {
		removed += c.truncateAbove(math.MinInt64)
		keep = mark{height: math.MinInt64}
	}
	// The kept height is verified: it is the new base for undoing appends
	// and for the next fork check.
	c.mu.Lock()
	c.tip = keep
	c.mu.Unlock()
	return removed, nil
}

// rewind drops the slots above the newest slot height whose consensus hash
// the chain still has (all slots if none) and returns that height's mark.
func (c *Core) rewind() (mark, int, error) {
	c.mu.RLock()
	marks := append([]mark(nil), c.marks...)
	c.mu.RUnlock()
	keep := mark{height: math.MinInt64}
	for i := len(marks) - 1; i >= 0; i-- {
		ok, err := c.agrees(marks[i])
		if err != nil {
			return keep, 0, err
		}
		if ok {
			keep = marks[i]
			break
		}
	}
	return keep, c.truncateAbove(keep.height), nil
}

// newestAgrees reports whether our newest slot is also the chain's slot at
// that index.
func (c *Core) newestAgrees() (bool, error) {
	c.mu.RLock()
	n := c.table.Len()
	ours, _ := c.table.Slot(n)
	c.mu.RUnlock()
	if n == 0 {
		return true, nil
	}
	theirs, err := c.chain.Announcements(n-1, 1)
	if err != nil {
		return false, fmt.Errorf("node: read slot %d: %w", n-1, err)
	}
	return len(theirs) == 1 && theirs[0] == ours.Announcement, nil
}

// truncateAbove drops the slots and marks above height and returns how many
// slots went.
func (c *Core) truncateAbove(height int64) int {
	h := int32(max(min(height, math.MaxInt32), -1))
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.table.TruncateAbove(h)
	i := len(c.marks)
	for i > 0 && c.marks[i-1].height > height {
		i--
	}
	c.marks = c.marks[:i]
	return n
}

// appendUpTo appends the chain's announcements from our next slot on, up to
// and including those of block last; later ones wait for the next sync so
// that everything appended is covered by last's consensus hash.
func (c *Core) appendUpTo(ctx context.Context, last int64, probe func(inventory.Hash) (bool, error)) (int, []Event, error) {
	var events []Event
	added := 0
	total := c.chain.Slots()
	for {
		if err := ctx.Err(); err != nil {
			return added, nil, err
		}
		c.mu.RLock()
		from := c.table.Len()
		c.mu.RUnlock()
		if from >= total {
			return added, events, nil
		}
		batch, err := c.chain.Announcements(from, min(total-from, announcementBatch))
		if err != nil {
			return added, nil, fmt.Errorf("node: read slots from %d: %w", from, err)
		}
		if len(batch) == 0 {
			return added, events, nil
		}
		for _, a := range batch {
			if int64(a.Height) > last {
				return added, events, nil
			}
			e, err := c.appendOne(a, probe)
			if err != nil {
				return added, nil, err
			}
			added++
			if e != nil {
				events = append(events, *e)
			}
		}
	}
}

// appendOne appends a as the next slot, records the consensus hash of a new
// slot height, and checks the store for a hash it has not seen before,
// returning an event if the zonefile is already held.
func (c *Core) appendOne(a inventory.Announcement, probe func(inventory.Hash) (bool, error)) (*Event, error) {
	c.mu.RLock()
	_, known := c.table.Present(a.Hash)
	var top int64 = math.MinInt64
	if len(c.marks) > 0 {
		top = c.marks[len(c.marks)-1].height
	}
	c.mu.RUnlock()
	var m mark
	if int64(a.Height) != top {
		var err error
		if m, err = c.markAt(int64(a.Height)); err != nil {
			return nil, err
		}
		if !m.ok {
			return nil, fmt.Errorf("node: chain announced slots at %d but has no consensus hash there", a.Height)
		}
	}
	held := false
	if !known {
		var err error
		if held, err = probe(a.Hash); err != nil {
			return nil, fmt.Errorf("node: probe %s: %w", a.Hash, err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.table.Append(a); err != nil {
		return nil, fmt.Errorf("node: slot %d: %w", c.table.Len()+1, err)
	}
	if m.ok {
		c.marks = append(c.marks, m)
	}
	if !held {
		return nil, nil
	}
	c.table.SetPresent(a.Hash, true)
	return &Event{Hash: a.Hash, Height: a.Height, Reannounced: true}, nil
}
