package service

import (
	"context"
	"errors"
	"time"

	"github.com/atlasd/atlasd/atlas/peers"
)

// minCrawlGap is the least time between two crawler steps, however often
// peer-exchange callers wake the crawler: each step may call a peer.
const minCrawlGap = 250 * time.Millisecond

// crawlLoop runs crawler steps (admit queued candidates, walk, prune):
// the next one minCrawlGap after a step that changed the table or left
// candidates queued, else after CrawlInterval or when a peer-exchange
// caller is queued. It returns nil when ctx ends.
func (s *Service) crawlLoop(ctx context.Context) error {
	for {
		rep := s.crawler.Step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if s.recordStep(rep) {
			// New neighbours: read their inventories now.
			kick(s.kickRepl)
		}
		busy := rep.Changed() || s.table.PendingLen() > 0
		if !sleep(ctx, minCrawlGap) {
			return nil
		}
		if busy {
			continue
		}
		t := time.NewTimer(s.cfg.CrawlInterval - minCrawlGap)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.kickCrawl:
			t.Stop()
		case <-t.C:
		}
	}
}

// recordStep counts a step's admissions and refusals and reports whether
// anyone was admitted.
func (s *Service) recordStep(rep peers.StepReport) bool {
	admitted := false
	for _, a := range rep.Admissions {
		if a.Err == nil {
			admitted = true
			s.stats.admitted.Add(1)
			s.log.Info().Str("peer", a.Peer).Msg("admitted peer")
			continue
		}
		if errors.Is(a.Err, peers.ErrKnown) {
			continue // admitted by another path meanwhile
		}
		reason := refusalReason(a.Err)
		s.stats.refuse(reason)
		s.log.Debug().Str("peer", a.Peer).Str("reason", reason).Err(a.Err).Msg("peer not admitted")
	}
	for _, p := range rep.Removed {
		s.log.Info().Str("peer", p).Msg("removed unhealthy peer")
	}
	return admitted
}

// Refusal reasons, as Status reports them.
const (
	// RefusedFork: not ahead of us, and its consensus hash is not ours.
	RefusedFork = "fork"
	// RefusedStale: it says it has not indexed for two hours.
	RefusedStale = "stale"
	// RefusedNetwork: its testnet flag differs from ours.
	RefusedNetwork = "network"
	// RefusedVersion: older than v1's 0.17, or no version at all.
	RefusedVersion = "version"
	// RefusedSlotTaken: its table slot belongs to a live member.
	RefusedSlotTaken = "slot_taken"
	// RefusedUnreachable: getinfo failed or did not parse.
	RefusedUnreachable = "unreachable"
)

// refusalReason names why an admission failed.
func refusalReason(err error) string {
	switch {
	case errors.Is(err, peers.ErrOtherFork):
		return RefusedFork
	case errors.Is(err, peers.ErrStale):
		return RefusedStale
	case errors.Is(err, peers.ErrNetwork):
		return RefusedNetwork
	case errors.Is(err, peers.ErrTooOld):
		return RefusedVersion
	case errors.Is(err, peers.ErrSlotTaken):
		return RefusedSlotTaken
	default:
		return RefusedUnreachable
	}
}

// sleep waits d and reports false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
