package peers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/peers/peertest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)} }

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

// fakeProber answers getinfo from a table; unknown peers do not answer.
type fakeProber struct {
	mu    sync.Mutex
	info  map[string]Info
	calls map[string]int
}

func (f *fakeProber) GetInfo(_ context.Context, hp string) (Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[hp]++
	in, ok := f.info[hp]
	if !ok {
		return Info{}, fmt.Errorf("%s: connection refused", hp)
	}
	return in, nil
}

// goodInfo is a current mainnet v1 node at our height on our chain.
func goodInfo() Info {
	return Info{LastBlockSeen: peertest.DefaultBlock, Consensus: peertest.DefaultConsensus, ServerVersion: "22.2.0.0",
		LastBlockProcessed: peertest.DefaultBlock, ServerAlive: true, ZonefileCount: -1}
}

type tableOpt func(*Config)

func newTestTable(t *testing.T, p Prober, clk *clock, opts ...tableOpt) *Table {
	t.Helper()
	cfg := Config{
		Self:           "self.example:6264",
		Height:         func() int64 { return peertest.DefaultBlock },
		KnownConsensus: func(h string) bool { return h == peertest.DefaultConsensus },
		Prober:         p,
		Now:            clk.Now,
		Rand:           rand.New(rand.NewPCG(7, 11)),
	}
	for _, o := range opts {
		o(&cfg)
	}
	tb, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// addMember puts hp straight into the table (as a seed would be), for tests
// of what happens to members.
func addMember(t *testing.T, tb *Table, hp string) {
	t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.members[hp] = &member{discovered: tb.cfg.Now()}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"node.blockstack.org:6264", "node.blockstack.org:6264", true},
		{"Node.Blockstack.ORG:6264", "node.blockstack.org:6264", true},
		{"127.0.0.1:6264", "localhost:6264", true},
		{"127.0.0.1:16264", "localhost:16264", true},
		{"10.0.0.1:10", "10.0.0.1:10", true},
		{"10.0.0.1:65534", "10.0.0.1:65534", true},
		{"10.0.0.1:65535", "", false},
		{"10.0.0.1:9", "", false},
		{"10.0.0.1:06264", "", false},
		{"10.0.0.1", "", false},
		{":6264", "", false},
		{"::1:6264", "", false},
		{"a b:6264", "", false},
		{"user@host:6264", "", false},
		{"host:6264/x", "", false},
		{"host:62a4", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Canonical(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("Canonical(%q) = %q, %v", tc.in, got, err)
			}
		})
	}
	if hp, err := JoinHostPort("::1", 6264); err != nil || hp != "localhost:6264" {
		t.Fatalf("JoinHostPort(::1) = %q, %v", hp, err)
	}
	if _, err := JoinHostPort("2001:db8::1", 6264); err == nil {
		t.Fatal("JoinHostPort accepted a v6 address v1 cannot write")
	}
}

func TestHealth(t *testing.T) {
	clk := newClock()
	tb := newTestTable(t, &fakeProber{}, clk)
	const p = "a.example:6264"
	addMember(t, tb, p)
	steps := []struct {
		name      string
		advance   time.Duration
		observe   []bool
		health    float64
		successes int
		requests  int
	}{
		{"no requests", 0, nil, 0, 0, 0},
		{"one success", 0, []bool{true}, 1, 1, 1},
		{"then three failures", time.Minute, []bool{false, false, false}, 0.25, 1, 4},
		{"the success ages out", 59*time.Minute + time.Second, nil, 0, 0, 3},
		{"everything ages out", time.Hour, nil, 0, 0, 0},
		{"fresh mix", 0, []bool{true, true, false}, 2.0 / 3, 2, 3},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			clk.Add(s.advance)
			for _, ok := range s.observe {
				tb.Observe(p, ok)
			}
			m, _ := tb.Member(p)
			if m.Health != s.health || m.Successes != s.successes || m.Requests != s.requests {
				t.Fatalf("member = %+v, want health %v successes %d requests %d", m, s.health, s.successes, s.requests)
			}
		})
	}
	t.Run("history is capped", func(t *testing.T) {
		for range 3 * maxHistory {
			tb.Observe(p, false)
		}
		for range maxHistory {
			tb.Observe(p, true)
		}
		if m, _ := tb.Member(p); m.Requests != maxHistory || m.Health != 1 {
			t.Fatalf("after a long run: %+v", m)
		}
	})
	t.Run("strangers are not recorded", func(t *testing.T) {
		tb.Observe("stranger.example:6264", true)
		if _, ok := tb.Member("stranger.example:6264"); ok {
			t.Fatal("observing a stranger made it a member")
		}
	})
}

