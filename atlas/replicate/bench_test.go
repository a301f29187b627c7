package replicate

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers/peertest"
)

// BenchmarkFetch replicates the whole 665750 export (1,631 real zonefiles,
// 274,512 bytes) from two peers over loopback sockets: 17 get_zonefiles
// calls of up to 100, each zonefile verified before it is stored.
func BenchmarkFetch(b *testing.B) {
	zfs := peertest.Zonefiles(b, "name_zonefiles-665750.txt")
	ws := make([]Want, len(zfs))
	size := 0
	for i, z := range zfs {
		ws[i] = Want{Hash: z.Hash, Bits: []int{i}}
		size += len(z.Data)
	}
	order := hashes(zfs)
	p1 := peertest.Start(b, peertest.Config{Order: order, Files: serve(zfs, [2]int{0, len(zfs)})})
	p2 := peertest.Start(b, peertest.Config{Order: order, Files: serve(zfs, [2]int{0, len(zfs)})})
	ctx := context.Background()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		n := newNode(b, Config{}, p1.HostPort(), p2.HostPort())
		n.rep.RefreshInventories(ctx)
		b.StartTimer()
		rep, err := n.rep.Fetch(ctx, ws)
		if err != nil || len(rep.Stored) != len(zfs) {
			b.Fatalf("stored %d, %v", len(rep.Stored), err)
		}
	}
}

// BenchmarkPlan plans 300,000 wants (the order of v1's whole inventory)
// over 80 peers, each holding a random 90%.
func BenchmarkPlan(b *testing.B) {
	const nWants, nPeers = 300000, 80
	ws := make([]Want, nWants)
	for i := range ws {
		d := sha256.Sum256(fmt.Appendf(nil, "%d", i))
		ws[i] = Want{Hash: inventory.Hash(d[:20]), Bits: []int{i}}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	views := make([]PeerView, nPeers)
	for p := range views {
		var v inventory.Vector
		_ = v.Resize(nWants)
		for i := range nWants {
			if rng.IntN(10) != 0 {
				v.Set(i)
			}
		}
		views[p] = PeerView{HostPort: fmt.Sprintf("p%d.example:6264", p), Health: rng.Float64(), Inv: &v}
	}
	b.ReportAllocs()
	for b.Loop() {
		if bs := Plan(ws, views); len(bs) < nWants/100 {
			b.Fatalf("%d batches", len(bs))
		}
	}
}
