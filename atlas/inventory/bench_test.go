package inventory

import (
	"crypto/sha256"
	"encoding/json"
	"github.com/atlasd/atlasd/internal/shareddata"
	"os"
	"sync"
	"testing"
)

const benchSlots = 1 << 20

var (
	benchOnce  sync.Once
	benchAnns  []Announcement
	benchTable *Table
)

// benchData builds about a million announcements shaped like mainnet: real
// names, each announced about 14 times, four slots per block from the first
// v1 block, and every tenth slot re-announcing an older hash (a renewal).
// The table built from them has every other hash present.
func benchData(b *testing.B) ([]Announcement, *Table) {
	benchOnce.Do(func() {
		raw, err := os.ReadFile(shareddata.Path(b, "data", "names", "mainnet-names.json"))
		if err != nil {
			b.Fatal(err)
		}
		var names []string
		if err := json.Unmarshal(raw, &names); err != nil || len(names) == 0 {
			b.Fatalf("names: %v", err)
		}
		benchAnns = make([]Announcement, benchSlots)
		for i := range benchAnns {
			a := &benchAnns[i]
			a.Name = names[i%len(names)]
			a.Height = 373601 + int32(i/4)
			a.TxID = syntheticTxID(i)
			if i%10 == 9 && i > 5000 {
				a.Hash = benchAnns[i-5000].Hash
			} else {
				sum := sha256.Sum256(a.TxID[:])
				copy(a.Hash[:], sum[:])
			}
		}
		benchTable = NewTable()
		for i, a := range benchAnns {
			if _, err := benchTable.Append(a); err != nil {
				b.Fatal(err)
			}
			if i%2 == 0 {
				benchTable.SetPresent(a.Hash, true)
			}
		}
	})
	if benchTable == nil {
		b.Fatal("bench data failed")
	}
	return benchAnns, benchTable
}

func BenchmarkTableAppend1M(b *testing.B) {
	anns, _ := benchData(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tb := NewTable()
		for _, a := range anns {
			if _, err := tb.Append(a); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(anns)), "ns/slot")
}

func BenchmarkSetPresentAll1M(b *testing.B) {
	anns, tb := benchData(b)
	b.ResetTimer()
	for range b.N {
		for _, a := range anns {
			tb.SetPresent(a.Hash, true)
		}
		b.StopTimer()
		for i, a := range anns {
			tb.SetPresent(a.Hash, i%2 == 0)
		}
		b.StartTimer()
	}
}

func BenchmarkInventoryWhole1M(b *testing.B) {
	_, tb := benchData(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if inv := tb.Inventory(0, 524288); len(inv) != benchSlots/8 {
			b.Fatalf("inventory of %d bytes", len(inv))
		}
	}
}

func BenchmarkMissingHashes1M(b *testing.B) {
	_, tb := benchData(b)
	b.ResetTimer()
	for range b.N {
		n := 0
		for range tb.MissingHashes() {
			n++
		}
		if n == 0 {
			b.Fatal("nothing missing")
		}
	}
}

func BenchmarkVectorCount1M(b *testing.B) {
	_, tb := benchData(b)
	v := tb.Vector()
	b.ResetTimer()
	for range b.N {
		if v.Count() == 0 {
			b.Fatal("empty")
		}
	}
}

func BenchmarkByBlock1M(b *testing.B) {
	anns, tb := benchData(b)
	first, last := anns[0].Height, anns[len(anns)-1].Height
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		from := first + int32((i*7919)%int(last-first-200))
		if got := tb.ByBlock(from, from+100, 10, 100); len(got) == 0 {
			b.Fatalf("no slots from %d", from)
		}
	}
}

// BenchmarkReorg1M rolls back the last 6 blocks of a million-slot table and
// connects them again.
func BenchmarkReorg1M(b *testing.B) {
	anns, tb := benchData(b)
	last := anns[len(anns)-1].Height
	tail := 0
	for tail < len(anns) && anns[len(anns)-1-tail].Height > last-6 {
		tail++
	}
	b.ResetTimer()
	for range b.N {
		if n := tb.TruncateAbove(last - 6); n != tail {
			b.Fatalf("removed %d, want %d", n, tail)
		}
		for _, a := range anns[len(anns)-tail:] {
			if _, err := tb.Append(a); err != nil {
				b.Fatal(err)
			}
		}
	}
}
