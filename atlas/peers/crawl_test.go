package peers

import (
	"context"
	"fmt"
	"testing"

	"github.com/atlasd/atlasd/atlas/peers/peertest"
)

// TestCrawlerDiscovers starts from one seed in a network of real peers
// whose neighbour lists form a path, and crawls until it knows them all.
func TestCrawlerDiscovers(t *testing.T) {
	const n = 6
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
	d := &Dialer{}
	tb := newTestTable(t, d, newClock(), func(c *Config) { c.Seeds = []string{names[0]} })
	c := NewCrawler(tb, d)
	ctx := context.Background()
	steps := 0
	for ; steps < 200 && tb.Len() < n; steps++ {
		c.Step(ctx)
	}
	if tb.Len() != n {
		t.Fatalf("after %d steps the table holds %v", steps, tb.Members())
	}
	t.Logf("found all %d peers in %d steps", n, steps)
	for i, p := range ps {
		if !tb.Has(names[i]) {
			t.Errorf("%s not a member", names[i])
		}
		for _, self := range p.Exchanged() {
			if self != tb.Self() {
				t.Errorf("%s was told we are %q", names[i], self)
			}
		}
	}
	if tb.Has("localhost:10") {
		t.Error("unreachable neighbour admitted")
	}
	if got := fmt.Sprint(ps[0].Exchanged()[:1]); got != "["+tb.Self()+"]" {
		t.Errorf("seed saw %s", got)
	}
}
