package service_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/service"
)

// smallChain announces the first n real zonefiles, ten per block.
func smallChain(t testing.TB, n int) (*synthChain, []inventory.Hash, [][]byte) {
	t.Helper()
	real := realZonefiles(t)[:n]
	c := newSynthChain()
	hashes := make([]inventory.Hash, n)
	datas := make([][]byte, n)
	for i, z := range real {
		hashes[i], datas[i] = z.Hash, z.Data
	}
	c.addBlocks(10, hashes)
	return c, hashes, datas
}

func TestOpenRefuses(t *testing.T) {
	chain, _, _ := smallChain(t, 10)
	for _, tc := range []struct {
		name  string
		chain node.Chain
		dir   string
		cfg   service.Config
		want  error
	}{
		{"no chain", nil, t.TempDir(), service.Config{Listen: "127.0.0.1:0"}, service.ErrConfig},
		{"no data directory", chain, "", service.Config{Listen: "127.0.0.1:0"}, service.ErrConfig},
		{"hostname without port", chain, t.TempDir(), service.Config{Listen: "127.0.0.1:0", Hostname: "atlas.example"}, service.ErrConfig},
		{"hostname with IPv6", chain, t.TempDir(), service.Config{Listen: "127.0.0.1:0", Hostname: "[2001:db8::1]:6264"}, service.ErrConfig},
		{"bad seed", chain, t.TempDir(), service.Config{Listen: "127.0.0.1:0", Seeds: []string{"seed:0"}}, service.ErrConfig},
		{"negative first block", chain, t.TempDir(), service.Config{Listen: "127.0.0.1:0", FirstBlock: -1}, service.ErrConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := service.Open(context.Background(), tc.chain, tc.dir, tc.cfg)
			if err == nil {
				_ = s.Close()
			}
			errIs(t, "Open", err, tc.want)
		})
	}
	t.Run("port in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		if s, err := service.Open(context.Background(), chain, t.TempDir(), service.Config{Listen: ln.Addr().String()}); err == nil {
			_ = s.Close()
			t.Error("Open bound a port that is in use")
		}
	})
}

