package service_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/service"
	"github.com/atlasd/atlasd/internal/replaychain"
)

// peer is one running Service.
type peer struct {
	svc    *service.Service
	chain  node.Chain
	addr   string // "127.0.0.1:<port>"
	cancel context.CancelFunc
	done   chan error
	closed bool
}

// spec describes one service to start.
type spec struct {
	chain node.Chain
	// seeds are indexes of the other services of the same start call;
	// seedAddrs are further seeds by address.
	seeds     []int
	seedAddrs []string
	// blacklist are indexes of services this one never contacts.
	blacklist []int
	// tune adjusts the config after the harness filled it in.
	tune func(*service.Config)
	// before runs after Open and before Run (to preload zonefiles).
	before func(*service.Service)
	// dir is the data directory; empty means a new temporary one.
	dir string
}

// startPeers opens the services of specs (see openPeers) and runs them.
func startPeers(tb testing.TB, specs ...spec) []*peer {
	tb.Helper()
	ps := openPeers(tb, specs...)
	for _, p := range ps {
		p.run(tb)
	}
	return ps
}

// openPeer opens one service.
func openPeer(tb testing.TB, sp spec) *peer {
	tb.Helper()
	return openPeers(tb, sp)[0]
}

// openPeers binds a loopback port for every spec first, so that each can
// name the others as seeds, then opens the services.
func openPeers(tb testing.TB, specs ...spec) []*peer {
	tb.Helper()
	lns := make([]net.Listener, len(specs))
	for i := range specs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		lns[i] = ln
	}
	out := make([]*peer, len(specs))
	for i, sp := range specs {
		cfg := service.Config{
			Listener:   lns[i],
			FirstBlock: firstBlockOf(sp.chain),
			Logger:     testLogger(tb),
		}
		for _, j := range sp.seeds {
			cfg.Seeds = append(cfg.Seeds, lns[j].Addr().String())
		}
		cfg.Seeds = append(cfg.Seeds, sp.seedAddrs...)
		for _, j := range sp.blacklist {
			cfg.Blacklist = append(cfg.Blacklist, lns[j].Addr().String())
		}
		if sp.tune != nil {
			sp.tune(&cfg)
		}
		dir := sp.dir
		if dir == "" {
			dir = tb.TempDir()
		}
		svc, err := service.Open(context.Background(), sp.chain, dir, cfg)
		if err != nil {
			for _, l := range lns[i:] {
				_ = l.Close()
			}
			tb.Fatal(err)
		}
		if sp.before != nil {
			sp.before(svc)
		}
		out[i] = &peer{svc: svc, chain: sp.chain, addr: lns[i].Addr().String()}
		tb.Cleanup(func() { out[i].stop(tb) })
	}
	return out
}

// run starts Run; the service is stopped and closed when the test ends,
// and Run must then have returned nil.
func (p *peer) run(tb testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan error, 1)
	go func() { p.done <- p.svc.Run(ctx) }()
}

// stop cancels Run, waits for it and closes the service; later calls do
// nothing.
func (p *peer) stop(tb testing.TB) {
	tb.Helper()
	if p.closed {
		return
	}
	p.closed = true
	if p.cancel != nil {
		p.cancel()
		select {
		case err := <-p.done:
			if err != nil {
				tb.Errorf("%s: Run: %v", p.addr, err)
			}
		case <-time.After(15 * time.Second):
			tb.Errorf("%s: Run did not return after cancel", p.addr)
			return
		}
	}
	if err := p.svc.Close(); err != nil {
		tb.Errorf("%s: Close: %v", p.addr, err)
	}
}

// firstBlockOf is the first height the chain has a consensus hash for.
func firstBlockOf(c node.Chain) int64 {
	switch c := c.(type) {
	case replaychain.Chain:
		return int64(c.Machine().Params().FirstBlock)
	case *synthChain:
		return c.first
	}
	return 0
}

