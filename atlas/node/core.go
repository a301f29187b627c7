package node

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/zonestore"
)

// Event reports a zonefile that became present.
type Event struct {
	// Hash is the zonefile's hash.
	Hash inventory.Hash
	// Height is the lowest block height announcing the hash, which is
	// what v1 handed its storage listeners.
	Height int32
	// Reannounced is true when the zonefile was already stored and its hash
	// was announced again by a new block (or again after a rollback), false
	// when Put has just stored it.
	Reannounced bool
}

// Options tune a Core. The zero value is usable.
type Options struct {
	// Logger receives sync summaries (debug) and corruption reports
	// (warn). The zero Logger discards them.
	Logger zerolog.Logger
	// Notify, if set, is called for every Event, after the write that
	// caused it is durable, in commit order, on the goroutine of the Put or
	// Sync call. It must return quickly (queue the work) and must not call
	// Put or Sync. Open does not notify: nothing newly arrives there.
	Notify func(Event)
	// Now returns the current time; nil means time.Now. LastSync uses it.
	Now func() time.Time
}

// mark is the chain's consensus hash at one height as Core saw it; ok is
// false when the chain had no hash there (nothing processed yet).
type mark struct {
	height int64
	ch     [16]byte
	ok     bool
}

// Core is the node's inventory and zonefile store, kept in step with the
// chain. Create it with Open.
type Core struct {
	chain Chain
	store *zonestore.DB
	opts  Options

	// wmu serialises the writers (Sync, Put, Open's build) so that events
	// go out in commit order and a Put never races a rollback.
	wmu sync.Mutex

	// mu guards the fields below; readers take it shared.
	mu       sync.RWMutex
	table    *inventory.Table
	marks    []mark // one per distinct slot height, ascending
	tip      mark   // the chain tip as of the last successful sync
	lastSync time.Time

	// stored counts Puts that wrote zonefiles; bumped under mu after their
	// SetPresent, read by Get without it (see markCorrupt).
	stored atomic.Uint64
}

// ErrUnstable reports a chain that rolled back every time Sync read it.
var ErrUnstable = errors.New("node: chain kept rolling back while being read")

// syncAttempts bounds how often one Sync retries after the chain rolled back
// under it; a rollback per read is a chain in trouble, not a race to win.
const syncAttempts = 3

// Open builds a Core over chain and store: it reads every announcement and
// marks present each hash whose zonefile the store holds and verifies.
func Open(ctx context.Context, chain Chain, store *zonestore.DB, opts Options) (*Core, error) {
	if chain == nil || store == nil {
		return nil, errors.New("node: Open needs a chain and a store")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Core{chain: chain, store: store, opts: opts, table: inventory.NewTable(), tip: mark{height: math.MinInt64}}
	held := make(map[inventory.Hash]bool)
	if err := store.Scan(func(h inventory.Hash) error {
		held[h] = true
		return nil
	}); err != nil {
		return nil, fmt.Errorf("node: open: %w", err)
	}
	probe := func(h inventory.Hash) (bool, error) { return held[h], nil }
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, _, err := c.sync(ctx, probe); err != nil {
		return nil, fmt.Errorf("node: open: %w", err)
	}
	c.opts.Logger.Debug().Int("slots", c.table.Len()).Int("present", c.table.PresentCount()).
		Int("held", len(held)).Msg("inventory rebuilt")
	return c, nil
}

// Chain returns the chain Core follows.
func (c *Core) Chain() Chain { return c.chain }

// Store returns the zonefile store.
func (c *Core) Store() *zonestore.DB { return c.store }

// LastSync returns when the last Sync (or Open) completed.
func (c *Core) LastSync() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.lastSync
}

// SyncedBlock returns the chain height the inventory was last synced to.
func (c *Core) SyncedBlock() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tip.height
}

// Get returns the zonefile with hash h from the store. ErrNotFound means it
// is not held; ErrCorrupt means the stored copy failed verification, in which
// case the hash is also marked absent so that it is fetched again.
func (c *Core) Get(h inventory.Hash) ([]byte, error) {
	gen := c.stored.Load()
	data, err := c.store.Get(h)
	if errors.Is(err, zonestore.ErrCorrupt) {
		c.markCorrupt(h, gen)
	}
	return data, err
}

// markCorrupt marks h absent after a read, begun when Put had completed gen
// writes, found its copy corrupt. If a Put completed since, it may have
// written the right bytes and marked h present after our read, so the
// verdict is stale and dropped; a Put still in flight marks h present after
// us, which is right as well.
func (c *Core) markCorrupt(h inventory.Hash, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stored.Load() != gen {
		return
	}
	if was, known := c.table.SetPresent(h, false); was && known {
		c.opts.Logger.Warn().Stringer("hash", h).Msg("stored zonefile failed verification; marked absent")
	}
}
