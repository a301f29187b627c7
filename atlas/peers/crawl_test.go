package peers

import (
	"context"
	"testing"

	"github.com/atlasd/atlasd/atlas/peers/peertest"
)

// TestCrawlerDiscovers starts from one seed in a network of real peers
// whose neighbour lists form a path, and crawls until it knows them all,
// or all but a blacklisted one, which it must never contact.
func TestCrawlerDiscovers(t *testing.T) {
	const n = 6
	tests := []struct {
		name      string
		blacklist bool
	}{
		{"open network", false},
		{"last peer blacklisted", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := make([]*peertest.Peer, n)
			names := make([]string, n)
			for i := range ps {
				ps[i] = peertest.Start(t, peertest.Config{})
				names[i], _ = Canonical(ps[i].HostPort())
			}
			for i, p := range ps {
				var nb []string
				if i > 0 {
					nb = append(nb, names[i-1])
				}
				if i < n-1 {
					nb = append(nb, names[i+1])
				}
				// One unreachable entry, which must never be admitted.
				nb = append(nb, "localhost:10")
				p.SetNeighbors(nb)
			}
			want := n
			var black []string
			if tc.blacklist {
				black = []string{names[n-1]}
				want = n - 1
			}
			d := &Dialer{}
			tb := newTestTable(t, d, newClock(), func(c *Config) {
				c.Seeds = []string{names[0]}
				c.Blacklist = black
			})
			c := NewCrawler(tb, d)
			ctx := context.Background()
			steps := 0
			for ; steps < 200 && tb.Len() < want; steps++ {
				c.Step(ctx)
			}
			// A few more steps: nothing else may join.
			for range 20 {
				c.Step(ctx)
			}
			if tb.Len() != want {
				t.Fatalf("after %d steps the table holds %v", steps, tb.Members())
			}
			t.Logf("found all %d peers in %d steps", want, steps)
			for i, p := range ps[:want] {
				if !tb.Has(names[i]) {
					t.Errorf("%s not a member", names[i])
				}
				for _, self := range p.Exchanged() {
					if self != tb.Self() {
						t.Errorf("%s was told we are %q", names[i], self)
					}
				}
			}
			if tc.blacklist {
				last := ps[n-1]
				if last.Calls("getinfo")+last.Calls("atlas_peer_exchange") != 0 {
					t.Error("blacklisted peer contacted")
				}
			}
			if tb.Has("localhost:10") {
				t.Error("unreachable neighbour admitted")
			}
		})
	}
}
