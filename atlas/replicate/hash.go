package replicate

import "github.com/atlasd/atlasd/atlas/inventory"

// Want is a zonefile this node lacks, with the inventory bits (0-based:
// slot index − 1) of every slot that announced it. A peer advertises the
// zonefile when any of those bits is set in its inventory.
type Want struct {
	Hash inventory.Hash
	Bits []int
}

// WantsOf lists what t lacks: each missing hash once, in slot order, with
// all its bits. The caller must hold whatever lock guards t.
func WantsOf(t *inventory.Table) []Want {
	var out []Want
	for h := range t.MissingHashes() {
		slots := t.ByHash(h)
		bits := make([]int, len(slots))
		for i, s := range slots {
			bits[i] = s.Index - 1
		}
		out = append(out, Want{Hash: h, Bits: bits})
	}
	return out
}

// anySet reports whether v has any of bits set.
func anySet(v *inventory.Vector, bits []int) bool {
	for _, b := range bits {
		if v.Test(b) {
			return true
		}
	}
	return false
}
