package replicate

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/peers/peertest"
)

// vec returns a vector of n bits with the given bits set.
func vec(t *testing.T, n int, set ...int) *inventory.Vector {
	t.Helper()
	var v inventory.Vector
	if err := v.Resize(n); err != nil {
		t.Fatal(err)
	}
	for _, b := range set {
		v.Set(b)
	}
	return &v
}

// realWants gives the first n zonefiles of the 665750 export one slot each,
// in file order.
func realWants(t *testing.T, n int) ([]Want, []peertest.Zonefile) {
	t.Helper()
	zfs := peertest.Zonefiles(t, "name_zonefiles-665750.txt")[:n]
	ws := make([]Want, n)
	for i, z := range zfs {
		ws[i] = Want{Hash: z.Hash, Bits: []int{i}}
	}
	return ws, zfs
}

func TestPlanRarestFirst(t *testing.T) {
	ws, _ := realWants(t, 8)
	// Popularity: want 0 → 3 peers, 1 → 1 (c), 2 → 2 (a, b), 3 → 0,
	// 4 → 1 (a), 5 → 3, 6 → 2 (b, c), 7 → 1 (b).
	views := []PeerView{
		{HostPort: "a.example:6264", Health: 1, Inv: vec(t, 8, 0, 2, 4, 5)},
		{HostPort: "b.example:6264", Health: 0.9, Inv: vec(t, 8, 0, 2, 5, 6, 7)},
		{HostPort: "c.example:6264", Health: 0.5, Inv: vec(t, 8, 0, 1, 5, 6)},
		{HostPort: "no-inventory.example:6264", Health: 1},
	}
	pop := map[inventory.Hash]int{ws[0].Hash: 3, ws[1].Hash: 1, ws[2].Hash: 2, ws[4].Hash: 1, ws[5].Hash: 3, ws[6].Hash: 2, ws[7].Hash: 1}
	batches := Plan(ws, views)

	var order []inventory.Hash
	assigned := map[inventory.Hash]string{}
	for _, b := range batches {
		for _, h := range b.Hashes {
			order = append(order, h)
			assigned[h] = b.Peer
		}
	}
	t.Run("unadvertised left out", func(t *testing.T) {
		if _, ok := assigned[ws[3].Hash]; ok || len(order) != 7 {
			t.Fatalf("planned %d wants including %v", len(order), ok)
		}
	})
	t.Run("healthiest holder", func(t *testing.T) {
		want := map[int]string{0: "a", 1: "c", 2: "a", 4: "a", 5: "a", 6: "b", 7: "b"}
		for i, p := range want {
			if assigned[ws[i].Hash] != p+".example:6264" {
				t.Errorf("want %d went to %s, not %s", i, assigned[ws[i].Hash], p)
			}
		}
	})
	t.Run("batches in rarity order", func(t *testing.T) {
		// Each batch's first hash is rarer than (or as rare as and sorting
		// before) the next batch's first hash, and within a batch the
		// order is rarest first.
		key := func(h inventory.Hash) string { return fmt.Sprintf("%d/%x", pop[h], h) }
		for i, b := range batches {
			for j := 1; j < len(b.Hashes); j++ {
				if key(b.Hashes[j-1]) > key(b.Hashes[j]) {
					t.Errorf("batch %d out of order", i)
				}
			}
			if i > 0 && key(batches[i-1].Hashes[0]) > key(b.Hashes[0]) {
				t.Errorf("batch %d starts with a commoner want than batch %d", i, i-1)
			}
		}
		if pop[order[0]] != 1 {
			t.Errorf("first want planned has popularity %d", pop[order[0]])
		}
	})
}

func TestPlanTieBreaks(t *testing.T) {
	ws, _ := realWants(t, 6)
	t.Run("ties by hash", func(t *testing.T) {
		all := []int{0, 1, 2, 3, 4, 5}
		b := Plan(ws, []PeerView{{HostPort: "a.example:6264", Health: 1, Inv: vec(t, 6, all...)}})
		if len(b) != 1 {
			t.Fatalf("%d batches", len(b))
		}
		for i := 1; i < len(b[0].Hashes); i++ {
			if bytes.Compare(b[0].Hashes[i-1][:], b[0].Hashes[i][:]) >= 0 {
				t.Fatal("equal popularity not ordered by hash")
			}
		}
	})
	t.Run("equal health shares the load", func(t *testing.T) {
		all := []int{0, 1, 2, 3, 4, 5}
		b := Plan(ws, []PeerView{
			{HostPort: "a.example:6264", Health: 1, Inv: vec(t, 6, all...)},
			{HostPort: "b.example:6264", Health: 1, Inv: vec(t, 6, all...)},
		})
		n := map[string]int{}
		for _, x := range b {
			n[x.Peer] += len(x.Hashes)
		}
		if n["a.example:6264"] != 3 || n["b.example:6264"] != 3 {
			t.Fatalf("split %v, want 3/3", n)
		}
	})
	t.Run("any slot of a hash counts", func(t *testing.T) {
		w := []Want{{Hash: ws[0].Hash, Bits: []int{2, 9}}}
		if b := Plan(w, []PeerView{{HostPort: "a.example:6264", Inv: vec(t, 16, 9)}}); len(b) != 1 {
			t.Fatal("a peer holding the second slot does not count")
		}
		if b := Plan(w, []PeerView{{HostPort: "a.example:6264", Inv: vec(t, 4, 3)}}); len(b) != 0 {
			t.Fatal("a short inventory counted beyond its end")
		}
	})
}

func TestPlanBatchSize(t *testing.T) {
	ws, _ := realWants(t, 350)
	all := make([]int, 350)
	for i := range all {
		all[i] = i
	}
	b := Plan(ws, []PeerView{{HostPort: "a.example:6264", Health: 1, Inv: vec(t, 350, all...)}})
	var sizes []int
	total := 0
	for _, x := range b {
		sizes = append(sizes, len(x.Hashes))
		total += len(x.Hashes)
		if len(x.Hashes) > peers.MaxGetZonefiles {
			t.Fatalf("batch of %d", len(x.Hashes))
		}
		if len(x.Bits) != len(x.Hashes) {
			t.Fatal("bits missing")
		}
	}
	if fmt.Sprint(sizes) != "[100 100 100 50]" || total != 350 {
		t.Fatalf("batch sizes %v", sizes)
	}
}

func TestHashOfRealZonefiles(t *testing.T) {
	for _, name := range []string{"name_zonefiles-665750.txt", "subdomain_zonefiles.txt", "name_zonefiles-tampered.txt"} {
		t.Run(name, func(t *testing.T) {
			ok, bad := 0, 0
			for _, z := range peertest.Zonefiles(t, name) {
				if inventory.HashOf(z.Data) == z.Hash {
					ok++
				} else {
					bad++
				}
			}
			wantBad := 0
			if name == "name_zonefiles-tampered.txt" {
				wantBad = 1
			}
			if bad != wantBad || ok == 0 {
				t.Fatalf("%d verify, %d do not; want %d not", ok, bad, wantBad)
			}
		})
	}
	// The spec's worked example (§3.1).
	z := []byte("$ORIGIN 0.id\n$TTL 3600\n_http._tcp\tIN\tURI\t10\t1\t\"https://gaia.blockstack.org/hub/1A4aeTdM35rYtUoiCiV81jKwKyi1Egzb32/profile.json\"\n\n")
	if got := inventory.HashOf(z).String(); got != "c5f5b4197c94d4561f6332160f624d728b0da8bf" {
		t.Fatalf("HashOf = %s", got)
	}
}