func TestLiveNeighbors(t *testing.T) {
	clk := newClock()
	tb := newTestTable(t, &fakeProber{}, clk)
	// 100 healthy, 10 at exactly 0.5, 10 below, 10 never answered.
	var healthy []string
	for i := range 130 {
		hp := fmt.Sprintf("p%d.example:6264", i)
		addMember(t, tb, hp)
		switch {
		case i < 100:
			tb.Observe(hp, true)
			healthy = append(healthy, hp)
		case i < 110:
			tb.Observe(hp, true)
			tb.Observe(hp, false)
			healthy = append(healthy, hp)
		case i < 120:
			tb.Observe(hp, true)
			tb.Observe(hp, false)
			tb.Observe(hp, false)
		default:
			tb.Observe(hp, false)
		}
	}
	t.Run("filter", func(t *testing.T) {
		got := tb.LiveNeighbors("", -1)
		sort.Strings(got)
		want := append([]string(nil), healthy...)
		sort.Strings(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("live = %d peers, want the %d healthy ones", len(got), len(want))
		}
	})
	t.Run("exclude", func(t *testing.T) {
		for _, p := range tb.LiveNeighbors(healthy[0], -1) {
			if p == healthy[0] {
				t.Fatal("excluded peer listed")
			}
		}
	})
	t.Run("truncated and shuffled", func(t *testing.T) {
		a := tb.LiveNeighbors("", NumNeighbors)
		b := tb.LiveNeighbors("", NumNeighbors)
		if len(a) != NumNeighbors || len(b) != NumNeighbors {
			t.Fatalf("lengths %d, %d; want %d", len(a), len(b), NumNeighbors)
		}
		if fmt.Sprint(a) == fmt.Sprint(b) {
			t.Fatal("two answers in the same order: not shuffled")
		}
	})
	t.Run("health window", func(t *testing.T) {
		clk.Add(HealthWindow + time.Second)
		if got := tb.LiveNeighbors("", -1); len(got) != 0 {
			t.Fatalf("%d live after the window passed, want 0", len(got))
		}
	})
}

func TestPeerExchangeRole(t *testing.T) {
	clk := newClock()
	tests := []struct {
		name, caller, claimed string
		wantQueued            string
		wantErr               error
	}{
		{"local caller names a peer", "127.0.0.1", "Other.Example:16264", "other.example:16264", nil},
		{"local v6 caller", "::1", "127.0.0.1:7000", "localhost:7000", nil},
		{"local caller names garbage", "127.0.0.1", "not a peer", "", ErrBadRemotePeer},
		{"remote caller cannot name a peer", "203.0.113.9", "victim.example:6264", "203.0.113.9:6264", nil},
		{"remote v6 caller answered, not queued", "2001:db8::9", "x.example:6264", "", nil},
		{"self is never queued", "127.0.0.1", "self.example:6264", "", nil},
		{"blacklisted is never queued", "127.0.0.1", "bad.example:6264", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTestTable(t, &fakeProber{}, clk, func(c *Config) { c.Blacklist = []string{"bad.example:6264"} })
			addMember(t, tb, "live.example:6264")
			tb.Observe("live.example:6264", true)
			got, err := tb.AtlasPeerExchange(tc.caller, tc.claimed)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err == nil && (len(got) != 1 || got[0] != "live.example:6264") {
				t.Fatalf("neighbours = %q", got)
			}
			var queued []string
			tb.mu.Lock()
			queued = append(queued, tb.pending...)
			tb.mu.Unlock()
			if tc.wantQueued == "" && len(queued) != 0 || tc.wantQueued != "" && (len(queued) != 1 || queued[0] != tc.wantQueued) {
				t.Fatalf("queued %q, want %q", queued, tc.wantQueued)
			}
		})
	}
	t.Run("get_atlas_peers records the caller at our RPC port", func(t *testing.T) {
		tb := newTestTable(t, &fakeProber{}, clk, func(c *Config) { c.RPCPort = 16264 })
		tb.GetAtlasPeers("198.51.100.4")
		if tb.PendingLen() != 1 || tb.pending[0] != "198.51.100.4:16264" {
			t.Fatalf("queued %q", tb.pending)
		}
	})
	t.Run("members are not queued again", func(t *testing.T) {
		tb := newTestTable(t, &fakeProber{}, clk)
		addMember(t, tb, "m.example:6264")
		if n := tb.Enqueue("m.example:6264", "M.EXAMPLE:6264", "n.example:6264", "n.example:6264"); n != 1 {
			t.Fatalf("queued %d, want 1", n)
		}
	})
}