// testLogger logs warnings and errors into the test output.
func testLogger(tb testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(tb)).Level(zerolog.WarnLevel)
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(tb testing.TB, limit time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// holdsAll reports whether p stores every zonefile with exactly its bytes.
func (p *peer) holdsAll(want map[inventory.Hash][]byte) bool {
	for h := range want {
		if present, _ := p.svc.Core().Present(h); !present {
			return false
		}
	}
	return true
}

// checkHolds fails the test unless p's store gives back exactly want's
// bytes for every hash.
func (p *peer) checkHolds(tb testing.TB, want map[inventory.Hash][]byte) {
	tb.Helper()
	for h, data := range want {
		got, err := p.svc.Core().Get(h)
		if err != nil || !bytes.Equal(got, data) {
			tb.Errorf("%s: zonefile %s: %d bytes, err %v", p.addr, h, len(got), err)
		}
	}
}

// hasMember reports whether p's table holds the peer at addr.
func (p *peer) hasMember(addr string) bool {
	c, err := peers.Canonical(addr)
	if err != nil {
		return false
	}
	for _, m := range p.svc.Status().Peers {
		if m.HostPort == c {
			return true
		}
	}
	return false
}

// inventoriesRead reports whether p has at least n neighbours and has read
// the inventory of each.
func (p *peer) inventoriesRead(n int) bool {
	ps := p.svc.Status().Peers
	if len(ps) < n {
		return false
	}
	for _, m := range ps {
		if m.InventoryBits < 0 {
			return false
		}
	}
	return true
}

// client returns a v1 client for p.
func (p *peer) client(tb testing.TB) *peers.Client {
	tb.Helper()
	c, err := peers.NewClient(p.addr, peers.ClientConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// checkNoLeaks fails the test if goroutines started during it are still
// running when its other cleanups (which stop the services) are done.
// Register it before starting anything.
func checkNoLeaks(tb testing.TB) { checkNoLeaksWithin(tb, 10*time.Second) }

// checkNoLeaksWithin is checkNoLeaks giving goroutines limit to end.
func checkNoLeaksWithin(tb testing.TB, limit time.Duration) {
	tb.Helper()
	before := goroutines()
	tb.Cleanup(func() {
		var extra []string
		deadline := time.Now().Add(limit)
		for {
			extra = extra[:0]
			for id, stack := range goroutines() {
				if _, old := before[id]; !old && !benign(stack) {
					extra = append(extra, stack)
				}
			}
			if len(extra) == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(extra) > 0 {
			tb.Errorf("%d goroutines outlived the services:\n\n%s", len(extra), strings.Join(extra, "\n\n"))
		}
	})
}

// goroutines maps each live goroutine's id to its stack.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		head, _, _ := strings.Cut(g, "\n")
		fields := strings.Fields(head)
		if len(fields) >= 2 && fields[0] == "goroutine" {
			out[fields[1]] = g
		}
	}
	return out
}

// benign are goroutines the test framework itself runs.
func benign(stack string) bool {
	return strings.Contains(stack, "testing.(*T).Run") || strings.Contains(stack, "testing.tRunner") ||
		strings.Contains(stack, "testing.(*M)") || strings.Contains(stack, "runtime.goexit") && strings.Contains(stack, "os/signal")
}

// errIs fails the test unless errors.Is(err, target).
func errIs(tb testing.TB, what string, err, target error) {
	tb.Helper()
	if !errors.Is(err, target) {
		tb.Errorf("%s: got %v, want %v", what, err, target)
	}
}

// recordingTB runs cleanups on demand and records errors instead of
// failing, to test the test helpers themselves.
type recordingTB struct {
	testing.TB
	cleanups []func()
	errors   []string
}

func (r *recordingTB) Cleanup(f func())                  { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Errorf(format string, args ...any) { r.errors = append(r.errors, format) }
func (r *recordingTB) Helper()                           {}

// TestLeakCheckCatchesLeak shows checkNoLeaks is not vacuous: a goroutine
// left blocked is reported, and one that ends is not.
func TestLeakCheckCatchesLeak(t *testing.T) {
	for _, leak := range []bool{true, false} {
		rec := &recordingTB{TB: t}
		checkNoLeaksWithin(rec, 200*time.Millisecond)
		stop := make(chan struct{})
		go func() { <-stop }()
		if !leak {
			close(stop)
		}
		for _, f := range rec.cleanups {
			f()
		}
		if leak {
			close(stop)
		}
		if got := len(rec.errors) > 0; got != leak {
			t.Errorf("leak %v: reported %v", leak, rec.errors)
		}
	}
}
