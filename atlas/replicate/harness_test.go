package replicate

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/peers/peertest"
)

// checkStore is the Store of the tests: it fails the test on any zonefile
// whose bytes do not hash to the key it is stored under.
type checkStore struct {
	t     testing.TB
	mu    sync.Mutex
	files map[inventory.Hash][]byte
	order []inventory.Hash
}

func newCheckStore(t testing.TB) *checkStore {
	return &checkStore{t: t, files: map[inventory.Hash][]byte{}}
}

func (s *checkStore) Store(h inventory.Hash, data []byte) error {
	if peertest.Hash160(data) != h {
		s.t.Errorf("Store got %d bytes under %s that hash to %s", len(data), h, peertest.Hash160(data))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[h] = append([]byte(nil), data...)
	s.order = append(s.order, h)
	return nil
}

func (s *checkStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.files)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// node is the local side: a peer table that admitted the given peers over
// their sockets, and a replicator over it.
type node struct {
	table *peers.Table
	rep   *Replicator
	store *checkStore
	clk   *clock
}

func newNode(t testing.TB, cfg Config, hostports ...string) *node {
	t.Helper()
	clk := &clock{t: time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)}
	d := &peers.Dialer{}
	tb, err := peers.New(peers.Config{
		Self:           "self.example:6264",
		Height:         func() int64 { return peertest.DefaultBlock },
		KnownConsensus: func(h string) bool { return h == peertest.DefaultConsensus },
		Prober:         d,
		Now:            clk.Now,
		Rand:           rand.New(rand.NewPCG(1, 2)),
	})
	if err != nil {
		t.Fatal(err)
	}
	tb.Enqueue(hostports...)
	for _, a := range tb.Admit(context.Background(), len(hostports)) {
		if a.Err != nil {
			t.Fatalf("admit: %v", a.Err)
		}
	}
	st := newCheckStore(t)
	cfg.Peers = tb
	cfg.Dial = DialPeers(d)
	cfg.Store = st.Store
	cfg.Now = clk.Now
	rep, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &node{table: tb, rep: rep, store: st, clk: clk}
}

func canon(t testing.TB, hp string) string {
	t.Helper()
	c, err := peers.Canonical(hp)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serve returns the Files map of zonefiles zfs[i] for i in [from, to).
func serve(zfs []peertest.Zonefile, ranges ...[2]int) map[inventory.Hash][]byte {
	out := map[inventory.Hash][]byte{}
	for _, r := range ranges {
		for _, z := range zfs[r[0]:r[1]] {
			out[z.Hash] = z.Data
		}
	}
	return out
}

func hashes(zfs []peertest.Zonefile) []inventory.Hash {
	out := make([]inventory.Hash, len(zfs))
	for i, z := range zfs {
		out[i] = z.Hash
	}
	return out
}
