package replicate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers"
)

// Defaults (atlas.py where v1 had a value).
const (
	// DefaultRefreshInterval is how old a peer's cached inventory may get
	// before it is fetched again (PEER_PING_INTERVAL).
	DefaultRefreshInterval = 600 * time.Second
	// DefaultConcurrency is how many peers are talked to at once.
	DefaultConcurrency = 4
	// DefaultMaxStrikes is how many lying batches remove a peer.
	DefaultMaxStrikes = 3
	// DefaultIdle is Run's pause after a round that fetched nothing
	// (PEER_CRAWL_ZONEFILE_WORK_INTERVAL).
	DefaultIdle = 300 * time.Second
	// MaxQueuedPush bounds the zonefiles waiting to be pushed
	// (MAX_QUEUED_ZONEFILES).
	MaxQueuedPush = 1000
	// maxInventoryChunks caps one inventory refresh at 16 reads of
	// peers.MaxInventoryLength bytes (67 million slots), whatever a peer
	// or our own length says.
	maxInventoryChunks = 16
	// maxRounds caps the plan-and-fetch rounds of one Fetch: each round
	// retries what the last one failed to get from the next peer in line.
	maxRounds = 8
)

// Source is one peer's RPCs. *peers.Client implements it.
type Source interface {
	GetZonefileInventory(ctx context.Context, offset, length int) ([]byte, error)
	GetZonefiles(ctx context.Context, hashes []inventory.Hash) (map[inventory.Hash][]byte, error)
	PutZonefiles(ctx context.Context, zonefiles [][]byte) ([]bool, error)
}

var _ Source = (*peers.Client)(nil)

// PeerSet is the peer table as replication uses it. *peers.Table
// implements it.
type PeerSet interface {
	// Members lists the peers to replicate with.
	Members() []peers.Member
	// Observe records whether a request to a peer succeeded.
	Observe(hostport string, ok bool)
	// Drop removes a peer for misbehaving (seeds excepted), keeps it from
	// coming straight back, and reports whether it did.
	Drop(hostport string) bool
}

var _ PeerSet = (*peers.Table)(nil)

// DialPeers adapts a peers.Dialer to Config.Dial.
func DialPeers(d *peers.Dialer) func(string) (Source, error) {
	return func(hp string) (Source, error) { return d.Dial(hp) }
}

// ErrConfig reports a Config missing something the replicator needs.
var ErrConfig = errors.New("replicate: bad config")

// Config sets up a Replicator.
type Config struct {
	// Peers is the peer table.
	Peers PeerSet
	// Dial returns the RPCs of a peer.
	Dial func(hostport string) (Source, error)
	// Store receives every zonefile fetched, after its hash was checked.
	// Calls are serialised. An error is this node's failure, not the
	// peer's: the zonefile stays wanted.
	Store func(hash inventory.Hash, data []byte) error
	// Wants lists what this node lacks; only Run needs it.
	Wants func() []Want
	// InventoryBits is the length of our own inventory in bits; a peer's
	// inventory is not read beyond it. Nil reads until the peer's ends.
	InventoryBits func() int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RefreshInterval, Concurrency, MaxStrikes and Idle default to the
	// Default* constants when zero.
	RefreshInterval time.Duration
	Concurrency     int
	MaxStrikes      int
	Idle            time.Duration
}

// peerState is what the replicator knows about one peer's zonefiles.
type peerState struct {
	inv       *inventory.Vector
	refreshed time.Time
	strikes   int
	// refused are the wants this peer advertised and did not deliver
	// intact. Their bits are cleared again after every refresh, so an
	// honest peer with one unreadable file is struck once for it, not once
	// per refresh. Strikes bound the set: a peer is dropped long before it
	// grows past a few batches.
	refused map[inventory.Hash][]int
}

// Replicator keeps neighbours' inventories, fetches what this node lacks
// rarest first from the healthiest peers that advertise it, verifies every
// zonefile before storing it, penalises peers that lie, and pushes new
// zonefiles to peers that lack them. It is safe for concurrent use.
type Replicator struct {
	cfg Config

	mu    sync.Mutex
	state map[string]*peerState

	storeMu sync.Mutex
	pushQ   chan Zonefile
}

// New returns a replicator.
func New(cfg Config) (*Replicator, error) {
	if cfg.Peers == nil || cfg.Dial == nil || cfg.Store == nil {
		return nil, fmt.Errorf("%w: Peers, Dial and Store are required", ErrConfig)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = DefaultRefreshInterval
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.MaxStrikes <= 0 {
		cfg.MaxStrikes = DefaultMaxStrikes
	}
	if cfg.Idle <= 0 {
		cfg.Idle = DefaultIdle
	}
	return &Replicator{cfg: cfg, state: make(map[string]*peerState), pushQ: make(chan Zonefile, MaxQueuedPush)}, nil
}

// Inventory returns a copy of the cached inventory of a peer, or false if
// none was fetched.
func (r *Replicator) Inventory(hostport string) (*inventory.Vector, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.state[hostport]
	if !ok || s.inv == nil {
		return nil, false
	}
	return s.inv.Clone(), true
}

// Strikes returns how many lying batches a peer has to its name.
func (r *Replicator) Strikes(hostport string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.state[hostport]; ok {
		return s.strikes
	}
	return 0
}

// forEach runs f for every item with at most n running at once, and waits.
func forEach[T any](ctx context.Context, n int, items []T, f func(T)) {
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(it)
		}()
	}
	wg.Wait()
}
