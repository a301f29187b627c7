package replicate

import (
	"bytes"
	"sort"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers"
)

// PeerView is one peer as the planner sees it.
type PeerView struct {
	HostPort string
	Health   float64
	// Inv is the peer's cached inventory; the planner only reads it.
	Inv *inventory.Vector
}

// Batch is one get_zonefiles call: up to peers.MaxGetZonefiles hashes from
// one peer.
type Batch struct {
	Peer   string
	Hashes []inventory.Hash
	// Bits are the wants' bits, by hash, for clearing what the peer fails
	// to deliver.
	Bits map[inventory.Hash][]int
}

// Plan orders wants rarest first (fewest peers advertising, ties by hash)
// and assigns each to the healthiest peer that advertises it, spreading
// ties across equally healthy peers by load; wants no peer advertises are
// left out. Each peer's wants are cut into batches of at most
// peers.MaxGetZonefiles in that order, a batch never mixing wants of
// different popularity, and batches are returned in the order of their
// first want. Run in that order, no zonefile is asked for before a rarer
// one, across all peers.
//
// v1 sorted the same way and then lost the order in a Python set() (spec
// §4.5); rarest first is what its design meant and what keeps rare
// zonefiles from dying out when peers come and go.
func Plan(wants []Want, views []PeerView) []Batch {
	// Popularity first, holding no per-want holder lists: at v1's scale
	// (300,000 wants, 80 peers) those would be most of the planner's
	// memory. The best holder is found again at assignment time.
	type ranked struct {
		w   Want
		pop int
	}
	rs := make([]ranked, 0, len(wants))
	for _, w := range wants {
		pop := 0
		for _, v := range views {
			if v.Inv != nil && anySet(v.Inv, w.Bits) {
				pop++
			}
		}
		if pop > 0 {
			rs = append(rs, ranked{w, pop})
		}
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].pop != rs[j].pop {
			return rs[i].pop < rs[j].pop
		}
		return bytes.Compare(rs[i].w.Hash[:], rs[j].w.Hash[:]) < 0
	})

	load := make([]int, len(views))
	open := make([]int, len(views)) // index in out of the peer's open batch, -1 for none
	for i := range open {
		open[i] = -1
	}
	var out []Batch
	var tier []int // popularity of each batch's wants
	seen := make(map[inventory.Hash]bool, len(rs))
	for _, r := range rs {
		if seen[r.w.Hash] {
			continue
		}
		seen[r.w.Hash] = true
		best := -1
		for i, v := range views {
			if v.Inv == nil || !anySet(v.Inv, r.w.Bits) {
				continue
			}
			if best < 0 || better(v, load[i], views[best], load[best]) {
				best = i
			}
		}
		load[best]++
		if o := open[best]; o < 0 || len(out[o].Hashes) == peers.MaxGetZonefiles || tier[o] != r.pop {
			open[best] = len(out)
			out = append(out, Batch{Peer: views[best].HostPort, Bits: make(map[inventory.Hash][]int)})
			tier = append(tier, r.pop)
		}
		b := &out[open[best]]
		b.Hashes = append(b.Hashes, r.w.Hash)
		b.Bits[r.w.Hash] = r.w.Bits
	}
	return out
}

// better ranks peers for a want: higher health, then less work already
// assigned this round, then address for a stable plan.
func better(a PeerView, aLoad int, b PeerView, bLoad int) bool {
	if a.Health != b.Health {
		return a.Health > b.Health
	}
	if aLoad != bLoad {
		return aLoad < bLoad
	}
	return a.HostPort < b.HostPort
}
