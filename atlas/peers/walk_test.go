package peers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// graph is an undirected test graph: adjacency lists by node name.
type graph map[string][]string

func (g graph) edge(a, b string) {
	g[a] = append(g[a], b)
	g[b] = append(g[b], a)
}

func (g graph) fetch(ctx context.Context, p string) ([]string, error) {
	n, ok := g[p]
	if !ok {
		return nil, fmt.Errorf("no such node %s", p)
	}
	return append([]string(nil), n...), nil
}

func node(kind string, i int) string { return fmt.Sprintf("%s%d.example:6264", kind, i) }

// irregular builds a connected graph whose degrees run from 1 to 9: a
// 6-clique, a 6-node path hanging off it, and a hub with 8 leaves at the
// path's end, plus a chord so that it is not a tree outside the clique.
func irregular() graph {
	g := graph{}
	for i := range 6 {
		for j := i + 1; j < 6; j++ {
			g.edge(node("k", i), node("k", j))
		}
	}
	g.edge(node("k", 0), node("p", 0))
	for i := range 5 {
		g.edge(node("p", i), node("p", i+1))
	}
	g.edge(node("p", 5), node("h", 0))
	for i := range 8 {
		g.edge(node("h", 0), node("l", i))
	}
	g.edge(node("p", 2), node("k", 3))
	return g
}

// ring is a cycle of n nodes: every degree is 2.
func ring(n int) graph {
	g := graph{}
	for i := range n {
		g.edge(node("r", i), node("r", (i+1)%n))
	}
	return g
}

// tvFromUniform is the total variation distance between visit frequencies
// and the uniform distribution over the graph's nodes.
func tvFromUniform(g graph, visits map[string]int, total int) float64 {
	u := 1 / float64(len(g))
	d := 0.0
	for p := range g {
		d += math.Abs(float64(visits[p])/float64(total) - u)
	}
	return d / 2
}

// simpleWalk is the plain random walk (uniform neighbour, always move),
// whose long-run visits are proportional to degree: the bias MHRWDA removes.
func simpleWalk(g graph, rng *rand.Rand, start string, steps int) map[string]int {
	visits := map[string]int{}
	cur := start
	for range steps {
		n := g[cur]
		cur = n[rng.IntN(len(n))]
		visits[cur]++
	}
	return visits
}

func TestWalkerStationaryUniform(t *testing.T) {
	const steps, burn = 400000, 1000
	g := irregular()
	tests := []struct {
		name string
		seed uint64
	}{
		{"seed 1", 1},
		{"seed 2", 2},
		{"seed 3", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(tc.seed, 0x5eed))
			w := NewWalker(rng, g.fetch)
			if _, err := w.Start(ctx, node("l", 0)); err != nil {
				t.Fatal(err)
			}
			visits := map[string]int{}
			for i := range steps + burn {
				p, _, err := w.Step(ctx)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if i >= burn {
					visits[p]++
				}
			}
			mh := tvFromUniform(g, visits, steps)
			srw := tvFromUniform(g, simpleWalk(g, rand.New(rand.NewPCG(tc.seed, 0x5eed)), node("l", 0), steps), steps)
			t.Logf("total variation from uniform: MHRWDA %.4f, simple walk %.4f", mh, srw)
			if mh > 0.03 {
				t.Errorf("MHRWDA visits are %.4f from uniform, want <= 0.03", mh)
			}
			// The same tolerance must reject the degree-biased walk, or the
			// check above would prove nothing.
			if srw <= 0.03 {
				t.Errorf("simple walk is %.4f from uniform; the graph does not separate the two", srw)
			}
		})
	}
}