// TestLifecycle drives Open, Run, Close in and out of order, and checks
// that a stopped service leaves no goroutine, no listener and a private
// data directory behind.
func TestLifecycle(t *testing.T) {
	checkNoLeaks(t)
	chain, _, _ := smallChain(t, 10)
	dir := filepath.Join(t.TempDir(), "atlas")
	s, err := service.Open(context.Background(), chain, dir, service.Config{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	for _, d := range []string{dir, filepath.Join(dir, service.StoreDir)} {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, err %v; want 0700", d, fi.Mode().Perm(), err)
		}
	}
	if got := s.Self(); got != fmt.Sprintf("localhost:%d", s.Addr().(*net.TCPAddr).Port) {
		t.Errorf("Self = %q for %s", got, addr)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	waitFor(t, 5*time.Second, "the server to answer", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	errIs(t, "Close while running", s.Close(), service.ErrRunning)
	errIs(t, "second Run", s.Run(ctx), service.ErrRunning)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	errIs(t, "Run after Run", s.Run(context.Background()), service.ErrRunning)
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	errIs(t, "second Close", s.Close(), service.ErrClosed)
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections", addr)
	}

	t.Run("close without run", func(t *testing.T) {
		s, err := service.Open(context.Background(), chain, dir, service.Config{Listen: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		errIs(t, "Run after Close", s.Run(context.Background()), service.ErrClosed)
	})
}

// TestSlowClients holds connections that dribble a request header. The
// server must cut them off after its header timeout, and a shutdown must
// not wait for them longer than ShutdownTimeout.
func TestSlowClients(t *testing.T) {
	checkNoLeaks(t)
	chain, _, _ := smallChain(t, 10)
	ps := startPeers(t, spec{chain: chain, tune: func(c *service.Config) { c.ShutdownTimeout = time.Second }})
	slow := func() net.Conn {
		c, err := net.Dial("tcp", ps[0].addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte("POST /RPC2 HTTP/1.1\r\nHost: x\r\n")); err != nil {
			t.Fatal(err)
		}
		return c
	}

	c := slow()
	defer c.Close()
	start := time.Now()
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err := c.Read(make([]byte, 1))
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Errorf("slow header: read returned %v after %v; want the server to close it", err, time.Since(start))
	}

	c2 := slow()
	defer c2.Close()
	time.Sleep(100 * time.Millisecond) // let the server start reading it
	start = time.Now()
	ps[0].stop(t)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown with a slow client took %v", d)
	}
}

// TestOnStored checks the hook fires once per newly stored zonefile,
// whichever way it arrived: put here, or pushed by a neighbour.
func TestOnStored(t *testing.T) {
	checkNoLeaks(t)
	chain, hashes, datas := smallChain(t, 30)
	type stored struct {
		peer   int
		hash   inventory.Hash
		height int32
	}
	var mu sync.Mutex
	var got []stored
	hook := func(i int) func(*service.Config) {
		return func(c *service.Config) {
			c.OnStored = func(h inventory.Hash, height int32) {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, stored{i, h, height})
			}
		}
	}
	ps := startPeers(t, spec{chain: chain, tune: hook(0)}, spec{chain: chain, seeds: []int{0}, tune: hook(1)})
	// Peer 0 pushes to the neighbours it knows: wait until it has admitted
	// peer 1 (which named itself in peer exchange) and read its inventory.
	waitFor(t, 10*time.Second, "the peers to know each other", func() bool {
		return ps[0].inventoriesRead(1) && ps[1].inventoriesRead(1)
	})
	ctx := context.Background()
	unannounced := realZonefiles(t)[40].Data
	st, err := ps[0].svc.Put(ctx, append(append([][]byte{}, datas[:5]...), unannounced))
	if err != nil {
		t.Fatal(err)
	}
	if st[5] != node.Unannounced {
		t.Errorf("unannounced zonefile: %v", st[5])
	}
	if _, err := ps[0].svc.Put(ctx, datas[:5]); err != nil { // held: no new events
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "peer 1 to receive them", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= 10
	})
	time.Sleep(200 * time.Millisecond) // room for a wrong extra call
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 10 {
		t.Fatalf("%d OnStored calls, want 10: %v", len(got), got)
	}
	seen := map[stored]bool{}
	for _, g := range got {
		seen[g] = true
	}
	for p := range 2 {
		for i := range 5 {
			// Ten per block from the first block on.
			want := stored{p, hashes[i], int32(synthFirstBlock + i/10)}
			if !seen[want] {
				t.Errorf("no OnStored for peer %d zonefile %d at %d", p, i, want.height)
			}
		}
	}
}

// TestStatus checks the snapshot against what the test set up.
func TestStatus(t *testing.T) {
	checkNoLeaks(t)
	chain, _, datas := smallChain(t, 40)
	ps := startPeers(t,
		spec{chain: chain, before: func(s *service.Service) {
			if _, err := s.Put(context.Background(), datas[:25]); err != nil {
				t.Fatal(err)
			}
		}},
		spec{chain: chain, seeds: []int{0}, tune: func(c *service.Config) { c.Blacklist = []string{"192.0.2.1:6264"} }})
	waitFor(t, 10*time.Second, "peer 1 to copy peer 0", func() bool {
		p, _ := ps[1].svc.Inventory()
		return p == 25
	})
	st := ps[1].svc.Status()
	if st.Slots != 40 || st.Present != 25 || st.SyncedBlock != chain.LastBlock() || st.Fetched != 25 {
		t.Errorf("status %+v", st)
	}
	if len(st.Peers) != 1 || !st.Peers[0].Seed || st.Peers[0].InventoryBits != 40 || st.Peers[0].Holds != 25 || st.Peers[0].State != service.StateHealthy {
		t.Errorf("peers %+v", st.Peers)
	}
	if got := ps[1].svc.PeersByState(); got[service.StateHealthy] != 1 || len(got) != 3 {
		t.Errorf("PeersByState = %v", got)
	}
	src := ps[0].svc.Status()
	if src.ZonefilesServed < 25 || src.BytesServed == 0 || ps[0].svc.BytesServed() != src.BytesServed {
		t.Errorf("source served %d zonefiles, %d bytes", src.ZonefilesServed, src.BytesServed)
	}
}
