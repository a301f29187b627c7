package replicate

import (
	"context"
	"fmt"
	"sync"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers"
)

// Report says what a Fetch did.
type Report struct {
	// Rounds is how many plan-and-fetch rounds ran.
	Rounds int
	// Batches is how many get_zonefiles calls were made.
	Batches int
	// Stored lists the zonefiles verified and handed to Store.
	Stored []inventory.Hash
	// Bad counts, per peer, zonefiles that did not match their hash.
	Bad map[string]int
	// Missing counts, per peer, zonefiles it advertised, was asked for and
	// did not send.
	Missing map[string]int
	// Dropped lists the peers removed for lying.
	Dropped []string
}

// Fetch gets as many of wants as the peers' cached inventories offer:
// rounds of Plan, then its batches in plan order, at most Concurrency calls
// at a time and one per peer. Every
// zonefile is checked against the hash it was asked for before Store sees
// it; a peer that sends bytes that do not match, or leaves out a zonefile
// it advertised, has those bits cleared in its cached inventory (so the
// next round asks the next peer) and a strike for the batch; at MaxStrikes
// it is removed from the peer table. The error, if any, is from Store.
func (r *Replicator) Fetch(ctx context.Context, wants []Want) (Report, error) {
	rep := Report{Bad: map[string]int{}, Missing: map[string]int{}}
	remaining := make(map[inventory.Hash]Want, len(wants))
	for _, w := range wants {
		remaining[w.Hash] = w
	}
	var (
		mu        sync.Mutex // guards rep and remaining during a round
		storeErrs int
		firstErr  error
	)
	// Rounds stop at a Store failure: it is ours, and asking peers again
	// at once would only fail the same way.
	for round := 0; round < maxRounds && len(remaining) > 0 && ctx.Err() == nil && firstErr == nil; round++ {
		list := make([]Want, 0, len(remaining))
		for _, w := range remaining {
			list = append(list, w)
		}
		batches := Plan(list, r.views())
		if len(batches) == 0 {
			break
		}
		rep.Rounds++
		r.execute(ctx, batches, func(b Batch, res batchResult) {
			mu.Lock()
			defer mu.Unlock()
			rep.Batches++
			rep.Stored = append(rep.Stored, res.stored...)
			for _, h := range res.stored {
				delete(remaining, h)
			}
			if res.bad > 0 {
				rep.Bad[b.Peer] += res.bad
			}
			if res.missing > 0 {
				rep.Missing[b.Peer] += res.missing
			}
			if res.dropped {
				rep.Dropped = append(rep.Dropped, b.Peer)
			}
			if res.storeErr != nil {
				storeErrs += res.storeErrs
				if firstErr == nil {
					firstErr = res.storeErr
				}
			}
		})
	}
	if firstErr != nil {
		return rep, fmt.Errorf("replicate: %d zonefiles not stored: %w", storeErrs, firstErr)
	}
	return rep, nil
}

// execute runs batches in plan order: each batch starts as soon as fewer
// than Concurrency calls are in flight and its peer has none, so the
// rarest wants go out first across all peers, no peer gets two calls at
// once (v1 servers handle one RPC at a time anyway), and the batches of a
// peer removed for lying are skipped. done is called once per batch run.
func (r *Replicator) execute(ctx context.Context, batches []Batch, done func(Batch, batchResult)) {
	var (
		mu       sync.Mutex
		cond     = sync.NewCond(&mu)
		taken    = make([]bool, len(batches))
		busy     = make(map[string]bool)
		dropped  = make(map[string]bool)
		inflight int
		left     = len(batches)
		wg       sync.WaitGroup
	)
	mu.Lock()
	for left > 0 && ctx.Err() == nil {
		next := -1
		if inflight < r.cfg.Concurrency {
			for i, b := range batches {
				switch {
				case taken[i]:
				case dropped[b.Peer]:
					taken[i] = true
					left--
				case !busy[b.Peer] && next < 0:
					next = i
				}
			}
		}
		if left == 0 {
			break
		}
		if next < 0 {
			// Something is in flight (a busy peer or a full pool means
			// so); its end broadcasts.
			cond.Wait()
			continue
		}
		b := batches[next]
		taken[next] = true
		left--
		busy[b.Peer] = true
		inflight++
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := r.runBatch(ctx, b)
			done(b, res)
			mu.Lock()
			busy[b.Peer] = false
			inflight--
			if res.dropped {
				dropped[b.Peer] = true
			}
			cond.Broadcast()
			mu.Unlock()
		}()
	}
	mu.Unlock()
	wg.Wait()
}

