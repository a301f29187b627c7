package peers

import (
	"context"
	"math/rand/v2"
	"time"
)

// Crawler pacing (atlas.py).
const (
	// AdmitPerStep is how many candidates one crawler step probes.
	AdmitPerStep = 10
	// CrawlInterval is the pause between crawler steps that changed
	// nothing (PEER_CRAWL_NEIGHBOR_WORK_INTERVAL).
	CrawlInterval = 300 * time.Second
)

// Exchanger asks a peer for its neighbours, naming ourselves as a peer.
// *Dialer implements it.
type Exchanger interface {
	PeerExchange(ctx context.Context, hostport, self string) ([]string, error)
}

// Crawler runs v1's peer discovery (AtlasPeerCrawler.step) over a Table:
// admit queued candidates, take one MHRWDA step over the peer graph and
// queue the neighbours it sees, then prune.
type Crawler struct {
	table  *Table
	ex     Exchanger
	walker *Walker
}

// NewCrawler returns a crawler over table that asks peers through ex. Its
// walk gets a generator of its own, seeded from the table's, because the
// table's is shared with the goroutines serving peer exchange.
func NewCrawler(table *Table, ex Exchanger) *Crawler {
	table.mu.Lock()
	rng := rand.New(rand.NewPCG(table.rng.Uint64(), table.rng.Uint64()))
	table.mu.Unlock()
	c := &Crawler{table: table, ex: ex}
	c.walker = NewWalker(rng, c.neighbors)
	return c
}

// neighbors is the walk's fetch: our own live neighbours when the walk is
// at us, else a peer exchange whose outcome counts toward the peer's
// health. Our own address is dropped from every list, as v1 does when it
// starts a walk, so the walk never dials itself; so are blacklisted peers,
// which are never contacted.
func (c *Crawler) neighbors(ctx context.Context, peer string) ([]string, error) {
	if peer == c.table.self {
		return c.table.LiveNeighbors("", -1), nil
	}
	n, err := c.ex.PeerExchange(ctx, peer, c.table.self)
	c.table.Observe(peer, err == nil)
	if err != nil {
		return nil, err
	}
	out := n[:0]
	for _, p := range n {
		// The blacklist is fixed at New, so reading it needs no lock.
		if hp, err := Canonical(p); err == nil && hp != c.table.self && !c.table.black[hp] {
			out = append(out, hp)
		}
	}
	return out, nil
}

// StepReport says what one crawler step did.
type StepReport struct {
	// Admissions are the candidates probed and their outcomes.
	Admissions []Admission
	// At is the walk's position after the step, "" if it reset.
	At string
	// WalkErr is why the walk reset, if it did.
	WalkErr error
	// Removed are the members pruned.
	Removed []string
}

// Changed reports whether the step admitted or removed anyone.
func (r StepReport) Changed() bool {
	for _, a := range r.Admissions {
		if a.Err == nil {
			return true
		}
	}
	return len(r.Removed) > 0
}

// Step runs one crawler step.
func (c *Crawler) Step(ctx context.Context) StepReport {
	var r StepReport
	r.Admissions = c.table.Admit(ctx, AdmitPerStep)
	if _, _, ok := c.walker.Position(); !ok {
		if start, ok := c.table.RandomMember(); ok {
			n, err := c.walker.Start(ctx, start)
			r.WalkErr = err
			c.table.Enqueue(n...)
		}
	}
	if _, _, ok := c.walker.Position(); ok {
		at, n, err := c.walker.Step(ctx)
		r.At, r.WalkErr = at, err
		c.table.Enqueue(n...)
	}
	r.Removed = c.table.Prune(ctx)
	return r
}

// Run steps until ctx is cancelled, pausing CrawlInterval after a step that
// changed nothing, and returns nil on cancellation.
func (c *Crawler) Run(ctx context.Context) error {
	for {
		r := c.Step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if r.Changed() {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(CrawlInterval):
		}
	}
}
