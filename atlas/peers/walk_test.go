package peers

import (
	"context"
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
