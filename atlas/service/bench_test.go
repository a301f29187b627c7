package service_test

import (
	"bufio"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/service"
	"github.com/atlasd/atlasd/atlas/zonestore"
)

// preload writes zonefiles into the store a Service will open in dir, in
// batches, before the service exists: the service then finds them at Open
// and has nothing to announce or push.
func preload(tb testing.TB, dir string, zonefiles [][]byte) {
	tb.Helper()
	db, err := zonestore.Open(filepath.Join(dir, service.StoreDir), zonestore.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	for start := 0; start < len(zonefiles); start += 5000 {
		if _, err := db.Put(zonefiles[start:min(start+5000, len(zonefiles))]...); err != nil {
			tb.Fatal(err)
		}
	}
}

// peakRSS reads the process's peak resident set size (VmHWM) in bytes.
func peakRSS(tb testing.TB) float64 {
	tb.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skip("no /proc/self/status")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb * 1024
		}
	}
	tb.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// BenchmarkPull100k: three source peers hold 100,000 zonefiles (the real
// mainnet ones plus generated ones with their size distribution),
// announced by a chain all four follow; a fresh peer seeded with the three
// pulls them all over loopback. Reported: seconds, MB/s of zonefile bytes
// and the process's peak RSS (VmHWM: the whole test process, i.e. the
// three sources, the fresh peer and the corpus held by the benchmark).
// Target: under 20 s.
func BenchmarkPull100k(b *testing.B) {
	const n = 100_000
	zfs := corpus(b, n)
	hashes := make([]inventory.Hash, n)
	var total int
	for i, z := range zfs {
		hashes[i] = inventory.HashOf(z)
		total += len(z)
	}
	chain := newSynthChain()
	chain.addBlocks(100, hashes)
	var specs []spec
	for range 3 {
		dir := b.TempDir()
		preload(b, dir, zfs)
		// The puller calls from 127.0.0.1, which the rate limit exempts by
		// default; here the sources hold it to the default limits.
		specs = append(specs, spec{chain: chain, dir: dir, tune: func(c *service.Config) { c.Limits.Exempt = []netip.Prefix{} }})
	}
	sources := startPeers(b, specs...)
	var seeds []string
	for _, s := range sources {
		if p, tot := s.svc.Inventory(); p != n || tot != n {
			b.Fatalf("source holds %d of %d", p, tot)
		}
		seeds = append(seeds, s.addr)
	}
	b.ResetTimer()
	var elapsed time.Duration
	for range b.N {
		b.StopTimer()
		fresh := openPeer(b, spec{chain: chain, seedAddrs: seeds})
		b.StartTimer()
		start := time.Now()
		fresh.run(b)
		waitFor(b, 10*time.Minute, "the fresh peer to hold every zonefile", func() bool {
			p, _ := fresh.svc.Inventory()
			return p == n
		})
		elapsed += time.Since(start)
		b.StopTimer()
		st := fresh.svc.Status()
		fresh.stop(b)
		for _, s := range sources {
			// The rate limit's defaults must leave honest replication alone.
			if n := s.svc.Status().RateLimited; n != 0 {
				b.Errorf("source %s refused %d calls of the pull", s.addr, n)
			}
		}
		b.Logf("pulled %d zonefiles (%.1f MB) from 3 peers in %v: %.1f MB/s; fetched %d, peers %v",
			n, float64(total)/1e6, elapsed.Round(time.Millisecond), float64(total)/1e6/elapsed.Seconds(), st.Fetched, peerHolds(st))
	}
	secs := elapsed.Seconds() / float64(b.N)
	rss := peakRSS(b)
	b.ReportMetric(secs, "s/pull")
	b.ReportMetric(float64(total)/1e6/secs, "MB/s")
	b.ReportMetric(rss/(1<<20), "peak-RSS-MiB")
	b.Logf("peak RSS (VmHWM, whole process: 3 sources + fresh peer + corpus) %.0f MiB", rss/(1<<20))
}

func peerHolds(st service.Status) []int {
	var out []int
	for _, p := range st.Peers {
		out = append(out, p.Holds)
	}
	return out
}

// BenchmarkConverge10: ten peers over loopback, each seeded with the next
// two, following one chain; each iteration announces one new zonefile,
// puts it into one peer and times until all ten hold it. Target: under
// 10 s (v1's crawler slept 300 s between rounds).
func BenchmarkConverge10(b *testing.B) {
	const n = 10
	zfs := corpus(b, 3000)
	chain := newSynthChain()
	hashes := make([]inventory.Hash, 1000)
	for i := range hashes {
		hashes[i] = inventory.HashOf(zfs[i])
	}
	chain.addBlocks(100, hashes)
	specs := make([]spec, n)
	for i := range specs {
		dir := b.TempDir()
		preload(b, dir, zfs[:1000])
		specs[i] = spec{chain: chain, dir: dir, seeds: []int{(i + 1) % n, (i + 2) % n}}
	}
	ps := startPeers(b, specs...)
	waitFor(b, time.Minute, "every peer to read its neighbours' inventories", func() bool {
		for _, p := range ps {
			if !p.inventoriesRead(2) {
				return false
			}
		}
		return true
	})
	ctx := context.Background()
	b.ResetTimer()
	var elapsed, worst time.Duration
	for i := range b.N {
		b.StopTimer()
		z := zfs[1000+i%2000]
		h := inventory.HashOf(z)
		chain.addBlock(h)
		for _, p := range ps {
			if _, err := p.svc.SyncChain(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		if _, err := ps[i%n].svc.Put(ctx, [][]byte{z}); err != nil {
			b.Fatal(err)
		}
		waitFor(b, time.Minute, "all ten peers to hold the new zonefile", func() bool {
			for _, p := range ps {
				if ok, _ := p.svc.Core().Present(h); !ok {
					return false
				}
			}
			return true
		})
		d := time.Since(start)
		b.StopTimer()
		elapsed += d
		worst = max(worst, d)
	}
	b.ReportMetric(elapsed.Seconds()*1000/float64(b.N), "ms/converge")
	b.Logf("%d peers converged on a new zonefile in %v on average, %v at worst, over %d runs",
		n, (elapsed / time.Duration(b.N)).Round(time.Microsecond), worst.Round(time.Microsecond), b.N)
}