// TestWalkerNoBacktrackOnRing: on a cycle every proposal is accepted, and
// a proposal to go back is always replaced by the other neighbour, so the
// walk goes round in one direction.
func TestWalkerNoBacktrackOnRing(t *testing.T) {
	const n = 10
	g := ring(n)
	ctx := context.Background()
	w := NewWalker(rand.New(rand.NewPCG(1, 2)), g.fetch)
	if _, err := w.Start(ctx, node("r", 0)); err != nil {
		t.Fatal(err)
	}
	idx := func(p string) int {
		var i int
		fmt.Sscanf(p, "r%d.example:6264", &i)
		return i
	}
	cur := 0
	first, _, err := w.Step(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := (idx(first) - cur + n) % n // 1 or n-1
	cur = idx(first)
	for i := range 1000 {
		p, _, err := w.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if (idx(p)-cur+n)%n != dir {
			t.Fatalf("step %d went from r%d to %s against direction %d", i, cur, p, dir)
		}
		cur = idx(p)
	}
}

// TestWalkerBacktracksLess compares how often MHRWDA steps straight back
// with a Metropolis-Hastings walk without delayed acceptance, on the
// irregular graph. Fewer backtracks is the point of delayed acceptance.
func TestWalkerBacktracksLess(t *testing.T) {
	const steps = 100000
	g := irregular()
	ctx := context.Background()
	w := NewWalker(rand.New(rand.NewPCG(9, 9)), g.fetch)
	if _, err := w.Start(ctx, node("k", 0)); err != nil {
		t.Fatal(err)
	}
	var prev, cur string = "", node("k", 0)
	da := 0
	for range steps {
		p, _, err := w.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p == prev && p != cur {
			da++
		}
		if p != cur {
			prev, cur = cur, p
		}
	}
	rng := rand.New(rand.NewPCG(9, 9))
	prev, cur = "", node("k", 0)
	mh := 0
	for range steps {
		n := g[cur]
		next := n[rng.IntN(len(n))]
		if rng.Float64() <= min(1, float64(len(n))/float64(len(g[next]))) {
			if next == prev {
				mh++
			}
			prev, cur = cur, next
		}
	}
	t.Logf("backtracks in %d steps: MHRWDA %d, MH %d", steps, da, mh)
	if float64(da) > 0.8*float64(mh) {
		t.Fatalf("MHRWDA backtracked %d times, plain MH %d: delayed acceptance is not working", da, mh)
	}
}

func TestWalkerResets(t *testing.T) {
	ctx := context.Background()
	g := graph{}
	g.edge("a.example:6264", "b.example:6264")
	g.edge("a.example:6264", "gone.example:6264")
	g["lonely.example:6264"] = []string{}
	delete(g, "gone.example:6264") // listed as a neighbour, does not answer
	tests := []struct {
		name  string
		start string
		ok    bool
	}{
		{"start at a dead peer", "gone.example:6264", false},
		{"start at a peer with no neighbours", "lonely.example:6264", false},
		{"start at a live peer", "a.example:6264", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWalker(rand.New(rand.NewPCG(3, 3)), g.fetch)
			_, err := w.Start(ctx, tc.start)
			if (err == nil) != tc.ok {
				t.Fatalf("Start err = %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrWalkReset) {
				t.Fatalf("err = %v, want ErrWalkReset", err)
			}
			if _, _, has := w.Position(); has != tc.ok {
				t.Fatalf("position after start = %v", has)
			}
		})
	}
	t.Run("a step into a dead peer resets, never steps back", func(t *testing.T) {
		resets := 0
		for seed := range uint64(50) {
			w := NewWalker(rand.New(rand.NewPCG(seed, 1)), g.fetch)
			if _, err := w.Start(ctx, "a.example:6264"); err != nil {
				t.Fatal(err)
			}
			for range 20 {
				_, _, err := w.Step(ctx)
				if err != nil {
					if !errors.Is(err, ErrWalkReset) {
						t.Fatalf("err = %v", err)
					}
					if _, _, has := w.Position(); has {
						t.Fatal("failed step kept a position")
					}
					resets++
					break
				}
			}
		}
		if resets == 0 {
			t.Fatal("no walk ever hit the dead neighbour")
		}
	})
	t.Run("step before start", func(t *testing.T) {
		w := NewWalker(rand.New(rand.NewPCG(3, 3)), g.fetch)
		if _, _, err := w.Step(ctx); !errors.Is(err, ErrNoPosition) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestWalkerDedup: a peer listing one neighbour many times has degree 1.
func TestWalkerDedup(t *testing.T) {
	g := graph{
		"a.example:6264": {"b.example:6264", "b.example:6264", "b.example:6264", "c.example:6264"},
		"b.example:6264": {"a.example:6264"},
		"c.example:6264": {"a.example:6264"},
	}
	w := NewWalker(rand.New(rand.NewPCG(5, 5)), g.fetch)
	n, err := w.Start(context.Background(), "a.example:6264")
	if err != nil || len(n) != 2 {
		t.Fatalf("neighbours = %q, %v", n, err)
	}
}
