package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// model is the v1 zonefiles table at its most literal: a list of rows and a
// set of held hashes, every query a linear scan, as the SQL would run it.
type model struct {
	rows    []Announcement
	present map[Hash]bool
	gone    []Announcement // rolled back; may be mined again
}

func (m *model) append(a Announcement) error {
	for _, r := range m.rows {
		if r.TxID == a.TxID {
			if r != a {
				return ErrTxIDConflict
			}
			return nil
		}
	}
	if n := len(m.rows); n > 0 && a.Height < m.rows[n-1].Height {
		return ErrOutOfOrder
	}
	m.rows = append(m.rows, a)
	return nil
}

func (m *model) known(h Hash) bool {
	return slices.ContainsFunc(m.rows, func(r Announcement) bool { return r.Hash == h })
}

func (m *model) truncate(height int32) {
	for len(m.rows) > 0 && m.rows[len(m.rows)-1].Height > height {
		m.gone = append(m.gone, m.rows[len(m.rows)-1])
		m.rows = m.rows[:len(m.rows)-1]
	}
	for h := range m.present {
		if !m.known(h) {
			delete(m.present, h)
		}
	}
}

func (m *model) vector() []byte {
	if len(m.rows) == 0 {
		return nil
	}
	out := make([]byte, (len(m.rows)+7)/8)
	for i, r := range m.rows {
		if m.present[r.Hash] {
			out[i/8] |= 1 << (7 - i%8)
		}
	}
	return out
}

func (m *model) slots(keep func(Announcement) bool) []Slot {
	var out []Slot
	for i, r := range m.rows {
		if keep(r) {
			out = append(out, Slot{Index: i + 1, Announcement: r, Present: m.present[r.Hash]})
		}
	}
	return out
}

// TestTableAgainstModel drives a Table and the model with the same random
// appends, replays, presence flips and rollbacks, and compares every query
// after every step.
func TestTableAgainstModel(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0x5eed))
			tb, m := NewTable(), &model{present: map[Hash]bool{}}
			nextTx, height := byte(1), int32(1000)
			for step := range 400 {
				switch op := rng.IntN(10); {
				case op < 5: // a new announcement, sometimes out of order
					h := height + int32(rng.IntN(3)) - int32(rng.IntN(2))
					a := ann(fmt.Sprintf("n%d.id", rng.IntN(6)), byte(rng.IntN(8)), nextTx, h)
					nextTx++
					e1 := m.append(a)
					_, e2 := tb.Append(a)
					if !errors.Is(e2, e1) || (e1 == nil) != (e2 == nil) {
						t.Fatalf("step %d append: model %v, table %v", step, e1, e2)
					}
					if e1 == nil {
						height = h
					}
				case op < 6 && len(m.rows)+len(m.gone) > 0:
					// A replay or conflicting reuse of a live txid, or a
					// rolled-back transaction mined again in a later block.
					var a Announcement
					if i := rng.IntN(len(m.rows) + len(m.gone)); i < len(m.rows) {
						a = m.rows[i]
						if rng.IntN(2) == 0 {
							a.Hash[0] ^= 1
						}
					} else {
						a = m.gone[i-len(m.rows)]
						a.Height = height + int32(rng.IntN(2))
					}
					e1 := m.append(a)
					_, e2 := tb.Append(a)
					if !errors.Is(e2, e1) || (e1 == nil) != (e2 == nil) {
						t.Fatalf("step %d replay: model %v, table %v", step, e1, e2)
					}
				case op < 9:
					h, p := hashOf(byte(rng.IntN(8))), rng.IntN(3) > 0
					was, known := tb.SetPresent(h, p)
					if known != m.known(h) || was != m.present[h] {
						t.Fatalf("step %d SetPresent: %v %v, model %v %v", step, was, known, m.present[h], m.known(h))
					}
					if known {
						m.present[h] = p
					}
				default:
					cut := height - int32(rng.IntN(4))
					before := len(m.rows)
					m.truncate(cut)
					if got := tb.TruncateAbove(cut); got != before-len(m.rows) {
						t.Fatalf("step %d truncate: removed %d, model %d", step, got, before-len(m.rows))
					}
					if h, ok := tb.LastHeight(); ok {
						height = h
					}
				}
				compare(t, step, tb, m, rng)
			}
		})
	}
}

