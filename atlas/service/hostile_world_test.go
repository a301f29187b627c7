package service_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/service"
	"github.com/atlasd/atlasd/atlas/v1rpc"
)

func base64String(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// hostileWorld is the attack scenario: S, a real service with a real
// store holding zonefiles, is attacked; H, an honest peer seeded with S,
// replicates from it (S blacklists H, so H gets every zonefile by pulling
// through S's server, never by S's pushes); an honest v1 client at
// 127.0.0.3 keeps calling S.
type hostileWorld struct {
	chain  *synthChain
	s, h   *peer
	held   map[inventory.Hash][]byte // announced and put into S
	hashes []inventory.Hash          // of held, for the honest client
	extra  [][]byte                  // announced one by one during the run
	target attackTarget
	mu     sync.Mutex // guards held and hashes
}

// largeZonefiles is how many zonefiles near v1's 40,960-byte maximum S
// also holds, so that the most expensive get_zonefiles asks for 100 of
// them: a 5.5 MB reply.
const largeZonefiles = 100

// newHostileWorld preloads S with n zonefiles of the mainnet size
// distribution plus largeZonefiles large ones, and keeps extra more to
// announce during the run. H is opened but not run: its pull is part of
// the first round.
func newHostileWorld(t testing.TB, n, extra, exchanges int, limits v1rpc.Limits) *hostileWorld {
	t.Helper()
	zfs := corpus(t, n+extra)
	rng := rand.New(rand.NewPCG(40960, 100))
	large := make([][]byte, largeZonefiles)
	for i := range large {
		large[i] = generated(rng, 1_000_000+i, 40_000+rng.IntN(960))
	}
	zfs = slices.Concat(large, zfs)
	n += len(large)
	w := &hostileWorld{chain: newSynthChain(), held: map[inventory.Hash][]byte{}, extra: zfs[n:]}
	for _, z := range zfs[:n] {
		h := inventory.HashOf(z)
		w.held[h] = z
		w.hashes = append(w.hashes, h)
	}
	w.chain.addBlocks(100, w.hashes)
	dir := t.TempDir()
	preload(t, dir, zfs[:n])
	// H calls from 127.0.0.1, which the limits exempt by default; here it
	// meets them like any remote peer.
	limits.Exempt = []netip.Prefix{}
	limited := func(c *service.Config) { c.Limits = limits }
	ps := openPeers(t,
		spec{chain: w.chain, dir: dir, blacklist: []int{1}, tune: limited},
		spec{chain: w.chain, seeds: []int{0}})
	w.s, w.h = ps[0], ps[1]
	w.s.run(t)

	bySize := slices.Clone(zfs[:n])
	slices.SortFunc(bySize, func(a, b []byte) int { return len(b) - len(a) })
	w.target = attackTarget{addr: w.s.addr, held: bySize[100:110], first: synthFirstBlock,
		last: w.chain.LastBlock(), exchanges: exchanges}
	for _, z := range bySize[:100] {
		w.target.largest = append(w.target.largest, inventory.HashOf(z))
	}
	return w
}

// memPeaks samples the process's memory while attacks run.
type memPeaks struct {
	heap, rss  atomic.Uint64
	goroutines atomic.Int64
}

// heapBytes is the live heap as the last garbage collection marked it:
// what the process holds on to, not the garbage awaiting collection (up to
// as much again at the default GOGC), which RSS shows.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// rssBytes is the resident set size now (VmRSS).
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// sample records peaks every 10 ms until ctx ends.
func (m *memPeaks) sample(ctx context.Context) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		if h := heapBytes(); h > m.heap.Load() {
			m.heap.Store(h)
		}
		if r := rssBytes(); r > m.rss.Load() {
			m.rss.Store(r)
		}
		if g := int64(runtime.NumGoroutine()); g > m.goroutines.Load() {
			m.goroutines.Store(g)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// memBounds are what memory may grow by under attack, over the baseline
// taken before it.
type memBounds struct {
	heap, rss  uint64
	goroutines int
}

// roundReport is what one round of attacks did and what held.
type roundReport struct {
	kinds  []string
	counts []*attackCounts
	// problems[i] is why kind i did not hold, "" if it did.
	problems []string
	// shared lists failures of the honest side or of memory, which every
	// kind that ran shares.
	shared []string
	// honest client figures, and zonefiles H pulled during the round.
	honestCalls, honestRefused int
	honestMax                  time.Duration
	pulled                     int
	peakHeap, peakRSS          uint64
	peakGoroutines             int
}

func (r roundReport) hostileRequests() int64 {
	var n int64
	for _, c := range r.counts {
		n += c.tried.Load()
	}
	return n
}

// round runs every kind at once for d while H replicates and the honest
// client calls S, then checks that S served the honest side within
// deadline throughout, that memory stayed within bounds over base, and
// each kind's own check. pullBy is how long H may take to hold the
// zonefiles it should have at the end.
func (w *hostileWorld) round(t testing.TB, kinds []attack, d, deadline, pullBy time.Duration, base memBounds, bounds memBounds) roundReport {
	t.Helper()
	rep := roundReport{counts: make([]*attackCounts, len(kinds)), problems: make([]string, len(kinds))}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	// Kinds with a fixed amount of work may finish after d, within reason.
	hard, cancelHard := context.WithTimeout(context.Background(), d+2*time.Minute)
	defer cancelHard()
	var peaks memPeaks
	sctx, stopSampling := context.WithCancel(context.Background())
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() { defer sampler.Done(); peaks.sample(sctx) }()

	var wg sync.WaitGroup
	for i, k := range kinds {
		rep.kinds = append(rep.kinds, k.name)
		rep.counts[i] = &attackCounts{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if k.complete {
				k.run(hard, rep.counts[i])
			} else {
				k.run(ctx, rep.counts[i])
			}
		}()
	}
	before := w.h.svc.Status().Fetched
	if w.h.cancel == nil {
		w.h.run(t)
	}
	// The honest side goes on as long as any attack does.
	honestCtx, stopHonest := context.WithCancel(context.Background())
	honest := w.honestClient(honestCtx, t, deadline)
	announced := w.announce(honestCtx, t)
	wg.Wait()
	stopHonest()
	h := <-honest
	rep.honestCalls, rep.honestRefused, rep.honestMax = h.calls, h.refused, h.max
	rep.shared = append(rep.shared, h.problems...)
	if n := <-announced; n == 0 {
		rep.shared = append(rep.shared, "no zonefile was announced during the round")
	}

	// H must end with every zonefile S holds, byte for byte.
	w.mu.Lock()
	want := make(map[inventory.Hash][]byte, len(w.held))
	for k, v := range w.held {
		want[k] = v
	}
	w.mu.Unlock()
	end := time.Now().Add(pullBy)
	for !w.h.holdsAll(want) && time.Now().Before(end) {
		time.Sleep(20 * time.Millisecond)
	}
	if !w.h.holdsAll(want) {
		p, tot := w.h.svc.Inventory()
		rep.shared = append(rep.shared, fmt.Sprintf("honest peer holds %d of %d zonefiles %v after the attacks", p, tot, pullBy))
	} else {
		for h, data := range want {
			if got, err := w.h.svc.Core().Get(h); err != nil || !bytes.Equal(got, data) {
				rep.shared = append(rep.shared, fmt.Sprintf("honest peer's copy of %s differs", h))
				break
			}
		}
	}
	rep.pulled = int(w.h.svc.Status().Fetched - before)
	stopSampling()
	sampler.Wait()
	rep.peakHeap, rep.peakRSS, rep.peakGoroutines = peaks.heap.Load(), peaks.rss.Load(), int(peaks.goroutines.Load())
	if rep.peakHeap > base.heap+bounds.heap {
		rep.shared = append(rep.shared, fmt.Sprintf("live heap peaked at %d MiB, over the %d MiB baseline + %d MiB bound",
			rep.peakHeap>>20, base.heap>>20, bounds.heap>>20))
	}
	if rep.peakRSS > base.rss+bounds.rss {
		rep.shared = append(rep.shared, fmt.Sprintf("RSS peaked at %d MiB, over the %d MiB baseline + %d MiB bound",
			rep.peakRSS>>20, base.rss>>20, bounds.rss>>20))
	}
	if rep.peakGoroutines > base.goroutines+bounds.goroutines {
		rep.shared = append(rep.shared, fmt.Sprintf("%d goroutines, over %d + %d", rep.peakGoroutines, base.goroutines, bounds.goroutines))
	}
	// S is still up and serving a newcomer.
	if err := pingFrom(w.s.addr, "127.0.0.9"); err != nil {
		rep.shared = append(rep.shared, "after the round: "+err.Error())
	}
	for i, k := range kinds {
		if rep.counts[i].tried.Load() == 0 {
			rep.problems[i] = "never ran"
		} else {
			rep.problems[i] = k.check(rep.counts[i])
		}
	}
	return rep
}

// baseline is the memory of the process before attacks, after a GC.
func baseline() memBounds {
	runtime.GC()
	return memBounds{heap: heapBytes(), rss: rssBytes(), goroutines: runtime.NumGoroutine()}
}

type honestFigures struct {
	calls, refused int
	max            time.Duration
	problems       []string
}

// honestClient calls ping and get_zonefiles (ten random held zonefiles)
// on S from 127.0.0.3 every 100 ms until ctx ends. Every call must be
// served, within deadline, with the right bytes.
func (w *hostileWorld) honestClient(ctx context.Context, t testing.TB, deadline time.Duration) <-chan honestFigures {
	out := make(chan honestFigures, 1)
	tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.3")}}).DialContext}
	c, err := peers.NewClient(w.s.addr, peers.ClientConfig{Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer tr.CloseIdleConnections()
		var f honestFigures
		rng := rand.New(rand.NewPCG(1, 2))
		fail := func(format string, args ...any) {
			if len(f.problems) < 5 {
				f.problems = append(f.problems, fmt.Sprintf(format, args...))
			}
		}
		for ctx.Err() == nil {
			w.mu.Lock()
			ask := make([]inventory.Hash, 10)
			for i := range ask {
				ask[i] = w.hashes[rng.IntN(len(w.hashes))]
			}
			w.mu.Unlock()
			cctx, cancel := context.WithTimeout(context.Background(), deadline)
			start := time.Now()
			_, err := c.Ping(cctx)
			var files map[inventory.Hash][]byte
			if err == nil {
				files, err = c.GetZonefiles(cctx, ask)
			}
			d := time.Since(start)
			cancel()
			f.calls += 2
			f.max = max(f.max, d)
			switch {
			case err != nil:
				f.refused++
				fail("honest client: %v after %v", err, d.Round(time.Millisecond))
			case d > deadline:
				fail("honest client served in %v", d)
			default:
				w.mu.Lock()
				for _, h := range ask {
					if !bytes.Equal(files[h], w.held[h]) {
						fail("honest client got %d bytes for %s", len(files[h]), h)
					}
				}
				w.mu.Unlock()
			}
			pause(ctx, 100*time.Millisecond)
		}
		out <- f
	}()
	return out
}

// announce announces one new zonefile every 500 ms until ctx ends (or the
// extra ones run out), puts it into S and tells H about the block, as the
// daemon does after each block. It returns how many it announced.
func (w *hostileWorld) announce(ctx context.Context, t testing.TB) <-chan int {
	out := make(chan int, 1)
	go func() {
		n := 0
		for ctx.Err() == nil && len(w.extra) > 0 {
			z := w.extra[0]
			w.extra = w.extra[1:]
			h := inventory.HashOf(z)
			w.chain.addBlock(h)
			bg := context.Background()
			if _, err := w.s.svc.SyncChain(bg); err != nil {
				t.Error(err)
			}
			if st, err := w.s.svc.Put(bg, [][]byte{z}); err != nil || !st[0].Saved() {
				t.Errorf("put into S: %v %v", st, err)
			}
			w.mu.Lock()
			w.held[h] = z
			w.hashes = append(w.hashes, h)
			w.mu.Unlock()
			if _, err := w.h.svc.SyncChain(bg); err != nil {
				t.Error(err)
			}
			n++
			pause(ctx, 500*time.Millisecond)
		}
		out <- n
	}()
	return out
}

// pingFrom pings addr on a connection of its own from ip.
func pingFrom(addr, ip string) error {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	body := call("ping")
	if _, err := c.Write(append([]byte(request(len(body), "")), body...)); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if !bytes.Contains(buf.Bytes(), []byte("alive")) {
		return fmt.Errorf("ping reply %q", buf.String())
	}
	return nil
}
