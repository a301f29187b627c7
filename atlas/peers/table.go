package peers

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// Limits and intervals of v1's peer table (atlas.py).
const (
	// NumNeighbors is how many live neighbours a peer exchange returns
	// (NUM_NEIGHBORS).
	NumNeighbors = 80
	// MaxPending bounds the queue of candidates waiting for a getinfo probe
	// (atlas_max_new_peers: min(10·NUM_NEIGHBORS, PEER_MAX_DB)).
	MaxPending = 800
	// Slots is the number of table slots (PEER_MAX_DB); seeds come on top.
	Slots = 65536
	// MinHealth is the health below which a peer is not listed as a live
	// neighbour and may be pruned (MIN_PEER_HEALTH).
	MinHealth = 0.5
	// HealthWindow is how far back health looks (PEER_LIFETIME_INTERVAL).
	HealthWindow = time.Hour
	// MaxAge is how long a peer stays before it is re-checked
	// (PEER_MAX_AGE, 31 days).
	MaxAge = 31 * 24 * time.Hour
	// CleanInterval is how often old peers are re-checked
	// (PEER_CLEAN_INTERVAL).
	CleanInterval = time.Hour
	// DefaultRPCPort is v1's RPC_SERVER_PORT.
	DefaultRPCPort = 6264
	// DropDuration is how long a dropped peer is kept out of the queue.
	DropDuration = 24 * time.Hour
	// maxDropped bounds the dropped-peer list; past it the oldest entry
	// goes first.
	maxDropped = 4096
	// maxHistory caps the outcomes kept per peer. v1 keeps every outcome of
	// the last hour; the cap only matters for a peer contacted more than
	// this often in an hour, and then health reflects its latest requests.
	maxHistory = 64
)

// Errors of the table.
var (
	// ErrBadRemotePeer is atlas_peer_exchange's "Invalid remote peer
	// address": a local caller named a peer that does not parse.
	ErrBadRemotePeer = errors.New("peers: invalid remote peer address")
	// ErrConfig reports a Config missing something the table needs.
	ErrConfig = errors.New("peers: bad config")
)

// Prober asks a peer for its getinfo reply. *Dialer implements it.
type Prober interface {
	GetInfo(ctx context.Context, hostport string) (Info, error)
}

// Config sets up a Table.
type Config struct {
	// Self is this node's own host:port as peers see it; it is never added.
	Self string
	// RPCPort is the port at which a non-local exchange caller is recorded.
	// v1 assumed every node listens where it does. Zero means
	// DefaultRPCPort.
	RPCPort int
	// Seeds are always members: never pruned, never evicted (v1's
	// whitelisted peers).
	Seeds []string
	// Blacklist names peers that are never queued, admitted or listed.
	Blacklist []string
	// Testnet is this node's network flag; peers must report the same.
	Testnet bool
	// Height returns the last block this node processed, or -1 when it has
	// none (the fork-set check is then skipped).
	Height func() int64
	// KnownConsensus reports whether hash is a consensus hash of this
	// node's chain in the window a peer at or behind us could report.
	KnownConsensus func(hash string) bool
	// Prober probes candidates and old peers with getinfo.
	Prober Prober
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand drives shuffles and slot choice; nil means a ChaCha8 generator
	// seeded from crypto/rand. It is used under the table's lock only.
	Rand *rand.Rand
}

// outcome is one request to a peer and whether it answered usefully.
type outcome struct {
	at time.Time
	ok bool
}

type member struct {
	seed       bool
	slotted    bool
	slot       uint16
	discovered time.Time
	hist       []outcome
}

// Member is a snapshot of one peer.
type Member struct {
	// HostPort is the canonical address.
	HostPort string
	// Seed is set for configured seeds.
	Seed bool
	// Health is successes over requests in the last HealthWindow, 0 with no
	// requests.
	Health float64
	// Successes counts successful requests in the window (v1's "request
	// count", which counts only these).
	Successes int
	// Requests counts all requests in the window.
	Requests int
}

// Table is the Atlas peer table: members with their health, the queue of
// candidates, the blacklist, and the answers to peer exchange. It is safe
// for concurrent use; no lock is held across network calls.
type Table struct {
	cfg  Config
	self string

	mu         sync.Mutex
	rng        *rand.Rand
	members    map[string]*member
	slots      map[uint16]string
	black      map[string]bool
	pending    []string
	pendingSet map[string]struct{}
	dropped    map[string]time.Time
	lastClean  time.Time
}

