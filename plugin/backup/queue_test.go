package backup

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble"
)

func openTestQueue(t *testing.T, dir string) *queue {
	t.Helper()
	q, err := openQueue(dir, discard())
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestQueueEnqueue: items are per (driver, hash), enqueueing is idempotent
// (also within one call), and counts survive a reopen.
func TestQueueEnqueue(t *testing.T) {
	dir := t.TempDir()
	q := openTestQueue(t, dir)
	hs := hashes(zonefiles(t, "subdomain_zonefiles.txt"))
	tests := []struct {
		name   string
		names  []string
		hashes []Hash
		skip   func(string, Hash) bool
		added  map[string]int64
	}{
		{"first ten", []string{"a", "b"}, hs[:10], nil, map[string]int64{"a": 10, "b": 10}},
		{"same again", []string{"a", "b"}, hs[:10], nil, map[string]int64{}},
		{"overlap and repeats", []string{"a"}, append(slices.Clone(hs[5:15]), hs[14], hs[14]), nil, map[string]int64{"a": 5}},
		{"skip b for one", []string{"a", "b"}, hs[15:17], func(n string, h Hash) bool { return n == "b" && h == hs[15] },
			map[string]int64{"a": 2, "b": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			added, err := q.enqueue(tc.names, tc.hashes, tc.skip, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{"a", "b"} {
				if added[n] != tc.added[n] {
					t.Errorf("added[%s] = %d, want %d", n, added[n], tc.added[n])
				}
			}
		})
	}
	if err := q.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := q.enqueue([]string{"a"}, hs[:1], nil, true); !errors.Is(err, ErrClosed) {
		t.Errorf("enqueue after close error = %v, want ErrClosed", err)
	}
	q = openTestQueue(t, dir)
	defer q.close()
	counts, err := q.counts()
	if err != nil {
		t.Fatal(err)
	}
	if counts["a"] != 17 || counts["b"] != 11 || len(counts) != 2 {
		t.Errorf("counts after reopen = %v, want a:17 b:11", counts)
	}
}

// TestQueueDue walks a queue with a cursor and retry times.
func TestQueueDue(t *testing.T) {
	q := openTestQueue(t, t.TempDir())
	defer q.close()
	hs := hashes(zonefiles(t, "subdomain_zonefiles.txt"))[:6] // sorted by hash
	if _, err := q.enqueue([]string{"d", "dd"}, hs, nil, true); err != nil {
		t.Fatal(err)
	}
	// hs[1] waits until 500, hs[2] until 300; hs[0] failed once but is due.
	retry := []item{
		{hs[0], itemMeta{attempts: 1, notBefore: 50}},
		{hs[1], itemMeta{attempts: 2, notBefore: 500}},
		{hs[2], itemMeta{attempts: 1, notBefore: 300}},
	}
	if err := q.settle("d", []Hash{hs[5]}, retry); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		after    *Hash
		limit    int
		now      int64
		want     []Hash
		earliest int64
	}{
		{"all due at 1000", nil, 10, 1000, hs[:5], 0},
		{"limit", nil, 2, 1000, hs[:2], 0},
		{"at 100", nil, 10, 100, []Hash{hs[0], hs[3], hs[4]}, 300},
		{"at 400", nil, 10, 400, []Hash{hs[0], hs[2], hs[3], hs[4]}, 500},
		{"after cursor", &hs[0], 1, 100, []Hash{hs[3]}, 300},
		{"after the last", &hs[4], 10, 100, nil, 0},
		{"nothing due past cursor", &hs[0], 10, 100, []Hash{hs[3], hs[4]}, 300},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, earliest, err := q.due("d", tc.after, tc.limit, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			var got []Hash
			for _, it := range items {
				got = append(got, it.hash)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("due = %v, want %v", got, tc.want)
			}
			if earliest != tc.earliest {
				t.Errorf("earliest = %d, want %d", earliest, tc.earliest)
			}
		})
	}
	// The retry state is kept, and the other driver's queue is untouched.
	items, _, err := q.due("d", nil, 1, 1000)
	if err != nil || len(items) != 1 || items[0].meta != (itemMeta{attempts: 1, notBefore: 50}) {
		t.Errorf("first item = %+v, %v; want attempts 1, notBefore 50", items, err)
	}
	other, _, err := q.due("dd", nil, 10, 0)
	if err != nil || len(other) != len(hs) {
		t.Errorf("driver dd has %d due items, %v; want %d", len(other), err, len(hs))
	}
}

// TestQueueSchema: a queue written with another schema version is refused.
func TestQueueSchema(t *testing.T) {
	dir := t.TempDir()
	db, err := pebble.Open(dir, &pebble.Options{FormatMajorVersion: pebble.FormatVirtualSSTables})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Set([]byte{keyVersion}, []byte{schemaVersion + 1}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := openQueue(dir, discard()); err == nil || !strings.Contains(err.Error(), "schema version") {
		t.Fatalf("openQueue error = %v, want a schema version error", err)
	}
}

func TestItemMeta(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want itemMeta
	}{
		{"round trip", itemMeta{attempts: 7, notBefore: 1 << 60}.encode(), itemMeta{attempts: 7, notBefore: 1 << 60}},
		{"fresh", itemMeta{}.encode(), itemMeta{}},
		{"short value reads as fresh", []byte{1, 2, 3}, itemMeta{}},
		{"empty value reads as fresh", nil, itemMeta{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := decodeItemMeta(tc.raw); got != tc.want {
				t.Errorf("decode = %+v, want %+v", got, tc.want)
			}
		})
	}
	if got := upperBound([]byte{prefixItem, 2, 'a', 'b'}); string(got) != string([]byte{prefixItem, 2, 'a', 'c'}) {
		t.Errorf("upperBound = %x", got)
	}
}
