package inventory

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// ann builds an announcement whose hash and txid are filled with one byte.
func ann(name string, hash, tx byte, height int32) Announcement {
	var h Hash
	var id chainhash.Hash
	for i := range h {
		h[i] = hash
	}
	for i := range id {
		id[i] = tx
	}
	return Announcement{Name: name, Hash: h, TxID: id, Height: height}
}

func hashOf(b byte) Hash { return ann("x", b, 0, 0).Hash }

func appendAll(t *testing.T, tb *Table, as ...Announcement) {
	t.Helper()
	for _, a := range as {
		if _, err := tb.Append(a); err != nil {
			t.Fatalf("Append(%+v): %v", a, err)
		}
	}
}

func indexes(slots []Slot) []int {
	out := make([]int, len(slots))
	for i, s := range slots {
		out[i] = s.Index
	}
	return out
}

func TestTableAppend(t *testing.T) {
	base := []Announcement{ann("a.id", 1, 1, 100), ann("b.id", 2, 2, 100), ann("a.id", 1, 3, 101)}
	tests := []struct {
		name  string
		add   Announcement
		err   error
		index int
	}{
		{"next slot", ann("c.id", 3, 4, 101), nil, 4},
		{"same height is fine", ann("c.id", 3, 4, 101), nil, 4},
		{"later height", ann("c.id", 3, 4, 500), nil, 4},
		{"replayed txid is a no-op", ann("b.id", 2, 2, 100), nil, 2},
		{"txid with another hash", ann("b.id", 9, 2, 100), ErrTxIDConflict, 0},
		{"txid at another height", ann("b.id", 2, 2, 101), ErrTxIDConflict, 0},
		{"txid with another name", ann("z.id", 2, 2, 100), ErrTxIDConflict, 0},
		{"below last height", ann("c.id", 3, 4, 99), ErrOutOfOrder, 0},
		{"empty name", ann("", 3, 4, 101), ErrInvalid, 0},
		{"negative height", ann("c.id", 3, 4, -1), ErrInvalid, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := NewTable()
			appendAll(t, tb, base...)
			s, err := tb.Append(tc.add)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			wantLen := len(base)
			if err == nil && tc.index > len(base) {
				wantLen++
			}
			if tb.Len() != wantLen || tb.Vector().Len() != wantLen {
				t.Errorf("Len %d, vector %d bits, want %d", tb.Len(), tb.Vector().Len(), wantLen)
			}
			if err != nil {
				return
			}
			if s.Index != tc.index || s.Announcement != tc.add {
				t.Errorf("slot %+v, want index %d of %+v", s, tc.index, tc.add)
			}
		})
	}
}

// TestTableSetPresentFlipsAllSlots: marking a hash present sets the bit of
// every slot announcing it (atlasdb_set_zonefile_present), and later slots
// of a held hash start present.
func TestTableSetPresentFlipsAllSlots(t *testing.T) {
	tb := NewTable()
	// Hash 1 in slots 1 and 3; hash 2 in slot 2; hash 3 in slots 4..8.
	appendAll(t, tb, ann("a", 1, 1, 10), ann("b", 2, 2, 10), ann("a", 1, 3, 11),
		ann("c", 3, 4, 12), ann("c", 3, 5, 12), ann("c", 3, 6, 12), ann("c", 3, 7, 13), ann("c", 3, 8, 13))
	steps := []struct {
		name    string
		hash    byte
		present bool
		was     bool
		known   bool
		want    []byte
	}{
		{"hash 1 present", 1, true, false, true, []byte{0xa0}},
		{"again is idempotent", 1, true, true, true, []byte{0xa0}},
		{"unknown hash", 7, true, false, false, []byte{0xa0}},
		{"hash 3 present", 3, true, false, true, []byte{0xbf}},
		{"hash 1 absent again", 1, false, true, true, []byte{0x1f}},
		{"hash 2 present", 2, true, false, true, []byte{0x5f}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			was, known := tb.SetPresent(hashOf(st.hash), st.present)
			if was != st.was || known != st.known {
				t.Errorf("SetPresent = %v, %v; want %v, %v", was, known, st.was, st.known)
			}
			if got := tb.Inventory(0, 100); !bytes.Equal(got, st.want) {
				t.Errorf("inventory %x, want %x", got, st.want)
			}
		})
	}
	// A new slot of a held hash is born present; of an absent one, absent.
	s, _ := tb.Append(ann("c", 3, 9, 14))
	s2, _ := tb.Append(ann("a", 1, 10, 14))
	if !s.Present || s2.Present || !bytes.Equal(tb.Inventory(0, 2), []byte{0x5f, 0x80}) {
		t.Errorf("new slots: %v %v, inventory %x", s.Present, s2.Present, tb.Inventory(0, 2))
	}
	if p, k := tb.Present(hashOf(3)); !p || !k {
		t.Errorf("Present(3) = %v, %v", p, k)
	}
	if tb.PresentCount() != 7 || tb.ReportedCount() != 11 {
		t.Errorf("PresentCount %d ReportedCount %d", tb.PresentCount(), tb.ReportedCount())
	}
}

