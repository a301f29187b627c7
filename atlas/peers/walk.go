package peers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
)

// ErrWalkReset reports a walk step that failed and reset the walk: a
// neighbour list could not be fetched or was empty. The walk starts over
// from a new peer rather than stepping back.
var ErrWalkReset = errors.New("peers: walk reset")

// ErrNoPosition reports a Step on a walk that has not been started.
var ErrNoPosition = errors.New("peers: walk has no position")

// NeighborsFunc fetches the neighbour list of a peer.
type NeighborsFunc func(ctx context.Context, peer string) ([]string, error)

// Walker is the Metropolis-Hastings random walk with delayed acceptance
// (MHRWDA; Lee, Xu & Eun, SIGMETRICS 2012) over the peer graph, as v1's
// AtlasPeerCrawler.random_walk_graph runs it. The Metropolis-Hastings
// acceptance min(1, d_current/d_next) makes every peer equally likely to be
// visited in the long run whatever its degree, so a well-connected peer (or
// an attacker posing as one) is not oversampled; delayed acceptance makes a
// step straight back to the previous peer less likely, which mixes faster.
//
// Neighbour lists are deduplicated before use, so a peer that repeats
// entries cannot inflate its degree or weight a neighbour. A Walker is not
// safe for concurrent use.
type Walker struct {
	rng   *rand.Rand
	fetch NeighborsFunc

	cur, prev string
	curN      []string
	prevDeg   int
}

// NewWalker returns an unstarted walker that draws from rng and fetches
// neighbour lists with fetch.
func NewWalker(rng *rand.Rand, fetch NeighborsFunc) *Walker {
	return &Walker{rng: rng, fetch: fetch}
}

// Position returns the current peer and its neighbour list, or false if the
// walk has no position.
func (w *Walker) Position() (string, []string, bool) {
	return w.cur, w.curN, w.cur != ""
}

// Reset forgets the position; the next walk needs Start.
func (w *Walker) Reset() {
	w.cur, w.prev, w.curN, w.prevDeg = "", "", nil, 0
}

// Start places the walk at peer and fetches its neighbours, which it
// returns. On failure the walk is left reset.
func (w *Walker) Start(ctx context.Context, peer string) ([]string, error) {
	w.Reset()
	n, err := w.neighbors(ctx, peer)
	if err != nil {
		return nil, err
	}
	w.cur, w.curN = peer, n
	return n, nil
}

// neighbors fetches and deduplicates a neighbour list; an error or an empty
// list fails the step.
func (w *Walker) neighbors(ctx context.Context, peer string) ([]string, error) {
	n, err := w.fetch(ctx, peer)
	if err != nil {
		return nil, fmt.Errorf("%w: neighbours of %s: %w", ErrWalkReset, peer, err)
	}
	n = dedup(n)
	if len(n) == 0 {
		return nil, fmt.Errorf("%w: %s has no neighbours", ErrWalkReset, peer)
	}
	return n, nil
}

// Step moves the walk one step (spec §4.4) and returns the peer it is now at
// and that peer's neighbours; staying put is a step too. Any failed fetch
// resets the walk and returns an error wrapping ErrWalkReset.
func (w *Walker) Step(ctx context.Context) (string, []string, error) {
	if w.cur == "" {
		return "", nil, ErrNoPosition
	}
	chosen, chosenN, err := w.choose(ctx)
	if err != nil {
		w.Reset()
		return "", nil, err
	}
	w.prev, w.prevDeg = w.cur, len(w.curN)
	w.cur, w.curN = chosen, chosenN
	return chosen, chosenN, nil
}

func (w *Walker) choose(ctx context.Context) (string, []string, error) {
	dc := len(w.curN)
	next := w.curN[w.rng.IntN(dc)]
	nextN, err := w.neighbors(ctx, next)
	if err != nil {
		return "", nil, err
	}
	if w.rng.Float64() > min(1, float64(dc)/float64(len(nextN))) {
		// Rejected: stay, with a fresh neighbour list.
		curN, err := w.neighbors(ctx, w.cur)
		if err != nil {
			return "", nil, err
		}
		return w.cur, curN, nil
	}
	if next != w.prev || dc <= 1 {
		return next, nextN, nil
	}
	// Accepted a step straight back: propose another neighbour instead,
	// and take it with probability
	// min(1, min(1, (d_c/d_alt)²), max(1, (d_prev/d_c)²)), v1's formula,
	// which the max term (never below 1) reduces to min(1, (d_c/d_alt)²).
	alt := w.pickOther(next)
	altN, err := w.neighbors(ctx, alt)
	if err != nil {
		return "", nil, err
	}
	r := float64(dc) / float64(len(altN))
	if w.rng.Float64() <= min(1, r*r) {
		return alt, altN, nil
	}
	return next, nextN, nil
}

// pickOther draws uniformly from the current neighbours other than skip;
// there is at least one, since the list is deduplicated and dc > 1.
func (w *Walker) pickOther(skip string) string {
	i := w.rng.IntN(len(w.curN) - 1)
	for _, p := range w.curN {
		if p == skip {
			continue
		}
		if i == 0 {
			return p
		}
		i--
	}
	return skip // unreachable with a deduplicated list holding skip
}

// dedup keeps the first occurrence of each entry.
func dedup(in []string) []string {
	seen := make(map[string]struct{}, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if _, dup := seen[s]; !dup {
			seen[s] = struct{}{}
			out = append(out, s)
		}
	}
	return out
}
