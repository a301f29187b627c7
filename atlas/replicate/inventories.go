package replicate

import (
	"context"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers"
)

// RefreshInventories fetches the inventory of every member whose cached
// copy is older than the refresh interval (or missing), at most Concurrency
// at a time, and forgets the state of peers no longer in the table. A
// failed fetch counts against the peer's health and still resets its timer,
// as in v1's health checker, so a dead peer is not hammered every second.
// It returns how many inventories were fetched.
func (r *Replicator) RefreshInventories(ctx context.Context) int {
	members := r.cfg.Peers.Members()
	now := r.cfg.Now()
	var due []string
	r.mu.Lock()
	keep := make(map[string]bool, len(members))
	for _, m := range members {
		keep[m.HostPort] = true
		s, ok := r.state[m.HostPort]
		if !ok || s.refreshed.IsZero() || now.Sub(s.refreshed) >= r.cfg.RefreshInterval {
			due = append(due, m.HostPort)
		}
	}
	for hp := range r.state {
		if !keep[hp] {
			delete(r.state, hp)
		}
	}
	r.mu.Unlock()

	var fetched int
	done := make(chan bool, len(due))
	forEach(ctx, r.cfg.Concurrency, due, func(hp string) {
		inv, err := r.fetchInventory(ctx, hp)
		r.cfg.Peers.Observe(hp, err == nil)
		r.mu.Lock()
		s := r.stateLocked(hp)
		s.refreshed = r.cfg.Now()
		if err == nil {
			s.inv = inventory.FromBytes(inv)
			for _, bits := range s.refused {
				clearBits(s.inv, bits)
			}
		}
		r.mu.Unlock()
		done <- err == nil
	})
	close(done)
	for ok := range done {
		if ok {
			fetched++
		}
	}
	return fetched
}

func (r *Replicator) stateLocked(hp string) *peerState {
	s, ok := r.state[hp]
	if !ok {
		s = &peerState{}
		r.state[hp] = s
	}
	return s
}

// fetchInventory reads a peer's whole inventory from byte 0, in chunks of
// the most one call may ask for, until a short chunk, our own length, or
// the chunk cap. (v1 asks for 524288 with a bit offset but the server reads
// bytes; one chunk covered every v1 inventory ever served.)
func (r *Replicator) fetchInventory(ctx context.Context, hp string) ([]byte, error) {
	src, err := r.cfg.Dial(hp)
	if err != nil {
		return nil, err
	}
	limit := maxInventoryChunks * peers.MaxInventoryLength
	if r.cfg.InventoryBits != nil {
		limit = min(limit, (r.cfg.InventoryBits()+7)/8)
	}
	// Ask for at least one byte even when we have no slots: the call still
	// tells whether the peer answers.
	limit = max(limit, 1)
	var inv []byte
	for len(inv) < limit {
		n := min(peers.MaxInventoryLength, limit-len(inv))
		chunk, err := src.GetZonefileInventory(ctx, len(inv), n)
		if err != nil {
			return nil, err
		}
		inv = append(inv, chunk...)
		if len(chunk) < n {
			break
		}
	}
	return inv, nil
}

func clearBits(v *inventory.Vector, bits []int) {
	for _, b := range bits {
		v.Clear(b)
	}
}