func TestTableLookups(t *testing.T) {
	tb := NewTable()
	appendAll(t, tb, ann("a", 1, 1, 10), ann("b", 2, 2, 10), ann("a", 3, 3, 11), ann("c", 1, 4, 11), ann("a", 1, 5, 13))
	t.Run("by hash", func(t *testing.T) {
		if got := indexes(tb.ByHash(hashOf(1))); !slices.Equal(got, []int{1, 4, 5}) {
			t.Errorf("ByHash(1) = %v", got)
		}
		if got := tb.ByHash(hashOf(9)); got != nil {
			t.Errorf("ByHash(unknown) = %v", got)
		}
	})
	t.Run("by name", func(t *testing.T) {
		if got := indexes(tb.ByName("a")); !slices.Equal(got, []int{1, 3, 5}) {
			t.Errorf("ByName(a) = %v", got)
		}
		if got := tb.ByName("zz"); got != nil {
			t.Errorf("ByName(unknown) = %v", got)
		}
	})
	t.Run("by txid", func(t *testing.T) {
		s, ok := tb.ByTxID(ann("", 0, 4, 0).TxID)
		if !ok || s.Index != 4 || s.Name != "c" {
			t.Errorf("ByTxID(4) = %+v, %v", s, ok)
		}
		if _, ok := tb.ByTxID(chainhash.Hash{}); ok {
			t.Error("ByTxID(zero) found")
		}
	})
	t.Run("by index", func(t *testing.T) {
		for _, i := range []int{0, 6, -1} {
			if _, ok := tb.Slot(i); ok {
				t.Errorf("Slot(%d) found", i)
			}
		}
		if s, ok := tb.Slot(5); !ok || s.Height != 13 {
			t.Errorf("Slot(5) = %+v", s)
		}
	})
	t.Run("last height", func(t *testing.T) {
		if h, ok := tb.LastHeight(); !ok || h != 13 {
			t.Errorf("LastHeight = %d, %v", h, ok)
		}
		if _, ok := NewTable().LastHeight(); ok {
			t.Error("empty table has a last height")
		}
	})
}

