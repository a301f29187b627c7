package inventory

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// Errors returned by Table.Append.
var (
	// ErrOutOfOrder reports an announcement below the table's last height:
	// slots are numbered in chain order, so history cannot be inserted.
	ErrOutOfOrder = errors.New("inventory: announcement below the last height")
	// ErrTxIDConflict reports a txid already in the table with a different
	// name, hash or height.
	ErrTxIDConflict = errors.New("inventory: txid already announced differently")
	// ErrInvalid reports an announcement with an empty name or a negative
	// height.
	ErrInvalid = errors.New("inventory: invalid announcement")
	// ErrFull reports a table at MaxBits slots.
	ErrFull = errors.New("inventory: table full")
)

// Announcement is one chunk announcement (spec §3.2): a name operation that
// put a zonefile hash on chain.
type Announcement struct {
	Name   string
	Hash   Hash
	TxID   chainhash.Hash
	Height int32
}

// Slot is an announcement at its place in the inventory.
type Slot struct {
	// Index is v1's 1-based inv_index; the slot's bit is Index-1.
	Index int
	Announcement
	// Present is whether the zonefile was held when the slot was read.
	Present bool
}

// row is one slot; prevHash and prevName link each slot to the previous slot
// with the same hash or name (-1 at the first), so lookups and rollbacks
// walk short chains instead of scanning or keeping per-key slices.
type row struct {
	Announcement
	prevHash int32
	prevName int32
}

// hashEntry is the newest slot of a hash and whether the hash is held;
// presence belongs to the hash, so all its slots share one bit value.
type hashEntry struct {
	last    int32
	present bool
}

// Table is an in-memory model of v1's Atlas zonefiles table: the slots in
// chain order (block height, then position in block), the presence of each
// zonefile hash, and the inventory vector derived from both. Rows are
// numbered from 1 with no gaps, and a rollback removes the newest rows, so
// the vector is always exactly one bit per row.
//
// The zero Table is not usable; call NewTable. A Table is not safe for
// concurrent use: v1 guarded its vector with one lock, and so should the
// caller.
type Table struct {
	rows   []row
	byHash map[Hash]hashEntry
	byName map[string]int32
	byTxID map[chainhash.Hash]int32
	inv    Vector
}

// NewTable returns an empty table.
func NewTable() *Table {
	return &Table{
		byHash: make(map[Hash]hashEntry),
		byName: make(map[string]int32),
		byTxID: make(map[chainhash.Hash]int32),
	}
}

// Len returns the number of slots.
func (t *Table) Len() int { return len(t.rows) }

// ReportedCount returns what v1 reports as zonefile_count in getinfo:
// MAX(inv_index) + 1, one more than the number of slots, or 0 when empty
// (atlas.py atlasdb_zonefile_inv_length).
func (t *Table) ReportedCount() int {
	if len(t.rows) == 0 {
		return 0
	}
	return len(t.rows) + 1
}

// PresentCount returns how many slots hold a present zonefile.
func (t *Table) PresentCount() int { return t.inv.Count() }

// LastHeight returns the height of the newest slot, or false when empty.
func (t *Table) LastHeight() (int32, bool) {
	if len(t.rows) == 0 {
		return 0, false
	}
	return t.rows[len(t.rows)-1].Height, true
}

// Append adds a as the next slot. Its bit takes the hash's current presence.
// Announcing a txid again with the same name, hash and height is a no-op
// that returns the existing slot: v1 upserts by txid and re-queues the last
// block on every start, so replays must be idempotent.
func (t *Table) Append(a Announcement) (Slot, error) {
	if a.Name == "" || a.Height < 0 {
		return Slot{}, fmt.Errorf("%w: name %q, height %d", ErrInvalid, a.Name, a.Height)
	}
	if i, ok := t.byTxID[a.TxID]; ok {
		if t.rows[i].Announcement != a {
			return Slot{}, fmt.Errorf("%w: %s at slot %d", ErrTxIDConflict, a.TxID, i+1)
		}
		return t.slot(int(i)), nil
	}
	if last, ok := t.LastHeight(); ok && a.Height < last {
		return Slot{}, fmt.Errorf("%w: height %d after %d", ErrOutOfOrder, a.Height, last)
	}
	i := len(t.rows)
	if i >= MaxBits {
		return Slot{}, ErrFull
	}
	r := row{Announcement: a, prevHash: -1, prevName: -1}
	he, known := t.byHash[a.Hash]
	if known {
		r.prevHash = he.last
	}
	if prev, ok := t.byName[a.Name]; ok {
		r.prevName = prev
	}
	if err := t.inv.Resize(i + 1); err != nil {
		return Slot{}, err
	}
	if he.present {
		t.inv.Set(i)
	}
	t.rows = append(t.rows, r)
	t.byHash[a.Hash] = hashEntry{last: int32(i), present: he.present}
	t.byName[a.Name] = int32(i)
	t.byTxID[a.TxID] = int32(i)
	return t.slot(i), nil
}

// SetPresent marks whether zonefile h is held, flipping the bits of all its
// slots together as v1's atlasdb_set_zonefile_present does. It returns the
// previous state, and known=false (changing nothing) when no slot announces
// h: v1 stores only zonefiles whose hash is on chain.
func (t *Table) SetPresent(h Hash, present bool) (was, known bool) {
	he, ok := t.byHash[h]
	if !ok {
		return false, false
	}
	if he.present != present {
		for i := he.last; i >= 0; i = t.rows[i].prevHash {
			if present {
				t.inv.Set(int(i))
			} else {
				t.inv.Clear(int(i))
			}
		}
		t.byHash[h] = hashEntry{last: he.last, present: present}
	}
	return he.present, true
}

// Present reports whether zonefile h is held, and whether any slot
// announces it.
func (t *Table) Present(h Hash) (present, known bool) {
	he, ok := t.byHash[h]
	return he.present, ok
}

// TruncateAbove removes every slot above height, newest first, and returns
// how many went: the rollback for a reorg that disconnects those blocks.
// A hash left with no slots is forgotten, presence included; if it is
// announced again the caller checks its store and calls SetPresent, as v1
// checks the disk for every announcement it queues.
func (t *Table) TruncateAbove(height int32) int {
	n := len(t.rows)
	for n > 0 && t.rows[n-1].Height > height {
		n--
		r := t.rows[n]
		if r.prevHash < 0 {
			delete(t.byHash, r.Hash)
		} else {
			he := t.byHash[r.Hash]
			he.last = r.prevHash
			t.byHash[r.Hash] = he
		}
		if r.prevName < 0 {
			delete(t.byName, r.Name)
		} else {
			t.byName[r.Name] = r.prevName
		}
		delete(t.byTxID, r.TxID)
	}
	removed := len(t.rows) - n
	clear(t.rows[n:]) // drop name strings for the collector
	t.rows = t.rows[:n]
	_ = t.inv.Resize(n) // shrinking never fails
	return removed
}

// Inventory returns the bytes of the inventory vector that v1's
// get_zonefile_inventory(offset, length) serves (see Vector.Slice).
func (t *Table) Inventory(offset, length int) []byte { return t.inv.Slice(offset, length) }

// Vector returns a copy of the whole inventory vector.
func (t *Table) Vector() *Vector { return t.inv.Clone() }

func (t *Table) slot(i int) Slot {
	return Slot{Index: i + 1, Announcement: t.rows[i].Announcement, Present: t.inv.Test(i)}
}