// TestQueueBounded makes 10,000 peer exchange calls from distinct claimed
// (local callers) and real (remote callers) addresses and checks that the
// table and its queue stay within their bounds.
func TestQueueBounded(t *testing.T) {
	clk := newClock()
	tb := newTestTable(t, &fakeProber{}, clk, func(c *Config) { c.Seeds = []string{"seed.example:6264"} })
	for i := range 10000 {
		if _, err := tb.AtlasPeerExchange("127.0.0.1", fmt.Sprintf("claimed%d.example:%d", i, 1000+i%60000)); err != nil {
			t.Fatal(err)
		}
		tb.GetAtlasPeers(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
	}
	if n := tb.PendingLen(); n != MaxPending {
		t.Fatalf("queue holds %d, want exactly the bound %d", n, MaxPending)
	}
	if n := tb.Len(); n != 1 {
		t.Fatalf("table holds %d members after 20,000 unprobed exchanges, want the 1 seed", n)
	}
}

func TestDrop(t *testing.T) {
	clk := newClock()
	tb := newTestTable(t, &fakeProber{}, clk, func(c *Config) { c.Seeds = []string{"seed.example:6264"} })
	addMember(t, tb, "liar.example:6264")
	steps := []struct {
		name    string
		run     func() bool
		want    bool
		advance time.Duration
	}{
		{"seeds are not dropped", func() bool { return tb.Drop("seed.example:6264") }, false, 0},
		{"a member is", func() bool { return tb.Drop("liar.example:6264") }, true, 0},
		{"gone from the table", func() bool { return tb.Has("liar.example:6264") }, false, 0},
		{"not queued while dropped", func() bool { return tb.Enqueue("liar.example:6264") == 1 }, false, DropDuration - time.Second},
		{"still not", func() bool { return tb.Enqueue("liar.example:6264") == 1 }, false, time.Second},
		{"queued again after a day", func() bool { return tb.Enqueue("liar.example:6264") == 1 }, true, 0},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if got := s.run(); got != s.want {
				t.Fatalf("got %v, want %v", got, s.want)
			}
			clk.Add(s.advance)
		})
	}
	t.Run("bounded", func(t *testing.T) {
		for i := range maxDropped + 500 {
			hp := fmt.Sprintf("d%d.example:6264", i)
			addMember(t, tb, hp)
			tb.Drop(hp)
		}
		tb.mu.Lock()
		n := len(tb.dropped)
		tb.mu.Unlock()
		if n > maxDropped {
			t.Fatalf("%d dropped peers remembered, bound %d", n, maxDropped)
		}
		// The newest are the ones kept.
		if tb.Enqueue(fmt.Sprintf("d%d.example:6264", maxDropped+499)) != 0 {
			t.Fatal("newest dropped peer forgotten")
		}
	})
}
