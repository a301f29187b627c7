package service

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/replicate"
)

// Fetch tuning.
const (
	// maxWants caps the missing zonefiles one fetch round plans for; the
	// rest wait for the next round. It is above the whole of BNS v1
	// (about 300,000 announcements), so it bounds memory, not progress.
	maxWants = 1 << 20
	// flushFiles and flushBytes bound the fetched zonefiles held before
	// they are written in one synced batch.
	flushFiles = 512
	flushBytes = 4 << 20
)

// refreshClock is the replicator's clock: the real time plus an offset.
// The replicator re-reads a neighbour's inventory once its copy is a
// refresh interval old by this clock, and has no other way to be told the
// copies are out of date; expire moves the clock one interval on, which
// makes every copy due. Only the replicator's refresh timers read it.
type refreshClock struct {
	off  atomic.Int64
	step time.Duration
	// last is when expire last moved the clock, in real Unix nanoseconds.
	last atomic.Int64
}

// Now is the replicator's time.
func (c *refreshClock) Now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

// expire makes every cached inventory due, unless that was done less than
// gap ago: announcements arriving block after block during a catch-up must
// not turn into one inventory read per neighbour per block.
func (c *refreshClock) expire(gap time.Duration) {
	now := time.Now().UnixNano()
	if last := c.last.Load(); last != 0 && now-last < int64(gap) {
		return
	}
	c.last.Store(now)
	c.off.Add(int64(c.step))
}

// replicateLoop refreshes inventories, fetches what is missing and then
// waits: not at all after a round that stored something, a doubling pause
// from FetchInterval while announced zonefiles are still missing after new
// announcements (each pause ending in a fresh read of every inventory),
// and RefreshInterval otherwise. SyncChain and newly admitted peers end a
// pause early. It returns nil when ctx ends and an error only when storing
// fails, which stops the service: the disk is the problem.
func (s *Service) replicateLoop(ctx context.Context) error {
	var chase time.Duration // the next pause while chasing, 0 when not
	for {
		if s.newSlots.Swap(false) {
			s.clock.expire(s.cfg.FetchInterval)
			chase = s.cfg.FetchInterval
		}
		s.repl.RefreshInventories(ctx)
		stored, missing, err := s.fetchRound(ctx)
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		if stored > 0 {
			continue
		}
		wait, chasing := s.cfg.RefreshInterval, false
		if missing > 0 && chase > 0 {
			wait, chasing = chase, true
			if chase *= 2; chase > s.cfg.RefreshInterval {
				chase = 0
			}
		} else {
			chase = 0
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-s.kickRepl:
			timer.Stop()
		case <-timer.C:
			if chasing {
				s.clock.expire(s.cfg.FetchInterval)
			}
		}
	}
}

// fetchRound fetches what the node lacks from what the cached inventories
// offer, and writes it. It returns how many zonefiles it fetched and how
// many wanted ones are still missing.
func (s *Service) fetchRound(ctx context.Context) (stored, missing int, err error) {
	wants := s.wants()
	if len(wants) == 0 {
		return 0, 0, nil
	}
	rep, err := s.repl.Fetch(ctx, wants)
	// What was fetched before a cancellation is still worth keeping.
	_, ferr := s.flushFetched(context.WithoutCancel(ctx))
	for _, p := range rep.Dropped {
		s.stats.droppedLiars.Add(1)
		s.log.Warn().Str("peer", p).Int("bad", rep.Bad[p]).Int("missing", rep.Missing[p]).
			Msg("dropped peer: advertised zonefiles it did not deliver intact")
	}
	if len(rep.Stored) > 0 {
		s.log.Debug().Int("fetched", len(rep.Stored)).Int("wanted", len(wants)).Int("batches", rep.Batches).Msg("fetched zonefiles")
	}
	if err != nil {
		return len(rep.Stored), 0, err
	}
	if ferr != nil {
		return len(rep.Stored), 0, ferr
	}
	return len(rep.Stored), len(wants) - len(rep.Stored), nil
}

// wants lists the zonefiles the node lacks with the bits of their slots.
func (s *Service) wants() []replicate.Want {
	hashes := s.core.MissingHashes(maxWants)
	out := make([]replicate.Want, 0, len(hashes))
	for _, h := range hashes {
		slots := s.core.ByHash(h)
		if len(slots) == 0 {
			continue // rolled back since
		}
		bits := make([]int, len(slots))
		for i, sl := range slots {
			bits[i] = sl.Index - 1
		}
		out = append(out, replicate.Want{Hash: h, Bits: bits})
	}
	return out
}

// fetchBuffer holds fetched, verified zonefiles until they are written.
type fetchBuffer struct {
	mu    sync.Mutex
	files [][]byte
	size  int
}

// storeFetched is the replicator's Store: the zonefile was checked against
// its hash there. It is buffered and written with others in one synced
// batch; an error is the store's failure, which stops the service.
func (s *Service) storeFetched(_ inventory.Hash, data []byte) error {
	s.fetched.mu.Lock()
	s.fetched.files = append(s.fetched.files, data)
	s.fetched.size += len(data)
	full := len(s.fetched.files) >= flushFiles || s.fetched.size >= flushBytes
	s.fetched.mu.Unlock()
	if !full {
		return nil
	}
	_, err := s.flushFetched(s.bg)
	return err
}

// flushFetched writes the buffered zonefiles through the node (which keeps
// only announced ones and reports the new ones for pushing) and returns
// how many were newly stored.
func (s *Service) flushFetched(ctx context.Context) (int, error) {
	s.fetched.mu.Lock()
	defer s.fetched.mu.Unlock()
	if len(s.fetched.files) == 0 {
		return 0, nil
	}
	status, err := s.core.Put(ctx, s.fetched.files)
	n := len(s.fetched.files)
	s.fetched.files, s.fetched.size = nil, 0
	if err != nil {
		return 0, fmt.Errorf("service: store %d fetched zonefiles: %w", n, err)
	}
	stored := 0
	for _, st := range status {
		if st == node.Stored {
			stored++
		}
	}
	s.stats.fetched.Add(uint64(stored))
	return stored, nil
}
