package inventory

import (
	"iter"
	"slices"
	"sort"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// Slot returns the slot with 1-based inv_index index.
func (t *Table) Slot(index int) (Slot, bool) {
	if index < 1 || index > len(t.rows) {
		return Slot{}, false
	}
	return t.slot(index - 1), true
}

// ByTxID returns the slot announced by txid.
func (t *Table) ByTxID(txid chainhash.Hash) (Slot, bool) {
	i, ok := t.byTxID[txid]
	if !ok {
		return Slot{}, false
	}
	return t.slot(int(i)), true
}

// ByHash returns every slot announcing zonefile h, oldest first (v1's
// atlasdb_get_zonefiles_by_hash order).
func (t *Table) ByHash(h Hash) []Slot {
	he, ok := t.byHash[h]
	if !ok {
		return nil
	}
	var out []Slot
	for i := he.last; i >= 0; i = t.rows[i].prevHash {
		out = append(out, t.slot(int(i)))
	}
	slices.Reverse(out)
	return out
}

// ByName returns every slot of name, oldest first (v1's
// atlasdb_get_zonefiles_by_name order).
func (t *Table) ByName(name string) []Slot {
	last, ok := t.byName[name]
	if !ok {
		return nil
	}
	var out []Slot
	for i := last; i >= 0; i = t.rows[i].prevName {
		out = append(out, t.slot(int(i)))
	}
	slices.Reverse(out)
	return out
}

// ByBlock returns the slots with from <= Height <= to in inv_index order,
// skipping the first offset and returning at most count: the rows of v1's
// get_zonefiles_by_block (its count cap of 100 is the caller's to apply).
// Because slots are in height order the matches are one run, found by binary
// search.
func (t *Table) ByBlock(from, to int32, offset, count int) []Slot {
	if from > to || offset < 0 || count <= 0 {
		return nil
	}
	start := sort.Search(len(t.rows), func(i int) bool { return t.rows[i].Height >= from })
	if offset > len(t.rows)-start {
		return nil
	}
	var out []Slot
	for i := start + offset; i < len(t.rows) && t.rows[i].Height <= to && len(out) < count; i++ {
		out = append(out, t.slot(i))
	}
	return out
}

// Missing yields the slots whose zonefile is not held, in inv_index order.
// The table must not change while the sequence is being read.
func (t *Table) Missing() iter.Seq[Slot] {
	return func(yield func(Slot) bool) {
		for i := range t.inv.Missing() {
			if !yield(t.slot(i)) {
				return
			}
		}
	}
}

// MissingHashes yields each zonefile hash that is not held once, in the
// order of its first slot: what the crawler has to fetch. The table must not
// change while the sequence is being read.
func (t *Table) MissingHashes() iter.Seq[Hash] {
	return func(yield func(Hash) bool) {
		for i := range t.inv.Missing() {
			// Presence is per hash, so the first slot of a missing hash is
			// itself missing: yielding at first slots lists each hash once.
			if r := &t.rows[i]; r.prevHash < 0 && !yield(r.Hash) {
				return
			}
		}
	}
}
