package peers

import (
	"sort"
	"strings"
)

// Enqueue queues peers as candidates for admission and returns how many it
// queued. Entries that do not parse, this node, members, blacklisted,
// recently dropped and already queued peers are skipped, and nothing is queued while MaxPending
// candidates wait (v1's atlas_peer_enqueue), so no amount of gossip grows
// the queue past that bound.
func (t *Table) Enqueue(peers ...string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, p := range peers {
		if len(t.pending) >= MaxPending {
			break
		}
		hp, err := Canonical(p)
		if err != nil || t.skipLocked(hp) {
			continue
		}
		if _, queued := t.pendingSet[hp]; queued {
			continue
		}
		t.pending = append(t.pending, hp)
		t.pendingSet[hp] = struct{}{}
		n++
	}
	return n
}

// skipLocked reports whether hp is not a candidate at all.
func (t *Table) skipLocked(hp string) bool {
	_, member := t.members[hp]
	if member || hp == t.self || t.black[hp] {
		return true
	}
	if when, ok := t.dropped[hp]; ok {
		if t.cfg.Now().Before(when.Add(DropDuration)) {
			return true
		}
		delete(t.dropped, hp)
	}
	return false
}

// LiveNeighbors returns up to max members other than exclude that answered
// at least one request in the health window and have health of at least
// MinHealth, in random order (atlas_get_live_neighbors). max < 0 means no
// limit.
func (t *Table) LiveNeighbors(exclude string, max int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Now()
	var live []string
	for hp, m := range t.members {
		if hp == exclude {
			continue
		}
		if s := m.snapshot(hp, now); s.Successes >= 1 && s.Health >= MinHealth {
			live = append(live, hp)
		}
	}
	// Map order is not uniform; a seeded shuffle is.
	sort.Strings(live)
	t.rng.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	if max >= 0 && len(live) > max {
		live = live[:max]
	}
	return live
}

// AtlasPeerExchange serves atlas_peer_exchange(remotePeer) for a caller
// whose socket address is callerIP. As in v1, only a local caller may name
// the peer to record; anyone else is recorded as callerIP at the RPC port,
// so a remote node cannot push arbitrary addresses into the queue. The
// recorded peer is queued for admission (never admitted unprobed) and the
// reply is up to NumNeighbors live neighbours other than it.
func (t *Table) AtlasPeerExchange(callerIP, remotePeer string) ([]string, error) {
	var hp string
	if isLoopback(callerIP) {
		c, err := Canonical(remotePeer)
		if err != nil {
			return nil, ErrBadRemotePeer
		}
		hp = c
	} else {
		hp = t.callerHostPort(callerIP)
	}
	if hp != "" {
		t.Enqueue(hp)
	}
	return t.LiveNeighbors(hp, NumNeighbors), nil
}

// GetAtlasPeers serves get_atlas_peers for a caller at callerIP: the caller
// is queued at the RPC port and up to NumNeighbors live neighbours are
// returned.
func (t *Table) GetAtlasPeers(callerIP string) []string {
	hp := t.callerHostPort(callerIP)
	if hp != "" {
		t.Enqueue(hp)
	}
	return t.LiveNeighbors(hp, NumNeighbors)
}

// callerHostPort is the address a caller is recorded under, or "" when its
// host cannot be written as a v1 peer string (a non-loopback IPv6 address):
// such a caller still gets an answer but is not queued.
func (t *Table) callerHostPort(callerIP string) string {
	hp, err := JoinHostPort(strings.TrimSpace(callerIP), t.cfg.RPCPort)
	if err != nil {
		return ""
	}
	return hp
}