// views pairs each member with a copy of its cached inventory.
func (r *Replicator) views() []PeerView {
	members := r.cfg.Peers.Members()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]PeerView, 0, len(members))
	for _, m := range members {
		if s, ok := r.state[m.HostPort]; ok && s.inv != nil {
			out = append(out, PeerView{HostPort: m.HostPort, Health: m.Health, Inv: s.inv.Clone()})
		}
	}
	return out
}

type batchResult struct {
	stored       []inventory.Hash
	bad, missing int
	dropped      bool
	storeErrs    int
	storeErr     error
}

func (r *Replicator) runBatch(ctx context.Context, b Batch) batchResult {
	var res batchResult
	src, err := r.cfg.Dial(b.Peer)
	var files map[inventory.Hash][]byte
	if err == nil {
		files, err = src.GetZonefiles(ctx, b.Hashes)
	}
	if err != nil {
		if ctx.Err() == nil {
			r.cfg.Peers.Observe(b.Peer, false)
			// As v1 does: do not ask this peer again until its next
			// refresh. A failed call is not a lie, so no strike.
			r.mu.Lock()
			if s, ok := r.state[b.Peer]; ok && s.inv != nil {
				for _, h := range b.Hashes {
					clearBits(s.inv, b.Bits[h])
				}
			}
			r.mu.Unlock()
		}
		return res
	}
	r.cfg.Peers.Observe(b.Peer, true)
	var refused []inventory.Hash
	for _, h := range b.Hashes {
		data, sent := files[h]
		switch {
		case !sent:
			res.missing++
			refused = append(refused, h)
		case len(data) > peers.MaxZonefileLen || inventory.HashOf(data) != h:
			res.bad++
			refused = append(refused, h)
		default:
			if err := r.store(h, data); err != nil {
				res.storeErrs++
				if res.storeErr == nil {
					res.storeErr = fmt.Errorf("store %s: %w", h, err)
				}
				continue
			}
			res.stored = append(res.stored, h)
		}
	}
	if len(refused) > 0 {
		res.dropped = r.strike(b, refused)
	}
	return res
}

func (r *Replicator) store(h inventory.Hash, data []byte) error {
	r.storeMu.Lock()
	defer r.storeMu.Unlock()
	return r.cfg.Store(h, data)
}

// strike records a lying batch: the refused wants' bits are cleared now
// and after every refresh, and the peer gets one strike. It reports whether
// the peer was removed from the table for it.
func (r *Replicator) strike(b Batch, refused []inventory.Hash) bool {
	r.mu.Lock()
	s := r.stateLocked(b.Peer)
	if s.refused == nil {
		s.refused = make(map[inventory.Hash][]int)
	}
	fresh := false
	for _, h := range refused {
		if _, again := s.refused[h]; !again {
			fresh = true
		}
		s.refused[h] = b.Bits[h]
		if s.inv != nil {
			clearBits(s.inv, b.Bits[h])
		}
	}
	// Asking again for something already refused happens only when the
	// bits came back from a source other than the refresh (which clears
	// them); it is not a new lie.
	if fresh {
		s.strikes++
	}
	out := s.strikes >= r.cfg.MaxStrikes
	r.mu.Unlock()
	if out && r.cfg.Peers.Drop(b.Peer) {
		r.mu.Lock()
		delete(r.state, b.Peer)
		r.mu.Unlock()
		return true
	}
	return false
}
