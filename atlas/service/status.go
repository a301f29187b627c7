package service

import (
	"maps"
	"sync"
	"sync/atomic"

	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/v1rpc"
)

// Peer states, as PeersByState and Status name them.
const (
	// StateHealthy: answered in the health window, health at least
	// peers.MinHealth; such peers are handed out in peer exchange.
	StateHealthy = "healthy"
	// StateUnhealthy: asked in the window, health below peers.MinHealth.
	StateUnhealthy = "unhealthy"
	// StateUntested: not asked anything in the window yet.
	StateUntested = "untested"
)

// counters are the service's own event counts.
type counters struct {
	fetched, pushed, pushDropped atomic.Uint64
	admitted                     atomic.Uint64
	droppedLiars, droppedForks   atomic.Uint64

	mu      sync.Mutex
	refused map[string]uint64
}

func (c *counters) refuse(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refused[reason]++
}

// PeerStatus is one neighbour.
type PeerStatus struct {
	HostPort string `json:"host_port"`
	Seed     bool   `json:"seed"`
	// State is StateHealthy, StateUnhealthy or StateUntested.
	State string `json:"state"`
	// Health is successes over requests in the health window.
	Health   float64 `json:"health"`
	Requests int     `json:"requests"`
	// InventoryBits is the length of its cached inventory, -1 before the
	// first read; Holds is how many of those bits are set.
	InventoryBits int `json:"inventory_bits"`
	Holds         int `json:"holds"`
	// Strikes counts its lying batches.
	Strikes int `json:"strikes"`
}

// Status is a snapshot of the peer for the REST API and the logs.
type Status struct {
	// Self is our host:port as peers know it; Listen the bound address.
	Self   string `json:"self"`
	Listen string `json:"listen"`
	// SyncedBlock is the chain height the inventory reflects.
	SyncedBlock int64 `json:"synced_block"`
	// Slots announced on chain, and how many of them hold a zonefile.
	Slots   int `json:"slots"`
	Present int `json:"present"`
	// Peers are the neighbours, by address; Candidates wait for a probe.
	Peers      []PeerStatus `json:"peers"`
	Candidates int          `json:"candidates"`
	// BytesServed counts the reply bytes of the XML-RPC server, and
	// ZonefilesServed the zonefiles it handed out.
	BytesServed     uint64 `json:"bytes_served"`
	ZonefilesServed uint64 `json:"zonefiles_served"`
	// RateLimited counts calls refused because their address had used its
	// rate limit, ConnsRefused connections refused because their address
	// held its share already, and Overloaded requests and connections
	// refused because the whole server was full.
	RateLimited  uint64 `json:"rate_limited"`
	ConnsRefused uint64 `json:"conns_refused"`
	Overloaded   uint64 `json:"overloaded"`
	// Fetched counts zonefiles stored from pulls, Pushed those that
	// neighbours accepted from our pushes, PushDropped those not pushed
	// because the queue was full.
	Fetched     uint64 `json:"fetched"`
	Pushed      uint64 `json:"pushed"`
	PushDropped uint64 `json:"push_dropped"`
	// Admitted counts peers admitted; Refused counts refusals by reason
	// (the Refused* constants).
	Admitted uint64            `json:"admitted"`
	Refused  map[string]uint64 `json:"refused"`
	// DroppedLiars and DroppedForks count peers dropped for lying about
	// zonefiles and for being on another fork.
	DroppedLiars uint64 `json:"dropped_liars"`
	DroppedForks uint64 `json:"dropped_forks"`
}

// Status returns a snapshot. It copies every neighbour's cached inventory
// to count it, so it is for occasional reads; Prometheus collectors should
// use PeersByState, Inventory and BytesServed.
func (s *Service) Status() Status {
	st := Status{
		Self:            s.self,
		Listen:          s.ln.Addr().String(),
		SyncedBlock:     s.core.SyncedBlock(),
		Slots:           s.core.Len(),
		Present:         s.core.PresentCount(),
		Candidates:      s.table.PendingLen(),
		BytesServed:     s.BytesServed(),
		ZonefilesServed: s.rpc.Stats().ZonefilesServed.Load(),
		RateLimited:     s.rpc.Stats().RateLimited.Load(),
		ConnsRefused:    s.rpc.Stats().ConnsRefused.Load(),
		Overloaded:      s.rpc.Stats().Overloaded.Load(),
		Fetched:         s.stats.fetched.Load(),
		Pushed:          s.stats.pushed.Load(),
		PushDropped:     s.stats.pushDropped.Load(),
		Admitted:        s.stats.admitted.Load(),
		DroppedLiars:    s.stats.droppedLiars.Load(),
		DroppedForks:    s.stats.droppedForks.Load(),
	}
	s.stats.mu.Lock()
	st.Refused = maps.Clone(s.stats.refused)
	s.stats.mu.Unlock()
	for _, m := range s.table.Members() {
		ps := PeerStatus{HostPort: m.HostPort, Seed: m.Seed, State: stateOf(m), Health: m.Health,
			Requests: m.Requests, InventoryBits: -1, Strikes: s.repl.Strikes(m.HostPort)}
		if inv, ok := s.repl.Inventory(m.HostPort); ok {
			ps.InventoryBits, ps.Holds = inv.Len(), inv.Count()
		}
		st.Peers = append(st.Peers, ps)
	}
	return st
}

// stateOf classifies a member as the peer table does for peer exchange.
func stateOf(m peers.Member) string {
	switch {
	case m.Requests == 0:
		return StateUntested
	case m.Successes >= 1 && m.Health >= peers.MinHealth:
		return StateHealthy
	default:
		return StateUnhealthy
	}
}

// PeersByState counts the neighbours in each state; every state is
// present, zero or not, so a gauge per state never disappears.
func (s *Service) PeersByState() map[string]int {
	out := map[string]int{StateHealthy: 0, StateUnhealthy: 0, StateUntested: 0}
	for _, m := range s.table.Members() {
		out[stateOf(m)]++
	}
	return out
}

// Inventory returns how many inventory slots hold a zonefile, of how many
// the chain announced.
func (s *Service) Inventory() (present, total int) {
	return s.core.PresentCount(), s.core.Len()
}

// BytesServed sums the reply bytes of every XML-RPC method.
func (s *Service) BytesServed() uint64 {
	var n uint64
	s.rpc.Stats().Each(func(_ string, m *v1rpc.MethodStats) { n += m.Bytes.Load() })
	return n
}