func compare(t *testing.T, step int, tb *Table, m *model, rng *rand.Rand) {
	t.Helper()
	fail := func(what string, got, want any) {
		t.Helper()
		t.Fatalf("step %d %s:\n got %v\nwant %v", step, what, got, want)
	}
	if tb.Len() != len(m.rows) {
		fail("Len", tb.Len(), len(m.rows))
	}
	want := m.vector()
	if got := tb.Inventory(0, 1<<20); !bytes.Equal(got, want) {
		fail("inventory", got, want)
	}
	if off, n := rng.IntN(len(want)+2), rng.IntN(4); !bytes.Equal(tb.Inventory(off, n), FromBytes(want).Slice(off, n)) {
		fail("inventory slice", tb.Inventory(off, n), want)
	}
	if got, want := tb.PresentCount(), len(m.slots(func(r Announcement) bool { return m.present[r.Hash] })); got != want {
		fail("PresentCount", got, want)
	}
	// Every hash and name in play, plus some that never were.
	hashes := []Hash{hashOf(0xee)}
	names := []string{"never.id"}
	seenH, seenN := map[Hash]bool{}, map[string]bool{}
	for _, r := range append(slices.Clone(m.rows), m.gone...) {
		if !seenH[r.Hash] {
			seenH[r.Hash] = true
			hashes = append(hashes, r.Hash)
		}
		if !seenN[r.Name] {
			seenN[r.Name] = true
			names = append(names, r.Name)
		}
	}
	for _, h := range hashes {
		if got, want := tb.ByHash(h), m.slots(func(r Announcement) bool { return r.Hash == h }); !slices.Equal(got, want) {
			fail(fmt.Sprint("ByHash ", h), got, want)
		}
		if p, k := tb.Present(h); k != m.known(h) || p != m.present[h] {
			fail(fmt.Sprint("Present ", h), []bool{p, k}, []bool{m.present[h], m.known(h)})
		}
	}
	for _, name := range names {
		if got, want := tb.ByName(name), m.slots(func(r Announcement) bool { return r.Name == name }); !slices.Equal(got, want) {
			fail("ByName "+name, got, want)
		}
	}
	for _, r := range m.gone {
		if s, ok := tb.ByTxID(r.TxID); ok && !slices.Contains(m.rows, s.Announcement) {
			fail("ByTxID of a rolled-back tx", s, "not found")
		}
	}
	for i, r := range m.rows {
		s, ok := tb.ByTxID(r.TxID)
		if !ok || s.Index != i+1 {
			fail("ByTxID", s, i+1)
		}
		if s2, ok := tb.Slot(i + 1); !ok || s2 != s {
			fail("Slot", s2, s)
		}
	}
	var from int32
	if len(m.rows) > 0 {
		lo, hi := m.rows[0].Height, m.rows[len(m.rows)-1].Height
		from = lo - 2 + int32(rng.IntN(int(hi-lo)+5))
	}
	to := from + int32(rng.IntN(10)) - 2
	off, cnt := rng.IntN(5), rng.IntN(8)
	match := m.slots(func(r Announcement) bool { return r.Height >= from && r.Height <= to })
	var wantBlock []Slot
	if off < len(match) && cnt > 0 {
		wantBlock = match[off:min(len(match), off+cnt)]
	}
	if got := tb.ByBlock(from, to, off, cnt); !slices.Equal(got, wantBlock) {
		fail(fmt.Sprintf("ByBlock(%d, %d, %d, %d)", from, to, off, cnt), got, wantBlock)
	}
	missing := m.slots(func(r Announcement) bool { return !m.present[r.Hash] })
	if got := slices.Collect(tb.Missing()); !slices.Equal(got, missing) {
		fail("Missing", got, missing)
	}
	var missingHashes []Hash
	for _, s := range missing {
		if !slices.Contains(missingHashes, s.Hash) {
			missingHashes = append(missingHashes, s.Hash)
		}
	}
	if got := slices.Collect(tb.MissingHashes()); !slices.Equal(got, missingHashes) {
		fail("MissingHashes", got, missingHashes)
	}
}