// TestTableByBlock pins get_zonefiles_by_block: rows with from <= height <=
// to, in inv_index order, LIMIT count OFFSET offset.
func TestTableByBlock(t *testing.T) {
	tb := NewTable()
	// Heights: slot 1..3 at 100, 4 at 102, 5..6 at 105, 7 at 110.
	appendAll(t, tb, ann("a", 1, 1, 100), ann("b", 2, 2, 100), ann("c", 3, 3, 100), ann("d", 4, 4, 102),
		ann("e", 5, 5, 105), ann("f", 6, 6, 105), ann("g", 7, 7, 110))
	tests := []struct {
		name          string
		from, to      int32
		offset, count int
		want          []int
	}{
		{"everything", 0, 1000, 0, 100, []int{1, 2, 3, 4, 5, 6, 7}},
		{"one block", 100, 100, 0, 100, []int{1, 2, 3}},
		{"range with gaps", 101, 105, 0, 100, []int{4, 5, 6}},
		{"empty block in range", 103, 104, 0, 100, nil},
		{"count", 100, 110, 0, 2, []int{1, 2}},
		{"offset", 100, 110, 2, 3, []int{3, 4, 5}},
		{"offset to end", 100, 110, 6, 3, []int{7}},
		{"offset past end", 100, 110, 7, 3, nil},
		{"huge offset", 100, 110, math.MaxInt, 3, nil},
		{"from above all", 111, 200, 0, 10, nil},
		{"to below all", 0, 99, 0, 10, nil},
		{"from > to", 105, 100, 0, 10, nil},
		{"zero count", 0, 1000, 0, 0, nil},
		{"negative offset", 0, 1000, -1, 10, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := indexes(tb.ByBlock(tc.from, tc.to, tc.offset, tc.count)); !slices.Equal(got, append([]int{}, tc.want...)) {
				t.Errorf("ByBlock = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTableTruncateAbove(t *testing.T) {
	build := func(t *testing.T) *Table {
		tb := NewTable()
		appendAll(t, tb, ann("a", 1, 1, 100), ann("b", 2, 2, 101), ann("a", 1, 3, 102),
			ann("c", 3, 4, 102), ann("b", 2, 5, 103), ann("d", 4, 6, 104))
		tb.SetPresent(hashOf(1), true)
		tb.SetPresent(hashOf(4), true)
		return tb
	}
	tests := []struct {
		name     string
		height   int32
		removed  int
		inv      []byte
		byHash1  []int
		byNameB  []int
		known3   bool
		lastTxOK bool
	}{
		{"above the tip removes nothing", 104, 0, []byte{0xa4}, []int{1, 3}, []int{2, 5}, true, true},
		{"one block", 103, 1, []byte{0xa0}, []int{1, 3}, []int{2, 5}, true, false},
		{"two blocks with a shared hash", 101, 4, []byte{0x80}, []int{1}, []int{2}, false, false},
		{"everything", 99, 6, nil, nil, nil, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := build(t)
			if got := tb.TruncateAbove(tc.height); got != tc.removed {
				t.Fatalf("removed %d, want %d", got, tc.removed)
			}
			if got := tb.Inventory(0, 100); !bytes.Equal(got, tc.inv) {
				t.Errorf("inventory %x, want %x", got, tc.inv)
			}
			if got := indexes(tb.ByHash(hashOf(1))); !slices.Equal(got, append([]int{}, tc.byHash1...)) {
				t.Errorf("ByHash(1) = %v, want %v", got, tc.byHash1)
			}
			if got := indexes(tb.ByName("b")); !slices.Equal(got, append([]int{}, tc.byNameB...)) {
				t.Errorf("ByName(b) = %v, want %v", got, tc.byNameB)
			}
			if _, known := tb.Present(hashOf(3)); known != tc.known3 {
				t.Errorf("hash 3 known = %v", known)
			}
			if _, ok := tb.ByTxID(ann("", 0, 6, 0).TxID); ok != tc.lastTxOK {
				t.Errorf("txid 6 found = %v", ok)
			}
			if tb.Vector().Len() != tb.Len() {
				t.Errorf("vector %d bits for %d slots", tb.Vector().Len(), tb.Len())
			}
		})
	}
	t.Run("reannounce after rollback", func(t *testing.T) {
		tb := build(t)
		tb.TruncateAbove(101)
		// The same txid may come back in another block, and a hash whose
		// slots all went is unknown (absent) until the caller marks it.
		s, err := tb.Append(ann("c", 3, 4, 105))
		if err != nil || s.Index != 3 || s.Present {
			t.Fatalf("slot %+v, %v", s, err)
		}
		s, err = tb.Append(ann("d", 4, 6, 105))
		if err != nil || s.Index != 4 || s.Present {
			t.Fatalf("slot %+v, %v", s, err)
		}
		if got := tb.Inventory(0, 10); !bytes.Equal(got, []byte{0x80}) {
			t.Errorf("inventory %x", got)
		}
	})
}

func TestTableMissing(t *testing.T) {
	tb := NewTable()
	appendAll(t, tb, ann("a", 1, 1, 1), ann("b", 2, 2, 1), ann("c", 1, 3, 2), ann("d", 3, 4, 2), ann("e", 2, 5, 3), ann("f", 4, 6, 3))
	tb.SetPresent(hashOf(3), true)
	if got := indexes(slices.Collect(tb.Missing())); !slices.Equal(got, []int{1, 2, 3, 5, 6}) {
		t.Errorf("Missing = %v", got)
	}
	if got := slices.Collect(tb.MissingHashes()); !slices.Equal(got, []Hash{hashOf(1), hashOf(2), hashOf(4)}) {
		t.Errorf("MissingHashes = %v", got)
	}
	tb.SetPresent(hashOf(1), true)
	if got := slices.Collect(tb.MissingHashes()); !slices.Equal(got, []Hash{hashOf(2), hashOf(4)}) {
		t.Errorf("MissingHashes after hash 1 = %v", got)
	}
	n := 0
	for range tb.Missing() {
		n++
		break
	}
	for range tb.MissingHashes() {
		n++
		break
	}
	if n != 2 {
		t.Error("early stop")
	}
}

func TestTableReportedCount(t *testing.T) {
	tb := NewTable()
	if tb.ReportedCount() != 0 {
		t.Errorf("empty: %d", tb.ReportedCount())
	}
	appendAll(t, tb, ann("a", 1, 1, 1))
	if tb.ReportedCount() != 2 {
		t.Errorf("one slot: %d, want 2 (MAX(inv_index)+1)", tb.ReportedCount())
	}
}
