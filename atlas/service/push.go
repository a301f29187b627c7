package service

import (
	"context"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/node"
	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/replicate"
)

// maxPushBatch bounds the zonefiles one Push call carries, so that one
// burst of arrivals does not hold back the next for long.
const maxPushBatch = 20 * peers.MaxPutZonefiles

// onEvent is the node's Notify: it runs on the goroutine that stored the
// zonefile, so it only hands the event on. A full push queue drops the
// hash (the zonefile then spreads by pull alone), as v1 did past
// MAX_QUEUED_ZONEFILES.
func (s *Service) onEvent(e node.Event) {
	if !e.Reannounced && s.cfg.OnStored != nil {
		s.cfg.OnStored(e.Hash, e.Height)
	}
	select {
	case s.pushQ <- e.Hash:
	default:
		s.stats.pushDropped.Add(1)
	}
}

// pushLoop sends zonefiles that became present to the neighbours whose
// cached inventory lacks them, PushDelay after the first of a burst
// arrived, and returns nil when ctx ends.
func (s *Service) pushLoop(ctx context.Context) error {
	for {
		var first inventory.Hash
		select {
		case <-ctx.Done():
			return nil
		case first = <-s.pushQ:
		}
		batch := s.gather(ctx, first)
		files := s.loadForPush(batch)
		if len(files) == 0 {
			continue
		}
		rep, err := s.repl.Push(ctx, files)
		if err != nil {
			// Only zonefiles failing their own hash check are refused,
			// and those came from our store, which verifies every read.
			s.log.Warn().Err(err).Msg("push refused zonefiles")
		}
		kept := 0
		for _, hs := range rep.Kept {
			kept += len(hs)
		}
		s.stats.pushed.Add(uint64(kept))
		s.log.Debug().Int("zonefiles", len(files)).Int("calls", rep.Calls).Int("kept", kept).Msg("pushed")
	}
}

// gather collects first and whatever else arrives within PushDelay, up to
// maxPushBatch hashes, each once.
func (s *Service) gather(ctx context.Context, first inventory.Hash) []inventory.Hash {
	seen := map[inventory.Hash]bool{first: true}
	batch := []inventory.Hash{first}
	deadline := time.NewTimer(s.cfg.PushDelay)
	defer deadline.Stop()
	for len(batch) < maxPushBatch {
		select {
		case <-ctx.Done():
			return batch
		case <-deadline.C:
			return batch
		case h := <-s.pushQ:
			if !seen[h] {
				seen[h] = true
				batch = append(batch, h)
			}
		}
	}
	return batch
}

// loadForPush reads the zonefiles back with the bits of their slots,
// skipping any no longer held or announced.
func (s *Service) loadForPush(hashes []inventory.Hash) []replicate.Zonefile {
	out := make([]replicate.Zonefile, 0, len(hashes))
	for _, h := range hashes {
		slots := s.core.ByHash(h)
		if len(slots) == 0 {
			continue
		}
		data, err := s.core.Get(h)
		if err != nil {
			continue
		}
		bits := make([]int, len(slots))
		for i, sl := range slots {
			bits[i] = sl.Index - 1
		}
		out = append(out, replicate.Zonefile{Hash: h, Bits: bits, Data: data})
	}
	return out
}