// New returns a table holding the seeds.
func New(cfg Config) (*Table, error) {
	if cfg.Prober == nil || cfg.Height == nil || cfg.KnownConsensus == nil {
		return nil, fmt.Errorf("%w: Prober, Height and KnownConsensus are required", ErrConfig)
	}
	self, err := Canonical(cfg.Self)
	if err != nil {
		return nil, fmt.Errorf("%w: self: %w", ErrConfig, err)
	}
	if cfg.RPCPort == 0 {
		cfg.RPCPort = DefaultRPCPort
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t := &Table{
		cfg:        cfg,
		self:       self,
		rng:        cfg.Rand,
		members:    make(map[string]*member),
		slots:      make(map[uint16]string),
		black:      make(map[string]bool),
		pendingSet: make(map[string]struct{}),
		dropped:    make(map[string]time.Time),
	}
	if t.rng == nil {
		var seed [32]byte
		_, _ = crand.Read(seed[:])
		t.rng = rand.New(rand.NewChaCha8(seed))
	}
	for _, b := range cfg.Blacklist {
		hp, err := Canonical(b)
		if err != nil {
			return nil, fmt.Errorf("%w: blacklist: %w", ErrConfig, err)
		}
		t.black[hp] = true
	}
	now := cfg.Now()
	for _, s := range cfg.Seeds {
		hp, err := Canonical(s)
		if err != nil {
			return nil, fmt.Errorf("%w: seed: %w", ErrConfig, err)
		}
		if hp == self || t.black[hp] {
			continue
		}
		t.members[hp] = &member{seed: true, discovered: now}
	}
	return t, nil
}

// Self returns this node's canonical address.
func (t *Table) Self() string { return t.self }

// Len returns the number of members.
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.members)
}

// PendingLen returns the number of queued candidates.
func (t *Table) PendingLen() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending)
}

// Has reports whether hostport (canonical) is a member.
func (t *Table) Has(hostport string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.members[hostport]
	return ok
}

// Members returns a snapshot of every member, sorted by address.
func (t *Table) Members() []Member {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Now()
	out := make([]Member, 0, len(t.members))
	for hp, m := range t.members {
		out = append(out, m.snapshot(hp, now))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].HostPort < out[j].HostPort })
	return out
}

// Member returns the snapshot of one member.
func (t *Table) Member(hostport string) (Member, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.members[hostport]
	if !ok {
		return Member{}, false
	}
	return m.snapshot(hostport, t.cfg.Now()), true
}

func (m *member) snapshot(hp string, now time.Time) Member {
	s := Member{HostPort: hp, Seed: m.seed}
	cut := now.Add(-HealthWindow)
	for _, o := range m.hist {
		if o.at.Before(cut) {
			continue
		}
		s.Requests++
		if o.ok {
			s.Successes++
		}
	}
	if s.Requests > 0 {
		s.Health = float64(s.Successes) / float64(s.Requests)
	}
	return s
}

// Observe records the outcome of one request to a member; it is ignored for
// anyone else (v1 records health only for peers in its table). ok means the
// peer answered usefully.
func (t *Table) Observe(hostport string, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m, known := t.members[hostport]; known {
		m.observe(t.cfg.Now(), ok)
	}
}

func (m *member) observe(now time.Time, ok bool) {
	cut := now.Add(-HealthWindow)
	keep := m.hist[:0]
	for _, o := range m.hist {
		if !o.at.Before(cut) {
			keep = append(keep, o)
		}
	}
	if len(keep) >= maxHistory {
		keep = append(keep[:0], keep[len(keep)-maxHistory+1:]...)
	}
	m.hist = append(keep, outcome{at: now, ok: ok})
}

// Remove drops a member that is not a seed and reports whether it did.
func (t *Table) Remove(hostport string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.removeLocked(hostport)
}

// Drop removes a member that is not a seed, as Remove does, and keeps it
// out of the queue for DropDuration, so that a peer removed for lying is
// not re-admitted from the next neighbour list that names it. It reports
// whether the peer was removed.
func (t *Table) Drop(hostport string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.removeLocked(hostport) {
		return false
	}
	now := t.cfg.Now()
	if len(t.dropped) >= maxDropped {
		oldest, at := "", now
		for hp, when := range t.dropped {
			if !now.Before(when.Add(DropDuration)) {
				delete(t.dropped, hp)
			} else if oldest == "" || when.Before(at) {
				oldest, at = hp, when
			}
		}
		if len(t.dropped) >= maxDropped {
			delete(t.dropped, oldest)
		}
	}
	t.dropped[hostport] = now
	if _, queued := t.pendingSet[hostport]; queued {
		delete(t.pendingSet, hostport)
		for i, hp := range t.pending {
			if hp == hostport {
				t.pending = append(t.pending[:i], t.pending[i+1:]...)
				break
			}
		}
	}
	return true
}

func (t *Table) removeLocked(hp string) bool {
	m, ok := t.members[hp]
	if !ok || m.seed {
		return false
	}
	if m.slotted && t.slots[m.slot] == hp {
		delete(t.slots, m.slot)
	}
	delete(t.members, hp)
	return true
}

// RandomMember returns a member chosen uniformly, or false when there is
// none: where a reset walk starts.
func (t *Table) RandomMember() (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.members) == 0 {
		return "", false
	}
	keys := make([]string, 0, len(t.members))
	for hp := range t.members {
		keys = append(keys, hp)
	}
	// Sorted first so that a seeded generator gives a repeatable choice.
	sort.Strings(keys)
	return keys[t.rng.IntN(len(keys))], true
}

// slotOf is v1's table slot: SHA-256 of a random number written in decimal
// followed by the host, modulo Slots (the low 16 bits of the digest read as
// a big-endian integer). The random part keeps an attacker from choosing
// which honest peer its addresses collide with.
func slotOf(nonce uint32, host string) uint16 {
	d := sha256Sum(fmt.Sprintf("%d%s", nonce, host))
	return binary.BigEndian.Uint16(d[len(d)-2:])
}
